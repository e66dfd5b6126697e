import type { Logger } from '@imagegate/findings';
import { OciError } from '../errors';
import { isImageManifestMediaType, isIndexMediaType } from '../media-types';
import type { PlatformChoice } from '../source';
import type { Descriptor, ImageIndex, Platform } from '../types';

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  x86: '386',
  i386: '386',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
};

/**
 * Parses `os/architecture[/variant]` (`linux/arm64/v8`), or `all`.
 * Throws `OciError('bad-reference')` for anything else.
 */
export function parsePlatformChoice(text: string): PlatformChoice {
  if (text === 'all') return 'all';
  const parts = text.split('/');
  const [os, architecture, variant] = parts;
  const valid = /^[a-z0-9][a-z0-9._-]*$/;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !parts.every((part) => valid.test(part)) ||
    os === undefined ||
    architecture === undefined
  ) {
    throw new OciError(
      'bad-reference',
      `platform '${text.slice(0, 80)}': expected os/architecture[/variant] ` +
        "(e.g. linux/amd64, linux/arm64/v8) or 'all'",
    );
  }
  return variant === undefined
    ? { os, architecture }
    : { os, architecture, variant };
}

/** `os/architecture[/variant]` of a platform. */
export function formatPlatform(platform: Platform): string {
  const { os, architecture, variant } = platform;
  return [os, architecture, variant].filter(Boolean).join('/');
}

/**
 * The platform images are chosen for by default: Linux on this machine's
 * architecture, as Docker picks on any host.
 */
export function hostPlatform(): Platform {
  const architecture = normaliseArchitecture(
    process.arch === 'x64' ? 'amd64' : process.arch,
  );
  if (architecture !== 'arm') return { os: 'linux', architecture };
  const version = (process.config.variables as { arm_version?: unknown })
    .arm_version;
  const variant = typeof version === 'string' ? `v${version}` : 'v7';
  return { os: 'linux', architecture, variant };
}

/**
 * How well a candidate fits the wanted platform: 0 exactly, 1 when the
 * wanted platform names no variant and the candidate has one, undefined
 * when it does not fit. `arm64` means `arm64/v8` and `arm` means `arm/v7`.
 */
export function platformFit(
  wanted: Platform,
  candidate: Platform | undefined,
): number | undefined {
  if (candidate === undefined) return undefined;
  const want = normalise(wanted);
  const have = normalise(candidate);
  if (want.os !== have.os || want.architecture !== have.architecture) {
    return undefined;
  }
  if (wanted.variant === undefined)
    return have.variant === want.variant ? 0 : 1;
  return have.variant === want.variant ? 0 : undefined;
}

/** Options of `selectManifests`. */
export interface SelectOptions {
  /** The index, for messages. */
  where: string;
  logger: Logger;
  /** The caller named the platform, rather than taking the host's. */
  explicit: boolean;
}

/**
 * Chooses the manifests of an index for a platform, deterministically:
 * attestation manifests and unknown media types are skipped; the best fit
 * wins and, among equal fits (two `linux/amd64` entries), the first in the
 * index, with a warning. With `all`, the first entry of every distinct
 * platform. A lone entry without a platform is taken when nothing fits.
 */
export function selectManifests(
  index: ImageIndex,
  choice: PlatformChoice | undefined,
  options: SelectOptions,
): Descriptor[] {
  const children = index.manifests.filter(isImageChild);
  if (choice === 'all') return firstPerPlatform(children, options);
  const wanted = choice ?? hostPlatform();
  const best = bestFits(children, wanted);
  if (best.length > 1) {
    options.logger.warning(
      `${options.where} lists ${best.length} manifests for ` +
        `${formatPlatform(wanted)}; using the first, ${best[0]?.digest ?? ''}`,
    );
  }
  const chosen = best[0] ?? loneUnlabelled(children);
  if (chosen !== undefined) return [chosen];
  throw new OciError(
    'no-platform',
    `${options.where} has no image for ${formatPlatform(wanted)}; ` +
      `it has ${available(children)}. Choose one with --platform`,
  );
}

function isImageChild(child: Descriptor): boolean {
  const type = child.annotations?.['vnd.docker.reference.type'];
  if (type === 'attestation-manifest') return false;
  if (child.platform?.os === 'unknown') return false;
  return (
    isImageManifestMediaType(child.mediaType) ||
    isIndexMediaType(child.mediaType)
  );
}

function bestFits(children: Descriptor[], wanted: Platform): Descriptor[] {
  let bestScore = Infinity;
  let best: Descriptor[] = [];
  for (const child of children) {
    const score = platformFit(wanted, child.platform);
    if (score === undefined || score > bestScore) continue;
    if (score < bestScore) best = [];
    bestScore = score;
    best.push(child);
  }
  return best;
}

function loneUnlabelled(children: Descriptor[]): Descriptor | undefined {
  const unlabelled = children.filter((child) => child.platform === undefined);
  return unlabelled.length === 1 && children.length === 1
    ? unlabelled[0]
    : undefined;
}

function firstPerPlatform(
  children: Descriptor[],
  options: SelectOptions,
): Descriptor[] {
  const seen = new Set<string>();
  const chosen: Descriptor[] = [];
  for (const child of children) {
    const key =
      child.platform === undefined
        ? child.digest
        : formatPlatform(normalise(child.platform));
    if (seen.has(key)) {
      options.logger.warning(
        `${options.where} lists ${key} more than once; using the first`,
      );
      continue;
    }
    seen.add(key);
    chosen.push(child);
  }
  if (chosen.length === 0) {
    throw new OciError('no-platform', `${options.where} lists no images`);
  }
  return chosen;
}

function available(children: Descriptor[]): string {
  const platforms = children
    .map((child) =>
      child.platform === undefined ? undefined : formatPlatform(child.platform),
    )
    .filter((text): text is string => text !== undefined);
  return platforms.length === 0
    ? 'no labelled platforms'
    : platforms.join(', ');
}

function normalise(platform: Platform): Platform {
  const architecture = normaliseArchitecture(platform.architecture);
  const os = platform.os.toLowerCase();
  let variant = platform.variant?.toLowerCase();
  if (architecture === 'arm64' && (variant === undefined || variant === 'v8')) {
    variant = undefined;
  }
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  return variant === undefined
    ? { os, architecture }
    : { os, architecture, variant };
}

function normaliseArchitecture(architecture: string): string {
  const lower = architecture.toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}
