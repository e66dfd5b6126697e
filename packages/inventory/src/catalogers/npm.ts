import type {
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  Package,
} from '../types';
import { registryPurl } from './metadata-cataloger';
import {
  parsePackageLock,
  type LockedPackage,
  type LockRead,
} from './npm-package-lock';
import { parsePackageManifest } from './npm-package-json';
import { parsePnpmLock } from './npm-pnpm-lock';
import { parseYarnLock, type DirectDependencies } from './npm-yarn-lock';

/** How the npm cataloger reads lock files. */
export interface NpmCatalogerOptions {
  /**
   * Report lock entries only development needs. Off by default: an image
   * built with `npm ci --omit=dev` does not hold them. Installed packages
   * are reported either way.
   */
  includeDevDependencies?: boolean;
}

const MiB = 1024 * 1024;

/** One sighting of a package: an installed `package.json` or a lock entry. */
interface NpmRecord {
  name: string;
  version: string;
  /** The application directory: where `node_modules` or the lock sits. */
  root: string;
  path: string;
  layerIndex: number | undefined;
  licenses: string[];
  installed: boolean;
  dev: boolean;
}

/**
 * Node.js packages: every `package.json` at the top of a package directory
 * under `node_modules` (applications, global modules, the npm bundled with
 * Node), and the lock files of application directories: `package-lock.json`,
 * `npm-shrinkwrap.json`, `yarn.lock` and `pnpm-lock.yaml`.
 *
 * One package per application directory, name and version: where a lock
 * file and an installed `package.json` under the same directory's
 * `node_modules` describe the same name and version, they are one package
 * with both locations; copies of one version installed at several places
 * in that tree are one package too. Installed packages are always
 * reported; lock entries the image may not hold (development-only ones)
 * only when asked.
 *
 * Limitation: a lock entry with no installed copy is reported even when
 * the directory has a `node_modules` (optional dependencies for another
 * platform, such as `fsevents`, are among them); the lock is taken as the
 * record of what the application ships.
 * Limitation: `bun.lock`, `bun.lockb` and `deno.lock` are not read.
 * Limitation: development entries of a `yarn.lock` are told apart only
 * when the application's `package.json` sits beside it; without one,
 * every entry counts as production. Lockfile v2/v3 `dev` flags are taken
 * as written.
 * Limitation: the walk keeps every `package.json` of the image in memory
 * (a glob cannot tell a package's top-level one from those deeper in it);
 * the deeper ones are then ignored.
 */
export class NpmCataloger implements Cataloger {
  readonly name = 'npm';
  readonly paths = [
    '/**/package.json',
    '/**/package-lock.json',
    '/**/npm-shrinkwrap.json',
    '/**/yarn.lock',
    '/**/pnpm-lock.yaml',
  ];
  readonly maxBytes = 32 * MiB;

