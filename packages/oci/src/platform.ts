import type { Logger } from '@imagegate/findings';
import { OciError } from './errors';
import { isImageManifestMediaType, isIndexMediaType } from './media-types';
import type { PlatformChoice } from './source';
import { shorten } from './text';
import type { Descriptor, ImageConfig, ImageIndex, Platform } from './types';

/** Other spellings of architectures (uname, Debian), as OCI names them. */
const ARCH_ALIASES: ReadonlyMap<
  string,
  { architecture: string; variant?: string }
> = new Map([
  ['x86_64', { architecture: 'amd64' }],
  ['x86-64', { architecture: 'amd64' }],
  ['aarch64', { architecture: 'arm64' }],
  ['armhf', { architecture: 'arm', variant: 'v7' }],
  ['armel', { architecture: 'arm', variant: 'v6' }],
  ['x86', { architecture: '386' }],
  ['i386', { architecture: '386' }],
  ['i686', { architecture: '386' }],
]);

/** The variant an architecture means when none is named. */
const DEFAULT_VARIANT: ReadonlyMap<string, string> = new Map([
  ['arm64', 'v8'],
  ['arm', 'v7'],
  ['amd64', 'v1'],
]);

/** Node's `process.arch` names, as OCI names them. */
const NODE_ARCH: ReadonlyMap<string, string> = new Map([
  ['x64', 'amd64'],
  ['arm64', 'arm64'],
  ['arm', 'arm'],
  ['ia32', '386'],
  ['ppc64', 'ppc64le'],
  ['s390x', 's390x'],
  ['riscv64', 'riscv64'],
  ['loong64', 'loong64'],
  ['mips64el', 'mips64le'],
]);

/** One part of a platform: letters, digits, `.`, `_` or `-`. */
const PART = /^[a-z0-9][a-z0-9._-]*$/;

/** An index entry that names its platform. */
type Labelled = Descriptor & { platform: Platform };

/**
 * Parses `--platform`: `os/arch[/variant]`, or `all` for every platform
 * of an index. Case is ignored and common architecture aliases
 * (`x86_64`, `aarch64`) are normalized; anything else (`../x`, four
 * parts) is refused with `OciError('bad-reference')`.
 */
export function parsePlatform(text: string): PlatformChoice {
  const lower = text.trim().toLowerCase();
  if (lower === 'all') return 'all';
  const parts = lower.split('/');
  const [os, architecture, variant] = parts;
  if (
    parts.length > 3 ||
    !parts.every((part) => PART.test(part)) ||
    os === undefined ||
    architecture === undefined
  ) {
    throw new OciError(
      'bad-reference',
      `platform '${shorten(text)}' is not os/arch[/variant] ` +
        "(for example linux/arm64) or 'all'",
    );
  }
  return normalize({
    os,
    architecture,
    ...(variant === undefined ? {} : { variant }),
  });
}

/**
 * The platform of the machine running imagegate: Linux on this machine's
 * architecture (on macOS too), or Windows on Windows.
 */
export function runnerPlatform(
  arch: string = process.arch,
  os: string = process.platform,
): Platform {
  const architecture = NODE_ARCH.get(arch) ?? arch;
  const armVersion = (process.config.variables as { arm_version?: unknown })
    .arm_version;
  const variant =
    architecture === 'arm' && typeof armVersion === 'string' && armVersion
      ? `v${armVersion}`
      : undefined;
  return {
    os: os === 'win32' ? 'windows' : 'linux',
    architecture,
    ...(variant === undefined ? {} : { variant }),
  };
}

/** `os/arch[/variant]`, for messages. */
export function formatPlatform(platform: Platform | undefined): string {
  if (platform === undefined) return 'unknown platform';
  const { os, architecture, variant } = platform;
  return [os, architecture, variant].filter(Boolean).join('/');
}

// Limitation: `os.version` and `os.features` (Windows images) are not
// compared when one platform is chosen; the first entry for the
// os/arch/variant wins. With `all`, each `os.version` is kept.
/**
 * Whether an index entry or config is for the wanted platform. Aliases
 * and case are ignored, a missing variant means the architecture's
 * default (`arm64` is `arm64/v8`, `arm` is `arm/v7`), and a wanted
 * platform without a variant matches every variant.
 */
export function matchesPlatform(have: Platform, want: Platform): boolean {
  return platformFit(want, have) !== undefined;
}

/**
 * Chooses the manifests of an index for a platform, deterministically.
 * Attestations (`unknown/unknown` or annotated as such) and entries that
 * are neither a manifest nor an index are skipped. For one platform: the
 * best fit (an exact variant over another one), and among equal fits the
 * first in index order, with a warning. With `all`: the first entry of
 * every distinct platform, in index order, each digest once. A lone entry
 * without a platform is taken when nothing else is listed.
 */
export function selectManifests(
  index: ImageIndex,
  choice: PlatformChoice,
  logger: Logger,
  where: string,
): Descriptor[] {
  const images = index.manifests.filter(isImageEntry);
  const labelled = images.filter(hasPlatform);
  const chosen =
    choice === 'all'
      ? onePerPlatform(labelled, logger, where)
      : bestFit(labelled, choice, logger, where);
  if (chosen.length > 0) return chosen;
  const [only] = images;
  if (images.length === 1 && only !== undefined && !hasPlatform(only)) {
    return [only];
  }
  throw noPlatform(labelled, choice, where);
}

