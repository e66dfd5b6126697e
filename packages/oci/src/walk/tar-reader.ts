import { OciError } from '../errors';
import type { ByteSource } from './byte-source';
import { formatBytes } from './limits';
import {
  BLOCK_SIZE,
  bodySize,
  decodeHeader,
  isZeroBlock,
  paddedSize,
  parsePaxRecords,
  paxInteger,
  type RawTarHeader,
  type TarMemberFields,
} from './tar-header';

/** What a member is, after PAX and GNU long-name headers are applied. */
export type TarEntryType =
  'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

/** One archive member. */
export interface TarEntry extends TarMemberFields {
  type: TarEntryType;
  /** Bytes of the body that follows (0 for links, devices, directories). */
  size: number;
  /** Where the body starts in the input. */
  offset: number;
}

/** Pending PAX and GNU metadata that applies to the next member. */
interface Pending {
  pax: Map<string, string> | undefined;
  longName: string | undefined;
  longLink: string | undefined;
}

const NO_RECORDS: ReadonlyMap<string, string> = new Map();

/** Keys of a global PAX header that would change which members exist. */
const IDENTITY_KEYS = ['path', 'linkpath', 'size', 'uid', 'gid'];

/**
 * A streaming tar reader with the semantics of Go's archive/tar, which
 * Docker and containerd use to apply layers: PAX `size`, `path` and
 * `linkpath` override the header, GNU `L`/`K` long names are honoured,
 * links, devices and directories have no body, and reading stops at the
 * end-of-archive marker. Where readers of the format disagree (two PAX or
 * long-name headers before one member, a global header that renames
 * members, a lone zero block) it throws `OciError('ambiguous')` instead of
 * choosing.
 *
 * Limitation: GNU sparse files (type `S`, PAX `GNU.sparse.*`) are refused
 * as unsupported; layer writers in use do not produce them.
 *
 * Limitation: PAX extended attributes (`SCHILY.xattr.*`, which carry file
 * capabilities such as `security.capability`) are read past and not kept.
 */
export class TarReader {
  private remaining = 0;
  private padding = 0;
  private finished = false;
  /** True once two zero blocks were read; false if the input just ended. */
  endMarkerSeen = false;

  constructor(
    private readonly source: ByteSource,
    private readonly maxMetaBytes: number,
  ) {}

  /**
   * The next member, or undefined at the end of the archive. Whatever is
   * left of the previous member's body is skipped first.
   */
  async next(): Promise<TarEntry | undefined> {
    await this.skipBody();
    if (this.finished) return undefined;
    const pending: Pending = {
      pax: undefined,
      longName: undefined,
      longLink: undefined,
    };
    for (;;) {
      const header = await this.readHeader();
      if (header === undefined) {
        this.finished = true;
        if (hasPending(pending)) throw orphanMetadata();
        return undefined;
      }
      if (await this.absorbMetadata(header, pending)) continue;
      return this.member(header, pending);
    }
  }

  /** Reads the current member's whole body (check `size` first). */
  async readBody(): Promise<Uint8Array> {
    const body = await this.source.read(this.remaining);
    if (body.length < this.remaining) throw truncated();
    this.remaining = 0;
    return body;
  }

  private async skipBody(): Promise<void> {
    const length = this.remaining + this.padding;
    this.remaining = 0;
    this.padding = 0;
    const skipped = await this.source.skip(length);
    if (skipped < length) throw truncated();
  }

  private async readHeader(): Promise<RawTarHeader | undefined> {
    const block = await this.source.read(BLOCK_SIZE);
    if (block.length === 0) return undefined;
    if (block.length < BLOCK_SIZE) throw truncated();
    if (!isZeroBlock(block)) return decodeHeader(block);
    const second = await this.source.read(BLOCK_SIZE);
    if (second.length === 0) return undefined;
    if (second.length === BLOCK_SIZE && isZeroBlock(second)) {
      this.endMarkerSeen = true;
      return undefined;
    }
    throw new OciError(
      'ambiguous',
      'ambiguous archive: a lone zero block is followed by more data, ' +
        'which tar readers treat differently',
    );
  }

