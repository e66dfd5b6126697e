/**
 * Helpers the OS package catalogers share: capped diagnostics, a package
 * set that folds duplicate records, and quoting of database values for
 * messages.
 */
import type { CatalogFile, Diagnostic, Package } from './types';

/** Diagnostics kept per cataloger; the rest are counted in one summary. */
const MAX_DIAGNOSTICS = 100;
const MAX_QUOTED = 80;

/** A cataloger's diagnostics, capped so a hostile database stays small. */
export class DiagnosticLog {
  private readonly kept: Diagnostic[] = [];
  private overflow = 0;
  private overflowKind: Diagnostic['kind'] | undefined;

  constructor(private readonly cataloger: string) {}

  /** Records one problem. */
  add(kind: Diagnostic['kind'], path: string, message: string): void {
    if (this.kept.length < MAX_DIAGNOSTICS) {
      this.kept.push({ cataloger: this.cataloger, path, kind, message });
      return;
    }
    this.overflow += 1;
    this.overflowKind ??= kind;
  }

  /** The kept diagnostics, then one that counts those left out. */
  list(): Diagnostic[] {
    if (this.overflowKind === undefined) return [...this.kept];
    const summary: Diagnostic = {
      cataloger: this.cataloger,
      kind: this.overflowKind,
      message: `${this.overflow} more problems were not listed`,
    };
    return [...this.kept, summary];
  }
}

/**
 * Packages keyed by name, architecture and version. A record seen again
 * in the same file is a duplicate; one seen in another file (a symbolic
 * link, a copy of the database) adds that file to its locations.
 */
export class PackageSet {
  private readonly byKey = new Map<string, Package>();

  /** Adds a package; false when the same file already recorded it. */
  add(pkg: Package): boolean {
    const key = [pkg.name, pkg.architecture ?? '', pkg.version].join('\0');
    const known = this.byKey.get(key);
    if (known === undefined) {
      this.byKey.set(key, pkg);
      return true;
    }
    const [path] = pkg.locations;
    if (path === undefined || known.locations.includes(path)) return false;
    known.locations.push(path);
    return true;
  }

  /** The packages, in the order first seen. */
  list(): Package[] {
    return [...this.byKey.values()];
  }
}

/**
 * A value from a package database as it may appear in a message: quoted,
 * control and format characters escaped (so ANSI sequences and line
 * breaks stay inert), and cut short.
 */
export function quoted(value: string): string {
  const short =
    value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value;
  const escaped = short.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}"\\]/gu, (char) => {
    if (char === '"' || char === '\\') return `\\${char}`;
    const code = char.codePointAt(0) ?? 0;
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

/** The text of a database file, or why there is none. */
export type DatabaseText =
  | { ok: true; text: string }
  | { ok: false; kind: 'unreadable' | 'too-large'; message: string };

/** Decodes a database file the walk delivered, within a size cap. */
export function databaseText(
  file: CatalogFile,
  maxBytes: number,
): DatabaseText {
  const { content, path } = file;
  if (content !== undefined && content.length <= maxBytes) {
    return { ok: true, text: new TextDecoder().decode(content) };
  }
  if (content !== undefined || file.skipped === 'too-large') {
    return {
      ok: false,
      kind: 'too-large',
      message: `${path} is larger than ${maxBytes} bytes; it was not read`,
    };
  }
  return {
    ok: false,
    kind: 'unreadable',
    message: `${path} could not be read (${file.skipped ?? 'no content'})`,
  };
}

/** Calls `onLine` for each line, without its `\n` or `\r\n`; linear. */
export function forEachLine(
  text: string,
  onLine: (line: string, number: number) => void,
): void {
  let start = 0;
  let number = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const cut = end > start && text.charCodeAt(end - 1) === 13 ? 1 : 0;
    number += 1;
    onLine(text.slice(start, end - cut), number);
    start = end + 1;
  }
}
