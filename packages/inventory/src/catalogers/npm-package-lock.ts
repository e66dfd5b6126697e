import {
  isJsonObject,
  nonEmptyString,
  ownField,
  parseJsonObject,
} from './json-safe';
import { npmLicenses } from './npm-package-json';

/** One package a lock file pins. */
export interface LockedPackage {
  name: string;
  /** Empty when the lock gives none (a workspace without a version). */
  version: string;
  /** Needed only for development, as far as the lock can tell. */
  dev: boolean;
  licenses: string[];
}

/** What a lock file yielded. */
export interface LockRead {
  packages: LockedPackage[];
  /** Records skipped, one message each. */
  problems: string[];
}

/** How deep lockfile v1 `dependencies` may nest before records are cut. */
const MAX_V1_DEPTH = 256;

/**
 * Reads `package-lock.json` or `npm-shrinkwrap.json`: the `packages` map of
 * lockfile versions 2 and 3, else the nested `dependencies` of version 1.
 * The root project (`""`) is the application itself and is left out;
 * workspaces linked into `node_modules` are reported under their link
 * name, as npm installs them. Returns undefined for text that is not a
 * lock file.
 */
export function parsePackageLock(text: string): LockRead | undefined {
  const json = parseJsonObject(text);
  if (json === undefined) return undefined;
  const packages = ownField(json, 'packages');
  if (isJsonObject(packages)) return readPackagesMap(packages);
  const dependencies = ownField(json, 'dependencies');
  if (isJsonObject(dependencies)) return readDependencyTree(dependencies);
  if (ownField(json, 'lockfileVersion') !== undefined) {
    return { packages: [], problems: [] };
  }
  return undefined;
}

function readPackagesMap(
  packages: Readonly<Record<string, unknown>>,
): LockRead {
  const read: LockRead = { packages: [], problems: [] };
  for (const [path, entry] of Object.entries(packages)) {
    if (path === '' || !isJsonObject(entry)) continue;
    const nameFromPath = installedName(path);
    if (nameFromPath === undefined) continue;
    if (entry.link === true) {
      const linked = linkTarget(packages, entry);
      if (linked === undefined) {
        read.problems.push(`link '${path}' leads to no package`);
        continue;
      }
      read.packages.push(locked(nameFromPath, linked, entry));
    } else {
      const name = nonEmptyString(entry.name) ?? nameFromPath;
      read.packages.push(locked(name, entry, entry));
    }
  }
  return read;
}

/** The name under the last `node_modules/` of a lock path. */
function installedName(path: string): string | undefined {
  const marker = 'node_modules/';
  const at = path.lastIndexOf(marker);
  if (at === -1 || (at > 0 && path[at - 1] !== '/')) return undefined;
  const name = path.slice(at + marker.length);
  return name === '' ? undefined : name;
}

function linkTarget(
  packages: Readonly<Record<string, unknown>>,
  link: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> | undefined {
  const resolved = nonEmptyString(link.resolved);
  if (resolved === undefined) return undefined;
  const target = ownField(packages, resolved);
  return isJsonObject(target) ? target : undefined;
}

function locked(
  name: string,
  entry: Readonly<Record<string, unknown>>,
  flags: Readonly<Record<string, unknown>>,
): LockedPackage {
  return {
    name,
    version: nonEmptyString(entry.version) ?? '',
    dev: flags.dev === true,
    licenses: npmLicenses(entry),
  };
}

/**
 * Lockfile v1: `dependencies` nested by install location. Walked with an
 * explicit stack, so a hostile nesting depth costs no call stack.
 */
function readDependencyTree(root: Readonly<Record<string, unknown>>): LockRead {
  const read: LockRead = { packages: [], problems: [] };
  const stack = [{ dependencies: root, depth: 1, dev: false }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.depth > MAX_V1_DEPTH) {
      read.problems.push(`dependencies nest deeper than ${MAX_V1_DEPTH}`);
      continue;
    }
    for (const [key, entry] of Object.entries(item.dependencies)) {
      if (!isJsonObject(entry)) continue;
      const found = v1Package(key, entry, item.dev);
      read.packages.push(found);
      const nested = ownField(entry, 'dependencies');
      if (isJsonObject(nested)) {
        stack.push({
          dependencies: nested,
          depth: item.depth + 1,
          dev: found.dev,
        });
      }
    }
  }
  return read;
}

/** A package nested inside a development one is installed only with it. */
function v1Package(
  key: string,
  entry: Readonly<Record<string, unknown>>,
  insideDev: boolean,
): LockedPackage {
  const version = nonEmptyString(entry.version) ?? '';
  const alias = npmAlias(version);
  return {
    name: alias?.name ?? key,
    version: alias?.version ?? version,
    dev: insideDev || entry.dev === true,
    licenses: [],
  };
}

/** `npm:real-name@1.2.3`, as an aliased dependency records its target. */
export function npmAlias(
  spec: string,
): { name: string; version: string } | undefined {
  if (!spec.startsWith('npm:')) return undefined;
  return splitNameAtVersion(spec.slice('npm:'.length));
}

/** `name@version` or `@scope/name@version`, split at the version's `@`. */
export function splitNameAtVersion(
  spec: string,
): { name: string; version: string } | undefined {
  const at = spec.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}
