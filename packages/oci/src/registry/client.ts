import type { Readable } from 'node:stream';
import type { Digest } from '../digest';
import { OciError } from '../errors';
import type { Descriptor } from '../types';
import { Authenticator } from './auth';
import { BlobFetcher } from './blobs';
import { BlobCache } from './cache';
import { HttpClient } from './http';
import { Limiter } from './limiter';
import { parseManifest, type FetchedManifest } from './manifest-parse';
import {
  deleteManifest,
  fetchManifest,
  headManifest,
  putManifest,
  type ManifestDeps,
  type PutManifestResult,
} from './manifests';
import { checkRepository, type RepositoryRef } from './names';
import {
  settingsFrom,
  type RegistryClientOptions,
  type RegistryLimits,
  type Settings,
} from './options';
import type { PagingDeps } from './pages';
import { safeCause, SecretSet } from './redact';
import {
  addToReferrersTag,
  listReferrers,
  referrerDescriptor,
  referrersTag,
  type ListReferrersOptions,
  type ReferrersDeps,
} from './referrers';
import { RegistrySession } from './session';
import { listTags, type ListTagsOptions } from './tags';
import { closeAgents, createAgents, type Agents } from './tls';
import { abortError } from './transport';
import { digestOf } from './verify';
import {
  blobExists,
  deleteBlob,
  mountBlob,
  pushBlob,
  type BlobUpload,
  type PushBlobOptions,
  type PushBlobResult,
  type UploadDeps,
} from './upload';

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the call; the client's overall deadline applies as well. */
  signal?: AbortSignal;
}

/** A manifest to push: its exact bytes and media type. */
export interface ManifestUpload {
  bytes: Uint8Array;
  mediaType: string;
}

/** What pushing a referrer did. */
export interface PushReferrerResult {
  digest: Digest;
  /** The referrers tag updated, when the registry lacks the API. */
  referrersTag?: string;
}

/**
 * A client for registries speaking the OCI distribution spec 1.1: auth,
 * retries, redirects, verified manifests and blobs, a blob cache, pushes,
 * tags and referrers. It logs through the given logger and never prints;
 * no credential or token appears in its errors or logs.
 */
export class RegistryClient {
  private readonly settings: Settings;
  private readonly secrets = new SecretSet();
  private readonly agents: Agents;
  private readonly session: RegistrySession;
  private readonly cache: BlobCache;
  private readonly blobs: BlobFetcher;

  constructor(options: RegistryClientOptions = {}) {
    this.settings = settingsFrom(options);
    const { caFile, env, requestTimeoutMs, logger, cacheDir } = this.settings;
    this.agents = createAgents({
      caFile,
      env,
      connectTimeoutMs: requestTimeoutMs,
      logger,
    });
    this.session = this.newSession();
    this.cache = cacheDir ? BlobCache.at(cacheDir) : BlobCache.temporary();
    this.blobs = this.newFetcher();
  }

  /** The caps this client reads within. */
  get limits(): Readonly<RegistryLimits> {
    return this.settings.limits;
  }

  /** Checks that a registry answers and learns how to authenticate. */
  async ping(registry: string, options?: CallOptions): Promise<void> {
    await this.call(registry, options, (signal) =>
      this.session.base(registry, signal),
    );
  }

  /** Fetches a manifest or index by tag or digest, checked. */
  getManifest(
    repo: RepositoryRef,
    reference: string,
    options?: CallOptions,
  ): Promise<FetchedManifest> {
    return this.inRepo(repo, options, async (signal) => {
      const fetched = await fetchManifest(
        this.manifestDeps(),
        repo,
        reference,
        signal,
      );
      return fetched.manifest;
    });
  }

  /** Looks a manifest up without fetching it; undefined when absent. */
  headManifest(
    repo: RepositoryRef,
    reference: string,
    options?: CallOptions,
  ): Promise<Descriptor | undefined> {
    return this.inRepo(repo, options, (signal) =>
      headManifest(this.manifestDeps(), repo, reference, signal),
    );
  }

