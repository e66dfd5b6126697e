/**
 * The shared part of the catalogers that read a text database of records
 * separated by empty lines (apk's `installed`, dpkg's `status`): splitting
 * the records, reading each database file, and folding the packages.
 */
import {
  type DiagnosticLog,
  PackageSet,
  databaseText,
  forEachLine,
  quoted,
} from '../os-package-records';
import type { CatalogFile, CatalogResult, Package } from '../types';

/** A parsed record: at least the line it starts on, from 1. */
export interface LineRecord {
  line: number;
}

/** How one cataloger turns its database text into packages. */
export interface RecordReader<R> {
  /** The records of one database file. */
  parse(text: string): R[];
  /**
   * The package a record describes: `absent` when it describes none,
   * undefined when it was skipped (and the result is then incomplete).
   */
  toPackage(record: R, file: CatalogFile): Package | 'absent' | undefined;
  /** Reports a record the same file already recorded. */
  skipDuplicate(path: string, record: R): void;
}

/**
 * The records of a text of non-empty lines grouped by empty lines, in one
 * linear pass. `readLine` fills a record from each of its lines.
 */
export function parseRecords<R extends LineRecord>(
  text: string,
  emptyRecord: (line: number) => R,
  readLine: (record: R, line: string) => void,
): R[] {
  const records: R[] = [];
  const state = { record: emptyRecord(1), hasLine: false };
  forEachLine(text, (line, number) => {
    if (line === '') {
      if (state.hasLine) records.push(state.record);
      state.record = emptyRecord(number + 1);
      state.hasLine = false;
      return;
    }
    if (!state.hasLine) state.record.line = number;
    state.hasLine = true;
    readLine(state.record, line);
  });
  if (state.hasLine) records.push(state.record);
  return records;
}

/**
 * The packages of every database file; the result is incomplete when a
 * file could not be read or one of its records was skipped.
 */
export function catalogRecords<R>(
  databases: readonly CatalogFile[],
  maxBytes: number,
  log: DiagnosticLog,
  reader: RecordReader<R>,
): CatalogResult {
  const packages = new PackageSet();
  let complete = true;
  for (const file of databases) {
    const read = databaseText(file, maxBytes);
    if (!read.ok) {
      log.add(read.kind, file.path, read.message);
      complete = false;
    } else if (!addRecords(reader, read.text, file, packages)) {
      complete = false;
    }
  }
  return { packages: packages.list(), diagnostics: log.list(), complete };
}

/** Logs a skipped record: `<path>, line <n>: skipped <what>: <why>`. */
export function logSkippedRecord(
  log: DiagnosticLog,
  path: string,
  record: { line: number; name: string | undefined; anonymous: string },
  why: string,
): void {
  const name =
    record.name === undefined
      ? record.anonymous
      : `package ${quoted(record.name)}`;
  log.add(
    'skipped-record',
    path,
    `${path}, line ${record.line}: skipped ${name}: ${why}`,
  );
}

/** Adds one database file's packages; false when records were lost. */
function addRecords<R>(
  reader: RecordReader<R>,
  text: string,
  file: CatalogFile,
  packages: PackageSet,
): boolean {
  let complete = true;
  for (const record of reader.parse(text)) {
    const pkg = reader.toPackage(record, file);
    if (pkg === 'absent') continue;
    if (pkg === undefined) complete = false;
    else if (!packages.add(pkg)) reader.skipDuplicate(file.path, record);
  }
  return complete;
}