  private readonly records: NpmRecord[] = [];
  private readonly directDependencies = new Map<string, DirectDependencies>();
  private readonly yarnLocks: { file: CatalogFile; text: string }[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private complete = true;

  constructor(private readonly options: NpmCatalogerOptions = {}) {}

  add(file: CatalogFile): void {
    const kind = fileKind(file.path);
    if (kind === 'ignored') return;
    if (file.content === undefined) {
      // An application's own package.json only sorts yarn.lock entries
      // into development and production; without it they all count.
      if (kind !== 'application') this.lost(file);
      return;
    }
    const text = new TextDecoder().decode(file.content);
    switch (kind) {
      case 'application':
      case 'installed':
        this.addManifest(file, text, kind);
        break;
      case 'yarn.lock':
        this.yarnLocks.push({ file, text });
        break;
      case 'pnpm-lock.yaml':
        this.addLock(file, parsePnpmLock(text));
        break;
      case 'package-lock':
        this.addLock(file, parsePackageLock(text));
    }
  }

  finish(): CatalogResult {
    for (const { file, text } of this.yarnLocks) {
      const direct = this.directDependencies.get(dirName(file.path));
      this.addLock(file, parseYarnLock(text, direct));
    }
    return {
      packages: this.packages(),
      diagnostics: this.diagnostics,
      complete: this.complete,
    };
  }

  private addManifest(
    file: CatalogFile,
    text: string,
    kind: 'application' | 'installed',
  ): void {
    const manifest = parsePackageManifest(text);
    if (manifest === undefined) {
      if (kind === 'installed') this.lost(file);
      return;
    }
    if (kind === 'application') {
      this.directDependencies.set(dirName(file.path), {
        prod: manifest.dependencies,
        dev: manifest.devDependencies,
      });
      return;
    }
    if (manifest.name === undefined) {
      this.skipped(file, 'package.json names no package');
      return;
    }
    this.records.push({
      name: manifest.name,
      version: manifest.version,
      root: applicationRoot(file.path),
      path: file.path,
      layerIndex: file.layerIndex,
      licenses: manifest.licenses,
      installed: true,
      dev: false,
    });
  }

  private addLock(file: CatalogFile, read: LockRead | undefined): void {
    if (read === undefined) {
      this.lost(file);
      return;
    }
    for (const problem of read.problems) this.skipped(file, problem);
    const root = dirName(file.path);
    for (const locked of read.packages)
      this.records.push(lockRecord(locked, root, file));
  }

  private packages(): Package[] {
    const groups = new Map<string, NpmRecord[]>();
    for (const record of this.records) {
      const key = `${record.root}\0${record.name}\0${record.version}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [record]);
      else group.push(record);
    }
    const includeDev = this.options.includeDevDependencies === true;
    const packages = [...groups.values()]
      .filter((group) => group.some((r) => r.installed || !r.dev || includeDev))
      .map((group) => npmPackage(group, this.name));
    return packages.sort(comparePackages);
  }

  /** A file whose records are lost: too large, unreadable, malformed. */
  private lost(file: CatalogFile): void {
    this.complete = false;
    const tooLarge = file.skipped === 'too-large';
    const why =
      file.content !== undefined
        ? 'not a readable record'
        : `not read (${file.skipped ?? 'no content'})`;
    this.diagnostics.push({
      cataloger: this.name,
      path: file.path,
      kind: tooLarge ? 'too-large' : 'unreadable',
      message: why,
    });
  }

  private skipped(file: CatalogFile, message: string): void {
    this.diagnostics.push({
      cataloger: this.name,
      path: file.path,
      kind: 'skipped-record',
      message,
    });
  }
}

function lockRecord(
  locked: LockedPackage,
  root: string,
  file: CatalogFile,
): NpmRecord {
  return {
    ...locked,
    root,
    path: file.path,
    layerIndex: file.layerIndex,
    installed: false,
  };
}

/** One package from the records of one application, name and version. */
function npmPackage(group: readonly NpmRecord[], cataloger: string): Package {
  const ordered = [...group].sort(
    (a, b) =>
      Number(b.installed) - Number(a.installed) || compare(a.path, b.path),
  );
  const first = ordered[0] ?? group[0];
  const name = first?.name ?? '';
  const version = first?.version ?? '';
  const layers = ordered.flatMap((r) =>
    r.layerIndex === undefined ? [] : [r.layerIndex],
  );
  return {
    name,
    version,
    type: 'npm',
    purl: npmPurl(name, version),
    licenses: [...new Set(ordered.flatMap((r) => r.licenses))],
    locations: [...new Set(ordered.map((r) => r.path))],
    layerIndex: layers.length === 0 ? undefined : Math.min(...layers),
    cataloger,
  };
}

/** `pkg:npm/%40scope/name@1.0.0`: the scope is the purl namespace. */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const scoped = slash > 1 && slash < name.length - 1;
  return registryPurl({
    type: 'npm',
    namespace: scoped ? name.slice(0, slash) : undefined,
    name: scoped ? name.slice(slash + 1) : name,
    version,
  });
}

/** What a wanted file is to the cataloger, from its path alone. */
type FileKind =
  | 'installed'
  | 'application'
  | 'package-lock'
  | 'yarn.lock'
  | 'pnpm-lock.yaml'
  | 'ignored';

/**
 * A `package.json` at the top of a package directory under `node_modules`
 * (`…/node_modules/a/package.json`, `…/node_modules/@s/a/package.json`)
 * is an installed package; one outside any `node_modules` is an
 * application's own. Lock files count outside `node_modules` only: a
 * published package's lock file is ignored by npm too. Anything deeper
 * inside a package (test fixtures, module type markers) is ignored.
 */
function fileKind(path: string): FileKind {
  const parts = path.split('/');
  const base = parts[parts.length - 1] ?? '';
  const last = parts.lastIndexOf('node_modules');
  if (base === 'package.json') {
    if (last === -1) return 'application';
    const scoped = parts[last + 1]?.startsWith('@') === true;
    return parts.length - last === (scoped ? 4 : 3) ? 'installed' : 'ignored';
  }
  if (last !== -1) return 'ignored';
  if (base === 'yarn.lock' || base === 'pnpm-lock.yaml') return base;
  return 'package-lock';
}

/** The directory that holds the first `node_modules` on the path. */
function applicationRoot(path: string): string {
  const at = path.indexOf('/node_modules/');
  return at === -1 ? dirName(path) : path.slice(0, at) || '/';
}

function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

function comparePackages(a: Package, b: Package): number {
  return (
    compare(a.name, b.name) ||
    compare(a.version, b.version) ||
    compare(a.locations[0] ?? '', b.locations[0] ?? '')
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
