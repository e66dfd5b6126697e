import { OciError } from '../errors';
import type { WalkLimits } from './limits';
import { cleanPath, joinPath, utf8Length } from './paths';
import type { TarEntry, TarEntryType } from './tar-reader';
import {
  newInode,
  type FileType,
  type Inode,
  type Link,
  type MergedTree,
} from './view';

/** Something odd in a layer that the walk handled without stopping. */
export interface WalkAnomaly {
  /** Index of the layer. */
  layer: number;
  /** The entry name as the archive wrote it. */
  entry: string;
  kind: AnomalyKind;
  detail: string;
}

/** The kinds of anomaly a walk reports. */
export type AnomalyKind =
  | 'absolute-path'
  | 'path-escape'
  | 'root-entry'
  | 'parent-not-directory'
  | 'parent-unresolved'
  | 'hardlink-escape'
  | 'hardlink-missing'
  | 'hardlink-directory'
  | 'unknown-type'
  | 'aufs-metadata'
  | 'trailing-data'
  | 'no-end-marker';

/** A new file or link placed in the tree, for subscribers. */
export interface Placed {
  inode: Inode;
  /** Its path components in the view, parent symlinks followed. */
  names: string[];
}

/** Where an entry goes: its directory, its name and what is there now. */
interface Located {
  parent: Inode;
  name: string;
  link: Link | undefined;
  names: string[];
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const AUFS_META = '.wh..wh.';

/**
 * Applies the entries of one layer to the merged tree with OCI layer
 * semantics: later entries replace earlier ones, whiteouts and opaque
 * directories hide what lower layers put there, and every path, parent
 * symlink and hard-link target is resolved inside the image root.
 */
export class LayerApplier {
  constructor(
    private readonly tree: MergedTree,
    private readonly limits: WalkLimits,
    readonly layer: number,
    private readonly report: (anomaly: Omit<WalkAnomaly, 'layer'>) => void,
  ) {}

  /** Applies one entry; returns the new inode when one was placed. */
  apply(entry: TarEntry): Placed | undefined {
    const clean = cleanPath(entry.name);
    this.checkPath(entry, clean.parts.length);
    if (clean.escaped) {
      this.note(entry, 'path-escape', 'climbs above the root; kept inside it');
    } else if (clean.absolute) {
      this.note(entry, 'absolute-path', 'is absolute; placed under the root');
    }
    const first = clean.parts[0] ?? '';
    if (first.startsWith(AUFS_META) && first !== OPAQUE) {
      this.note(entry, 'aufs-metadata', 'is AUFS bookkeeping; ignored');
      return undefined;
    }
    const base = clean.parts[clean.parts.length - 1] ?? '';
    if (base.startsWith(WHITEOUT)) {
      this.whiteout(entry, clean.parts);
      return undefined;
    }
    if (clean.parts.length === 0) {
      this.rootEntry(entry);
      return undefined;
    }
    if (entry.type === 'other') {
      this.note(entry, 'unknown-type', `has type '${entry.typeflag}'; skipped`);
      return undefined;
    }
    if (entry.type === 'hardlink') {
      this.hardlink(entry, clean.parts);
      return undefined;
    }
    return this.place(entry, clean.parts);
  }

  private checkPath(entry: TarEntry, depth: number): void {
    if (depth > this.limits.maxDepth) {
      throw new OciError(
        'limit',
        `layer ${this.layer}: an entry is ${depth} directories deep, ` +
          `past the depth limit of ${this.limits.maxDepth}`,
      );
    }
    const longest = Math.max(entry.name.length, entry.linkname.length);
    if (longest <= this.limits.maxPathBytes / 4) return;
    const bytes = Math.max(utf8Length(entry.name), utf8Length(entry.linkname));
    if (bytes > this.limits.maxPathBytes) {
      throw new OciError(
        'limit',
        `layer ${this.layer}: an entry path of ${bytes} bytes exceeds ` +
          `the path length limit of ${this.limits.maxPathBytes}`,
      );
    }
  }

  private rootEntry(entry: TarEntry): void {
    if (entry.type !== 'dir') {
      this.note(entry, 'root-entry', `a ${entry.type} cannot replace the root`);
      return;
    }
    Object.assign(this.tree.root.inode, metadata(entry));
  }

