import { DiagnosticLog, forEachLine, quoted } from '../os-package-records';
import { distroQualifier, purlFor } from '../purl';
import type {
  CatalogContext,
  CatalogFile,
  Cataloger,
  CatalogResult,
  OsInfo,
  Package,
} from '../types';
import {
  catalogRecords,
  logSkippedRecord,
  parseRecords,
} from './record-cataloger';

/** The fields of one dpkg stanza that imagegate reads. */
export interface DpkgRecord {
  package: string | undefined;
  version: string | undefined;
  status: string | undefined;
  source: string | undefined;
  architecture: string | undefined;
  /** Why the stanza cannot be trusted, when it cannot. */
  problem: string | undefined;
  /** True while no field of the stanza has a value. */
  isBlank: boolean;
  /** The line the stanza starts on, from 1. */
  line: number;
}

const CATALOGER = 'dpkg';
const STATUS = '/var/lib/dpkg/status';
const STATUS_D = '/var/lib/dpkg/status.d/';
const DOC = '/usr/share/doc/';
const COPYRIGHT = '/copyright';

/** Debian Policy 5.6.1, relaxed to upper case and `_` as old files have. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,254}$/;
/** Debian Policy 5.6.12: `[epoch:]upstream[-revision]`. */
const VERSION = /^(?:\d{1,9}:)?[A-Za-z0-9][A-Za-z0-9.+~:-]{0,254}$/;
const ARCHITECTURE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SHORT_LICENSE = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
const MAX_LICENSES = 64;
const MAX_COPYRIGHT_BYTES = 1024 * 1024;

/** dpkg states in which none of a package's files are on disk. */
const ABSENT_STATES: ReadonlySet<string> = new Set([
  'not-installed',
  'config-files',
]);

/**
 * Files in `status.d` that belong to a package but are not stanzas.
 *
 * Limitation: told apart by suffix, so a package whose own name ends in
 * one of these (`foo.list`) is not read from `status.d`.
 */
const STATUS_D_EXTRAS =
  /\.(?:md5sums|conffiles|list|preinst|postinst|prerm|postrm|triggers|shlibs|symbols|templates|config)$/;

/**
 * Debian packages from dpkg's database: `var/lib/dpkg/status`, and the
 * one-stanza-per-package files of `status.d` that distroless images carry
 * instead. Licences come from machine-readable `copyright` files.
 *
 * Limitation: a package whose `/usr/share/doc/<name>` is a symbolic link
 * to another package's directory (common for `-dev` and `-dbg` packages)
 * gets no licences, because globs do not follow directory links; and
 * free-text copyright files give none either. The purl carries no
 * `upstream` qualifier (syft adds one); `source` holds that instead.
 */
export class DpkgCataloger implements Cataloger {
  readonly name = CATALOGER;
  readonly paths = [STATUS, `${STATUS_D}*`, `${DOC}*${COPYRIGHT}`];
  // Limitation: one cap serves the database and the copyright files, so a
  // copyright file up to this size is kept in memory by the walk; the
  // cataloger itself reads only the first MAX_COPYRIGHT_BYTES of licences.
  readonly maxBytes = 64 * 1024 * 1024;
  private readonly databases: CatalogFile[] = [];
  private readonly licenses = new Map<string, string[]>();
  private readonly log = new DiagnosticLog(CATALOGER);

  add(file: CatalogFile): void {
    const path = file.path;
    if (path === STATUS || isStatusDEntry(path)) {
      this.databases.push(file);
    } else if (path.startsWith(DOC) && path.endsWith(COPYRIGHT)) {
      this.addCopyright(file);
    }
  }

  finish(context: CatalogContext): CatalogResult {
    return catalogRecords(this.databases, this.maxBytes, this.log, {
      parse: parseDpkgStatus,
      toPackage: (record, file) => this.toPackage(record, file, context.os),
      skipDuplicate: (path, record) => {
        this.skip(path, record, 'duplicate');
      },
    });
  }

  /** The package a stanza records, `absent` if it records none. */
  private toPackage(
    record: DpkgRecord,
    file: CatalogFile,
    os: OsInfo | undefined,
  ): Package | 'absent' | undefined {
    if (isAbsent(record.status)) return 'absent';
    const problem = recordProblem(record);
    if (problem !== undefined) {
      this.skip(file.path, record, problem);
      // A stanza of empty fields cannot hide a package.
      return record.isBlank && record.problem === undefined
        ? 'absent'
        : undefined;
    }
    const purl = debPurl(record, os);
    if (purl === undefined) {
      this.skip(file.path, record, 'no valid package URL');
      return undefined;
    }
    return this.packageOf(record, file, purl);
  }

  private packageOf(
    record: DpkgRecord,
    file: CatalogFile,
    purl: string,
  ): Package {
    const { package: name = '', version = '', architecture } = record;
    const pkg: Package = {
      name,
      version,
      type: 'deb',
      purl,
      licenses: [...(this.licenses.get(name) ?? [])],
      locations: [file.path],
      layerIndex: file.layerIndex,
      cataloger: CATALOGER,
    };
    const source = this.sourceOf(record, file.path);
    if (source !== undefined) pkg.source = source;
    if (architecture !== undefined) pkg.architecture = architecture;
    return pkg;
  }

