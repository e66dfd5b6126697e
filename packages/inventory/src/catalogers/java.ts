import { createHash } from 'node:crypto';
import { purlFor } from '../purl';
import type {
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  Package,
} from '../types';
import {
  identifyArchive,
  type ArchiveContents,
  type Coordinates,
} from './java-archive';
import {
  isJavaArchiveName,
  JAVA_ARCHIVE_EXTENSIONS,
} from './java-archive-name';
import { listZip, readZipEntry, ZipError, type ZipEntry } from './java-zip';

const MiB = 1024 * 1024;

/** Caps on reading one archive file and everything nested in it. */
export interface JavaArchiveLimits {
  /** Members of one archive, nested ones included. */
  maxEntries: number;
  /** Archives inside archives: 1 is a jar in a war. */
  maxDepth: number;
  /** Inflated bytes of one nested archive. */
  maxNestedBytes: number;
  /** Inflated bytes of one `pom.properties`, `pom.xml` or manifest. */
  maxMetadataBytes: number;
  /** Inflated bytes of all members read for one archive file. */
  maxInflatedBytes: number;
  /** Archives read for one archive file, itself included. */
  maxArchives: number;
}

/** The caps used where a caller sets none. */
export const DEFAULT_JAVA_ARCHIVE_LIMITS: Readonly<JavaArchiveLimits> =
  Object.freeze({
    maxEntries: 100_000,
    maxDepth: 4,
    maxNestedBytes: 64 * MiB,
    maxMetadataBytes: 1 * MiB,
    maxInflatedBytes: 256 * MiB,
    maxArchives: 1000,
  });

/** Options of the Java cataloger. */
export interface JavaCatalogerOptions {
  /** Largest archive file read, 64 MiB by default. */
  maxArchiveBytes?: number;
  limits?: Partial<JavaArchiveLimits>;
}

/** State shared by one archive file and its nested archives. */
interface ArchiveRun {
  file: CatalogFile;
  inflated: number;
  archives: number;
  entries: number;
  packages: Package[];
}

/**
 * Java archives (`.jar`, `.war`, `.ear`, Jenkins `.jpi`/`.hpi` and the
 * other zip-based kinds), read in memory with their nested archives:
 *
 * - every `pom.properties` in an archive is a package (a fat jar carries
 *   one per library it shades);
 * - when none of them is the archive's own (its artifact id matches the
 *   file name, or it is the only one under `META-INF/maven/`), the
 *   archive is a package of its own from `MANIFEST.MF`
 *   (`Implementation-Title`/`-Version`, `Implementation-Vendor-Id` or the
 *   `Bundle-SymbolicName` for the group), falling back to the file name
 *   (`name-1.2.3.jar`); an archive that yields no version is not reported;
 * - licences come from the `pom.xml` beside each `pom.properties` and,
 *   for the archive's own package, the manifest's `Bundle-License` and
 *   Jenkins' `Plugin-License-Name`.
 *
 * Nested archives are located as `outer.war!/WEB-INF/lib/inner.jar`. An
 * archive whose bytes were already read under another path (a symbolic
 * link, a copy) adds that path to the packages found the first time.
 *
 * Limitation: archives are read whole, up to 64 MiB each, out of the
 * layer walk's shared buffer; a bigger archive is reported as too large,
 * not read. Nesting, members, and inflated bytes are capped
 * (`DEFAULT_JAVA_ARCHIVE_LIMITS`); past a cap the archive's remaining
 * members are skipped and the result is marked incomplete.
 * Limitation: no network look-up (Maven Central by SHA-1), so an archive
 * with neither `pom.properties` nor a usable manifest is named from its
 * file name alone, without a group id; its purl is then empty, since a
 * Maven purl needs the group.
 * Limitation: licences are kept as written (names, sometimes URLs), not
 * mapped to SPDX identifiers.
 */
export class JavaCataloger implements Cataloger {
  readonly name = 'java';
  readonly paths = JAVA_ARCHIVE_EXTENSIONS.flatMap((extension) => [
    `/**/*.${extension}`,
    `/**/*.${extension.toUpperCase()}`,
  ]);
  readonly maxBytes: number;

  private readonly limits: JavaArchiveLimits;
  private readonly packages: Package[] = [];
  private readonly byDigest = new Map<string, Package[]>();
  private readonly diagnostics: Diagnostic[] = [];
  private complete = true;

  constructor(options: JavaCatalogerOptions = {}) {
    this.maxBytes = options.maxArchiveBytes ?? 64 * MiB;
    this.limits = { ...DEFAULT_JAVA_ARCHIVE_LIMITS, ...options.limits };
  }

  add(file: CatalogFile): void {
    if (file.content === undefined) {
      const kind = file.skipped === 'too-large' ? 'too-large' : 'unreadable';
      this.problem(
        file.path,
        kind,
        `archive not read (${file.skipped ?? 'no content'})`,
      );
      return;
    }
    const digest = createHash('sha256').update(file.content).digest('hex');
    const known = this.byDigest.get(digest);
    if (known !== undefined) {
      for (const pkg of known) pkg.locations.push(relocate(pkg, file.path));
      return;
    }
    const run: ArchiveRun = {
      file,
      inflated: 0,
      archives: 0,
      entries: 0,
      packages: [],
    };
    this.readArchive(run, file.content, [file.path]);
    this.byDigest.set(digest, run.packages);
    this.packages.push(...run.packages);
  }

  finish(): CatalogResult {
    return {
      packages: this.packages,
      diagnostics: this.diagnostics,
      complete: this.complete,
    };
  }

