import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '@imagegate/findings';
import type { Digest } from '../digest';
import { OciError } from '../errors';
import type { ImageReference } from '../reference';
import type { RegistryClient } from '../registry/client';
import type { RepositoryRef } from '../registry/names';
import type { Descriptor } from '../types';
import { writeVerified } from './blob-file';
import type { BlobOrigin, BlobOutcome, ImageDestination } from './destination';
import { nameImage } from './located-source';

/** How the destination treats its client. */
export interface RegistryDestinationOptions {
  /** Close the client on `close`. */
  owned: boolean;
  logger: Logger;
}

/**
 * A registry repository as a copy destination. Blobs already there are
 * skipped, blobs from another repository of the same registry are
 * mounted, and the rest are staged in a private temporary file (an upload
 * must be repeatable when the registry asks for a retry) and pushed.
 * Manifests are pushed by digest; the tag is written last, by `commit`,
 * so it never names a partial image.
 *
 * Limitation: after a failure, the blobs and untagged manifests already
 * pushed stay in the registry until its garbage collection removes them;
 * the registry API has no transaction to roll back.
 *
 * Limitation: each blob copied from a registry is read through the blob
 * cache and then a staging file, so it is written to disk twice.
 */
export class RegistryDestination implements ImageDestination {
  readonly name: string;
  private readonly repo: RepositoryRef;
  private readonly manifests = new Map<Digest, Uint8Array>();
  private staging: Promise<string> | undefined;

  constructor(
    private readonly reference: ImageReference,
    private readonly client: RegistryClient,
    private readonly options: RegistryDestinationOptions,
  ) {
    this.name = reference.toString();
    this.repo = {
      registry: reference.registry,
      repository: reference.repository,
    };
  }

  putBlob(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
    origin?: BlobOrigin,
  ): Promise<BlobOutcome> {
    return this.named(async () => {
      const { digest } = descriptor;
      if (await this.client.blobExists(this.repo, digest)) return 'existed';
      if (await this.mounted(digest, origin)) return 'mounted';
      const path = await this.stage(descriptor, open);
      try {
        const blob = { digest, size: descriptor.size, data: { path } };
        await this.client.pushBlob(this.repo, blob);
      } finally {
        await rm(path, { force: true });
      }
      return 'copied';
    });
  }

  putManifest(descriptor: Descriptor, bytes: Uint8Array): Promise<void> {
    return this.named(async () => {
      const upload = { bytes, mediaType: descriptor.mediaType };
      await this.client.putManifest(this.repo, descriptor.digest, upload);
      this.manifests.set(descriptor.digest, bytes);
    });
  }

  commit(root: Descriptor): Promise<void> {
    return this.named(async () => {
      const wanted = this.reference.digest;
      if (wanted !== undefined && wanted !== root.digest) {
        throw new OciError(
          'digest-mismatch',
          `the copied image is ${root.digest}, not the digest the ` +
            `destination names; it was pushed by digest and left untagged`,
        );
      }
      const tag = this.reference.tag;
      const bytes = this.manifests.get(root.digest);
      if (tag === undefined || wanted !== undefined || bytes === undefined) {
        return;
      }
      const upload = { bytes, mediaType: root.mediaType };
      await this.client.putManifest(this.repo, tag, upload);
      this.options.logger.info(`${this.name}: tagged ${root.digest}`);
    });
  }

  async abort(): Promise<void> {
    await this.removeStaging();
  }

  async close(): Promise<void> {
    try {
      await this.removeStaging();
    } finally {
      if (this.options.owned) await this.client.close();
    }
  }

  private async mounted(
    digest: Digest,
    origin: BlobOrigin | undefined,
  ): Promise<boolean> {
    if (
      origin === undefined ||
      origin.registry !== this.repo.registry ||
      origin.repository === this.repo.repository
    ) {
      return false;
    }
    try {
      return await this.client.mountBlob(this.repo, digest, origin.repository);
    } catch (error) {
      // A refused mount is only a missed shortcut: upload instead.
      this.options.logger.debug(
        `${this.name}: mounting ${digest} from ${origin.repository} failed ` +
          `(${(error as Error).message}); uploading it`,
      );
      return false;
    }
  }

  private async stage(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
  ): Promise<string> {
    this.staging ??= mkdtemp(join(tmpdir(), 'imagegate-push-'));
    try {
      const path = join(await this.staging, randomBytes(12).toString('hex'));
      await writeVerified(await open(), descriptor, path, this.name);
      return path;
    } catch (error) {
      if (error instanceof OciError) throw error;
      const code = (error as { code?: unknown }).code;
      throw new OciError(
        'io',
        `cannot stage blob ${descriptor.digest} in ${tmpdir()}` +
          (typeof code === 'string' ? ` (${code})` : ''),
        { cause: error },
      );
    }
  }

  private async removeStaging(): Promise<void> {
    const staging = this.staging;
    this.staging = undefined;
    const dir = await staging?.catch(() => undefined);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  private async named<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw nameImage(error, this.name);
    }
  }
}
