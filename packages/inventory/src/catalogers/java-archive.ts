import { parseArchiveName, type ArchiveName } from './java-archive-name';
import {
  manifestValue,
  parseJavaManifest,
  parseProperties,
  pomLicenses,
  type JavaManifest,
} from './java-manifest';

/** Maven coordinates, as `pom.properties` records them. */
export interface Coordinates {
  groupId: string | undefined;
  artifactId: string;
  version: string;
  /** The member or archive they came from. */
  source: string;
}

/** The metadata of one archive, its nested archives aside. */
export interface ArchiveContents {
  /** Every `pom.properties`, wherever in the archive. */
  pomProperties: readonly { source: string; text: string }[];
  /** `META-INF/MANIFEST.MF`, if any. */
  manifest: string | undefined;
  /** A member's text by path, for the `pom.xml` beside a `pom.properties`. */
  pomXml: (path: string) => string | undefined;
}

/** A package an archive names, with the licences found for it. */
export interface ArchivePackage {
  coordinates: Coordinates;
  licenses: string[];
}

/**
 * The packages one archive's metadata names: every distinct
 * `pom.properties` (a fat jar carries one per library it shades), and,
 * when none of them is the archive's own, the archive itself from its
 * manifest or file name. Licences come from the `pom.xml` beside each
 * `pom.properties`, and the manifest's for the archive's own package.
 */
export function identifyArchive(
  contents: ArchiveContents,
  fileName: string,
): ArchivePackage[] {
  const coordinates = uniqueCoordinates(
    contents.pomProperties.flatMap(({ source, text }) =>
      coordinatesFrom(text, source),
    ),
  );
  const manifest =
    contents.manifest === undefined
      ? undefined
      : parseJavaManifest(contents.manifest);
  const manifestLicenses =
    manifest === undefined ? [] : manifestLicenseNames(manifest);
  const name = parseArchiveName(fileName);
  const own = ownCoordinates(coordinates, name);
  const found = coordinates.map((c) => {
    const xml = contents.pomXml(pomXmlPath(c));
    const licenses = xml === undefined ? [] : pomLicenses(xml);
    return {
      coordinates: c,
      licenses: [...licenses, ...(c === own ? manifestLicenses : [])],
    };
  });
  const derived =
    own === undefined
      ? derivedCoordinates(manifest, name, fileName)
      : undefined;
  if (derived !== undefined) {
    found.push({ coordinates: derived, licenses: manifestLicenses });
  }
  return found;
}

function pomXmlPath(coordinates: Coordinates): string {
  return `META-INF/maven/${coordinates.groupId ?? ''}/${coordinates.artifactId}/pom.xml`;
}

/** Coordinates from a `pom.properties`; all three must be present. */
function coordinatesFrom(text: string, source: string): Coordinates[] {
  const properties = parseProperties(text);
  const groupId = properties.get('groupId')?.trim();
  const artifactId = properties.get('artifactId')?.trim();
  const version = properties.get('version')?.trim();
  if (!groupId || !artifactId || !version) return [];
  return [{ groupId, artifactId, version, source }];
}

/** One entry per group, artifact and version; the first source wins. */
function uniqueCoordinates(all: readonly Coordinates[]): Coordinates[] {
  const seen = new Map<string, Coordinates>();
  for (const c of all) {
    const key = `${c.groupId ?? ''}\0${c.artifactId}\0${c.version}`;
    if (!seen.has(key)) seen.set(key, c);
  }
  return [...seen.values()];
}

/**
 * The coordinates that describe the archive itself: the artifact the file
 * name names, else the only `pom.properties` under `META-INF/maven/`.
 */
function ownCoordinates(
  coordinates: readonly Coordinates[],
  name: ArchiveName,
): Coordinates | undefined {
  const byName = coordinates.find(
    (c) => c.artifactId === name.name || c.artifactId === name.artifactId,
  );
  if (byName !== undefined) return byName;
  const maven = coordinates.filter((c) =>
    c.source.startsWith('META-INF/maven/'),
  );
  return maven.length === 1 ? maven[0] : undefined;
}

/**
 * The archive's own coordinates when no `pom.properties` gives them: the
 * manifest's version (`Implementation-`, `Specification-`, `Bundle-
 * Version`) else the file name's; the file name's artifact when it
 * carries a version, else the manifest's title; the group from
 * `Implementation-Vendor-Id`, the `Bundle-SymbolicName` or a dotted
 * vendor name.
 */
function derivedCoordinates(
  manifest: JavaManifest | undefined,
  name: ArchiveName,
  source: string,
): Coordinates | undefined {
  const fromManifest = (...keys: string[]): string | undefined =>
    manifest === undefined ? undefined : manifestValue(manifest, ...keys);
  const version =
    fromManifest(
      'Implementation-Version',
      'Specification-Version',
      'Bundle-Version',
    ) ?? name.version;
  if (version === undefined) return undefined;
  const title = fromManifest(
    'Implementation-Title',
    'Specification-Title',
    'Bundle-Name',
  );
  const artifactId =
    name.version === undefined ? (title ?? name.artifactId) : name.artifactId;
  const groupId =
    fromManifest('Implementation-Vendor-Id') ??
    symbolicNameGroup(fromManifest('Bundle-SymbolicName')) ??
    dottedVendor(
      fromManifest('Implementation-Vendor', 'Specification-Vendor'),
    ) ??
    name.groupId;
  return { groupId, artifactId, version, source };
}

/** `org.springframework.core;singleton:=true` → `org.springframework`. */
function symbolicNameGroup(value: string | undefined): string | undefined {
  const symbolic = value?.split(';')[0]?.trim() ?? '';
  const dot = symbolic.lastIndexOf('.');
  return dot > 0 ? symbolic.slice(0, dot) : undefined;
}

/** A vendor written like a group id (`org.apache`), not a company name. */
function dottedVendor(value: string | undefined): string | undefined {
  return value !== undefined &&
    /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(value)
    ? value.toLowerCase()
    : undefined;
}

/** `Bundle-License` (its first clause) and Jenkins' `Plugin-License-Name*`. */
function manifestLicenseNames(manifest: JavaManifest): string[] {
  const names: string[] = [];
  for (const [key, value] of manifest.main) {
    if (
      key === 'plugin-license-name' ||
      /^plugin-license-name-\d+$/.test(key)
    ) {
      names.push(value);
    }
  }
  const bundle = manifest.main.get('bundle-license')?.split(';')[0]?.trim();
  if (bundle !== undefined && bundle !== '') names.push(bundle);
  return names.filter((name) => name !== '');
}