  private readArchive(
    run: ArchiveRun,
    bytes: Uint8Array,
    chain: string[],
  ): void {
    const location = chain.join('!/');
    run.archives += 1;
    if (run.archives > this.limits.maxArchives) {
      this.problem(
        location,
        'too-large',
        `more than ${this.limits.maxArchives} nested archives`,
      );
      return;
    }
    let entries: ZipEntry[];
    try {
      entries = listZip(bytes, this.limits.maxEntries - run.entries);
    } catch (error: unknown) {
      const capped = error instanceof ZipError && error.reason === 'cap';
      this.problem(
        location,
        capped ? 'too-large' : 'unreadable',
        `not read as a zip archive: ${reason(error)}`,
      );
      return;
    }
    run.entries += entries.length;
    const found = this.archivePackages(run, bytes, entries, chain);
    run.packages.push(...found);
    this.readNested(run, bytes, entries, chain);
  }

  /** The packages an archive's own metadata names (not nested ones). */
  private archivePackages(
    run: ArchiveRun,
    bytes: Uint8Array,
    entries: readonly ZipEntry[],
    chain: readonly string[],
  ): Package[] {
    const location = chain.join('!/');
    const read = (entry: ZipEntry | undefined): string | undefined =>
      entry === undefined
        ? undefined
        : this.readText(run, bytes, entry, location);
    const contents: ArchiveContents = {
      pomProperties: entries.filter(isPomProperties).flatMap((entry) => {
        const text = read(entry);
        return text === undefined ? [] : [{ source: entry.name, text }];
      }),
      manifest: read(entries.find(isManifest)),
      pomXml: (path) => read(entries.find((entry) => entry.name === path)),
    };
    const fileName = chain[chain.length - 1] ?? '';
    return identifyArchive(contents, fileName).map((found) =>
      this.mavenPackage(found.coordinates, found.licenses, run, location),
    );
  }

  private readNested(
    run: ArchiveRun,
    bytes: Uint8Array,
    entries: readonly ZipEntry[],
    chain: string[],
  ): void {
    const nested = entries.filter(
      (entry) => !entry.name.endsWith('/') && isJavaArchiveName(entry.name),
    );
    if (nested.length === 0) return;
    if (chain.length > this.limits.maxDepth) {
      this.problem(
        chain.join('!/'),
        'too-large',
        `archives nested deeper than ${this.limits.maxDepth}`,
      );
      return;
    }
    for (const entry of nested) {
      const content = this.readMember(
        run,
        bytes,
        entry,
        this.limits.maxNestedBytes,
        chain.join('!/'),
      );
      if (content !== undefined)
        this.readArchive(run, content, [...chain, entry.name]);
    }
  }

  private readText(
    run: ArchiveRun,
    bytes: Uint8Array,
    entry: ZipEntry,
    location: string,
  ): string | undefined {
    const content = this.readMember(
      run,
      bytes,
      entry,
      this.limits.maxMetadataBytes,
      location,
    );
    return content === undefined
      ? undefined
      : new TextDecoder().decode(content);
  }

  /** One member's bytes, within the per-member and per-file caps. */
  private readMember(
    run: ArchiveRun,
    bytes: Uint8Array,
    entry: ZipEntry,
    maxBytes: number,
    location: string,
  ): Uint8Array | undefined {
    const left = this.limits.maxInflatedBytes - run.inflated;
    if (left <= 0) {
      this.problem(
        location,
        'too-large',
        `more than ${this.limits.maxInflatedBytes} bytes inflated`,
      );
      return undefined;
    }
    try {
      const content = readZipEntry(bytes, entry, Math.min(maxBytes, left));
      run.inflated += content.length;
      return content;
    } catch (error: unknown) {
      const kind =
        error instanceof ZipError && error.reason === 'cap'
          ? 'too-large'
          : 'unreadable';
      this.problem(`${location}!/${entry.name}`, kind, reason(error));
      return undefined;
    }
  }

  private mavenPackage(
    coordinates: Coordinates,
    licenses: readonly string[],
    run: ArchiveRun,
    location: string,
  ): Package {
    const { groupId, artifactId, version } = coordinates;
    return {
      name: groupId === undefined ? artifactId : `${groupId}:${artifactId}`,
      version,
      type: 'maven',
      purl: mavenPurl(groupId, artifactId, version),
      licenses: [...new Set(licenses)],
      locations: [location],
      layerIndex: run.file.layerIndex,
      cataloger: this.name,
    };
  }

  private problem(
    path: string,
    kind: Diagnostic['kind'],
    message: string,
  ): void {
    if (kind !== 'skipped-record') this.complete = false;
    this.diagnostics.push({ cataloger: this.name, path, kind, message });
  }
}

/** `pkg:maven/<groupId>/<artifactId>@<version>`. */
export function mavenPurl(
  groupId: string | undefined,
  artifactId: string,
  version: string,
): string {
  return (
    purlFor({
      type: 'maven',
      namespace: groupId,
      name: artifactId,
      version: version === '' ? undefined : version,
    }) ?? ''
  );
}

/** The location of a package found in an archive, for a copy at `path`. */
function relocate(pkg: Package, path: string): string {
  const [first = ''] = pkg.locations;
  const nested = first.indexOf('!/');
  return nested === -1 ? path : `${path}${first.slice(nested)}`;
}

function isPomProperties(entry: ZipEntry): boolean {
  return (
    entry.name === 'pom.properties' || entry.name.endsWith('/pom.properties')
  );
}

function isManifest(entry: ZipEntry): boolean {
  return entry.name.toUpperCase() === 'META-INF/MANIFEST.MF';
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
