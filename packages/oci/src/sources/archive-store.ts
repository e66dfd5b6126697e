import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { OciError } from '../errors';
import { FileByteSource, StreamByteSource } from '../walk/byte-source';
import {
  ByteMeter,
  openDecompressed,
  sniffCompression,
  type Compression,
} from '../walk/decompress';
import { DEFAULT_WALK_LIMITS } from '../walk/limits';
import { cleanPath } from '../walk/paths';
import { TarReader, type TarEntry } from '../walk/tar-reader';
import type { BlobStore, StoredFile } from './blob-store';
import type { SourceLimits } from './limits';

/** One archive member, as indexed. */
interface Member {
  type: TarEntry['type'];
  size: number;
  offset: number;
  linkname: string;
}

const MAX_LINK_HOPS = 40;
const READ_BYTES = 64 * 1024;

/**
 * The members of a tar archive (an OCI archive or a docker archive), read
 * in place: one pass over the headers builds an in-memory index of names
 * and offsets, and each file is then streamed from its offset. Nothing is
 * extracted. Symbolic and hard links between members (docker archives use
 * them for shared layers) are followed inside the archive. A name that
 * appears twice is ambiguous and refused when it is read.
 *
 * Limitation: links between members are followed only where the link is
 * the member itself; a path through a symbolic link to a directory inside
 * the archive is not resolved.
 *
 * Limitation: a gzip- or zstd-compressed archive cannot be read at an
 * offset, so it is decompressed from its start again for every file read
 * from it (under the walk's decompression caps); big compressed archives
 * are slow. Decompressing them first avoids that.
 */
export class TarArchiveStore implements BlobStore {
  private readonly members = new Map<string, Member>();
  private readonly duplicates = new Set<string>();

  private constructor(
    readonly name: string,
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly compression: Compression,
  ) {}

  /** Opens an archive and indexes its members. */
  static async open(
    file: string,
    limits: SourceLimits,
  ): Promise<TarArchiveStore> {
    const handle = await open(file, 'r').catch((error: unknown) => {
      throw new OciError('io', `${file}: cannot be opened`, { cause: error });
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) {
        throw new OciError('bad-archive', `${file} is not a regular file`);
      }
      const head = await new FileByteSource(handle, info.size).read(4);
      const store = new TarArchiveStore(
        file,
        handle,
        info.size,
        sniffCompression(head),
      );
      await store.index(limits);
      return store;
    } catch (error: unknown) {
      await handle.close();
      throw error;
    }
  }

  stat(path: string): Promise<StoredFile | undefined> {
    const member = this.resolve(path, 0);
    if (member === undefined) return Promise.resolve(undefined);
    const { size, offset } = member;
    return Promise.resolve({
      size,
      open: () =>
        Readable.from(this.range(offset, size), { objectMode: false }),
    });
  }

  /** True when a member of that name exists. */
  has(path: string): boolean {
    return this.members.has(key(path));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async index(limits: SourceLimits): Promise<void> {
    const stream =
      this.compression === 'none' ? undefined : await this.decompressed();
    const source = stream ?? new FileByteSource(this.handle, this.size);
    const reader = new TarReader(source, DEFAULT_WALK_LIMITS.maxMetaBytes);
    try {
      for (
        let entry = await reader.next();
        entry;
        entry = await reader.next()
      ) {
        this.add(entry, limits);
      }
    } catch (error: unknown) {
      throw this.named(error);
    } finally {
      await stream?.close();
    }
  }

  /** The archive's tar bytes from the start, decompressed under caps. */
  private async decompressed(): Promise<StreamByteSource> {
    const meter = new ByteMeter(DEFAULT_WALK_LIMITS);
    meter.startLayer(this.name);
    const raw = fileChunks(this.handle, 0, this.size);
    const opened = await openDecompressed(raw, meter, DEFAULT_WALK_LIMITS);
    return new StreamByteSource(opened.chunks);
  }

  private async *range(
    offset: number,
    size: number,
  ): AsyncGenerator<Uint8Array> {
    if (this.compression === 'none') {
      yield* fileChunks(this.handle, offset, offset + size);
      return;
    }
    const source = await this.decompressed();
    try {
      if ((await source.skip(offset)) < offset) throw this.truncated();
      for (let left = size; left > 0;) {
        const piece = await source.readSome(Math.min(left, READ_BYTES));
        if (piece.length === 0) throw this.truncated();
        left -= piece.length;
        yield piece;
      }
    } catch (error: unknown) {
      throw this.named(error);
    } finally {
      await source.close();
    }
  }

  private add(entry: TarEntry, limits: SourceLimits): void {
    if (entry.type === 'dir' || entry.type === 'other') return;
    if (this.members.size >= limits.maxArchiveMembers) {
      throw new OciError(
        'limit',
        `it has more than ${limits.maxArchiveMembers} members, the limit`,
      );
    }
    const name = key(entry.name);
    if (this.members.has(name)) this.duplicates.add(name);
    this.members.set(name, {
      type: entry.type,
      size: entry.size,
      offset: entry.offset,
      linkname: entry.linkname,
    });
  }

  private resolve(path: string, hops: number): Member | undefined {
    const name = key(path);
    if (this.duplicates.has(name)) {
      throw new OciError(
        'ambiguous',
        `${this.name}: ambiguous archive: '${name}' appears more than once`,
      );
    }
    const member = this.members.get(name);
    if (member === undefined || member.type === 'file') return member;
    if (hops >= MAX_LINK_HOPS) {
      throw new OciError(
        'bad-archive',
        `${this.name}: '${name}' is a link loop`,
      );
    }
    if (member.type === 'symlink') {
      const base = member.linkname.startsWith('/') ? '' : `${parentOf(name)}/`;
      return this.resolve(base + member.linkname, hops + 1);
    }
    if (member.type === 'hardlink')
      return this.resolve(member.linkname, hops + 1);
    return undefined;
  }

  private truncated(): OciError {
    return new OciError('truncated', 'the archive ends inside a member');
  }

  private named(error: unknown): unknown {
    if (!(error instanceof OciError) || error.message.startsWith(this.name)) {
      return error;
    }
    return new OciError(error.code, `${this.name}: ${error.message}`, {
      cause: error,
    });
  }
}

/** Positional reads of `[start, end)` of a file, in 64 KiB pieces. */
async function* fileChunks(
  handle: FileHandle,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array> {
  for (let at = start; at < end;) {
    const buffer = Buffer.alloc(Math.min(READ_BYTES, end - at));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) {
      throw new OciError('truncated', 'the archive ends inside a member');
    }
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** A member name as a lookup key: cleaned, relative, `/`-separated. */
function key(path: string): string {
  return cleanPath(path).parts.join('/');
}

function parentOf(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash === -1 ? '' : name.slice(0, slash);
}
