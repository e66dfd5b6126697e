import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * A deterministic image builder for tests, in plain TypeScript: tar layers
 * with any entries (hostile ones too), gzip, zstd or no compression, a
 * config with history, manifests and indexes, written out as an OCI layout
 * directory, an OCI archive or a docker archive. The same spec always
 * gives the same bytes and digests.
 */

/** The type of a tar entry. */
export type TarEntryKind =
  'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** One tar entry to write. */
export interface TarEntrySpec {
  name: string;
  /** Defaults to `file`, or `dir` for a name ending in `/`. */
  type?: TarEntryKind;
  content?: string | Uint8Array;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  /** Extra PAX records, written in an `x` header before the entry. */
  pax?: Record<string, string>;
  /** How to store names over 100 bytes: PAX (default) or GNU `L`/`K`. */
  longNames?: 'pax' | 'gnu';
  /** Writes this size in the header instead of the content's. */
  headerSize?: number;
  /** Writes this raw type flag instead of the type's. */
  typeflag?: string;
}

/** Options of a whole tar archive. */
export interface TarOptions {
  /** Write the two zero blocks at the end (default true). */
  endMarker?: boolean;
  /** Bytes appended after the end (padding, garbage). */
  trailing?: Uint8Array;
}

/** The fields of one raw 512-byte header block. */
export interface TarHeaderFields {
  name: string;
  typeflag: string;
  size: number;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

const BLOCK = 512;
const utf8 = new TextEncoder();

const TYPEFLAGS: Readonly<Record<TarEntryKind, string>> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

/** One ustar header block; names longer than 100 bytes are cut. */
export function tarHeader(fields: TarHeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeText(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode ?? defaultMode(fields.typeflag));
  writeOctal(block, 108, 8, fields.uid ?? 0);
  writeOctal(block, 116, 8, fields.gid ?? 0);
  writeNumber(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime ?? 0);
  block[156] = fields.typeflag.charCodeAt(0);
  writeText(block, 157, 100, fields.linkname ?? '');
  writeText(block, 257, 8, 'ustar\u000000');
  writeText(block, 265, 32, 'root');
  writeText(block, 297, 32, 'root');
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  writeText(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\u0000 `);
  return block;
}

/** The two zero blocks that end a tar archive. */
export function tarEndMarker(): Uint8Array {
  return new Uint8Array(2 * BLOCK);
}

/** A whole tar archive of the given entries. */
export function buildTar(
  entries: readonly TarEntrySpec[],
  options: TarOptions = {},
): Uint8Array {
  const parts = entries.flatMap(entryBlocks);
  if (options.endMarker !== false) parts.push(tarEndMarker());
  if (options.trailing !== undefined) parts.push(options.trailing);
  return concat(parts);
}

function entryBlocks(entry: TarEntrySpec): Uint8Array[] {
  const type = entry.type ?? (entry.name.endsWith('/') ? 'dir' : 'file');
  const content = toBytes(entry.content ?? '');
  const name =
    type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  const linkname = entry.linkname ?? '';
  const parts = longNameBlocks(entry, name, linkname);
  parts.push(
    tarHeader({
      name,
      typeflag: entry.typeflag ?? TYPEFLAGS[type],
      size: entry.headerSize ?? content.length,
      linkname,
      ...(entry.mode === undefined ? {} : { mode: entry.mode }),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtime: entry.mtime ?? 0,
    }),
  );
  if (content.length > 0) parts.push(padded(content));
  return parts;
}

function longNameBlocks(
  entry: TarEntrySpec,
  name: string,
  linkname: string,
): Uint8Array[] {
  const longName = utf8.encode(name).length > 100;
  const longLink = utf8.encode(linkname).length > 100;
  if (entry.longNames === 'gnu') {
    const parts: Uint8Array[] = [];
    if (longName) parts.push(...metaEntry('L', `${name}\u0000`));
    if (longLink) parts.push(...metaEntry('K', `${linkname}\u0000`));
    return entry.pax === undefined
      ? parts
      : [...paxBlocks(entry.pax), ...parts];
  }
  const records: Record<string, string> = { ...entry.pax };
  if (longName) records.path = name;
  if (longLink) records.linkpath = linkname;
  return Object.keys(records).length === 0 ? [] : paxBlocks(records);
}

/** A PAX extended header (`x`) holding the records. */
export function paxBlocks(
  records: Record<string, string>,
  typeflag = 'x',
): Uint8Array[] {
  const body = Object.entries(records)
    .map(([key, value]) => paxRecord(key, value))
    .join('');
  return metaEntry(typeflag, body);
}

function paxRecord(key: string, value: string): string {
  const text = ` ${key}=${value}\n`;
  const bytes = utf8.encode(text).length;
  let length = bytes + String(bytes).length;
  if (String(length).length !== String(bytes).length) {
    length = bytes + String(length).length;
  }
  return `${length}${text}`;
}

function metaEntry(typeflag: string, body: string): Uint8Array[] {
  const bytes = utf8.encode(body);
  const header = tarHeader({
    name: typeflag === 'x' || typeflag === 'g' ? 'PaxHeader' : '././@LongLink',
    typeflag,
    size: bytes.length,
    mode: 0o644,
  });
  return [header, padded(bytes)];
}

/** Content padded with zeros to whole 512-byte blocks. */
export function padded(content: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(content.length / BLOCK) * BLOCK);
  out.set(content);
  return out;
}

/** gzip, as the layers of most images are. */
export function gzipBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** Options of a zstd frame. */
export interface ZstdOptions {
  /** The window the frame header declares (default 17, 128 KiB). */
  windowLog?: number;
}

/**
 * A valid zstd frame of raw (stored) blocks: every decoder reads it, and
 * its header can declare any window for hostile tests.
 */
export function zstdBytes(
  bytes: Uint8Array,
  options: ZstdOptions = {},
): Uint8Array {
  const windowLog = options.windowLog ?? 17;
  const header = [0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3];
  const parts: Uint8Array[] = [new Uint8Array(header)];
  const blockSize = 128 * 1024;
  let at = 0;
  do {
    const block = bytes.subarray(at, at + blockSize);
    at += block.length;
    const last = at >= bytes.length ? 1 : 0;
    const value = (block.length << 3) | last;
    parts.push(
      new Uint8Array([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff]),
    );
    parts.push(block);
  } while (at < bytes.length);
  return concat(parts);
}

/** A blob with its descriptor fields. */
export interface BuiltBlob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Uint8Array;
}

/** `os/architecture[/variant]`. */
export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

/** One layer of an image. */
export interface LayerSpec {
  entries?: TarEntrySpec[];
  /** The layer's uncompressed bytes, instead of entries. */
  tar?: Uint8Array;
  compression?: 'gzip' | 'zstd' | 'none';
  /** The history's `created_by`. */
  createdBy?: string;
  /** Overrides the media type in the manifest. */
  mediaType?: string;
  /** Foreign-layer URLs for the descriptor. */
  urls?: string[];
}

/** An image to build. */
export interface ImageSpec {
  layers: LayerSpec[];
  /** Default linux/amd64. */
  platform?: PlatformSpec;
  /** Media types of OCI (default) or Docker schema 2. */
  format?: 'oci' | 'docker';
  /** Merged into the config's `config` object. */
  config?: Record<string, unknown>;
  /** Replaces the computed diff_ids (hostile tests). */
  diffIds?: string[];
  /** History entries of empty layers, put first. */
  emptyLayerHistory?: string[];
  annotations?: Record<string, string>;
}

/** A built image and its blobs. */
export interface BuiltImage {
  kind: 'image';
  manifest: BuiltBlob;
  config: BuiltBlob;
  layers: BuiltBlob[];
  diffIds: string[];
  platform: PlatformSpec;
  /** Config and layers (the manifest is `manifest`). */
  blobs: BuiltBlob[];
}

const OCI = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
};
const DOCKER = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  index: 'application/vnd.docker.distribution.manifest.list.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar',
};

/** Builds the blobs of one image. */
export function buildImage(spec: ImageSpec): BuiltImage {
  const types = spec.format === 'docker' ? DOCKER : OCI;
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const tars = spec.layers.map(
    (layer) => layer.tar ?? buildTar(layer.entries ?? []),
  );
  const layers = spec.layers.map((layer, i) =>
    layerBlob(layer, tars[i] ?? new Uint8Array(0), spec.format ?? 'oci'),
  );
  const diffIds = spec.diffIds ?? tars.map(sha256);
  const config = blob(
    types.config,
    json(configDocument(spec, platform, diffIds)),
  );
  const manifest = blob(
    types.manifest,
    json(manifestDocument(spec, types.manifest, config, layers)),
  );
  const blobs = [config, ...layers];
  return { kind: 'image', manifest, config, layers, diffIds, platform, blobs };
}

function manifestDocument(
  spec: ImageSpec,
  mediaType: string,
  config: BuiltBlob,
  layers: BuiltBlob[],
): Record<string, unknown> {
  const annotations = spec.annotations;
  return {
    schemaVersion: 2,
    mediaType,
    config: descriptor(config),
    layers: layers.map((layer, i) => {
      const urls = spec.layers[i]?.urls;
      return { ...descriptor(layer), ...(urls === undefined ? {} : { urls }) };
    }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

function layerBlob(
  layer: LayerSpec,
  tar: Uint8Array,
  format: 'oci' | 'docker',
): BuiltBlob {
  const compression = layer.compression ?? 'gzip';
  const bytes =
    compression === 'gzip'
      ? gzipBytes(tar)
      : compression === 'zstd'
        ? zstdBytes(tar)
        : tar;
  const docker = format === 'docker' && compression !== 'zstd';
  const base = docker ? DOCKER.layer : OCI.layer;
  const suffix =
    compression === 'none' ? '' : docker ? '.gzip' : `+${compression}`;
  return blob(layer.mediaType ?? base + suffix, bytes);
}

function configDocument(
  spec: ImageSpec,
  platform: PlatformSpec,
  diffIds: string[],
): Record<string, unknown> {
  const history = [
    ...(spec.emptyLayerHistory ?? []).map((createdBy) => ({
      created: '1970-01-01T00:00:00Z',
      created_by: createdBy,
      empty_layer: true,
    })),
    ...spec.layers.map((layer, i) => ({
      created: '1970-01-01T00:00:00Z',
      created_by: layer.createdBy ?? `layer ${i}`,
    })),
  ];
  return {
    created: '1970-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    config: {
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      ],
      ...spec.config,
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
}

/** A built index and every blob below it. */
export interface BuiltIndex {
  kind: 'index';
  index: BuiltBlob;
  /** Every blob below the index, manifests included. */
  blobs: BuiltBlob[];
}

/** One child of an index. */
export interface IndexChild {
  item: BuiltImage | BuiltIndex;
  /** The descriptor's platform; the image's by default, `null` for none. */
  platform?: PlatformSpec | null;
  annotations?: Record<string, string>;
}

/** Builds an index (or a Docker manifest list) over images. */
export function buildIndex(
  children: readonly IndexChild[],
  options: { format?: 'oci' | 'docker' } = {},
): BuiltIndex {
  const mediaType = options.format === 'docker' ? DOCKER.index : OCI.index;
  const index = blob(
    mediaType,
    json({
      schemaVersion: 2,
      mediaType,
      manifests: children.map(childDescriptor),
    }),
  );
  const blobs = children.flatMap((child) => [
    rootBlob(child.item),
    ...child.item.blobs,
  ]);
  return { kind: 'index', index, blobs };
}

function childDescriptor(child: IndexChild): Record<string, unknown> {
  const platform =
    child.platform === null
      ? undefined
      : (child.platform ??
        (child.item.kind === 'image' ? child.item.platform : undefined));
  return {
    ...descriptor(rootBlob(child.item)),
    ...(platform === undefined ? {} : { platform }),
    ...(child.annotations === undefined
      ? {}
      : { annotations: child.annotations }),
  };
}

/** The manifest of an image or the index of an index. */
export function rootBlob(item: BuiltImage | BuiltIndex): BuiltBlob {
  return item.kind === 'image' ? item.manifest : item.index;
}

/** A descriptor of a blob. */
export function descriptor(built: BuiltBlob): {
  mediaType: string;
  digest: string;
  size: number;
} {
  return { mediaType: built.mediaType, digest: built.digest, size: built.size };
}

/** One entry of an OCI layout's `index.json`. */
export interface LayoutEntry extends IndexChild {
  /** `org.opencontainers.image.ref.name`. */
  refName?: string;
}

/** Files of an OCI image layout: `oci-layout`, `index.json`, blobs. */
export function ociLayoutFiles(
  entries: readonly LayoutEntry[],
  options: { omitLayoutFile?: boolean; extraBlobs?: BuiltBlob[] } = {},
): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  if (options.omitLayoutFile !== true) {
    files.set('oci-layout', json({ imageLayoutVersion: '1.0.0' }));
  }
  const manifests = entries.map((entry) => {
    const annotations = {
      ...entry.annotations,
      ...(entry.refName === undefined
        ? {}
        : { 'org.opencontainers.image.ref.name': entry.refName }),
    };
    return childDescriptor({
      ...entry,
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
    });
  });
  files.set(
    'index.json',
    json({ schemaVersion: 2, mediaType: OCI.index, manifests }),
  );
  const blobs = entries.flatMap((entry) => [
    rootBlob(entry.item),
    ...entry.item.blobs,
  ]);
  for (const built of [...blobs, ...(options.extraBlobs ?? [])]) {
    files.set(blobPath(built.digest), built.bytes);
  }
  return files;
}

/** An image to put in a docker archive. */
export interface DockerArchiveImage {
  image: BuiltImage;
  repoTags?: string[];
}

/**
 * Files of a docker archive (`docker save`): `legacy` as Docker wrote it
 * before version 25 (`<id>.json`, `<id>/layer.tar`), or `docker25` with an
 * OCI layout inside.
 */
export function dockerArchiveFiles(
  images: readonly DockerArchiveImage[],
  options: { layout?: 'legacy' | 'docker25' } = {},
): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const isOci = options.layout === 'docker25';
  const entries = images.map(({ image, repoTags }) => {
    const configPath = isOci
      ? blobPath(image.config.digest)
      : `${hex(image.config.digest)}.json`;
    files.set(configPath, image.config.bytes);
    const layerPaths = image.layers.map((layer) => {
      const path = isOci
        ? blobPath(layer.digest)
        : `${hex(layer.digest)}/layer.tar`;
      files.set(path, layer.bytes);
      return path;
    });
    return { Config: configPath, RepoTags: repoTags ?? [], Layers: layerPaths };
  });
  if (isOci) {
    const layout = ociLayoutFiles(
      images.map(({ image, repoTags }) => ({
        item: image,
        platform: null,
        ...(repoTags?.[0] === undefined ? {} : { refName: repoTags[0] }),
      })),
    );
    for (const [path, bytes] of layout) files.set(path, bytes);
  }
  files.set('manifest.json', json(entries));
  return files;
}

/** A tar of files, in path order, as an OCI or docker archive is. */
export function tarOfFiles(
  files: ReadonlyMap<string, Uint8Array>,
  options: TarOptions = {},
): Uint8Array {
  const entries = [...files.keys()].sort().map((name) => ({
    name,
    content: files.get(name) ?? new Uint8Array(0),
  }));
  return buildTar(entries, options);
}

/** An OCI archive (`oci-archive:`) of the given layout entries. */
export function ociArchive(entries: readonly LayoutEntry[]): Uint8Array {
  return tarOfFiles(ociLayoutFiles(entries));
}

/** A docker archive (`docker save`) of the given images. */
export function dockerArchive(
  images: readonly DockerArchiveImage[],
  options: { layout?: 'legacy' | 'docker25' } = {},
): Uint8Array {
  return tarOfFiles(dockerArchiveFiles(images, options));
}

/** Writes an OCI layout directory (`oci:`) of the given entries. */
export async function writeOciLayout(
  dir: string,
  entries: readonly LayoutEntry[],
): Promise<void> {
  await writeFiles(dir, ociLayoutFiles(entries));
}

/** Writes files below a directory, making folders as needed. */
export async function writeFiles(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  for (const [path, bytes] of files) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
}

/** Runs `work` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(
  work: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'imagegate-test-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `blobs/sha256/<hex>` for a digest. */
export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

/** The sha256 digest of bytes, as `sha256:<hex>`. */
export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Canonical JSON bytes (key order as written). */
export function json(value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value));
}

function blob(mediaType: string, bytes: Uint8Array): BuiltBlob {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

function hex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

function toBytes(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? utf8.encode(content) : content;
}

function defaultMode(typeflag: string): number {
  return typeflag === '5' ? 0o755 : typeflag === '2' ? 0o777 : 0o644;
}

function writeText(
  block: Uint8Array,
  at: number,
  length: number,
  text: string,
): void {
  block.set(utf8.encode(text).subarray(0, length), at);
}

function writeOctal(
  block: Uint8Array,
  at: number,
  length: number,
  value: number,
): void {
  writeText(
    block,
    at,
    length,
    `${value.toString(8).padStart(length - 1, '0')}\u0000`,
  );
}

/** Octal when it fits, else GNU base-256 (big sizes, hostile tests). */
function writeNumber(
  block: Uint8Array,
  at: number,
  length: number,
  value: number,
): void {
  if (value < 8 ** (length - 1)) {
    writeOctal(block, at, length, value);
    return;
  }
  let rest = value;
  for (let i = length - 1; i > 0; i--) {
    block[at + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  block[at] = 0x80;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(
    parts.reduce((total, part) => total + part.length, 0),
  );
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
