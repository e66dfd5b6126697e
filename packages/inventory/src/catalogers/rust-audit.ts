import { inflateSync } from 'node:zlib';
import { purlFor } from '../purl';
import type { Package } from '../types';
import { findSection, mappingBytes, readExecutable } from './executable';
import {
  BinaryCataloger,
  type BinaryFile,
  type BinaryInspection,
} from './binary-cataloger';

const CATALOGER = 'rust-audit-binary';
const SECTION = '.dep-v0';
/** The most audit JSON inflated, as cargo-auditable's own reader allows. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

/** One crate in the audit data. */
export interface AuditPackage {
  name: string;
  version: string;
  /** `runtime` unless the data says `build` (a build script, a proc macro). */
  kind: 'runtime' | 'build';
}

// Limitation: WebAssembly modules (a `dep-v0` custom section) are not read.

/**
 * Rust crates compiled into binaries built with cargo-auditable, from the
 * zlib-compressed JSON in the `.dep-v0` section (ELF and PE; `__DATA,
 * .dep-v0` in Mach-O). The root crate and its runtime dependencies are
 * reported; build-time ones (build scripts, proc macros) are not, as
 * their code is not in the binary.
 */
export class RustAuditCataloger extends BinaryCataloger {
  readonly name = CATALOGER;

  protected inspect(file: BinaryFile): BinaryInspection {
    const compressed = auditSection(file.content);
    if (compressed === undefined) return { packages: [], problems: [] };
    const json = inflateAudit(compressed);
    if ('problem' in json) return { packages: [], problems: [json.problem] };
    const audit = parseAuditJson(json.text);
    const runtime = audit.packages.filter((p) => p.kind === 'runtime');
    return cargoPackages(runtime, file, audit.problems);
  }
}

function auditSection(bytes: Uint8Array): Uint8Array | undefined {
  const exe = readExecutable(bytes);
  if (exe === undefined) return undefined;
  const segment = exe.format === 'macho' ? '__DATA' : undefined;
  const section = findSection(exe, SECTION, segment);
  return section === undefined ? undefined : mappingBytes(exe, section);
}

function inflateAudit(
  compressed: Uint8Array,
): { text: string } | { problem: string } {
  try {
    const raw = inflateSync(compressed, { maxOutputLength: MAX_JSON_BYTES });
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(raw) };
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    const problem =
      `its ${SECTION} audit data does not inflate to at most ` +
      `8 MiB of UTF-8: ${detail}`;
    return { problem };
  }
}

/** The crates of cargo-auditable's JSON; malformed entries are problems. */
export function parseAuditJson(text: string): {
  packages: AuditPackage[];
  problems: string[];
} {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      packages: [],
      problems: [`its audit data is not JSON: ${detail}`],
    };
  }
  const entries = isRecord(data) ? data.packages : undefined;
  if (!Array.isArray(entries)) {
    return { packages: [], problems: ['its audit data has no packages list'] };
  }
  return auditPackages(entries);
}

function auditPackages(entries: readonly unknown[]): {
  packages: AuditPackage[];
  problems: string[];
} {
  const packages: AuditPackage[] = [];
  let malformed = 0;
  let first = -1;
  for (const [index, entry] of entries.entries()) {
    const pkg = auditPackage(entry);
    if (pkg !== undefined) packages.push(pkg);
    else if (malformed++ === 0) first = index;
  }
  if (malformed === 0) return { packages, problems: [] };
  const problem =
    `${malformed} audit package entries are malformed ` +
    `(the first is entry ${first})`;
  return { packages, problems: [problem] };
}

function auditPackage(entry: unknown): AuditPackage | undefined {
  if (!isRecord(entry)) return undefined;
  const { name, version, kind } = entry;
  if (typeof name !== 'string' || name === '') return undefined;
  if (typeof version !== 'string' || version === '') return undefined;
  if (kind !== undefined && kind !== 'runtime' && kind !== 'build') {
    return undefined;
  }
  return { name, version, kind: kind ?? 'runtime' };
}

function cargoPackages(
  crates: readonly AuditPackage[],
  file: Pick<BinaryFile, 'path' | 'layerIndex'>,
  problems: string[],
): BinaryInspection {
  const packages = new Map<string, Package>();
  for (const crate of crates) {
    const key = `${crate.name}@${crate.version}`;
    if (packages.has(key)) continue;
    const purl = purlFor({
      type: 'cargo',
      name: crate.name,
      version: crate.version,
    });
    if (purl === undefined) {
      problems.push(`crate '${key}' has no valid purl`);
      continue;
    }
    packages.set(key, {
      name: crate.name,
      version: crate.version,
      type: 'cargo',
      purl,
      licenses: [],
      locations: [file.path],
      layerIndex: file.layerIndex,
      cataloger: CATALOGER,
    });
  }
  return { packages: [...packages.values()], problems };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
