import type { Hash } from 'node:crypto';
import { silentLogger, type Logger } from '@imagegate/findings';
import { hasherFor, splitDigest, type Digest } from '../digest';
import { OciError, type OciErrorCode } from '../errors';
import { StreamByteSource } from './byte-source';
import { ByteMeter, openDecompressed, type Compression } from './decompress';
import { LayerApplier, type Placed, type WalkAnomaly } from './layer-apply';
import { formatBytes, walkLimits, type WalkLimits } from './limits';
import { joinPath } from './paths';
import {
  SubscriberSet,
  type SubscriberFailure,
  type WalkSubscriber,
} from './subscribers';
import { TarReader, type TarEntry } from './tar-reader';
import { MergedTree, type FileSystemView } from './view';

/** One layer to walk. */
export interface LayerInput {
  /** Opens the layer blob; the source verifies it against its digest. */
  open(): Promise<AsyncIterable<Uint8Array>>;
  /** Names the layer in messages, usually by its digest. */
  label?: string;
  /** The uncompressed digest from the image config; checked when given. */
  diffId?: Digest;
  /** Set when the layer must not be read; the walk notes why and goes on. */
  skip?: { code: OciErrorCode; message: string };
}

/** How to walk. */
export interface WalkOptions {
  /** Caps to change from `DEFAULT_WALK_LIMITS`. */
  limits?: Partial<WalkLimits>;
  /** Readers of file contents. */
  subscribers?: readonly WalkSubscriber[];
  logger?: Logger;
  /** Aborting rejects the walk with the signal's reason. */
  signal?: AbortSignal;
}

/** Why a walk is incomplete. */
export interface WalkProblem {
  code: OciErrorCode | 'subscriber';
  /** One line naming the layer or subscriber and what happened. */
  message: string;
  /** Index of the layer, where one is concerned. */
  layer?: number;
  cause?: unknown;
}

/** What the walk did with one layer. */
export interface LayerSummary {
  index: number;
  label: string;
  compression: Compression | undefined;
  compressedBytes: number;
  decompressedBytes: number;
  entries: number;
  /** The layer was read to its end and verified. */
  complete: boolean;
}

/**
 * The outcome of a walk. When `complete` is false the view holds only what
 * was applied before the walk stopped, and `problems` says why; such a
 * result must never be reported as clean.
 */
export interface WalkResult {
  complete: boolean;
  problems: WalkProblem[];
  /** The final filesystem, or as far as the walk got. */
  view: FileSystemView;
  layers: LayerSummary[];
  /** Odd entries handled without stopping (re-rooted paths, ...). */
  anomalies: WalkAnomaly[];
  /** All anomalies, including those past `maxAnomalies`. */
  anomalyCount: number;
  /** Tar entries read, all layers together. */
  entryCount: number;
  decompressedBytes: number;
}

/**
 * Walks an image's layers in one streaming pass, in order: each layer is
 * decompressed (gzip, zstd or none), read as tar, and applied to an
 * in-memory merged view with whiteouts and opaque directories. Nothing is
 * written to disk. Subscribers get the files they asked for from the final
 * view once the walk ends. Past any cap the walk stops and the result is
 * incomplete; layer problems never reject the promise (an abort does).
 * Subscribers are still handed the files of an incomplete view, whose
 * `complete: false` the caller must carry into its report.
 */
export async function walkLayers(
  layers: readonly LayerInput[],
  options: WalkOptions = {},
): Promise<WalkResult> {
  const walk = new LayerWalk(options);
  await walk.run(layers);
  return walk.finish();
}

class LayerWalk {
  private readonly limits: WalkLimits;
  private readonly logger: Logger;
  private readonly tree: MergedTree;
  private readonly subscribers: SubscriberSet;
  private readonly meter: ByteMeter;
  private readonly problems: WalkProblem[] = [];
  private readonly anomalies: WalkAnomaly[] = [];
  private readonly summaries: LayerSummary[] = [];
  private anomalyCount = 0;
  private entries = 0;
  private bufferFull = false;

