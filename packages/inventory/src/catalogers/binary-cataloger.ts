import type {
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  Package,
} from '../types';

const MiB = 1024 * 1024;
/** Problems reported one by one per file; the rest are counted. */
const MAX_PROBLEMS_LISTED = 20;

/**
 * Where images keep compiled programs. The layer walk keeps every wanted
 * file in memory until it ends, with no way to want only executables, so
 * `/**` would hold the whole image; these are the places Go and Rust
 * programs are installed in practice: the usual bin directories, the top
 * level (`/manager`, `/server`), ko's `/ko-app`, `/app`, Go and cargo
 * install directories, helper directories (`libexec`, docker CLI plugins)
 * and bundles under `/opt` (`/opt/<app>/bin`, `/opt/bitnami/<app>/bin`).
 */
export const BINARY_PATHS: readonly string[] = Object.freeze([
  '/*',
  '/bin/*',
  '/sbin/*',
  '/usr/bin/*',
  '/usr/sbin/*',
  '/usr/local/bin/*',
  '/usr/local/sbin/*',
  '/usr/libexec/**',
  '/usr/local/libexec/**',
  '/app/*',
  '/app/bin/*',
  '/ko-app/*',
  '/go/bin/*',
  '/root/go/bin/*',
  '/usr/local/go/bin/*',
  '/usr/local/go/pkg/tool/*/*',
  '/usr/lib/go/bin/*',
  '/usr/lib/go-*/bin/*',
  '/usr/local/cargo/bin/*',
  '/root/.cargo/bin/*',
  '/opt/*/bin/*',
  '/opt/*/*/bin/*',
  '/usr/share/*/bin/*',
]);

// Limitation: a program outside BINARY_PATHS (say /srv/tool/run) is not
// inspected; widening the list costs walk memory, as every match is kept.

/**
 * Largest binary inspected: big enough for nearly every Go program (most
 * are under 100 MiB), small enough that a few of them fit in the walk's
 * buffer beside the package databases. A larger file is reported as
 * not inspected, and the result as incomplete.
 */
export const BINARY_MAX_BYTES = 128 * MiB;

/** A wanted file whose bytes arrived. */
export interface BinaryFile extends CatalogFile {
  content: Uint8Array;
}

/** What inspecting one file found. */
export interface BinaryInspection {
  packages: Package[];
  /** Records that could not be read; each makes the result incomplete. */
  problems: string[];
}

/**
 * The shared part of the binary catalogers: which files they want, what
 * an unread file means, and one inspection per file content, so a
 * program reached by several paths (a symbolic or hard link) is read once
 * and its packages carry every path.
 */
export abstract class BinaryCataloger implements Cataloger {
  abstract readonly name: string;
  readonly paths = BINARY_PATHS;
  readonly maxBytes = BINARY_MAX_BYTES;
  private readonly packages: Package[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly byContent = new WeakMap<Uint8Array, Package[]>();
  private complete = true;

  add(file: CatalogFile): void {
    const { content } = file;
    if (content === undefined) {
      this.unread(file);
      return;
    }
    if (content.length === 0) return;
    const known = this.byContent.get(content);
    if (known !== undefined) {
      for (const pkg of known) pkg.locations.push(file.path);
      return;
    }
    const found = this.inspect({ ...file, content });
    this.byContent.set(content, found.packages);
    this.packages.push(...found.packages);
    for (const problem of found.problems.slice(0, MAX_PROBLEMS_LISTED)) {
      this.lost(file.path, 'skipped-record', `${file.path}: ${problem}`);
    }
    const more = found.problems.length - MAX_PROBLEMS_LISTED;
    if (more > 0) {
      const message = `${file.path}: ${more} more records could not be read`;
      this.lost(file.path, 'skipped-record', message);
    }
  }

  finish(): CatalogResult {
    return {
      packages: [...this.packages],
      diagnostics: [...this.diagnostics],
      complete: this.complete,
    };
  }

  /** Reads one file; a file not of the cataloger's kind gives nothing. */
  protected abstract inspect(file: BinaryFile): BinaryInspection;

  private unread(file: CatalogFile): void {
    const reason = file.skipped ?? 'unavailable';
    if (reason === 'unresolved' || reason === 'not-a-file') return;
    const kind = reason === 'too-large' ? 'too-large' : 'unreadable';
    const message =
      `${file.path} was not inspected (${reason}); ` +
      'packages built into it may be missing';
    this.lost(file.path, kind, message);
  }

  private lost(path: string, kind: Diagnostic['kind'], message: string): void {
    this.complete = false;
    this.diagnostics.push({ cataloger: this.name, path, kind, message });
  }
}
