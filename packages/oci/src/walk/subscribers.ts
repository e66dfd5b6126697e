import { joinPath, splitPath } from './paths';
import { PathMatcher } from './patterns';
import type { FileInfo, MergedTree } from './view';

/**
 * A reader of file contents during a walk: a cataloger, an OS detector, a
 * secret scanner. It names the paths or globs it wants; only those files
 * are kept in memory, each up to `maxBytes`, and it receives them once the
 * walk ends, from the final view, so a file deleted or replaced by a later
 * layer is never reported as present.
 */
export interface WalkSubscriber {
  /** A name for messages. */
  readonly name: string;
  /** Absolute paths or globs (`/etc/os-release`, `/usr/lib/**\/*.jar`). */
  readonly paths: readonly string[];
  /** Largest file content wanted; bigger files arrive without content. */
  readonly maxBytes: number;
  /** Receives each wanted file of the final view, in path order. */
  onFile(file: WalkedFile): void | Promise<void>;
}

/** Why a file reached a subscriber without content. */
export type SkipReason =
  /** Bigger than the subscriber's `maxBytes`. */
  | 'too-large'
  /** Not kept during the walk (see the limitation in subscribers.ts). */
  | 'unavailable'
  /** A symbolic link that loops, dangles or leaves no file. */
  | 'unresolved'
  /** A device or FIFO. */
  | 'not-a-file';

/** One wanted file of the final view. */
export interface WalkedFile {
  /** The path that matched. */
  path: string;
  /** Where symbolic links led; the same as `path` for a plain file. */
  resolvedPath: string;
  /** The file's metadata; undefined when the path does not resolve. */
  info: FileInfo | undefined;
  /** The bytes, when kept. */
  content: Uint8Array | undefined;
  /** Set when `content` is undefined. */
  skipped?: SkipReason;
}

/** A subscriber that threw while it received a file. */
export interface SubscriberFailure {
  subscriber: string;
  path: string;
  error: unknown;
}

const EMPTY = new Uint8Array(0);

/**
 * The subscribers of one walk: which paths to keep while layers stream by,
 * and delivery from the final view at the end.
 *
 * Limitation: content is kept only for files whose path is wanted when
 * they stream by. A wanted path that is a symbolic link gets its target
 * kept when the target comes later in the walk (the usual order); a
 * target that came earlier, or a hard link to a file that was not wanted,
 * arrives with `skipped: 'unavailable'`. Globs match the paths where files
 * are, not paths through symbolic links to directories.
 */
export class SubscriberSet {
  private readonly matchers: {
    subscriber: WalkSubscriber;
    matcher: PathMatcher;
  }[];
  private readonly targets = new Map<string, number>();

  constructor(
    subscribers: readonly WalkSubscriber[],
    private readonly tree: MergedTree,
  ) {
    this.matchers = subscribers.map((subscriber) => ({
      subscriber,
      matcher: new PathMatcher(subscriber.paths),
    }));
  }

  /** True when nobody wants anything, so paths need not be checked. */
  get isEmpty(): boolean {
    return this.matchers.length === 0;
  }

  /** The most bytes any subscriber wants of a path; undefined for none. */
  wantedBytes(path: string): number | undefined {
    let wanted = this.targets.get(path);
    for (const { subscriber, matcher } of this.matchers) {
      if (matcher.matches(path)) {
        wanted = Math.max(wanted ?? 0, subscriber.maxBytes);
      }
    }
    return wanted;
  }

  /** Keeps, for later, the file a wanted symbolic link points to. */
  followSymlink(path: string, wanted: number): void {
    const found = this.tree.lookup(splitPath(path), { followLast: true });
    if (!found.ok && found.reason !== 'not-found') return;
    const target = joinPath(found.names);
    this.targets.set(target, Math.max(this.targets.get(target) ?? 0, wanted));
  }

  /** Hands every subscriber its files; returns the ones that threw. */
  async deliver(): Promise<SubscriberFailure[]> {
    const failures: SubscriberFailure[] = [];
    const globbed = this.globMatches();
    for (const [index, { subscriber, matcher }] of this.matchers.entries()) {
      const paths = new Set(globbed[index]);
      for (const literal of matcher.literals) paths.add(literal);
      for (const path of [...paths].sort()) {
        const file = this.fileAt(path, subscriber.maxBytes);
        if (file === undefined) continue;
        try {
          await subscriber.onFile(file);
        } catch (error: unknown) {
          failures.push({ subscriber: subscriber.name, path, error });
        }
      }
    }
    return failures;
  }

  /** Paths matching each subscriber's globs, from one pass over the view. */
  private globMatches(): string[][] {
    const matches = this.matchers.map((): string[] => []);
    if (!this.matchers.some(({ matcher }) => matcher.hasGlobs)) return matches;
    for (const info of this.tree.entries()) {
      if (info.type === 'dir') continue;
      for (const [index, { matcher }] of this.matchers.entries()) {
        if (matcher.hasGlobs && matcher.matches(info.path)) {
          matches[index]?.push(info.path);
        }
      }
    }
    return matches;
  }

  private fileAt(path: string, maxBytes: number): WalkedFile | undefined {
    const own = this.tree.lstat(path);
    if (own === undefined || own.type === 'dir') return undefined;
    const resolution = this.tree.resolve(path);
    if (!resolution.found) {
      return skipped(path, resolution.path, undefined, 'unresolved');
    }
    const { info } = resolution;
    if (info.type === 'dir') return undefined;
    if (info.type !== 'file') {
      return skipped(path, info.path, info, 'not-a-file');
    }
    return this.withContent(path, info, maxBytes);
  }

  private withContent(
    path: string,
    info: FileInfo,
    maxBytes: number,
  ): WalkedFile {
    if (info.size > maxBytes) {
      return skipped(path, info.path, info, 'too-large');
    }
    const found = this.tree.linkAt(path, true);
    const content = found.ok ? found.link?.inode.content : undefined;
    if (content instanceof Uint8Array) {
      return { path, resolvedPath: info.path, info, content };
    }
    if (info.size === 0) {
      return { path, resolvedPath: info.path, info, content: EMPTY };
    }
    const reason = content === 'too-large' ? 'too-large' : 'unavailable';
    return skipped(path, info.path, info, reason);
  }
}

function skipped(
  path: string,
  resolvedPath: string,
  info: FileInfo | undefined,
  reason: SkipReason,
): WalkedFile {
  return { path, resolvedPath, info, content: undefined, skipped: reason };
}
