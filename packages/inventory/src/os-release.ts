import {
  parseAlpineRelease,
  parseDebianVersion,
  parseLsbRelease,
  parseOsRelease,
  parseRedHatRelease,
  parseSystemReleaseCpe,
  type ReleaseFacts,
  type ReleaseParse,
} from './os-files';
import { unsupportedReason } from './os-support';
import type { CatalogFile, Diagnostic, OsInfo } from './types';

/** What OS detection found, and what it could not read. */
export interface OsDetection {
  /** Undefined when no release file names a distribution. */
  os: OsInfo | undefined;
  /** Unreadable release files, and why the OS is unknown or unsupported. */
  diagnostics: Diagnostic[];
}

interface ReleaseSource {
  path: string;
  parse: (text: string) => ReleaseParse;
}

const DETECTOR = 'os-release';
const DEBIAN_VERSION = '/etc/debian_version';

/**
 * Release files, most trusted first; the first that names an OS wins.
 *
 * Limitation: an image with no release file is an unknown OS even when
 * it is plainly BusyBox (`busybox:*`); unlike syft, the BusyBox binary is
 * not scanned for its version.
 */
const SOURCES: readonly ReleaseSource[] = [
  { path: '/etc/os-release', parse: parseOsRelease },
  { path: '/usr/lib/os-release', parse: parseOsRelease },
  { path: '/etc/lsb-release', parse: parseLsbRelease },
  { path: '/etc/alpine-release', parse: parseAlpineRelease },
  { path: '/etc/oracle-release', parse: parseRedHatRelease },
  { path: '/etc/centos-release', parse: parseRedHatRelease },
  { path: '/etc/rocky-release', parse: parseRedHatRelease },
  { path: '/etc/almalinux-release', parse: parseRedHatRelease },
  { path: '/etc/fedora-release', parse: parseRedHatRelease },
  { path: '/etc/system-release', parse: parseRedHatRelease },
  { path: '/usr/lib/system-release', parse: parseRedHatRelease },
  { path: '/etc/redhat-release', parse: parseRedHatRelease },
  { path: '/etc/system-release-cpe', parse: parseSystemReleaseCpe },
  { path: DEBIAN_VERSION, parse: parseDebianVersion },
];

/** The release files OS detection reads. */
export const OS_RELEASE_PATHS: readonly string[] = SOURCES.map(
  (source) => source.path,
);

/** Release files are a few hundred bytes; anything past this is hostile. */
const MAX_RELEASE_BYTES = 64 * 1024;

const SKIP_REASONS: ReadonlyMap<string, string> = new Map([
  ['unresolved', 'a symbolic link that loops, dangles or leaves the image'],
  ['not-a-file', 'not a regular file'],
  ['unavailable', 'its content was not kept during the walk'],
]);

/**
 * Names the distribution of an image from its release files, as the
 * final view holds them. An image with no usable release file has an
 * unknown OS; one that names a distribution imagegate cannot match
 * advisories for is `supported: false`. Both come with a diagnostic, so
 * neither reads as an image without packages.
 */
export function detectOs(files: Iterable<CatalogFile>): OsDetection {
  const byPath = filesByPath(files);
  const diagnostics: Diagnostic[] = [];
  const found = firstRelease(byPath, diagnostics);
  if (found === undefined) {
    diagnostics.push(unknownOs());
    return { os: undefined, diagnostics };
  }

  const facts = withDebianVersion(found.facts, byPath);
  const id = facts.id ?? 'linux';
  const reason = unsupportedReason(id, facts.versionId);
  const os = osInfo(facts, id, found.path, reason === undefined);
  if (reason !== undefined) diagnostics.push(unsupportedOs(os, reason));
  return { os, diagnostics };
}

/**
 * OS detection as a walk subscriber: it names the release files, takes
 * them from the final view, and detects once the walk is done.
 */
export class OsDetector {
  readonly name = DETECTOR;
  readonly paths = OS_RELEASE_PATHS;
  readonly maxBytes = MAX_RELEASE_BYTES;
  private readonly wanted = new Set(OS_RELEASE_PATHS);
  private readonly files: CatalogFile[] = [];

  add(file: CatalogFile): void {
    if (this.wanted.has(absolute(file.path))) this.files.push(file);
  }

