import { distroQualifier, purlFor } from '../purl';
import type {
  CatalogContext,
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  OsInfo,
  Package,
} from '../types';
import { readRpmdb } from './rpm-db';
import { isHeaderProblem, parseRpmHeader, type RpmHeader } from './rpm-header';

const CATALOGER = 'rpm-db';
const MiB = 1024 * 1024;

/**
 * Where rpm keeps its database: `/var/lib/rpm` on most distributions,
 * `/usr/lib/sysimage/rpm` on newer Fedora and SUSE. The file name hints at
 * the format, but the content decides it.
 */
export const RPMDB_PATHS: readonly string[] = Object.freeze(
  ['/var/lib/rpm', '/usr/lib/sysimage/rpm'].flatMap((dir) => [
    `${dir}/Packages`,
    `${dir}/Packages.db`,
    `${dir}/rpmdb.sqlite`,
  ]),
);

// Limitation: rpm databases elsewhere (`/usr/share/rpm`, a custom
// `%_dbpath`) and CBL-Mariner's distroless manifest
// (`/var/lib/rpmmanifest/container-manifest-2`) are not read.

// Limitation: the files each package installed are not read, so a Go or
// Rust program an rpm package installed is also reported by the binary
// catalogers (syft drops those by file ownership).

/** Largest rpm database read; a larger one is reported as unread. */
export const RPMDB_MAX_BYTES = 256 * MiB;

/** Problems reported one by one per database; the rest are counted. */
const MAX_PROBLEMS_LISTED = 20;

interface InstalledRecord {
  header: RpmHeader;
  path: string;
  layerIndex: number | undefined;
}

/**
 * Installed rpm packages, from the SQLite, Berkeley DB or NDB database,
 * read by imagegate itself (SQLite through sql.js); `rpm` is never run.
 * A database that cannot be read makes the result incomplete, so a scan
 * never reports an unreadable database as "no packages".
 */
