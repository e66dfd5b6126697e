import type { Logger } from '@imagegate/findings';
import { OciError } from '../errors';
import { isImageManifestMediaType } from '../media-types';
import type { PlatformChoice } from '../source';
import type { Descriptor, ImageIndex, Platform } from '../types';
import { shorten } from './names';

const ARCH_ALIASES: Record<string, Platform> = {
  x86_64: { os: '', architecture: 'amd64' },
  'x86-64': { os: '', architecture: 'amd64' },
  aarch64: { os: '', architecture: 'arm64' },
  armhf: { os: '', architecture: 'arm', variant: 'v7' },
  armel: { os: '', architecture: 'arm', variant: 'v6' },
  i386: { os: '', architecture: '386' },
  i686: { os: '', architecture: '386' },
};

/** The variant an architecture means when none is named. */
const DEFAULT_VARIANT: Record<string, string> = {
  arm64: 'v8',
  arm: 'v7',
  amd64: 'v1',
};

const NODE_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips64el: 'mips64le',
};

/**
 * Parses `--platform`: `os/arch[/variant]`, or `all` for every platform
 * of an index. Common architecture aliases (`x86_64`, `aarch64`) are
 * normalized.
 */
export function parsePlatform(text: string): PlatformChoice {
  if (text.trim().toLowerCase() === 'all') return 'all';
  const parts = text.trim().toLowerCase().split('/');
  const [os, arch, variant] = parts;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !os ||
    !arch ||
    parts.includes('')
  ) {
    throw new OciError(
      'bad-reference',
      `platform '${shorten(text)}' is not os/arch[/variant] (for example linux/arm64) or 'all'`,
    );
  }
  return normalize({ os, architecture: arch, ...(variant ? { variant } : {}) });
}

/** The platform of the machine running imagegate (Linux for macOS). */
export function runnerPlatform(
  arch: string = process.arch,
  os: string = process.platform,
): Platform {
  const architecture = NODE_ARCH[arch] ?? arch;
  const armVersion = (process.config.variables as { arm_version?: string })
    .arm_version;
  const variant =
    architecture === 'arm' && armVersion ? `v${armVersion}` : undefined;
  return {
    os: os === 'win32' ? 'windows' : 'linux',
    architecture,
    ...(variant ? { variant } : {}),
  };
}

/** `os/arch[/variant]`, for messages. */
export function formatPlatform(platform: Platform | undefined): string {
  if (!platform) return 'unknown platform';
  const { os, architecture, variant } = platform;
  return [os, architecture, variant].filter(Boolean).join('/');
}

function normalize(platform: Platform): Platform {
  const alias = ARCH_ALIASES[platform.architecture];
  if (!alias) return platform;
  const variant = platform.variant ?? alias.variant;
  return {
    os: platform.os,
    architecture: alias.architecture,
    ...(variant ? { variant } : {}),
  };
}

// Limitation: `os.version` and `os.features` (Windows images) are not
// compared; the first entry for the os/arch/variant wins.
/** Whether an index entry or config is for the wanted platform. */
export function matchesPlatform(have: Platform, want: Platform): boolean {
  const a = normalize(have);
  const b = normalize(want);
  if (a.os !== b.os || a.architecture !== b.architecture) return false;
  if (b.variant === undefined) return true;
  return variantOf(a) === variantOf(b);
}

/**
 * Chooses the image manifests of an index for a platform. With `all`,
 * every image manifest that names a platform (attestations, marked
 * `unknown/unknown`, are left out). With one platform, the first matching
 * entry in index order; an exact variant wins over an unnamed one, and
 * duplicates are reported and skipped, so the choice is deterministic.
 */
export function selectManifests(
  index: ImageIndex,
  choice: PlatformChoice,
  logger: Logger,
  where: string,
): Descriptor[] {
  const images = index.manifests.filter(isPlatformImage);
  if (choice === 'all') return uniqueByDigest(images);
  const matches = images.filter((d) =>
    matchesPlatform(d.platform as Platform, choice),
  );
  const chosen = preferExact(matches, choice);
  if (chosen === undefined) throw noPlatform(images, choice, where);
  warnDuplicates(matches, chosen, logger, where);
  return [chosen];
}

function isPlatformImage(descriptor: Descriptor): boolean {
  const platform = descriptor.platform;
  return (
    platform !== undefined &&
    platform.os !== 'unknown' &&
    isImageManifestMediaType(descriptor.mediaType)
  );
}

function uniqueByDigest(descriptors: Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return descriptors.filter((d) => !seen.has(d.digest) && seen.add(d.digest));
}

function preferExact(
  matches: Descriptor[],
  want: Platform,
): Descriptor | undefined {
  const exact = matches.find(
    (d) => variantOf(d.platform as Platform) === variantOf(want),
  );
  return exact ?? matches[0];
}

/** The variant, or the one the architecture means when none is named. */
function variantOf(platform: Platform): string | undefined {
  const normal = normalize(platform);
  return normal.variant ?? DEFAULT_VARIANT[normal.architecture];
}

function warnDuplicates(
  matches: Descriptor[],
  chosen: Descriptor,
  logger: Logger,
  where: string,
): void {
  const others = matches.filter(
    (d) =>
      d.digest !== chosen.digest &&
      variantOf(d.platform as Platform) ===
        variantOf(chosen.platform as Platform),
  );
  if (others.length === 0) return;
  logger.warning(
    `${where} lists ${formatPlatform(chosen.platform)} ${others.length + 1} times; using ${chosen.digest}, the first exact match in index order`,
  );
}

function noPlatform(
  images: Descriptor[],
  want: Platform,
  where: string,
): OciError {
  const available = [...new Set(images.map((d) => formatPlatform(d.platform)))];
  return new OciError(
    'no-platform',
    `${where} has no image for ${formatPlatform(want)}; it has ${available.join(', ') || 'no platform-specific images'}. Choose one with --platform, or 'all'`,
  );
}
