import { joinPath, splitPath } from './paths';

/** The type of a file in the final view. */
export type FileType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';

/** What the final view knows about one path. */
export interface FileInfo {
  /** Absolute path in the image, `/` for the root. */
  path: string;
  type: FileType;
  /** Permission bits with setuid, setgid and sticky (`0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a regular file; 0 for everything else. */
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** A symbolic link's target, as the layer wrote it. */
  linkTarget?: string;
  /** Set when a hard-link entry made this name: the path it links to. */
  hardlinkTo?: string;
  /** Index of the layer whose entry for this path is in effect. */
  layer: number;
}

/** Where a path leads once symbolic links are followed inside the root. */
export type Resolution =
  | { found: true; path: string; info: FileInfo }
  | { found: false; path: string; reason: ResolveFailure };

/** Why a path does not resolve. */
export type ResolveFailure =
  'not-found' | 'loop' | 'not-a-directory' | 'too-deep';

/**
 * The filesystem an image's layers produce, in memory: every path with its
 * type, mode, owner, size, link target and the layer that added it. Paths
 * are absolute; symbolic links resolve inside the image root only, with a
 * bounded number of hops, as if the root were `/`.
 */
export interface FileSystemView {
  /** Paths in the view, the root not counted. */
  readonly entryCount: number;
  /** The path itself, a final symbolic link not followed. */
  lstat(path: string): FileInfo | undefined;
  /** The file a path leads to, symbolic links followed. */
  stat(path: string): FileInfo | undefined;
  /** Follows symbolic links and says where a path ends or why it fails. */
  resolve(path: string): Resolution;
  /** Names in a directory, sorted; undefined if it is not one. */
  readdir(path: string): string[] | undefined;
  /** Every path, depth first in name order, the root first. */
  entries(): Generator<FileInfo>;
  /** True when two paths name one file (hard links, or symlinks to it). */
  isSameFile(a: string, b: string): boolean;
}

/** A file's data: type, metadata and, for wanted files, its content. */
export interface Inode {
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  /** A symbolic link's target; empty otherwise. */
  target: string;
  /** Names that point here. */
  links: number;
  /** Content kept for subscribers, or why it was not. */
  content: Uint8Array | 'too-large' | undefined;
  children: Map<string, Link> | undefined;
}

/** One name in a directory. */
export interface Link {
  inode: Inode;
  layer: number;
  hardlinkTo: string | undefined;
}

/** The outcome of walking a path through the tree. */
export type Lookup =
  | {
      ok: true;
      /** The directory holding `name`; undefined when the path is a dir reached whole. */
      parent: Inode | undefined;
      name: string;
      link: Link | undefined;
      names: string[];
    }
  | {
      ok: false;
      reason: ResolveFailure;
      /** The path as far as it was walked, missing parts included. */
      names: string[];
    };

/** Options of a lookup. */
export interface LookupOptions {
  /** Follow a symbolic link in the last component too. */
  followLast: boolean;
  /** Create missing directories on the way, as this layer. */
  createAs?: number;
}

/**
 * The mutable merged tree behind a walk. Layers change it through
 * `lookup`, `place`, `remove` and `pruneLower`; readers see it as a
 * `FileSystemView`.
 */
export class MergedTree implements FileSystemView {
  readonly root: Link;
  /** Bytes of content kept on inodes that are still reachable. */
  bufferedBytes = 0;
  private count = 0;

  constructor(
    private readonly maxSymlinkHops: number,
    private readonly maxDepth: number,
  ) {
    this.root = {
      inode: newDir(0o755, 0, 0, 0),
      layer: 0,
      hardlinkTo: undefined,
    };
    this.root.inode.links = 1;
  }

  get entryCount(): number {
    return this.count;
  }