export class RpmCataloger implements Cataloger {
  readonly name = CATALOGER;
  readonly paths = RPMDB_PATHS;
  readonly maxBytes = RPMDB_MAX_BYTES;
  private readonly records: InstalledRecord[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private complete = true;

  add(file: CatalogFile): void {
    if (file.content === undefined) {
      this.unread(file);
      return;
    }
    const read = readRpmdb(file.content);
    if (read.unreadable !== undefined) {
      const message = rpmdbUnreadable(file, read.unreadable);
      this.lost(file.path, 'unreadable', message);
      return;
    }
    const problems = [...read.problems];
    for (const blob of read.blobs) {
      const header = parseRpmHeader(blob.bytes);
      if (isHeaderProblem(header)) {
        problems.push(`record ${blob.key}: ${header.problem}`);
      } else {
        this.records.push({
          header,
          path: file.path,
          layerIndex: file.layerIndex,
        });
      }
    }
    this.report(file, problems, read.blobs.length);
  }

  finish(context: CatalogContext): CatalogResult {
    const packages = mergeRecords(this.records, context.os);
    return {
      packages,
      diagnostics: [...this.diagnostics],
      complete: this.complete,
    };
  }

  private unread(file: CatalogFile): void {
    const reason = file.skipped ?? 'unavailable';
    if (reason === 'unresolved' || reason === 'not-a-file') return;
    const kind = reason === 'too-large' ? 'too-large' : 'unreadable';
    this.lost(file.path, kind, rpmdbUnreadable(file, `not read (${reason})`));
  }

  /** Records problems; a database that yields nothing is unreadable. */
  private report(file: CatalogFile, problems: string[], blobs: number): void {
    for (const problem of problems.slice(0, MAX_PROBLEMS_LISTED)) {
      this.lost(file.path, 'skipped-record', `${file.path}: ${problem}`);
    }
    const more = problems.length - MAX_PROBLEMS_LISTED;
    if (more > 0) {
      const message = `${file.path}: ${more} more records could not be read`;
      this.lost(file.path, 'skipped-record', message);
    }
    if (blobs === 0 && problems.length === 0) {
      const message = rpmdbUnreadable(file, 'it holds no package records');
      this.lost(file.path, 'unreadable', message);
    }
  }

  private lost(path: string, kind: Diagnostic['kind'], message: string): void {
    this.complete = false;
    this.diagnostics.push({ cataloger: CATALOGER, path, kind, message });
  }
}

function rpmdbUnreadable(file: CatalogFile, reason: string): string {
  return `incomplete: rpmdb unreadable: ${file.path}: ${reason}`;
}

/**
 * One package per name, epoch, version, release and architecture: a
 * database reached by two paths (a symbolic link to the directory) lists
 * the same packages, which then carry both locations.
 */
function mergeRecords(
  records: readonly InstalledRecord[],
  os: OsInfo | undefined,
): Package[] {
  const merged = new Map<string, Package>();
  for (const record of records) {
    const key = identity(record.header);
    const known = merged.get(key);
    if (known === undefined) merged.set(key, rpmPackage(record, os));
    else if (!known.locations.includes(record.path)) {
      known.locations.push(record.path);
    }
  }
  return [...merged.values()];
}

function identity(header: RpmHeader): string {
  const { name, epoch, version, release, arch } = header;
  return [name, epoch ?? '', version, release, arch ?? ''].join('\0');
}

/** The package for one header, with a purl as syft writes rpm ones. */
function rpmPackage(record: InstalledRecord, os: OsInfo | undefined): Package {
  const { header } = record;
  const versionRelease = `${header.version}-${header.release}`;
  const epoch = header.epoch === undefined ? '' : `${header.epoch}:`;
  const arch = header.arch === '(none)' ? undefined : header.arch;
  const pkg: Package = {
    name: header.name,
    version: `${epoch}${versionRelease}`,
    type: 'rpm',
    purl: rpmPurl(header, versionRelease, arch, os),
    licenses: header.license === undefined ? [] : [header.license],
    locations: [record.path],
    layerIndex: record.layerIndex,
    cataloger: CATALOGER,
  };
  const source = sourcePackage(header.sourceRpm, header.epoch);
  if (source !== undefined) pkg.source = source;
  if (arch !== undefined) pkg.architecture = arch;
  return pkg;
}

function rpmPurl(
  header: RpmHeader,
  versionRelease: string,
  arch: string | undefined,
  os: OsInfo | undefined,
): string {
  const purl = purlFor({
    type: 'rpm',
    namespace: os?.id,
    name: header.name,
    version: versionRelease,
    qualifiers: {
      arch,
      epoch: header.epoch?.toString(),
      distro: distroQualifier(os),
      upstream: header.sourceRpm,
    },
  });
  // The name is never empty (the header parser requires one), so this
  // fallback is not reached; it keeps the type total.
  return purl ?? `pkg:rpm/${encodeURIComponent(header.name)}`;
}

/**
 * The source package from `SOURCERPM` (`util-linux-2.32.1-42.el8_8.src.rpm`
 * → `util-linux`, `2.32.1-42.el8_8`), with the binary package's epoch, as
 * the source package's own is not recorded.
 */
export function sourcePackage(
  sourceRpm: string | undefined,
  epoch: number | undefined,
): { name: string; version: string } | undefined {
  if (sourceRpm === undefined) return undefined;
  const base = stripSuffix(sourceRpm, ['.src.rpm', '.nosrc.rpm']);
  if (base === undefined) return undefined;
  const releaseAt = base.lastIndexOf('-');
  const versionAt = base.lastIndexOf('-', releaseAt - 1);
  if (releaseAt <= 0 || versionAt <= 0) return undefined;
  const name = base.slice(0, versionAt);
  const versionRelease = base.slice(versionAt + 1);
  const prefix = epoch === undefined ? '' : `${epoch}:`;
  return { name, version: `${prefix}${versionRelease}` };
}

function stripSuffix(
  text: string,
  suffixes: readonly string[],
): string | undefined {
  const suffix = suffixes.find((s) => text.endsWith(s));
  return suffix === undefined ? undefined : text.slice(0, -suffix.length);
}
