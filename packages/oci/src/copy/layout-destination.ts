import { randomBytes } from 'node:crypto';
import {
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from '@imagegate/findings';
import { splitDigest } from '../digest';
import { OciError } from '../errors';
import { MediaType } from '../media-types';
import type { Descriptor } from '../types';
import { holdsBlob, writeVerified } from './blob-file';
import type { BlobOutcome, ImageDestination } from './destination';
import { MANIFEST_MAX_BYTES } from './located-source';
import { writeTar, type TarMember } from './tar-writer';

/** The annotation that names an image in an OCI layout. */
const REF_NAME = 'org.opencontainers.image.ref.name';

/** What is written: a layout directory, or an archive of one. */
type Target =
  { kind: 'directory'; dir: string } | { kind: 'archive'; file: string };

/** Where the layout is being written. */
interface Workspace {
  /** The layout's folder: a staging folder, or the existing layout. */
  root: string;
  /** True when adding to a layout that was already there. */
  existing: boolean;
  /** The first missing parent folder made for the target, if any. */
  madeParent: string | undefined;
}

type Json = Record<string, unknown>;

/**
 * An OCI image layout directory (`oci:DIR[:TAG]`) or OCI archive
 * (`oci-archive:FILE[:TAG]`) as a copy destination. A new layout, and
 * every archive, is written in a staging folder beside the target and
 * renamed into place on `commit` (an archive is first written whole to a
 * temporary file), so a failed copy leaves the target as it was. Adding
 * to an existing layout writes each blob through a temporary file and a
 * rename, and `index.json` last, the same way; `abort` removes the blobs
 * it added. Each blob is verified against its digest as it is written.
 *
 * Limitation: two copies into one existing layout at the same time can
 * lose one of their `index.json` entries (there is no lock).
 *
 * Limitation: an existing archive is replaced, not added to.
 *
 * Limitation: a process killed mid-copy (SIGKILL, or SIGINT, which the
 * CLI does not trap) leaves its hidden staging folder
 * `.NAME.imagegate-*` beside the target; the target itself is untouched.
 */
export class LayoutDestination implements ImageDestination {
  readonly name: string;
  private workspace: Promise<Workspace> | undefined;
  private readonly added: string[] = [];
  private committed = false;
  private archiveTemp: string | undefined;

  private constructor(
    private readonly target: Target,
    private readonly tag: string | undefined,
    private readonly logger: Logger,
  ) {
    const path = target.kind === 'directory' ? target.dir : target.file;
    const prefix = target.kind === 'directory' ? 'oci' : 'oci-archive';
    this.name = `${prefix}:${path}${tag === undefined ? '' : `:${tag}`}`;
  }

  /** An OCI layout directory, made if missing or empty. */
  static directory(
    dir: string,
    tag: string | undefined,
    logger: Logger,
  ): LayoutDestination {
    return new LayoutDestination({ kind: 'directory', dir }, tag, logger);
  }

  /** An OCI archive file, replaced if present. */
  static archive(
    file: string,
    tag: string | undefined,
    logger: Logger,
  ): LayoutDestination {
    return new LayoutDestination({ kind: 'archive', file }, tag, logger);
  }

  putBlob(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
  ): Promise<BlobOutcome> {
    return this.store(descriptor, open);
  }

  async putManifest(descriptor: Descriptor, bytes: Uint8Array): Promise<void> {
    await this.store(descriptor, () => Promise.resolve(Readable.from([bytes])));
  }

  async commit(root: Descriptor): Promise<void> {
    const workspace = await this.prepare();
    const index = workspace.existing
      ? await this.readIndex(workspace.root)
      : { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    index.manifests = [...this.kept(index.manifests, root), this.entry(root)];
    await writeAtomically(
      join(workspace.root, 'index.json'),
      JSON.stringify(index),
    );
    if (this.target.kind === 'archive') {
      await this.archive(workspace.root, this.target.file);
    } else if (!workspace.existing) {
      await this.moveInto(workspace.root, this.target.dir);
    }
    this.committed = true;
    this.logger.info(`${this.name}: wrote ${root.digest}`);
    if (this.target.kind === 'archive') {
      await rm(workspace.root, { recursive: true, force: true });
    }
  }

  async abort(): Promise<void> {
    if (this.committed) return;
    const workspace = await this.workspace?.catch(() => undefined);
    this.workspace = undefined;
    if (workspace === undefined) return;
    if (this.archiveTemp !== undefined)
      await rm(this.archiveTemp, { force: true });
    if (workspace.existing) {
      await Promise.all(this.added.map((path) => rm(path, { force: true })));
    } else {
      await rm(workspace.root, { recursive: true, force: true });
    }
    if (workspace.madeParent !== undefined) {
      await rm(workspace.madeParent, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    if (!this.committed) await this.abort();
  }

  private async store(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
  ): Promise<BlobOutcome> {
    const workspace = await this.prepare();
    const { algorithm, hex } = splitDigest(descriptor.digest);
    const dir = join(workspace.root, 'blobs', algorithm);
    const path = join(dir, hex);
    if (await holdsBlob(path, descriptor)) return 'existed';
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${hex}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeVerified(await open(), descriptor, temp, this.name);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw this.ioError(`cannot store blob ${descriptor.digest}`, error);
    }
    if (workspace.existing) this.added.push(path);
    return 'copied';
  }

  private prepare(): Promise<Workspace> {
    this.workspace ??= this.makeWorkspace();
    return this.workspace;
  }

  private async makeWorkspace(): Promise<Workspace> {
    const path =
      this.target.kind === 'directory' ? this.target.dir : this.target.file;
    const info = await stat(path).catch(() => undefined);
    if (this.target.kind === 'directory' && info !== undefined) {
      if (await this.isExistingLayout(path, info.isDirectory())) {
        return { root: path, existing: true, madeParent: undefined };
      }
    } else if (info?.isDirectory() === true) {
      throw new OciError('io', `${this.name}: ${path} is a directory`);
    }
    const madeParent = await mkdir(dirname(path), { recursive: true }).catch(
      (error: unknown) => {
        throw this.ioError(`cannot make ${dirname(path)}`, error);
      },
    );
    const root = stagingPath(path);
    try {
      await mkdir(root, { mode: 0o755 });
      await writeFile(
        join(root, 'oci-layout'),
        JSON.stringify({ imageLayoutVersion: '1.0.0' }),
      );
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw this.ioError(`cannot write beside ${path}`, error);
    }
    return { root, existing: false, madeParent };
  }

  /** True for a layout to add to; false for an empty folder. */
  private async isExistingLayout(
    dir: string,
    isDirectory: boolean,
  ): Promise<boolean> {
    if (!isDirectory) {
      throw new OciError('io', `${this.name}: ${dir} is not a directory`);
    }
    const names = await readdir(dir);
    if (names.length === 0) return false;
    if (names.includes('oci-layout')) return true;
    throw new OciError(
      'io',
      `${this.name}: ${dir} is neither empty nor an OCI image layout; ` +
        'name a new or empty directory',
    );
  }

  private async readIndex(
    root: string,
  ): Promise<Json & { manifests: unknown[] }> {
    const path = join(root, 'index.json');
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) {
      return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    }
    if (info.size > MANIFEST_MAX_BYTES) {
      throw new OciError(
        'too-large',
        `${path} is larger than the ${MANIFEST_MAX_BYTES}-byte limit`,
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new OciError('bad-archive', `${path} is not valid JSON`, {
        cause: error,
      });
    }
    if (!isObject(doc) || !Array.isArray(doc.manifests)) {
      throw new OciError('bad-archive', `${path} has no manifests list`);
    }
    return doc as Json & { manifests: unknown[] };
  }

  /**
   * The entries that stay: all but the one of the same name, or with no
   * name, an unnamed entry of the same digest.
   */
  private kept(manifests: readonly unknown[], root: Descriptor): unknown[] {
    return manifests.filter((entry) => {
      if (!isObject(entry)) return true;
      const annotations = isObject(entry.annotations) ? entry.annotations : {};
      const name = annotations[REF_NAME];
      if (this.tag !== undefined) return name !== this.tag;
      return name !== undefined || entry.digest !== root.digest;
    });
  }

  private entry(root: Descriptor): Json {
    const entry: Json = {
      mediaType: root.mediaType,
      digest: root.digest,
      size: root.size,
    };
    if (this.tag !== undefined) entry.annotations = { [REF_NAME]: this.tag };
    return entry;
  }

  private async moveInto(root: string, dir: string): Promise<void> {
    try {
      await rename(root, dir);
    } catch (error) {
      throw this.ioError(`cannot move the new layout into ${dir}`, error);
    }
  }

  private async archive(root: string, file: string): Promise<void> {
    const temp = stagingPath(file);
    this.archiveTemp = temp;
    try {
      await writeTar(await layoutMembers(root), root, temp);
      await rename(temp, file);
    } catch (error) {
      throw this.ioError(`cannot write ${file}`, error);
    }
    this.archiveTemp = undefined;
  }

  private ioError(what: string, error: unknown): OciError {
    if (error instanceof OciError) return error;
    const code = (error as { code?: unknown }).code;
    const detail = typeof code === 'string' ? ` (${code})` : '';
    return new OciError('io', `${this.name}: ${what}${detail}`, {
      cause: error,
    });
  }
}

/** A hidden name beside `path`, on the same filesystem, for staging. */
function stagingPath(path: string): string {
  const suffix = randomBytes(6).toString('hex');
  return join(dirname(path), `.${basename(path)}.imagegate-${suffix}`);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The members of a layout folder, in the order an archive holds them. */
async function layoutMembers(root: string): Promise<TarMember[]> {
  const members: TarMember[] = [
    { name: 'oci-layout', file: 'oci-layout' },
    { name: 'index.json', file: 'index.json' },
    { name: 'blobs/' },
  ];
  const algorithms = (
    await readdir(join(root, 'blobs')).catch(() => [])
  ).sort();
  for (const algorithm of algorithms) {
    members.push({ name: `blobs/${algorithm}/` });
    const names = await readdir(join(root, 'blobs', algorithm));
    for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
      const path = `blobs/${algorithm}/${name}`;
      members.push({ name: path, file: path });
    }
  }
  return members;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
