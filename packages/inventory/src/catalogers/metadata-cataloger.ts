/**
 * The shared part of the language catalogers that read each package
 * metadata file on its own (Python, Ruby, PHP, .NET): the packages found,
 * the diagnostics, and whether anything was lost.
 */
import { purlFor, type PurlParts } from '../purl';
import type {
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  Package,
} from '../types';

/** What a metadata file says about one package. */
export type PackageFields = Pick<
  Package,
  'name' | 'version' | 'type' | 'purl' | 'licenses'
>;

/**
 * A cataloger that turns each metadata file it is given into packages.
 * A file that did not arrive, or could not be read, makes the result
 * incomplete; a record skipped within a readable file does not.
 */
export abstract class MetadataCataloger implements Cataloger {
  abstract readonly name: string;
  abstract readonly paths: readonly string[];
  abstract readonly maxBytes: number;
  protected readonly packages: Package[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private complete = true;

  abstract add(file: CatalogFile): void;

  finish(): CatalogResult {
    return {
      packages: this.packages,
      diagnostics: this.diagnostics,
      complete: this.complete,
    };
  }

  /** A package recorded in the file, found by this cataloger. */
  protected packageIn(file: CatalogFile, fields: PackageFields): Package {
    return {
      ...fields,
      locations: [file.path],
      layerIndex: file.layerIndex,
      cataloger: this.name,
    };
  }

  /** Records a file whose content did not arrive: `<what> (<why>)`. */
  protected unread(file: CatalogFile, what: string): void {
    const kind = file.skipped === 'too-large' ? 'too-large' : 'unreadable';
    this.lost(file.path, kind, `${what} (${file.skipped ?? 'no content'})`);
  }

  /** Records a file whose packages are lost; the result is incomplete. */
  protected lost(
    path: string,
    kind: Diagnostic['kind'],
    message: string,
  ): void {
    this.complete = false;
    this.diagnostics.push({ cataloger: this.name, path, kind, message });
  }

  /** Records one entry left out of an otherwise readable file. */
  protected skipped(path: string, message: string): void {
    this.diagnostics.push({
      cataloger: this.name,
      path,
      kind: 'skipped-record',
      message,
    });
  }
}

/**
 * The package URL of a registry package; an empty version is left out,
 * and parts that form no purl give `''`.
 */
export function registryPurl(parts: PurlParts & { version: string }): string {
  const { version } = parts;
  return (
    purlFor({ ...parts, version: version === '' ? undefined : version }) ?? ''
  );
}
