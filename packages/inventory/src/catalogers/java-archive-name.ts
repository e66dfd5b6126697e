/** What an archive's file name says: `commons-lang3-3.11.jar`. */
export interface ArchiveName {
  /** The name before the version: `commons-lang3`. */
  name: string;
  /** Undefined when the file name carries none. */
  version: string | undefined;
  /** The group a `group.artifact` file name starts with, if any. */
  groupId: string | undefined;
  /** The artifact of a `group.artifact` file name, else `name`. */
  artifactId: string;
}

/** Archive extensions of the Java ecosystem that hold classes and metadata. */
export const JAVA_ARCHIVE_EXTENSIONS = [
  'jar',
  'war',
  'ear',
  'par',
  'sar',
  'nar',
  'kar',
  'jpi',
  'hpi',
  'lpkg',
] as const;

/**
 * A token that starts a version: a digit first (`1.0`, `4aug2000r7`),
 * or the old `r06` and `build212` styles.
 */
const VERSION_START = /^(?:\d|r\d+$|build\d+$)/;

/** Top-level domains a Maven group id usually starts with. */
const GROUP_PREFIX = /^(?:com|org|net|io|de|fr|uk|nl|ch|jp|edu|gov|me|dev)\./;

/**
 * Splits an archive's file name into name and version, the way Maven
 * names artifacts (`<artifactId>-<version>.<ext>`): the version starts at
 * the first `-` followed by a version token, else at the first `_` or `.`
 * followed by a digit. A name shaped `group.artifact`
 * (`io.quarkus.gizmo.gizmo-1.1.jar`) also yields the two parts, except
 * for Eclipse bundles, which are named by their symbolic name.
 */
export function parseArchiveName(fileName: string): ArchiveName {
  const base = withoutExtension(fileName.slice(fileName.lastIndexOf('/') + 1));
  const split = splitAtDash(base) ?? splitAtOther(base);
  const name = split?.name ?? base;
  return { name, version: split?.version, ...groupAndArtifact(name) };
}

function withoutExtension(base: string): string {
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? base : base.slice(0, dot);
}

function splitAtDash(
  base: string,
): { name: string; version: string } | undefined {
  const tokens = base.split('-');
  for (let i = 1; i < tokens.length; i++) {
    if (VERSION_START.test(tokens[i] ?? '')) {
      return {
        name: tokens.slice(0, i).join('-'),
        version: tokens.slice(i).join('-'),
      };
    }
  }
  return undefined;
}

function splitAtOther(
  base: string,
): { name: string; version: string } | undefined {
  const match = /[_.]\d/.exec(base);
  if (match === null || match.index === 0) return undefined;
  return {
    name: base.slice(0, match.index),
    version: base.slice(match.index + 1),
  };
}

function groupAndArtifact(name: string): {
  groupId: string | undefined;
  artifactId: string;
} {
  const dot = name.lastIndexOf('.');
  if (!GROUP_PREFIX.test(name) || name.startsWith('org.eclipse.')) {
    return { groupId: undefined, artifactId: name };
  }
  if (dot <= 0 || name.indexOf('.') === dot) {
    return { groupId: undefined, artifactId: name };
  }
  return { groupId: name.slice(0, dot), artifactId: name.slice(dot + 1) };
}

/** True for a member or file name with a Java archive extension. */
export function isJavaArchiveName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  if (dot === -1) return false;
  const extension = name.slice(dot + 1).toLowerCase();
  return (JAVA_ARCHIVE_EXTENSIONS as readonly string[]).includes(extension);
}
