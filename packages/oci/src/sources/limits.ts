/**
 * Caps on what an image source reads before it allocates: manifests,
 * indexes, configs and archive members. Past a cap the source fails with
 * `OciError('limit')` or `'too-large'`, except for the config, which is
 * trimmed with a warning so that the scan can go on.
 */
export interface SourceLimits {
  /** Bytes of one manifest, index, `index.json` or `manifest.json`. */
  maxManifestBytes: number;
  /** Bytes of a config read whole; a bigger one is skipped with a warning. */
  maxConfigBytes: number;
  /** Layers of one manifest (cosign reads at most 1,000 too). */
  maxLayers: number;
  /** Children of one index. */
  maxIndexChildren: number;
  /** Indexes nested inside indexes. */
  maxIndexDepth: number;
  /** Members of an OCI or docker archive. */
  maxArchiveMembers: number;
  /** Images listed in a docker archive's `manifest.json`. */
  maxArchiveImages: number;
  /** Config `Env` entries kept. */
  maxEnvEntries: number;
  /** Config labels kept. */
  maxLabels: number;
  /** Bytes kept of one label value or environment entry. */
  maxValueBytes: number;
  /** Config history entries kept. */
  maxHistory: number;
}

const MiB = 1024 * 1024;

/** The caps used where a caller sets none. */
export const DEFAULT_SOURCE_LIMITS: Readonly<SourceLimits> = Object.freeze({
  maxManifestBytes: 4 * MiB,
  maxConfigBytes: 8 * MiB,
  maxLayers: 1000,
  maxIndexChildren: 1000,
  maxIndexDepth: 4,
  maxArchiveMembers: 100_000,
  maxArchiveImages: 1000,
  maxEnvEntries: 10_000,
  maxLabels: 10_000,
  maxValueBytes: 64 * 1024,
  maxHistory: 10_000,
});

/** The default caps with a caller's overrides applied. */
export function sourceLimits(overrides?: Partial<SourceLimits>): SourceLimits {
  return { ...DEFAULT_SOURCE_LIMITS, ...overrides };
}