/** The platform a config names; undefined when it names none. */
export function platformOf(config: ImageConfig): Platform | undefined {
  const { os, architecture, variant } = config;
  if (os === '' || architecture === '') return undefined;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/**
 * Refuses an image whose platform contradicts an explicit choice. An
 * image of unknown platform, or the choice `all`, passes.
 */
export function checkPlatform(
  platform: Platform | undefined,
  choice: PlatformChoice | undefined,
  where: string,
): void {
  if (choice === undefined || choice === 'all' || platform === undefined) {
    return;
  }
  if (matchesPlatform(platform, choice)) return;
  throw new OciError(
    'no-platform',
    `${where} is an image for ${formatPlatform(platform)}, ` +
      `not ${formatPlatform(choice)}`,
  );
}

function isImageEntry(entry: Descriptor): boolean {
  const type = entry.annotations?.['vnd.docker.reference.type'];
  if (type === 'attestation-manifest') return false;
  if (entry.platform?.os === 'unknown') return false;
  return (
    isImageManifestMediaType(entry.mediaType) ||
    isIndexMediaType(entry.mediaType)
  );
}

function hasPlatform(entry: Descriptor): entry is Labelled {
  return entry.platform !== undefined;
}

function bestFit(
  images: Labelled[],
  want: Platform,
  logger: Logger,
  where: string,
): Descriptor[] {
  const best = bestFits(images, want);
  const [first] = best;
  if (first === undefined) return [];
  const key = platformKey(first.platform);
  const same = best.filter((entry) => platformKey(entry.platform) === key);
  if (same.length > 1) {
    logger.warning(
      `${where} lists ${same.length} manifests for ` +
        `${formatPlatform(first.platform)}; using the first in index ` +
        `order, ${first.digest}`,
    );
  }
  return [first];
}

/** The entries that fit best, in index order, each digest once. */
function bestFits(images: Labelled[], want: Platform): Labelled[] {
  let bestScore = Infinity;
  let best: Labelled[] = [];
  for (const image of uniqueByDigest(images)) {
    const score = platformFit(want, image.platform);
    if (score === undefined || score > bestScore) continue;
    if (score < bestScore) best = [];
    bestScore = score;
    best.push(image);
  }
  return best;
}

function onePerPlatform(
  images: Labelled[],
  logger: Logger,
  where: string,
): Descriptor[] {
  const seen = new Set<string>();
  const chosen: Descriptor[] = [];
  for (const image of uniqueByDigest(images)) {
    const key = platformKey(image.platform);
    if (seen.has(key)) {
      logger.warning(
        `${where} lists ${formatPlatform(image.platform)} more than once; ` +
          `using the first in index order, not ${image.digest}`,
      );
      continue;
    }
    seen.add(key);
    chosen.push(image);
  }
  return chosen;
}

function uniqueByDigest<T extends Descriptor>(entries: T[]): T[] {
  const seen = new Set<string>();
  return entries.filter((d) => !seen.has(d.digest) && seen.add(d.digest));
}

/**
 * How well a candidate fits the wanted platform: 0 exactly, 1 when the
 * wanted platform names no variant and the candidate has another one,
 * undefined when it does not fit.
 */
function platformFit(
  wanted: Platform,
  candidate: Platform,
): number | undefined {
  const want = normalize(wanted);
  const have = normalize(candidate);
  if (want.os !== have.os || want.architecture !== have.architecture) {
    return undefined;
  }
  if (variantOf(have) === variantOf(want)) return 0;
  return want.variant === undefined ? 1 : undefined;
}

/** A platform as a comparable key: os, architecture, variant, version. */
function platformKey(platform: Platform): string {
  const normal = normalize(platform);
  const version = platform['os.version'] ?? '';
  return [normal.os, normal.architecture, variantOf(normal), version].join('/');
}

/** The variant, or the one the architecture means when none is named. */
function variantOf(normal: Platform): string | undefined {
  return normal.variant ?? DEFAULT_VARIANT.get(normal.architecture);
}

/** Lowercase, with architecture aliases resolved. */
function normalize(platform: Platform): Platform {
  const architecture = platform.architecture.toLowerCase();
  const alias = ARCH_ALIASES.get(architecture);
  const variant = platform.variant?.toLowerCase() ?? alias?.variant;
  return {
    os: platform.os.toLowerCase(),
    architecture: alias?.architecture ?? architecture,
    ...(variant ? { variant } : {}),
  };
}

function noPlatform(
  labelled: Labelled[],
  choice: PlatformChoice,
  where: string,
): OciError {
  if (choice === 'all') {
    return new OciError('no-platform', `${where} lists no platform images`);
  }
  const platforms = new Set(labelled.map((d) => formatPlatform(d.platform)));
  const available = [...platforms].join(', ') || 'no platform-specific images';
  return new OciError(
    'no-platform',
    `${where} has no image for ${formatPlatform(choice)}; it has ` +
      `${available}. Choose one with --platform, or 'all'`,
  );
}
