import { devOnlyNodes } from './npm-dev-graph';
import type { LockedPackage, LockRead } from './npm-package-lock';

/** The direct dependencies an application's `package.json` names. */
export interface DirectDependencies {
  prod: readonly string[];
  dev: readonly string[];
}

/** One entry of a `yarn.lock`: a header of specifiers and its fields. */
interface YarnBlock {
  specifiers: string[];
  fields: Map<string, string>;
  /** `[name, range]` from `dependencies` and `optionalDependencies`. */
  dependencies: [string, string][];
}

const HEADER = /^(\S.*):\s*$/;
const SECTION = /^ {2}("[^"]*"|[^\s:"]+):\s*$/;
const FIELD = /^ {2,4}("[^"]*"|[^\s:"]+):?\s+(.*)$/;

/**
 * Reads a `yarn.lock`, classic (v1) or Berry (v2 and later), line by line
 * in linear time. The root workspace (`name@workspace:.`) is the
 * application itself and is left out. Development entries are told apart
 * only when the application's `package.json` is given: an entry is
 * development-only when reachable from `devDependencies` alone.
 */
export function parseYarnLock(
  text: string,
  direct: DirectDependencies | undefined,
): LockRead {
  const read: LockRead = { packages: [], problems: [] };
  const blocks = yarnBlocks(text).filter(
    (block) => !isMetadata(block) && !isRootWorkspace(block),
  );
  const named: { block: YarnBlock; name: string }[] = [];
  for (const block of blocks) {
    const name = blockName(block);
    if (name === undefined) {
      read.problems.push(
        `entry '${block.specifiers.join(', ')}' names no package`,
      );
    } else {
      named.push({ block, name });
    }
  }
  const dev =
    direct === undefined ? new Set<YarnBlock>() : devBlocks(named, direct);
  for (const { block, name } of named) {
    read.packages.push(yarnPackage(block, name, dev.has(block)));
  }
  return read;
}

function yarnPackage(
  block: YarnBlock,
  name: string,
  dev: boolean,
): LockedPackage {
  const version = block.fields.get('version') ?? '';
  return { name, version, dev, licenses: [] };
}

/** Splits the file into header-led blocks; comments and blanks skipped. */
function yarnBlocks(text: string): YarnBlock[] {
  const blocks: YarnBlock[] = [];
  let current: YarnBlock | undefined;
  let section: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const header = HEADER.exec(line);
    if (header !== null && !line.startsWith(' ')) {
      current = {
        specifiers: specifiers(header[1] ?? ''),
        fields: new Map(),
        dependencies: [],
      };
      blocks.push(current);
      section = undefined;
      continue;
    }
    if (current === undefined) continue;
    section = readLine(current, line, section);
  }
  return blocks;
}

/** Takes one indented line into the block; returns the open section. */
function readLine(
  block: YarnBlock,
  line: string,
  section: string | undefined,
): string | undefined {
  const opened = SECTION.exec(line);
  if (opened !== null) return unquote(opened[1] ?? '');
  const field = FIELD.exec(line);
  if (field === null) return section;
  const key = unquote(field[1] ?? '');
  const value = unquote((field[2] ?? '').trim());
  if (!line.startsWith('    ')) {
    if (!block.fields.has(key)) block.fields.set(key, value);
    return undefined;
  }
  if (section === 'dependencies' || section === 'optionalDependencies') {
    block.dependencies.push([key, value]);
  }
  return section;
}

/** `"a@^1", "a@^2"` (classic) or `"a@npm:^1, a@npm:^2"` (Berry). */
function specifiers(header: string): string[] {
  return header
    .replaceAll('"', '')
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
}

/** Berry's `__metadata` entry: the lock format, not a package. */
function isMetadata(block: YarnBlock): boolean {
  return block.specifiers.length === 1 && block.specifiers[0] === '__metadata';
}

function isRootWorkspace(block: YarnBlock): boolean {
  const resolution = block.fields.get('resolution') ?? '';
  return (
    resolution.endsWith('@workspace:.') ||
    block.specifiers.some((spec) => spec.endsWith('@workspace:.'))
  );
}

/**
 * The package an entry installs: Berry's `resolution`, else the registry
 * path in classic's `resolved` URL (which shows the real package behind
 * a renamed one), else the first specifier, else classic's `name`.
 */
function blockName(block: YarnBlock): string | undefined {
  const resolution = block.fields.get('resolution');
  if (resolution !== undefined) {
    const name = yarnSpecifierName(resolution);
    if (name !== undefined) return name;
  }
  const fromUrl = registryName(block.fields.get('resolved'));
  if (fromUrl !== undefined) return fromUrl;
  for (const spec of block.specifiers) {
    const name = yarnSpecifierName(spec);
    if (name !== undefined) return name;
  }
  return block.fields.get('name');
}

/**
 * The package name of a specifier: `a@^1` → `a`, `@s/a@npm:^1` → `@s/a`,
 * and through an alias, `old@npm:@s/new@1.2.3` → `@s/new`. Undefined when
 * the specifier names no valid package.
 */
export function yarnSpecifierName(spec: string): string | undefined {
  const split = splitSpecifier(spec);
  if (split === undefined) return undefined;
  if (split.range.startsWith('npm:')) {
    const aliased = splitSpecifier(split.range.slice('npm:'.length));
    if (aliased !== undefined) return aliased.name;
  }
  return split.name;
}

function splitSpecifier(
  spec: string,
): { name: string; range: string } | undefined {
  const scoped = spec.startsWith('@');
  const at = spec.indexOf('@', scoped ? 1 : 0);
  if (at <= 0) return undefined;
  const name = spec.slice(0, at);
  if (scoped && !/^@[^/@\s]+\/[^/@\s]+$/.test(name)) return undefined;
  return { name, range: spec.slice(at + 1) };
}

/** `https://registry.yarnpkg.com/@s/a/-/a-1.0.0.tgz#sha` → `@s/a`. */
function registryName(resolved: string | undefined): string | undefined {
  if (resolved === undefined) return undefined;
  const match = /^https?:\/\/[^/]+\/((?:@[^/]+\/)?[^/@]+)\/-\//.exec(resolved);
  return match?.[1];
}

/** Entries reachable only from the application's `devDependencies`. */
function devBlocks(
  named: readonly { block: YarnBlock; name: string }[],
  direct: DirectDependencies,
): Set<YarnBlock> {
  const bySpecifier = new Map<string, YarnBlock>();
  const byName = new Map<string, YarnBlock[]>();
  for (const { block, name } of named) {
    for (const spec of block.specifiers) bySpecifier.set(spec, block);
    const same = byName.get(name);
    if (same === undefined) byName.set(name, [block]);
    else same.push(block);
  }
  const roots = (names: readonly string[]): YarnBlock[] =>
    names.flatMap((name) => byName.get(name) ?? []);
  const edges = (block: YarnBlock): YarnBlock[] =>
    block.dependencies.flatMap(([name, range]) => {
      const found =
        bySpecifier.get(`${name}@${range}`) ??
        bySpecifier.get(`${name}@npm:${range}`);
      return found === undefined ? (byName.get(name) ?? []) : [found];
    });
  return devOnlyNodes(roots(direct.prod), roots(direct.dev), edges);
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"')
    ? text.slice(1, -1)
    : text;
}