  /** Pushes a manifest under a tag or its digest. */
  putManifest(
    repo: RepositoryRef,
    reference: string,
    manifest: ManifestUpload,
    options?: CallOptions,
  ): Promise<PutManifestResult> {
    return this.inRepo(repo, options, (signal) =>
      putManifest(this.manifestDeps(), repo, reference, manifest, { signal }),
    );
  }

  /** Deletes a manifest by digest. */
  deleteManifest(
    repo: RepositoryRef,
    digest: Digest,
    options?: CallOptions,
  ): Promise<void> {
    return this.inRepo(repo, options, (signal) =>
      deleteManifest(this.manifestDeps(), repo, digest, signal),
    );
  }

  /** Opens a blob from the cache, downloading and verifying it first. */
  openBlob(
    repo: RepositoryRef,
    descriptor: Descriptor,
    options?: CallOptions,
  ): Promise<Readable> {
    return this.inRepo(repo, options, (signal) =>
      this.blobs.open(repo, descriptor, signal),
    );
  }

  /** Reads a small blob (a config, say) whole, up to `maxBytes`. */
  getBlob(
    repo: RepositoryRef,
    descriptor: Descriptor,
    options?: CallOptions & { maxBytes?: number },
  ): Promise<Buffer> {
    const cap = options?.maxBytes ?? this.settings.limits.configBytes;
    return this.inRepo(repo, options, (signal) =>
      this.blobs.bytes(repo, descriptor, cap, signal),
    );
  }

  /** Downloads blobs into the cache, in parallel up to the limit. */
  prefetchBlobs(
    repo: RepositoryRef,
    descriptors: readonly Descriptor[],
    options?: CallOptions,
  ): Promise<void> {
    return this.inRepo(repo, options, (signal) =>
      this.blobs.prefetch(repo, descriptors, signal),
    );
  }

  /** Whether the repository has a blob. */
  blobExists(
    repo: RepositoryRef,
    digest: Digest,
    options?: CallOptions,
  ): Promise<boolean> {
    return this.inRepo(repo, options, (signal) =>
      blobExists(this.uploadDeps(), repo, digest, signal),
    );
  }

  /** Pushes a blob: skipped if present, mounted, whole, or in chunks. */
  pushBlob(
    repo: RepositoryRef,
    blob: BlobUpload,
    options?: PushBlobOptions,
  ): Promise<PushBlobResult> {
    return this.inRepo(repo, options, (signal) =>
      pushBlob(this.uploadDeps(), repo, blob, { ...options, signal }),
    );
  }

  /**
   * Mounts a blob from another repository of the same registry without
   * sending its bytes; false when the registry declines.
   */
  mountBlob(
    repo: RepositoryRef,
    digest: Digest,
    from: string,
    options?: CallOptions,
  ): Promise<boolean> {
    return this.inRepo(repo, options, (signal) =>
      mountBlob(this.uploadDeps(), repo, digest, from, signal),
    );
  }

  /** Deletes a blob. */
  deleteBlob(
    repo: RepositoryRef,
    digest: Digest,
    options?: CallOptions,
  ): Promise<void> {
    return this.inRepo(repo, options, (signal) =>
      deleteBlob(this.uploadDeps(), repo, digest, signal),
    );
  }

  /** Lists tags, following pagination. */
  listTags(repo: RepositoryRef, options?: ListTagsOptions): Promise<string[]> {
    return this.inRepo(repo, options, (signal) =>
      listTags(this.pagingDeps(), repo, { ...options, signal }),
    );
  }

  /** Lists the referrers of a subject (API, or the tag fallback). */
  listReferrers(
    repo: RepositoryRef,
    subject: Digest,
    options?: ListReferrersOptions,
  ): Promise<Descriptor[]> {
    return this.inRepo(repo, options, (signal) =>
      listReferrers(this.referrersDeps(), repo, subject, {
        ...options,
        signal,
      }),
    );
  }

  /**
   * Pushes a manifest that has a `subject`, by digest. When the registry
   * does not index the subject itself (no `OCI-Subject` in the answer),
   * the referrers tag is updated too.
   */
  pushReferrer(
    repo: RepositoryRef,
    manifest: ManifestUpload,
    options?: CallOptions,
  ): Promise<PushReferrerResult> {
    return this.inRepo(repo, options, (signal) =>
      this.referrer(repo, manifest, signal),
    );
  }

