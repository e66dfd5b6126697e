import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@imagegate/findings';
import { parseDigest } from '../digest';
import { OciError } from '../errors';
import type { Descriptor } from '../types';
import { bodyError, contentLength, readCapped } from './body';
import type { BlobCache } from './cache';
import type { Clock } from './clock';
import type { Limiter } from './limiter';
import { repositoryPath, type RepositoryRef } from './names';
import type { RetryPolicy } from './options';
import { pullScope } from './scopes';
import { backoff, isRetryable, pause, type RetryContext } from './retry';
import type { RegistrySession } from './session';
import type { WireResponse } from './transport';
import { DigestCheck } from './verify';

/** What blob downloads need. */
export interface BlobDeps {
  session: RegistrySession;
  cache: BlobCache;
  limiter: Limiter;
  retry: RetryPolicy;
  clock: Clock;
  logger: Logger;
}

/**
 * Downloads blobs into the content-addressed cache, verifying digest and
 * size while streaming, at most `concurrency` at a time, each blob once.
 * A body cut short or a dropped connection restarts the download from
 * the first byte with a fresh hash; the temporary file is removed after
 * any failure.
 */
export class BlobFetcher {
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(private readonly deps: BlobDeps) {}

  /** Opens a blob; the stream fails if the cached bytes are wrong. */
  async open(
    repo: RepositoryRef,
    descriptor: Descriptor,
    signal: AbortSignal,
  ): Promise<Readable> {
    await this.ensure(repo, descriptor, signal);
    return this.deps.cache.open(descriptor);
  }

  /** Reads a small blob whole, refusing one larger than `cap`. */
  async bytes(
    repo: RepositoryRef,
    descriptor: Descriptor,
    cap: number,
    signal: AbortSignal,
  ): Promise<Buffer> {
    if (descriptor.size > cap) {
      throw new OciError(
        'too-large',
        `blob ${descriptor.digest} is ${descriptor.size} bytes, more than the ${cap}-byte limit`,
      );
    }
    await this.ensure(repo, descriptor, signal);
    const stream = this.deps.cache.open(descriptor);
    return readCapped(
      { body: stream, headers: {} },
      cap,
      `blob ${descriptor.digest}`,
    );
  }

  /** Downloads blobs in parallel, up to the concurrency limit. */
  async prefetch(
    repo: RepositoryRef,
    descriptors: readonly Descriptor[],
    signal: AbortSignal,
  ): Promise<void> {
    const results = await Promise.allSettled(
      descriptors.map((d) => this.ensure(repo, d, signal)),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  // Limitation: concurrent calls for the same blob share one download,
  // which runs under the first caller's signal; if that caller cancels,
  // the others see the cancellation too.
  /** Makes sure a blob is in the cache, downloading it at most once. */
  async ensure(
    repo: RepositoryRef,
    descriptor: Descriptor,
    signal: AbortSignal,
  ): Promise<void> {
    checkDescriptor(descriptor);
    if (await this.deps.cache.has(descriptor)) return;
    const key = descriptor.digest;
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.deps.limiter.run(() =>
        this.download(repo, descriptor, signal),
      );
      this.inflight.set(key, pending);
      void pending.catch(() => undefined).then(() => this.inflight.delete(key));
    }
    return pending;
  }

  // Limitation: a failed download restarts from the first byte; it does
  // not resume with a Range request.
  private async download(
    repo: RepositoryRef,
    descriptor: Descriptor,
    signal: AbortSignal,
  ): Promise<void> {
    const context = this.retryContext(repo, descriptor, signal);
    for (let n = 1; ; n += 1) {
      try {
        await this.downloadOnce(repo, descriptor, signal);
        return;
      } catch (error) {
        if (n >= this.deps.retry.attempts || !isRetryable(error, context)) {
          throw error;
        }
        const why = (error as OciError).message;
        await pause(backoff(n, context), context, why);
      }
    }
  }

  // Limitation: blobs always come from the registry; a descriptor's
  // foreign `urls` are never fetched.
  private async downloadOnce(
    repo: RepositoryRef,
    descriptor: Descriptor,
    signal: AbortSignal,
  ): Promise<void> {
    const what = `blob ${descriptor.digest} of ${repo.repository}`;
    const res = await this.deps.session.expect(
      {
        registry: repo.registry,
        method: 'GET',
        path: repositoryPath(repo, `blobs/${descriptor.digest}`),
        scopes: [pullScope(repo)],
        signal,
      },
      [200],
      `getting ${what}`,
    );
    checkLength(res, descriptor, what);
    await this.save(res, descriptor, what, signal);
  }

  private async save(
    res: WireResponse,
    descriptor: Descriptor,
    what: string,
    signal: AbortSignal,
  ): Promise<void> {
    const temp = await this.deps.cache.tempPath();
    const check = new DigestCheck(descriptor, what);
    try {
      await pipeline(res.body, check, createWriteStream(temp));
      await this.deps.cache.commit(temp, descriptor.digest);
    } catch (error) {
      res.body.destroy();
      await rm(temp, { force: true });
      throw bodyError(
        error,
        what,
        signal,
        `${check.count} of ${descriptor.size}`,
      );
    }
  }

  private retryContext(
    repo: RepositoryRef,
    descriptor: Descriptor,
    signal: AbortSignal,
  ): RetryContext {
    return {
      policy: this.deps.retry,
      clock: this.deps.clock,
      logger: this.deps.logger,
      signal,
      idempotent: true,
      describe: `${repo.registry}/${repo.repository}@${descriptor.digest}`,
    };
  }
}

function checkDescriptor(descriptor: Descriptor): void {
  parseDigest(descriptor.digest, 'blob descriptor');
  const size = descriptor.size;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new OciError(
      'bad-manifest',
      `blob ${descriptor.digest} has an invalid size (${String(size)})`,
    );
  }
}

function checkLength(
  res: WireResponse,
  descriptor: Descriptor,
  what: string,
): void {
  const declared = contentLength(res.headers);
  if (declared === undefined || declared === descriptor.size) return;
  res.body.destroy();
  throw new OciError(
    'digest-mismatch',
    `${what}: the registry sends ${declared} bytes, but the descriptor says ${descriptor.size}`,
  );
}