  private whiteout(entry: TarEntry, parts: string[]): void {
    const base = parts[parts.length - 1] ?? '';
    const parent = this.directory(parts.slice(0, -1));
    if (base === OPAQUE) {
      for (const name of [...(parent?.children?.keys() ?? [])]) {
        if (parent !== undefined)
          this.tree.pruneLower(parent, name, this.layer);
      }
      return;
    }
    if (base.startsWith(AUFS_META)) {
      this.note(entry, 'aufs-metadata', 'is AUFS bookkeeping; ignored');
      return;
    }
    const name = base.slice(WHITEOUT.length);
    if (name === '' || name === '.' || name === '..') {
      throw new OciError(
        'bad-archive',
        `layer ${this.layer}: invalid whiteout '${entry.name}'`,
      );
    }
    if (parent !== undefined) this.tree.pruneLower(parent, name, this.layer);
  }

  /** The directory inode at a path, following symlinks; never created. */
  private directory(parts: string[]): Inode | undefined {
    const found = this.tree.lookup(parts, { followLast: true });
    const inode = found.ok ? found.link?.inode : undefined;
    return inode?.type === 'dir' ? inode : undefined;
  }

  private hardlink(entry: TarEntry, parts: string[]): void {
    const target = cleanPath(entry.linkname);
    if (target.escaped || target.absolute) {
      this.note(
        entry,
        'hardlink-escape',
        'links outside the root; kept inside',
      );
    }
    const source = this.tree.lookup(target.parts, { followLast: false });
    const link = source.ok ? source.link : undefined;
    if (link === undefined || target.parts.length === 0) {
      this.note(entry, 'hardlink-missing', 'links to a missing file; skipped');
      return;
    }
    if (link.inode.type === 'dir') {
      this.note(entry, 'hardlink-directory', 'links to a directory; skipped');
      return;
    }
    const where = this.locate(entry, parts);
    if (where === undefined || where.link?.inode === link.inode) return;
    this.tree.place(where.parent, where.name, {
      inode: link.inode,
      layer: this.layer,
      hardlinkTo: joinPath(source.names),
    });
  }

  private place(entry: TarEntry, parts: string[]): Placed | undefined {
    const where = this.locate(entry, parts);
    if (where === undefined) return undefined;
    const existing = where.link?.inode;
    if (entry.type === 'dir' && existing?.type === 'dir' && where.link) {
      Object.assign(existing, metadata(entry));
      where.link.layer = this.layer;
      return undefined;
    }
    const inode = newInode(fileType(entry.type), {
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      mtime: entry.mtime,
      size: entry.type === 'file' ? entry.size : 0,
      target: entry.type === 'symlink' ? entry.linkname : '',
    });
    this.tree.place(where.parent, where.name, {
      inode,
      layer: this.layer,
      hardlinkTo: undefined,
    });
    return { inode, names: where.names };
  }

  /** The directory and name an entry goes to, parents made as needed. */
  private locate(entry: TarEntry, parts: string[]): Located | undefined {
    const found = this.tree.lookup(parts, {
      followLast: false,
      createAs: this.layer,
    });
    if (!found.ok) {
      this.unplaceable(entry, found.reason);
      return undefined;
    }
    if (found.parent === undefined) return undefined;
    return { ...found, parent: found.parent };
  }

  private unplaceable(entry: TarEntry, reason: string): void {
    if (reason === 'too-deep') {
      throw new OciError(
        'limit',
        `layer ${this.layer}: '${entry.name}' resolves past the depth ` +
          `limit of ${this.limits.maxDepth}`,
      );
    }
    const kind =
      reason === 'not-a-directory'
        ? 'parent-not-directory'
        : 'parent-unresolved';
    this.note(entry, kind, `cannot be placed: ${reason}; skipped`);
  }

  private note(entry: TarEntry, kind: AnomalyKind, detail: string): void {
    this.report({ entry: entry.name, kind, detail });
  }
}

function metadata(
  entry: TarEntry,
): Pick<Inode, 'mode' | 'uid' | 'gid' | 'mtime'> {
  return {
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    mtime: entry.mtime,
  };
}

function fileType(type: TarEntryType): FileType {
  switch (type) {
    case 'dir':
    case 'symlink':
    case 'char':
    case 'block':
    case 'fifo':
      return type;
    default:
      return 'file';
  }
}
