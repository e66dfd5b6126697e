import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { silentLogger, type Logger } from '@imagegate/findings';
import { LocatedImageSource } from './copy/located-source';
import type { ImageDestination } from './copy/destination';
import { LayoutDestination } from './copy/layout-destination';
import { RegistryDestination } from './copy/registry-destination';
import { OciError } from './errors';
import {
  formatImageLocation,
  parseImageLocation,
  type ImageLocation,
} from './reference-location';
import { RegistryClient } from './registry/client';
import type { RegistryClientOptions } from './registry/options';
import { RegistryImageSource } from './registry/registry-source';
import type { CredentialProvider } from './source';
import { DockerArchiveSource } from './sources/docker-archive';
import type { SourceLimits } from './sources/limits';
import { OciArchiveSource, OciLayoutSource } from './sources/oci-layout';

/** How to open an image location for reading or writing. */
export interface OpenImageOptions {
  /** Registry credentials; anonymous when absent. */
  credentials?: CredentialProvider;
  /** Registry hosts allowed without TLS verification (`host[:port]`). */
  insecureRegistries?: readonly string[];
  /** A PEM file of extra CAs trusted for registries. */
  caFile?: string;
  /**
   * The registry blob cache. By default `IMAGEGATE_CACHE_DIR`, else
   * `$XDG_CACHE_HOME/imagegate/blobs`, else `~/.cache/imagegate/blobs`.
   */
  cacheDir?: string;
  /** A registry client to share (its options then win); left open. */
  client?: RegistryClient;
  /** Where relative paths of `oci:` and archives start; `process.cwd()`. */
  cwd?: string;
  /** Read for the cache folder and CA variables; `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** `os.homedir()` by default. */
  homeDir?: string;
  /** Caps of the local sources. */
  limits?: Partial<SourceLimits>;
  logger?: Logger;
}

/** The blob cache folder the environment asks for. */
export function imageCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  homeDir: string = homedir(),
): string {
  if (env.IMAGEGATE_CACHE_DIR) return env.IMAGEGATE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homeDir, '.cache');
  return join(base, 'imagegate', 'blobs');
}

/**
 * A registry client for the options, to share between a source and a
 * destination on one registry (so a copy can mount blobs across
 * repositories and authenticates once).
 */
export function createImageClient(
  options: OpenImageOptions = {},
): RegistryClient {
  const env = options.env ?? process.env;
  const settings: RegistryClientOptions = {
    cacheDir:
      options.cacheDir ?? imageCacheDir(env, options.homeDir ?? homedir()),
    env,
    logger: options.logger ?? silentLogger,
  };
  if (options.credentials) settings.credentials = options.credentials;
  if (options.insecureRegistries) {
    settings.insecureRegistries = options.insecureRegistries;
  }
  if (options.caFile !== undefined) settings.caFile = options.caFile;
  return new RegistryClient(settings);
}

/**
 * Opens any image location for reading: a registry reference, `oci:DIR`,
 * `oci-archive:FILE` or `docker-archive:FILE` (see `parseImageLocation`).
 * Nothing is read until the source is resolved. Close the source when
 * done; it closes the registry client it made, never a shared one.
 */
export function openImageSource(
  text: string,
  options: OpenImageOptions = {},
): LocatedImageSource {
  return openSourceAt(parseImageLocation(text), options);
}

/** Opens a parsed image location for reading. */
export function openSourceAt(
  location: ImageLocation,
  options: OpenImageOptions = {},
): LocatedImageSource {
  const at = absolute(location, options.cwd);
  const local = localOptions(options);
  switch (at.kind) {
    case 'registry': {
      const client = options.client ?? createImageClient(options);
      const { registry, repository } = at.reference;
      const reference = at.reference.digest ?? at.reference.tag ?? 'latest';
      const source = new RegistryImageSource({
        registry,
        repository,
        reference,
        client,
        logger: local.logger,
      });
      const owned = options.client === undefined ? client : undefined;
      return new LocatedImageSource(at, source, { client, owned });
    }
    case 'oci':
      return new LocatedImageSource(
        at,
        new OciLayoutSource(at.dir, withTag(local, at.tag)),
      );
    case 'oci-archive':
      return new LocatedImageSource(
        at,
        new OciArchiveSource(at.file, withTag(local, at.tag)),
      );
    case 'docker-archive':
      return new LocatedImageSource(
        at,
        new DockerArchiveSource(at.file, local),
      );
  }
}

/**
 * Opens an image location for writing: a registry reference (pushed by
 * digest, tagged last), `oci:DIR[:TAG]` or `oci-archive:FILE[:TAG]`, each
 * written through a temporary folder or file and renamed into place on
 * `commit`. Writing a docker archive is refused as unsupported.
 */
export function openImageDestination(
  text: string,
  options: OpenImageOptions = {},
): ImageDestination {
  const at = absolute(parseImageLocation(text), options.cwd);
  const logger = options.logger ?? silentLogger;
  switch (at.kind) {
    case 'registry': {
      const client = options.client ?? createImageClient(options);
      const owned = options.client === undefined;
      return new RegistryDestination(at.reference, client, { owned, logger });
    }
    case 'oci':
      return LayoutDestination.directory(at.dir, at.tag, logger);
    case 'oci-archive':
      return LayoutDestination.archive(at.file, at.tag, logger);
    case 'docker-archive':
      // Limitation: docker archives can be read but not written; copy to
      // an oci-archive: file, which `docker load` reads since Docker 25.
      throw new OciError(
        'unsupported',
        `'${formatImageLocation(at)}': writing a docker archive is not ` +
          'supported; write an oci-archive: file or an oci: directory',
      );
  }
}

function absolute(location: ImageLocation, cwd: string | undefined) {
  const base = cwd ?? process.cwd();
  const fix = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  switch (location.kind) {
    case 'registry':
      return location;
    case 'oci':
      return { ...location, dir: fix(location.dir) };
    case 'oci-archive':
    case 'docker-archive':
      return { ...location, file: fix(location.file) };
  }
}

function localOptions(options: OpenImageOptions): {
  logger: Logger;
  limits?: Partial<SourceLimits>;
} {
  const logger = options.logger ?? silentLogger;
  return options.limits ? { logger, limits: options.limits } : { logger };
}

function withTag<T extends object>(
  options: T,
  tag: string | undefined,
): T & { tag?: string } {
  return tag === undefined ? options : { ...options, tag };
}