  constructor(private readonly options: WalkOptions) {
    this.limits = walkLimits(options.limits);
    this.logger = options.logger ?? silentLogger;
    this.tree = new MergedTree(
      this.limits.maxSymlinkHops,
      this.limits.maxDepth,
    );
    this.subscribers = new SubscriberSet(options.subscribers ?? [], this.tree);
    this.meter = new ByteMeter(this.limits);
  }

  async run(layers: readonly LayerInput[]): Promise<void> {
    if (layers.length > this.limits.maxLayers) {
      this.problem({
        code: 'limit',
        message: `the image has ${layers.length} layers, past the limit of ${this.limits.maxLayers}`,
      });
      return;
    }
    for (const [index, layer] of layers.entries()) {
      const summary = this.summary(index, layer);
      if (layer.skip !== undefined) {
        this.problem({ ...layer.skip, layer: index });
        continue;
      }
      try {
        await this.walkLayer(layer, summary);
      } catch (error: unknown) {
        this.options.signal?.throwIfAborted();
        this.failLayer(error, summary);
        break;
      }
    }
  }

  async finish(): Promise<WalkResult> {
    const failures = await this.subscribers.deliver();
    for (const failure of failures) this.subscriberFailed(failure);
    const result: WalkResult = {
      complete: this.problems.length === 0,
      problems: this.problems,
      view: this.tree,
      layers: this.summaries,
      anomalies: this.anomalies,
      anomalyCount: this.anomalyCount,
      entryCount: this.entries,
      decompressedBytes: this.meter.totalBytes,
    };
    this.logger.debug(
      `walked ${this.summaries.length} layers: ${this.entries} entries, ` +
        `${formatBytes(this.meter.totalBytes)} decompressed`,
    );
    return result;
  }

  private summary(index: number, layer: LayerInput): LayerSummary {
    const label =
      layer.label === undefined
        ? `layer ${index}`
        : `layer ${index} (${layer.label})`;
    const summary: LayerSummary = {
      index,
      label,
      compression: undefined,
      compressedBytes: 0,
      decompressedBytes: 0,
      entries: 0,
      complete: false,
    };
    this.summaries.push(summary);
    return summary;
  }

  private async walkLayer(
    layer: LayerInput,
    summary: LayerSummary,
  ): Promise<void> {
    this.meter.startLayer(summary.label);
    const input = await layer.open();
    let source: StreamByteSource | undefined;
    try {
      const opened = await openDecompressed(input, this.meter, this.limits);
      summary.compression = opened.compression;
      const hash =
        layer.diffId === undefined ? undefined : hasherFor(layer.diffId);
      source = new StreamByteSource(
        hash === undefined ? opened.chunks : hashed(opened.chunks, hash),
      );
      await this.readTar(source, summary);
      await this.drainTrailing(source, summary.index);
      if (hash !== undefined && layer.diffId !== undefined) {
        verifyDiffId(hash, layer.diffId, summary.label);
      }
      summary.complete = true;
    } finally {
      this.recordBytes(summary);
      await source?.close();
      destroy(input);
    }
  }

  private async readTar(
    source: StreamByteSource,
    summary: LayerSummary,
  ): Promise<void> {
    const tar = new TarReader(source, this.limits.maxMetaBytes);
    const applier = new LayerApplier(
      this.tree,
      this.limits,
      summary.index,
      (anomaly) => {
        this.note({ ...anomaly, layer: summary.index });
      },
    );
    for (let entry = await tar.next(); entry; entry = await tar.next()) {
      this.options.signal?.throwIfAborted();
      this.countEntry(summary);
      const placed = applier.apply(entry);
      if (placed !== undefined) await this.offer(placed, entry, tar, summary);
    }
    if (!tar.endMarkerSeen) {
      this.note({
        layer: summary.index,
        entry: '',
        kind: 'no-end-marker',
        detail: 'the tar data ends without an end-of-archive marker',
      });
    }
  }

  private countEntry(summary: LayerSummary): void {
    summary.entries++;
    if (++this.entries > this.limits.maxEntries) {
      throw new OciError(
        'limit',
        `${summary.label}: the image has more than ` +
          `${this.limits.maxEntries} entries, the entry limit`,
      );
    }
  }