  /** Takes in a PAX or GNU metadata header; false for a real member. */
  private async absorbMetadata(
    header: RawTarHeader,
    pending: Pending,
  ): Promise<boolean> {
    switch (header.kind) {
      case 'pax':
        if (pending.pax !== undefined) throw doubled('PAX');
        pending.pax = parsePaxRecords(await this.readMeta(header));
        return true;
      case 'pax-global':
        checkGlobal(parsePaxRecords(await this.readMeta(header)));
        return true;
      case 'gnu-long-name':
        if (pending.longName !== undefined) throw doubled('GNU long-name');
        pending.longName = cString(await this.readMeta(header));
        return true;
      case 'gnu-long-link':
        if (pending.longLink !== undefined) throw doubled('GNU long-link');
        pending.longLink = cString(await this.readMeta(header));
        return true;
      case 'gnu-sparse':
        throw sparse();
      default:
        return false;
    }
  }

  private async readMeta(header: RawTarHeader): Promise<Uint8Array> {
    if (header.size > this.maxMetaBytes) {
      throw new OciError(
        'limit',
        `tar metadata header of ${formatBytes(header.size)} exceeds the ` +
          `${formatBytes(this.maxMetaBytes)} limit`,
      );
    }
    const data = await this.source.read(header.size);
    const padding = paddedSize(header.size) - header.size;
    const skipped = await this.source.skip(padding);
    if (data.length < header.size || skipped < padding) throw truncated();
    return data;
  }

  private member(header: RawTarHeader, pending: Pending): TarEntry {
    const pax = pending.pax ?? NO_RECORDS;
    for (const key of pax.keys()) {
      if (key.startsWith('GNU.sparse.')) throw sparse();
    }
    const entry: TarEntry = {
      type: entryType(header),
      typeflag: header.typeflag,
      name: choose(pax.get('path'), pending.longName, header.name, 'name'),
      linkname: choose(
        pax.get('linkpath'),
        pending.longLink,
        header.linkname,
        'link name',
      ),
      mode: header.mode & 0o7777,
      uid: paxNumber(pax, 'uid') ?? header.uid,
      gid: paxNumber(pax, 'gid') ?? header.gid,
      size: 0,
      mtime: paxTime(pax) ?? header.mtime,
      offset: this.source.position,
    };
    const size = paxNumber(pax, 'size') ?? header.size;
    entry.size = bodySize({ ...header, size }, header.typeflag);
    this.remaining = entry.size;
    this.padding = paddedSize(entry.size) - entry.size;
    return entry;
  }
}

function entryType(header: RawTarHeader): TarEntryType {
  switch (header.kind) {
    case 'file':
    case 'hardlink':
    case 'symlink':
    case 'char':
    case 'block':
    case 'dir':
    case 'fifo':
      return header.kind;
    default:
      return 'other';
  }
}

/** PAX wins over a GNU long name, which wins over the header's field. */
function choose(
  pax: string | undefined,
  gnu: string | undefined,
  header: string,
  what: string,
): string {
  if (pax !== undefined && gnu !== undefined && pax !== gnu) {
    throw new OciError(
      'ambiguous',
      `ambiguous archive: PAX and GNU headers give different ${what}s`,
    );
  }
  return pax ?? gnu ?? header;
}

function paxNumber(
  pax: ReadonlyMap<string, string>,
  key: string,
): number | undefined {
  const value = pax.get(key);
  return value === undefined ? undefined : paxInteger(value, key);
}

function paxTime(pax: ReadonlyMap<string, string>): number | undefined {
  const value = pax.get('mtime');
  if (value === undefined) return undefined;
  const seconds = Number.parseFloat(value);
  return Number.isFinite(seconds) ? Math.floor(seconds) : undefined;
}

function checkGlobal(records: Map<string, string>): void {
  const key = IDENTITY_KEYS.find((name) => records.has(name));
  if (key !== undefined) {
    throw new OciError(
      'ambiguous',
      `ambiguous archive: a global PAX header sets '${key}', which some ` +
        'tar readers apply to every member and others ignore',
    );
  }
}

function hasPending(pending: Pending): boolean {
  return (
    pending.pax !== undefined ||
    pending.longName !== undefined ||
    pending.longLink !== undefined
  );
}

function cString(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return new TextDecoder().decode(nul === -1 ? data : data.subarray(0, nul));
}

function doubled(what: string): OciError {
  return new OciError(
    'ambiguous',
    `ambiguous archive: two ${what} headers precede one member`,
  );
}

function orphanMetadata(): OciError {
  return new OciError(
    'ambiguous',
    'ambiguous archive: a PAX or GNU metadata header is not followed by a member',
  );
}

function sparse(): OciError {
  return new OciError(
    'unsupported',
    'tar archive holds a GNU sparse file, which imagegate does not read',
  );
}

function truncated(): OciError {
  return new OciError(
    'truncated',
    'tar archive is truncated: the data ends inside a member',
  );
}
