import { DEFAULT_CONFIG_LIMITS, type ConfigLimits } from '../config';
import { DEFAULT_MANIFEST_CAPS, type ManifestCaps } from '../documents';

/**
 * Caps on what an image source reads before it allocates: manifests,
 * indexes, configs and archive members. Past a cap the source fails with
 * `OciError('limit')` or `'too-large'`, except for the config, which is
 * trimmed with a warning so that the scan can go on.
 */
export interface SourceLimits extends ConfigLimits {
  /** Bytes of one manifest, index, `index.json` or `manifest.json`. */
  maxManifestBytes: number;
  /** Layers of one manifest, and diff_ids of one config. */
  maxLayers: number;
  /** Children of one index. */
  maxIndexChildren: number;
  /** Indexes nested inside indexes. */
  maxIndexDepth: number;
  /** Members of an OCI or docker archive. */
  maxArchiveMembers: number;
  /** Images listed in a docker archive's `manifest.json`. */
  maxArchiveImages: number;
}

/** The caps used where a caller sets none. */
export const DEFAULT_SOURCE_LIMITS: Readonly<SourceLimits> = Object.freeze({
  ...DEFAULT_CONFIG_LIMITS,
  maxManifestBytes: DEFAULT_MANIFEST_CAPS.manifestBytes,
  maxLayers: DEFAULT_MANIFEST_CAPS.layers,
  maxIndexChildren: DEFAULT_MANIFEST_CAPS.indexChildren,
  maxIndexDepth: 4,
  maxArchiveMembers: 100_000,
  maxArchiveImages: 1000,
});

/** The default caps with a caller's overrides applied. */
export function sourceLimits(overrides?: Partial<SourceLimits>): SourceLimits {
  return { ...DEFAULT_SOURCE_LIMITS, ...overrides };
}

/** The caps on a manifest or index, from a source's limits. */
export function manifestCaps(limits: SourceLimits): ManifestCaps {
  return { layers: limits.maxLayers, indexChildren: limits.maxIndexChildren };
}
