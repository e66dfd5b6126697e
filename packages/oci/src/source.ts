import type { Readable } from 'node:stream';
import type { Digest } from './digest';
import type {
  Descriptor,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Platform,
} from './types';

/** A username and password, or a token, for one registry host. */
export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken` in docker's config.json). */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken`). */
  registryToken?: string;
}

/** Finds the credential for a registry host; undefined means anonymous. */
export interface CredentialProvider {
  credentialFor(host: string): Promise<Credential | undefined>;
}

/** One image resolved to a single platform's manifest. */
export interface ResolvedImage {
  /** The digest of the manifest that was resolved (not of an index). */
  digest: Digest;
  manifest: ImageManifest;
  /** The raw manifest bytes, whose sha256 is `digest`. */
  manifestBytes: Uint8Array;
  config: ImageConfig;
  configDigest: Digest;
  /** The index the manifest was chosen from, if there was one. */
  index?: { digest: Digest; index: ImageIndex };
  platform: Platform | undefined;
}

/** Which platform to resolve from an index. */
export type PlatformChoice = Platform | 'all';

/**
 * Where an image comes from: a registry, an OCI layout, an OCI archive or a
 * docker archive. Every source gives the same image: manifest, config,
 * history, layer descriptors and verified layer streams.
 */
export interface ImageSource {
  /** A human-readable name for messages (`docker.io/library/alpine:3.20`). */
  readonly name: string;
  /** Resolves the image; with `all`, every platform of an index. */
  resolve(platform?: PlatformChoice): Promise<ResolvedImage[]>;
  /** Opens a blob; the stream errors if its bytes do not match the digest. */
  openBlob(descriptor: Descriptor): Promise<Readable>;
  /** Releases files and connections. */
  close(): Promise<void>;
}