  /** Closes connections and removes a temporary cache. */
  async close(): Promise<void> {
    await closeAgents(this.agents);
    await this.cache.close();
  }

  private async referrer(
    repo: RepositoryRef,
    upload: ManifestUpload,
    signal: AbortSignal,
  ): Promise<PushReferrerResult> {
    const parsed = this.parseUpload(upload);
    const subject = (parsed.kind === 'image' ? parsed.manifest : parsed.index)
      .subject;
    if (subject === undefined) {
      throw new OciError(
        'bad-manifest',
        `manifest ${parsed.digest} has no subject; it is not a referrer`,
      );
    }
    const put = await putManifest(
      this.manifestDeps(),
      repo,
      parsed.digest,
      upload,
      { signal },
    );
    if (put.subjectIndexed) return { digest: put.digest };
    await addToReferrersTag(
      this.referrersDeps(),
      repo,
      subject.digest,
      referrerDescriptor(parsed),
      signal,
    );
    return { digest: put.digest, referrersTag: referrersTag(subject.digest) };
  }

  private parseUpload(upload: ManifestUpload): FetchedManifest {
    const digest = digestOf(upload.bytes);
    return parseManifest(
      upload.bytes,
      digest,
      upload.mediaType,
      this.settings.limits,
    );
  }

  private inRepo<T>(
    repo: RepositoryRef,
    options: CallOptions | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return this.call(repo.registry, options, (signal) => {
      checkRepository(repo);
      return work(signal);
    });
  }

  private async call<T>(
    registry: string,
    options: CallOptions | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const signal = this.deadline(options?.signal);
    try {
      return await work(signal);
    } catch (error) {
      throw this.clean(error, registry, signal);
    }
  }

  private deadline(caller: AbortSignal | undefined): AbortSignal {
    const overall = AbortSignal.timeout(this.settings.operationTimeoutMs);
    return caller ? AbortSignal.any([caller, overall]) : overall;
  }

  /** Every error leaves as an `OciError` with a redacted message. */
  private clean(
    error: unknown,
    registry: string,
    signal: AbortSignal,
  ): OciError {
    if (error instanceof OciError) {
      const message = this.secrets.redact(error.message);
      if (message === error.message) return error;
      return new OciError(error.code, message, { cause: error.cause });
    }
    const cause = safeCause(error, this.secrets);
    if (signal.aborted) return abortError(signal, registry, cause);
    return new OciError('io', `${registry}: ${cause.message}`, { cause });
  }

  private newSession(): RegistrySession {
    const { credentials, clock, logger, realmHosts } = this.settings;
    const http = this.newHttp();
    const secrets = this.secrets;
    const auth = new Authenticator({
      http,
      credentials,
      secrets,
      clock,
      logger,
      realmHosts,
    });
    return new RegistrySession({ http, auth, secrets, logger });
  }

  private newFetcher(): BlobFetcher {
    const { concurrency, retry, clock, logger } = this.settings;
    return new BlobFetcher({
      session: this.session,
      cache: this.cache,
      limiter: new Limiter(concurrency),
      retry,
      clock,
      logger,
    });
  }

  private newHttp(): HttpClient {
    const s = this.settings;
    return new HttpClient({
      agents: this.agents,
      secrets: this.secrets,
      clock: s.clock,
      logger: s.logger,
      retry: s.retry,
      requestTimeoutMs: s.requestTimeoutMs,
      maxRedirects: s.limits.redirects,
      userAgent: s.userAgent,
      insecureHosts: s.insecureRegistries,
    });
  }

  private manifestDeps(): ManifestDeps {
    return {
      session: this.session,
      cache: this.cache,
      caps: this.settings.limits,
    };
  }

  private uploadDeps(): UploadDeps {
    return { session: this.session, logger: this.settings.logger };
  }

  private pagingDeps(): PagingDeps {
    return {
      session: this.session,
      maxPages: this.settings.limits.pages,
      maxPageBytes: this.settings.limits.manifestBytes,
    };
  }

  private referrersDeps(): ReferrersDeps {
    return { manifests: this.manifestDeps(), paging: this.pagingDeps() };
  }
}