  /** Keeps a placed file's content if a subscriber wants it. */
  private async offer(
    placed: Placed,
    entry: TarEntry,
    tar: TarReader,
    summary: LayerSummary,
  ): Promise<void> {
    if (this.subscribers.isEmpty) return;
    const { inode } = placed;
    const path = joinPath(placed.names);
    const wanted = this.subscribers.wantedBytes(path);
    if (wanted === undefined) return;
    if (inode.type === 'symlink') this.subscribers.followSymlink(path, wanted);
    if (inode.type !== 'file' || entry.size === 0) return;
    if (entry.size > wanted) {
      inode.content = 'too-large';
      return;
    }
    if (this.tree.bufferedBytes + entry.size > this.limits.maxBufferedBytes) {
      this.bufferLimit(path, summary.index);
      return;
    }
    inode.content = (await tar.readBody()).slice();
    this.tree.bufferedBytes += entry.size;
  }

  private bufferLimit(path: string, layer: number): void {
    if (this.bufferFull) return;
    this.bufferFull = true;
    this.problem({
      code: 'limit',
      layer,
      message:
        `file contents kept for subscribers reached the ` +
        `${formatBytes(this.limits.maxBufferedBytes)} limit at ${path}; ` +
        'later files were not kept',
    });
  }

  private async drainTrailing(
    source: StreamByteSource,
    layer: number,
  ): Promise<void> {
    const seen = { data: false };
    const trailing = await source.drain((piece) => {
      seen.data ||= !isAllZero(piece);
    });
    if (!seen.data) return;
    this.note({
      layer,
      entry: '',
      kind: 'trailing-data',
      detail: `${trailing} bytes follow the end-of-archive marker; ignored`,
    });
  }

  private recordBytes(summary: LayerSummary): void {
    const bytes = this.meter.layerBytes;
    summary.compressedBytes = bytes.compressed;
    summary.decompressedBytes = bytes.decompressed;
  }

  private failLayer(error: unknown, summary: LayerSummary): void {
    const detail = error instanceof Error ? error.message : String(error);
    const message = detail.startsWith(summary.label)
      ? detail
      : `${summary.label}: ${detail}`;
    const code = error instanceof OciError ? error.code : 'io';
    this.problem({ code, message, layer: summary.index, cause: error });
  }

  private subscriberFailed(failure: SubscriberFailure): void {
    const { error } = failure;
    const detail = error instanceof Error ? error.message : String(error);
    this.problem({
      code: 'subscriber',
      message: `subscriber '${failure.subscriber}' failed on ${failure.path}: ${detail}`,
      cause: error,
    });
  }

  private problem(problem: WalkProblem): void {
    this.problems.push(problem);
    this.logger.warning(problem.message);
  }

  private note(anomaly: WalkAnomaly): void {
    this.anomalyCount++;
    if (this.anomalies.length < this.limits.maxAnomalies) {
      this.anomalies.push(anomaly);
    }
    this.logger.debug(
      `layer ${anomaly.layer}: ${anomaly.kind}: '${anomaly.entry}' ${anomaly.detail}`,
    );
  }
}

async function* hashed(
  chunks: AsyncIterable<Uint8Array>,
  hash: Hash,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

function verifyDiffId(hash: Hash, diffId: Digest, label: string): void {
  const actual = `${splitDigest(diffId).algorithm}:${hash.digest('hex')}`;
  if (actual !== diffId) {
    throw new OciError(
      'digest-mismatch',
      `${label}: the uncompressed layer hashes to ${actual}, ` +
        `not to the diff_id ${diffId} that the image config lists`,
    );
  }
}

const ZEROS = new Uint8Array(64 * 1024);

function isAllZero(piece: Uint8Array): boolean {
  for (let at = 0; at < piece.length; at += ZEROS.length) {
    const part = piece.subarray(at, at + ZEROS.length);
    if (Buffer.compare(part, ZEROS.subarray(0, part.length)) !== 0) {
      return false;
    }
  }
  return true;
}

function destroy(input: AsyncIterable<Uint8Array>): void {
  const stream = input as { destroy?: () => void };
  if (typeof stream.destroy === 'function') stream.destroy();
}