  /**
   * Walks components from the root, following symbolic links inside it:
   * an absolute target restarts at the root, `..` stops at the root. A
   * missing directory is passed lexically, as containerd does (so
   * `missing/../etc` is `/etc`), and made only when `createAs` is set.
   */
  lookup(parts: readonly string[], options: LookupOptions): Lookup {
    const pending = [...parts].reverse();
    const chain: (Link | undefined)[] = [this.root];
    const names: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const name = pending.pop() ?? '';
      if (name === '..') {
        if (chain.length > 1) {
          chain.pop();
          names.pop();
        }
        continue;
      }
      const top = chain[chain.length - 1];
      const link = top?.inode.children?.get(name);
      const isLast = pending.length === 0;
      if (link?.inode.type === 'symlink' && (!isLast || options.followLast)) {
        const target = link.inode.target;
        if (++hops > this.maxSymlinkHops) return failed('loop', names, name);
        if (target === '') return failed('not-found', names, name);
        if (target.startsWith('/')) {
          chain.length = 1;
          names.length = 0;
        }
        pending.push(...splitPath(target).reverse());
        continue;
      }
      if (isLast) return this.last(chain, names, name, link, options);
      if (link !== undefined && link.inode.type !== 'dir') {
        return failed('not-a-directory', names, name);
      }
      chain.push(link);
      names.push(name);
      if (chain.length > this.maxDepth + 1) {
        return failed('too-deep', names, '');
      }
    }
    const top = chain[chain.length - 1];
    if (top === undefined) return failed('not-found', names, '');
    return { ok: true, parent: undefined, name: '', link: top, names };
  }

  private last(
    chain: (Link | undefined)[],
    names: string[],
    name: string,
    link: Link | undefined,
    options: LookupOptions,
  ): Lookup {
    let parent = chain[chain.length - 1]?.inode;
    if (parent === undefined && options.createAs !== undefined) {
      parent = this.materialise(chain, names, options.createAs);
    }
    if (parent === undefined) return failed('not-found', names, name);
    return { ok: true, parent, name, link, names: [...names, name] };
  }

  /** Makes the missing directories of a chain; returns the last one. */
  private materialise(
    chain: (Link | undefined)[],
    names: string[],
    layer: number,
  ): Inode {
    let dir = this.root.inode;
    for (let i = 1; i < chain.length; i++) {
      const link =
        chain[i] ?? this.implicitDirectory(dir, names[i - 1] ?? '', layer);
      chain[i] = link;
      dir = link.inode;
    }
    return dir;
  }

  /** Puts `link` at `parent/name`, releasing whatever was there. */
  place(parent: Inode, name: string, link: Link): void {
    const children = parent.children;
    if (children === undefined) return;
    const old = children.get(name);
    if (old !== undefined) this.release(old);
    children.set(name, link);
    link.inode.links++;
    this.count++;
  }

  /** Removes `parent/name` and everything below it. */
  remove(parent: Inode, name: string): void {
    const old = parent.children?.get(name);
    if (old === undefined) return;
    parent.children?.delete(name);
    this.release(old);
  }

  /**
   * Removes what layers below `layer` put at `parent/name`, keeping what
   * `layer` itself added: whiteouts hide lower layers only.
   */
  pruneLower(parent: Inode, name: string, layer: number): void {
    const link = parent.children?.get(name);
    if (link === undefined) return;
    const children = link.inode.children;
    if (children !== undefined) {
      for (const child of [...children.keys()]) {
        this.pruneLower(link.inode, child, layer);
      }
      if (link.layer < layer && children.size === 0) this.remove(parent, name);
      return;
    }
    if (link.layer < layer) this.remove(parent, name);
  }

  lstat(path: string): FileInfo | undefined {
    return this.infoAt(path, false);
  }

  stat(path: string): FileInfo | undefined {
    return this.infoAt(path, true);
  }

  resolve(path: string): Resolution {
    const found = this.lookup(splitPath(path), { followLast: true });
    if (!found.ok) {
      return {
        found: false,
        path: joinPath(found.names),
        reason: found.reason,
      };
    }
    const where = joinPath(found.names);
    if (found.link === undefined) {
      return { found: false, path: where, reason: 'not-found' };
    }
    return { found: true, path: where, info: describe(found.link, where) };
  }

  readdir(path: string): string[] | undefined {
    const found = this.lookup(splitPath(path), { followLast: true });
    const children = found.ok ? found.link?.inode.children : undefined;
    return children === undefined ? undefined : [...children.keys()].sort();
  }

  *entries(): Generator<FileInfo> {
    const stack: { link: Link; path: string }[] = [
      { link: this.root, path: '/' },
    ];
    while (stack.length > 0) {
      const { link, path } = stack.pop() ?? { link: this.root, path: '/' };
      yield describe(link, path);
      const children = link.inode.children;
      if (children === undefined) continue;
      const prefix = path === '/' ? '/' : `${path}/`;
      const names = [...children.keys()].sort().reverse();
      for (const name of names) {
        const child = children.get(name);
        if (child !== undefined)
          stack.push({ link: child, path: prefix + name });
      }
    }
  }

  isSameFile(a: string, b: string): boolean {
    const first = this.lookup(splitPath(a), { followLast: true });
    const second = this.lookup(splitPath(b), { followLast: true });
    return (
      first.ok &&
      second.ok &&
      first.link !== undefined &&
      first.link.inode === second.link?.inode
    );
  }

  /** The link a path names, for delivering content. */
  linkAt(path: string, follow: boolean): Lookup {
    return this.lookup(splitPath(path), { followLast: follow });
  }

  private infoAt(path: string, follow: boolean): FileInfo | undefined {
    const found = this.lookup(splitPath(path), { followLast: follow });
    if (!found.ok || found.link === undefined) return undefined;
    return describe(found.link, joinPath(found.names));
  }

  private implicitDirectory(parent: Inode, name: string, layer: number): Link {
    const link = {
      inode: newDir(0o755, 0, 0, 0),
      layer,
      hardlinkTo: undefined,
    };
    this.place(parent, name, link);
    return link;
  }

  private release(link: Link): void {
    this.count--;
    const inode = link.inode;
    inode.links--;
    if (inode.links > 0) return;
    if (inode.content instanceof Uint8Array) {
      this.bufferedBytes -= inode.content.length;
    }
    for (const child of inode.children?.values() ?? []) this.release(child);
  }
}

/** A new inode of any type. */
export function newInode(
  type: FileType,
  fields: Pick<Inode, 'mode' | 'uid' | 'gid' | 'mtime' | 'size' | 'target'>,
): Inode {
  return {
    type,
    mode: fields.mode,
    uid: fields.uid,
    gid: fields.gid,
    mtime: fields.mtime,
    size: fields.size,
    target: fields.target,
    links: 0,
    content: undefined,
    children: type === 'dir' ? new Map() : undefined,
  };
}

function newDir(mode: number, uid: number, gid: number, mtime: number): Inode {
  return newInode('dir', { mode, uid, gid, mtime, size: 0, target: '' });
}

function failed(
  reason: ResolveFailure,
  names: readonly string[],
  name: string,
): Lookup {
  return {
    ok: false,
    reason,
    names: name === '' ? [...names] : [...names, name],
  };
}

function describe(link: Link, path: string): FileInfo {
  const inode = link.inode;
  const info: FileInfo = {
    path,
    type: inode.type,
    mode: inode.mode,
    uid: inode.uid,
    gid: inode.gid,
    size: inode.type === 'file' ? inode.size : 0,
    mtime: inode.mtime,
    layer: link.layer,
  };
  if (inode.type === 'symlink') info.linkTarget = inode.target;
  if (link.hardlinkTo !== undefined) info.hardlinkTo = link.hardlinkTo;
  return info;
}
