import type { Readable } from 'node:stream';
import type { Descriptor } from '../types';

/** How a blob reached the destination. */
export type BlobOutcome = 'existed' | 'mounted' | 'copied';

/** The registry repository a blob is copied from, for mounting. */
export interface BlobOrigin {
  registry: string;
  repository: string;
}

/**
 * Where a copy writes an image: a registry repository, an OCI layout
 * directory or an OCI archive. Blobs and manifests are stored by digest
 * first; `commit` then names the root (a tag, an `index.json` entry) and
 * makes the copy visible. After a failure, `abort` removes what the copy
 * wrote where it can.
 */
export interface ImageDestination {
  /** The destination as the user wrote it, for messages. */
  readonly name: string;
  /**
   * Stores a blob unless it is there already; `open` is called only when
   * its bytes are needed, and the bytes are verified on the way.
   */
  putBlob(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
    origin?: BlobOrigin,
  ): Promise<BlobOutcome>;
  /** Stores a manifest or an index by its digest. */
  putManifest(descriptor: Descriptor, bytes: Uint8Array): Promise<void>;
  /** Names the root and makes the copy visible. */
  commit(root: Descriptor): Promise<void>;
  /** Removes what an unfinished copy wrote. */
  abort(): Promise<void>;
  /** Releases temporary files and connections. */
  close(): Promise<void>;
}