  /** `Source: name (version)`; absent parts are the binary package's. */
  private sourceOf(
    record: DpkgRecord,
    path: string,
  ): { name: string; version: string | undefined } | undefined {
    const name = record.package ?? '';
    const version = record.version;
    if (record.source === undefined) return { name, version };
    const match = /^(\S+)(?:\s+\((\S+)\))?$/.exec(record.source);
    const sourceName = match?.[1];
    const sourceVersion = match?.[2] ?? version;
    if (
      sourceName === undefined ||
      !NAME.test(sourceName) ||
      !VERSION.test(sourceVersion ?? '')
    ) {
      this.log.add(
        'skipped-record',
        path,
        `${path}: package ${quoted(name)} has a malformed Source field ` +
          `${quoted(record.source)}; it was ignored`,
      );
      return undefined;
    }
    return { name: sourceName, version: sourceVersion };
  }

  private skip(path: string, record: DpkgRecord, why: string): void {
    const { package: name, line } = record;
    logSkippedRecord(
      this.log,
      path,
      { name, line, anonymous: 'a stanza' },
      why,
    );
  }

  private addCopyright(file: CatalogFile): void {
    const name = file.path.slice(DOC.length, -COPYRIGHT.length);
    if (!NAME.test(name) || file.content === undefined) return;
    const content = file.content.subarray(0, MAX_COPYRIGHT_BYTES);
    const found = copyrightLicenses(new TextDecoder().decode(content));
    if (found.length > 0) this.licenses.set(name, found);
  }
}

/**
 * The stanzas of a dpkg status file (deb822: `Field: value` lines,
 * continuation lines that start with a space or tab, stanzas separated
 * by empty lines), in one linear pass.
 */
export function parseDpkgStatus(text: string): DpkgRecord[] {
  return parseRecords(text, emptyRecord, readLine);
}

/**
 * Licence short names from a machine-readable (DEP-5) copyright file:
 * its `License:` fields and the `/usr/share/common-licenses/` files it
 * cites. Other copyright files are free text and give none.
 */
export function copyrightLicenses(text: string): string[] {
  if (!isMachineReadable(text)) return [];
  const found = new Set<string>();
  forEachLine(text, (line) => {
    const match = /^license:(.*)$/i.exec(line);
    if (match?.[1] !== undefined) {
      for (const name of licenseNames(match[1])) found.add(name);
    }
  });
  for (const match of text.matchAll(
    /\/usr\/share\/common-licenses\/([A-Za-z0-9][A-Za-z0-9.+_-]{0,63})/g,
  )) {
    const name = (match[1] ?? '').replace(/\.+$/, '');
    if (name !== '') found.add(name);
  }
  return [...found].slice(0, MAX_LICENSES);
}

type Field = 'package' | 'version' | 'status' | 'source' | 'architecture';

/** The fields kept, by their lower-cased names (deb822 ignores case). */
const FIELDS: ReadonlyMap<string, Field> = new Map([
  ['package', 'package'],
  ['version', 'version'],
  ['status', 'status'],
  ['source', 'source'],
  ['architecture', 'architecture'],
]);

function readLine(record: DpkgRecord, line: string): void {
  const first = line.charCodeAt(0);
  if (first === 32 || first === 9) return;
  const colon = line.indexOf(':');
  if (colon <= 0) {
    record.problem ??= 'a line that is neither a field nor a continuation';
    return;
  }
  const value = line.slice(colon + 1).trim();
  if (value !== '') record.isBlank = false;
  const key = FIELDS.get(line.slice(0, colon).toLowerCase());
  if (key === undefined) return;
  if (record[key] !== undefined) {
    record.problem ??= `a second ${key} field`;
    return;
  }
  record[key] = value;
}

function emptyRecord(line: number): DpkgRecord {
  return {
    package: undefined,
    version: undefined,
    status: undefined,
    source: undefined,
    architecture: undefined,
    problem: undefined,
    isBlank: true,
    line,
  };
}

/** Why a stanza of an installed package cannot be used. */
function recordProblem(record: DpkgRecord): string | undefined {
  if (record.problem !== undefined) return record.problem;
  const { package: name, version, architecture } = record;
  if (name === undefined || name === '') return 'no Package field';
  if (!NAME.test(name)) return 'the name is not a valid package name';
  if (version === undefined || version === '') {
    return 'no Version field (a truncated or incomplete stanza)';
  }
  if (!VERSION.test(version)) {
    return `the version ${quoted(version)} is not a Debian version`;
  }
  if (architecture !== undefined && !ARCHITECTURE.test(architecture)) {
    return `the architecture ${quoted(architecture)} is malformed`;
  }
  return undefined;
}

/** `Status: want flag state`; a missing field means installed. */
function isAbsent(status: string | undefined): boolean {
  if (status === undefined) return false;
  const state = status.split(/\s+/)[2];
  return state !== undefined && ABSENT_STATES.has(state);
}

function debPurl(
  record: DpkgRecord,
  os: OsInfo | undefined,
): string | undefined {
  return purlFor({
    type: 'deb',
    namespace: os?.id ?? 'debian',
    name: record.package ?? '',
    version: record.version,
    qualifiers: { arch: record.architecture, distro: distroQualifier(os) },
  });
}

function isStatusDEntry(path: string): boolean {
  if (!path.startsWith(STATUS_D)) return false;
  const name = path.slice(STATUS_D.length);
  return !name.includes('/') && !STATUS_D_EXTRAS.test(name);
}

function isMachineReadable(text: string): boolean {
  const first = /^\s*(\S[^\n]*)/.exec(text)?.[1];
  return first !== undefined && /^format:\s*\S/i.test(first);
}

/** `GPL-2+ or Artistic, and BSD-3-clause` → each short name. */
function licenseNames(expression: string): string[] {
  return expression
    .split(/,|\s(?:or|and)\s/i)
    .map((part) => part.trim().split(/\s/)[0] ?? '')
    .filter((name) => SHORT_LICENSE.test(name) && name !== 'none');
}
