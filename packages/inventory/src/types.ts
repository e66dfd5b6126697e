/** Package ecosystems, named as purl types name them. */
export type PackageType =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'npm'
  | 'pypi'
  | 'golang'
  | 'maven'
  | 'gem'
  | 'composer'
  | 'cargo'
  | 'nuget';

/** The operating system of an image, from its release files. */
export interface OsInfo {
  /** `ID` of os-release, lower-cased: `debian`, `alpine`, `rhel`... */
  id: string;
  /** `VERSION_ID`: `12`, `3.20.3`, `9.4`. */
  versionId: string | undefined;
  /** `VERSION_CODENAME` where there is one. */
  codename: string | undefined;
  prettyName: string | undefined;
  /** `ID_LIKE`, split. */
  idLike: string[];
  /** The file the facts came from. */
  source: string;
  /** False for a distribution imagegate cannot match advisories for. */
  supported: boolean;
}

/** One installed package. */
export interface Package {
  name: string;
  version: string;
  type: PackageType;
  /** Package URL per the purl specification. */
  purl: string;
  licenses: string[];
  /** For OS packages: the source package advisories are written against. */
  source?: { name: string; version: string | undefined };
  architecture?: string;
  /** Paths of the files that recorded the package. */
  locations: string[];
  /** Index of the layer that added the record (0 is the first layer). */
  layerIndex: number | undefined;
  /** The cataloger that found it. */
  cataloger: string;
}

/** Something a cataloger could not read, kept so a scan is never silently clean. */
export interface Diagnostic {
  cataloger: string;
  path?: string;
  kind: 'skipped-record' | 'unreadable' | 'unsupported' | 'too-large';
  message: string;
}

/** A wanted file as a cataloger receives it, from the final view. */
export interface CatalogFile {
  path: string;
  content: Uint8Array | undefined;
  /** Index of the layer the file's final version came from. */
  layerIndex: number | undefined;
  /** Why there is no content, when there is none. */
  skipped?: string;
}

/** What a cataloger found. */
export interface CatalogResult {
  packages: Package[];
  diagnostics: Diagnostic[];
  /** False when records were lost (a database unreadable, a cap hit). */
  complete: boolean;
}

/** What catalogers know when they finish. */
export interface CatalogContext {
  os: OsInfo | undefined;
}

/**
 * A package cataloger. It names the paths or globs it wants; the layer walk
 * hands it those files from the final view; it turns them into packages.
 * Catalogers are pure: no file system, no network, no console.
 */
export interface Cataloger {
  readonly name: string;
  /** Absolute paths or globs, as the layer walk's subscribers take them. */
  readonly paths: readonly string[];
  /** Largest file it wants in memory; larger ones arrive without content. */
  readonly maxBytes: number;
  add(file: CatalogFile): void;
  finish(context: CatalogContext): CatalogResult;
}
