import { parseAllDocuments, type Document } from 'yaml';
import { devOnlyNodes } from './npm-dev-graph';
import type { LockedPackage, LockRead } from './npm-package-lock';

type YamlMap = ReadonlyMap<unknown, unknown>;

/** YAML aliases one document may expand: enough for any real lock. */
const MAX_ALIASES = 1000;

/**
 * Reads a `pnpm-lock.yaml` of lockfile version 5, 6 or 9, every document
 * of a multi-document file (pnpm 11 puts its own install first): empty
 * and comment-only documents are skipped, a document without
 * `lockfileVersion` takes the one before it, and a broken document is
 * reported while the others count. YAML is read into Maps, so keys stay
 * data, and alias expansion is capped. Development packages: the `dev`
 * flag of versions 5 and 6; for version 9, reachability from the
 * importers' `devDependencies` alone. Returns undefined when no document
 * is a lock file.
 */
export function parsePnpmLock(text: string): LockRead | undefined {
  const read: LockRead = { packages: [], problems: [] };
  let documents;
  try {
    // The failsafe schema reads every scalar as a string, so `1.10` stays
    // a version instead of becoming the number 1.1.
    documents = parseAllDocuments(text, { schema: 'failsafe' });
  } catch {
    return undefined;
  }
  let major: number | undefined;
  let locks = 0;
  for (const [index, document] of documents.entries()) {
    const root = documentRoot(document);
    if (root === null) continue;
    const version = root?.get('lockfileVersion');
    major = version === undefined ? major : lockMajor(version);
    if (root === undefined || major === undefined) {
      read.problems.push(`YAML document ${index + 1} is not a pnpm lock file`);
      continue;
    }
    locks += 1;
    read.packages.push(...fromPackages(root, major));
    read.packages.push(...fromImporters(root, major));
  }
  return locks === 0 ? undefined : read;
}

/** The document as Maps; null when empty, undefined when unreadable. */
function documentRoot(document: Document.Parsed): YamlMap | null | undefined {
  if (document.errors.length > 0) return undefined;
  try {
    const root: unknown = document.toJS({
      mapAsMap: true,
      maxAliasCount: MAX_ALIASES,
    });
    if (root === null || root === undefined) return null;
    return root instanceof Map ? root : undefined;
  } catch {
    return undefined;
  }
}

/** The `packages` section: every package the lock resolved. */
function fromPackages(root: YamlMap, major: number): LockedPackage[] {
  const devKeys = major >= 9 ? v9DevKeys(root) : undefined;
  return [...(asMap(root.get('packages')) ?? [])].flatMap(([key, value]) => {
    if (typeof key !== 'string') return [];
    const entry = asMap(value) ?? new Map<unknown, unknown>();
    const id = packageId(key, entry, major);
    if (id === undefined) return [];
    const dev =
      devKeys === undefined
        ? entry.get('dev') === 'true'
        : devKeys.has(withoutPeers(key.replace(/^\//, '')));
    return [{ ...id, dev, licenses: [] }];
  });
}

const ROOT_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'devDependencies',
] as const;

/**
 * The direct dependencies of each importer (the root project before
 * version 6 without `importers`), so a lock whose `packages` section was
 * trimmed still yields them. Local `link:` and `file:` targets are left
 * out.
 */
function fromImporters(root: YamlMap, major: number): LockedPackage[] {
  const importers = [root, ...(asMap(root.get('importers'))?.values() ?? [])];
  return importers.flatMap((importer) =>
    ROOT_FIELDS.flatMap((field) =>
      [...(asMap(asMap(importer)?.get(field)) ?? [])].flatMap(
        ([name, spec]) => {
          const version = importedVersion(spec, major);
          if (typeof name !== 'string' || version === undefined) return [];
          const dev = field === 'devDependencies';
          return [{ name, version, dev, licenses: [] }];
        },
      ),
    ),
  );
}

/** `1.0.0`, `1.0.0_peer` (v5), `{version: 1.0.0(peer)}` (v6 and later). */
function importedVersion(spec: unknown, major: number): string | undefined {
  const raw = stringOf(asMap(spec)?.get('version')) ?? stringOf(spec);
  if (raw === undefined || /[:/]/.test(raw)) return undefined;
  const bare = withoutPeers(raw);
  return major >= 6 ? bare : (bare.split('_')[0] ?? bare);
}

function lockMajor(value: unknown): number {
  const major = Number.parseInt(String(value), 10);
  return Number.isNaN(major) ? 0 : major;
}

/**
 * Name and version of a `packages` key: `/name/1.0.0_peer` (v5),
 * `/name@1.0.0(peer)` (v6), `name@1.0.0(peer)` (v9). The entry's own
 * `name` and `version`, set for tarball and git packages, win.
 */
function packageId(
  key: string,
  entry: YamlMap,
  major: number,
): { name: string; version: string } | undefined {
  const bare = withoutPeers(key.replace(/^\//, ''));
  const split =
    major >= 6 || major === 0 ? splitAtVersion(bare) : splitV5(bare);
  const name = stringOf(entry.get('name')) ?? split?.name;
  const version = stringOf(entry.get('version')) ?? split?.version ?? '';
  return name === undefined ? undefined : { name, version };
}

function splitAtVersion(
  bare: string,
): { name: string; version: string } | undefined {
  const at = bare.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: bare.slice(0, at), version: bare.slice(at + 1) };
}

function splitV5(bare: string): { name: string; version: string } | undefined {
  const slash = bare.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const version = bare.slice(slash + 1).split('_')[0] ?? '';
  return { name: bare.slice(0, slash), version };
}

/**
 * Version 9 keeps dependencies in `snapshots`, keyed with peer suffixes,
 * and roots in `importers`. Returns the `packages` keys (without peer
 * suffixes) that only development reaches.
 */
function v9DevKeys(root: YamlMap): Set<string> {
  const edgesOf = new Map<string, string[]>();
  for (const [key, value] of asMap(root.get('snapshots')) ?? []) {
    const snapshot = asMap(value);
    const targets = ['dependencies', 'optionalDependencies'].flatMap((field) =>
      dependencyKeys(snapshot?.get(field)),
    );
    const bare = withoutPeers(String(key));
    const known = edgesOf.get(bare);
    if (known === undefined) edgesOf.set(bare, targets);
    else known.push(...targets);
  }
  const importers = [...(asMap(root.get('importers'))?.values() ?? [])];
  const rootsOf = (fields: string[]): string[] =>
    importers.flatMap((importer) =>
      fields.flatMap((field) => dependencyKeys(asMap(importer)?.get(field))),
    );
  return devOnlyNodes(
    rootsOf(['dependencies', 'optionalDependencies']),
    rootsOf(['devDependencies']),
    (key) => edgesOf.get(key) ?? [],
  );
}

/** `name: version` or `name: {specifier, version}` → `name@version`. */
function dependencyKeys(value: unknown): string[] {
  const dependencies = asMap(value);
  if (dependencies === undefined) return [];
  return [...dependencies].flatMap(([name, spec]) => {
    const version = stringOf(asMap(spec)?.get('version')) ?? stringOf(spec);
    if (typeof name !== 'string' || version === undefined) return [];
    if (version.startsWith('link:')) return [];
    return [withoutPeers(`${name}@${version}`)];
  });
}

/** `a@1.0.0(b@2.0.0)` → `a@1.0.0`. */
function withoutPeers(key: string): string {
  const paren = key.indexOf('(');
  return paren === -1 ? key : key.slice(0, paren);
}

function asMap(value: unknown): YamlMap | undefined {
  return value instanceof Map ? value : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
