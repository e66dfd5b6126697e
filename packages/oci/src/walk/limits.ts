/**
 * Caps that keep a layer walk's time and memory bounded whatever the image
 * holds. Past any of them the walk stops and its result is incomplete.
 */
export interface WalkLimits {
  /** Layers in one walk. */
  maxLayers: number;
  /** Tar entries, all layers together. */
  maxEntries: number;
  /** Path components of one entry or one resolved path. */
  maxDepth: number;
  /** Bytes of one entry's path or link target. */
  maxPathBytes: number;
  /** Bytes of PAX or GNU long-name data before one entry. */
  maxMetaBytes: number;
  /** Decompressed bytes of one layer. */
  maxLayerBytes: number;
  /** Decompressed bytes of all layers together. */
  maxTotalBytes: number;
  /** Largest ratio of decompressed to compressed bytes of one layer... */
  maxRatio: number;
  /** ...checked once a layer has inflated past this many bytes. */
  ratioFloorBytes: number;
  /** A zstd frame may ask for a window of at most 2^this bytes. */
  maxZstdWindowLog: number;
  /** Symbolic links followed while resolving one path. */
  maxSymlinkHops: number;
  /** File contents kept for subscribers, all files together. */
  maxBufferedBytes: number;
  /** Anomalies kept in the result; later ones are only counted. */
  maxAnomalies: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The caps used where a caller sets none. */
export const DEFAULT_WALK_LIMITS: Readonly<WalkLimits> = Object.freeze({
  maxLayers: 1000,
  maxEntries: 500_000,
  maxDepth: 256,
  maxPathBytes: 4096,
  maxMetaBytes: 1 * MiB,
  maxLayerBytes: 16 * GiB,
  maxTotalBytes: 64 * GiB,
  maxRatio: 200,
  ratioFloorBytes: 256 * MiB,
  maxZstdWindowLog: 27,
  maxSymlinkHops: 40,
  maxBufferedBytes: 512 * MiB,
  maxAnomalies: 1000,
});

/** The default caps with a caller's overrides applied. */
export function walkLimits(overrides?: Partial<WalkLimits>): WalkLimits {
  return { ...DEFAULT_WALK_LIMITS, ...overrides };
}

/** A byte count for messages: `512 MiB`, `3 KiB`, `17 bytes`. */
export function formatBytes(bytes: number): string {
  const units = ['GiB', 'MiB', 'KiB'] as const;
  const sizes = [GiB, MiB, 1024] as const;
  for (let i = 0; i < units.length; i++) {
    const size = sizes[i] ?? 1;
    if (bytes >= size) {
      const value = bytes / size;
      const text = Number.isInteger(value) ? `${value}` : value.toFixed(1);
      return `${text} ${units[i] ?? ''}`;
    }
  }
  return `${bytes} bytes`;
}
