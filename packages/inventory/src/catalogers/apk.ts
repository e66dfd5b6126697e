import { DiagnosticLog, quoted } from '../os-package-records';
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

/** The fields of one apk database record that imagegate reads. */
export interface ApkRecord {
  /** `P:` */
  name: string | undefined;
  /** `V:` */
  version: string | undefined;
  /** `A:` */
  architecture: string | undefined;
  /** `L:` */
  license: string | undefined;
  /** `o:`, the origin (source) package. */
  origin: string | undefined;
  /** Why the record cannot be trusted, when it cannot. */
  problem: string | undefined;
  /** The line the record starts on, from 1. */
  line: number;
}

const CATALOGER = 'apk';

/** apk-tools' package names: letters, digits and `+-._`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,254}$/;
/** apk versions: `1.2.4_git20230717-r4`. */
const VERSION = /^[0-9A-Za-z][0-9A-Za-z._+~-]{0,254}$/;
const ARCHITECTURE = /^[a-z0-9_]{1,32}$/;
const LICENSE_TOKEN = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
const LICENSE_EXPRESSION = /^[A-Za-z0-9.+_() -]{1,256}$/;

type Field = 'name' | 'version' | 'architecture' | 'license' | 'origin';

/** The keys kept. The rest, file lists (`F:`, `R:`) included, are ignored. */
const FIELDS: ReadonlyMap<string, Field> = new Map([
  ['P', 'name'],
  ['V', 'version'],
  ['A', 'architecture'],
  ['L', 'license'],
  ['o', 'origin'],
]);

/**
 * Alpine packages (and Wolfi's, Chainguard's) from apk's installed
 * database. The file lists it holds are never used: a `../` in them
 * reaches nothing.
 */
export class ApkCataloger implements Cataloger {
  readonly name = CATALOGER;
  readonly paths = ['/lib/apk/db/installed', '/usr/lib/apk/db/installed'];
  readonly maxBytes = 64 * 1024 * 1024;
  private readonly databases: CatalogFile[] = [];
  private readonly log = new DiagnosticLog(CATALOGER);

  add(file: CatalogFile): void {
    this.databases.push(file);
  }

  finish(context: CatalogContext): CatalogResult {
    return catalogRecords(this.databases, this.maxBytes, this.log, {
      parse: parseApkInstalled,
      toPackage: (record, file) => this.toPackage(record, file, context.os),
      skipDuplicate: (path, record) => {
        this.skip(path, record, 'duplicate');
      },
    });
  }

  private toPackage(
    record: ApkRecord,
    file: CatalogFile,
    os: OsInfo | undefined,
  ): Package | undefined {
    const problem = recordProblem(record);
    if (problem !== undefined) {
      this.skip(file.path, record, problem);
      return undefined;
    }
    const purl = apkPurl(record, os);
    if (purl === undefined) {
      this.skip(file.path, record, 'no valid package URL');
      return undefined;
    }
    return packageOf(record, file, purl);
  }

  private skip(path: string, record: ApkRecord, why: string): void {
    const { name, line } = record;
    logSkippedRecord(
      this.log,
      path,
      { name, line, anonymous: 'a record' },
      why,
    );
  }
}

/**
 * The records of apk's `installed` database (`K:value` lines, records
 * separated by empty lines), in one linear pass.
 */
export function parseApkInstalled(text: string): ApkRecord[] {
  return parseRecords(text, emptyRecord, readLine);
}

function readLine(record: ApkRecord, line: string): void {
  if (line.charAt(1) !== ':' || !/^[A-Za-z]/.test(line)) {
    record.problem ??= 'a line that is not a `K:value` field';
    return;
  }
  const key = FIELDS.get(line.charAt(0));
  if (key === undefined) return;
  if (record[key] !== undefined) {
    record.problem ??= `a second ${line.charAt(0)}: field`;
    return;
  }
  record[key] = line.slice(2).trim();
}

function emptyRecord(line: number): ApkRecord {
  return {
    name: undefined,
    version: undefined,
    architecture: undefined,
    license: undefined,
    origin: undefined,
    problem: undefined,
    line,
  };
}

function recordProblem(record: ApkRecord): string | undefined {
  if (record.problem !== undefined) return record.problem;
  const { name, version, architecture } = record;
  if (name === undefined || name === '') return 'no P: (name) field';
  if (!NAME.test(name)) return 'the name is not a valid package name';
  if (version === undefined || version === '') {
    return 'no V: (version) field (a truncated or incomplete record)';
  }
  if (!VERSION.test(version)) {
    return `the version ${quoted(version)} is not an apk version`;
  }
  if (architecture !== undefined && !ARCHITECTURE.test(architecture)) {
    return `the architecture ${quoted(architecture)} is malformed`;
  }
  return undefined;
}

/** The origin package, or the package itself when it names none. */
function originOf(record: ApkRecord): string {
  const { origin, name = '' } = record;
  return origin !== undefined && NAME.test(origin) ? origin : name;
}

/**
 * `L:` holds an SPDX expression (`MIT AND BSD-2-Clause`), kept whole, or,
 * in older databases, names separated by spaces (`MIT BSD GPL2+`).
 *
 * Limitation: names are kept as apk wrote them; `GPL2` is not mapped to
 * the SPDX `GPL-2.0-only` as trivy does.
 */
function licenses(field: string | undefined): string[] {
  if (field === undefined || field === '') return [];
  const text = field.replace(/\s+/g, ' ');
  if (/ (?:AND|OR|WITH) /.test(text)) {
    return LICENSE_EXPRESSION.test(text) ? [text] : [];
  }
  return text.split(' ').filter((name) => LICENSE_TOKEN.test(name));
}

function packageOf(
  record: ApkRecord,
  file: CatalogFile,
  purl: string,
): Package {
  const { name = '', version = '', architecture } = record;
  const pkg: Package = {
    name,
    version,
    type: 'apk',
    purl,
    licenses: licenses(record.license),
    // Limitation: apk records no origin version; a subpackage is built
    // with its origin, so the package's own version stands in for it.
    source: { name: originOf(record), version },
    locations: [file.path],
    layerIndex: file.layerIndex,
    cataloger: CATALOGER,
  };
  if (architecture !== undefined) pkg.architecture = architecture;
  return pkg;
}

function apkPurl(
  record: ApkRecord,
  os: OsInfo | undefined,
): string | undefined {
  return purlFor({
    type: 'apk',
    namespace: os?.id ?? 'alpine',
    name: record.name ?? '',
    version: record.version,
    qualifiers: { arch: record.architecture, distro: distroQualifier(os) },
  });
}
