import type { CatalogFile, Package } from '../types';
import {
  headerValue,
  metadataLicenses,
  normalizePythonName,
  parseMetadataHeaders,
} from './python-metadata';
import { MetadataCataloger, registryPurl } from './metadata-cataloger';

const MiB = 1024 * 1024;

/**
 * Installed Python distributions, from their core metadata: wheels'
 * `*.dist-info/METADATA`, eggs' `*.egg-info/PKG-INFO` and
 * `EGG-INFO/PKG-INFO`, and the single-file `*.egg-info` distutils wrote.
 * Upper-case directory names (`DIST-INFO`) count too. Each metadata file
 * is one package, named as the file writes it; the purl carries the
 * PEP 503 normalised name.
 *
 * Limitation: lock files (`poetry.lock`, `uv.lock`, `pdm.lock`,
 * `Pipfile.lock`) and `requirements.txt` are not read: they describe what
 * a build would install, and the image holds the installed metadata.
 * Limitation: `direct_url.json` (a VCS or local install) is not read, so
 * such packages carry a registry purl without `vcs_url`.
 * Limitation: directory names are matched as `*dist-info`, `*DIST-INFO`,
 * `*egg-info` and `*EGG-INFO`; other spellings (`x.Dist-Info`) are missed.
 */
export class PythonCataloger extends MetadataCataloger {
  readonly name = 'python';
  readonly paths = [
    '/**/*dist-info/METADATA',
    '/**/*DIST-INFO/METADATA',
    '/**/*egg-info/PKG-INFO',
    '/**/*EGG-INFO/PKG-INFO',
    '/**/*.egg-info',
  ];
  readonly maxBytes = 4 * MiB;

  add(file: CatalogFile): void {
    if (file.content === undefined) {
      this.unread(file, 'metadata not read');
      return;
    }
    const headers = parseMetadataHeaders(
      new TextDecoder().decode(file.content),
    );
    const name = headerValue(headers, 'Name');
    if (name === undefined) {
      this.skipped(file.path, 'metadata names no distribution');
      return;
    }
    this.packages.push(this.pythonPackage(file, name, headers));
  }

  private pythonPackage(
    file: CatalogFile,
    name: string,
    headers: ReturnType<typeof parseMetadataHeaders>,
  ): Package {
    const version = headerValue(headers, 'Version') ?? '';
    return this.packageIn(file, {
      name,
      version,
      type: 'pypi',
      purl: pypiPurl(name, version),
      licenses: metadataLicenses(headers),
    });
  }
}

/** `pkg:pypi/<PEP 503 name>@<version>`. */
export function pypiPurl(name: string, version: string): string {
  return registryPurl({
    type: 'pypi',
    name: normalizePythonName(name),
    version,
  });
}