  finish(): OsDetection {
    return detectOs(this.files);
  }
}

function filesByPath(files: Iterable<CatalogFile>): Map<string, CatalogFile> {
  const byPath = new Map<string, CatalogFile>();
  for (const file of files) {
    const path = absolute(file.path);
    if (!byPath.has(path)) byPath.set(path, file);
  }
  return byPath;
}

function firstRelease(
  byPath: ReadonlyMap<string, CatalogFile>,
  diagnostics: Diagnostic[],
): { facts: ReleaseFacts; path: string } | undefined {
  for (const source of SOURCES) {
    const file = byPath.get(source.path);
    if (file === undefined) continue;
    const facts = readRelease(source, file, diagnostics);
    if (facts !== undefined) return { facts, path: source.path };
  }
  return undefined;
}

function readRelease(
  source: ReleaseSource,
  file: CatalogFile,
  diagnostics: Diagnostic[],
): ReleaseFacts | undefined {
  const text = releaseText(file, diagnostics);
  if (text === undefined) return undefined;
  const { facts, rejected } = source.parse(text);
  if (rejected.length > 0 || facts === undefined) {
    diagnostics.push({
      cataloger: DETECTOR,
      path: source.path,
      kind: 'unreadable',
      message: unusableMessage(source.path, rejected, facts === undefined),
    });
  }
  return facts;
}

function releaseText(
  file: CatalogFile,
  diagnostics: Diagnostic[],
): string | undefined {
  const path = absolute(file.path);
  const { content } = file;
  if (content !== undefined && content.length <= MAX_RELEASE_BYTES) {
    return new TextDecoder().decode(content);
  }
  const tooLarge = content !== undefined || file.skipped === 'too-large';
  diagnostics.push({
    cataloger: DETECTOR,
    path,
    kind: tooLarge ? 'too-large' : 'unreadable',
    message: tooLarge
      ? `${path} is larger than ${MAX_RELEASE_BYTES} bytes; it was not read`
      : `${path} could not be read: ${skipReason(file.skipped)}`,
  });
  return undefined;
}

/**
 * Debian's os-release has no `VERSION_ID` on testing, unstable and some
 * distroless images; `/etc/debian_version` then gives the release series
 * or the codename.
 */
function withDebianVersion(
  facts: ReleaseFacts,
  byPath: ReadonlyMap<string, CatalogFile>,
): ReleaseFacts {
  if (facts.id !== 'debian' || facts.versionId !== undefined) return facts;
  const content = byPath.get(DEBIAN_VERSION)?.content;
  if (content === undefined || content.length > MAX_RELEASE_BYTES) {
    return facts;
  }
  const extra = parseDebianVersion(new TextDecoder().decode(content)).facts;
  if (extra === undefined) return facts;
  return {
    ...facts,
    versionId: extra.versionId,
    codename: facts.codename ?? extra.codename,
  };
}

function osInfo(
  facts: ReleaseFacts,
  id: string,
  source: string,
  supported: boolean,
): OsInfo {
  return {
    id,
    versionId: facts.versionId,
    codename: facts.codename,
    prettyName: facts.prettyName,
    idLike: facts.idLike,
    source,
    supported,
  };
}

function unknownOs(): Diagnostic {
  return {
    cataloger: DETECTOR,
    kind: 'unsupported',
    message:
      'no release file names a distribution, so the OS is unknown and ' +
      'OS packages cannot be matched against advisories',
  };
}

function unsupportedOs(os: OsInfo, reason: string): Diagnostic {
  const release = os.versionId ?? os.codename;
  const name = release === undefined ? os.id : `${os.id} ${release}`;
  return {
    cataloger: DETECTOR,
    path: os.source,
    kind: 'unsupported',
    message: `unsupported OS ${name}: ${reason}`,
  };
}

function unusableMessage(
  path: string,
  rejected: readonly string[],
  isUnusable: boolean,
): string {
  const fields =
    rejected.length === 0 ? '' : `; malformed: ${rejected.join(', ')}`;
  return isUnusable
    ? `${path} names no distribution${fields}`
    : `${path} has malformed fields that were ignored${fields}`;
}

function skipReason(skipped: string | undefined): string {
  if (skipped === undefined) return 'no content';
  return SKIP_REASONS.get(skipped) ?? skipped;
}

function absolute(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}
