import type { CatalogFile, Package } from '../types';
import { isJsonObject, nonEmptyString, ownField } from './json-safe';
import { MetadataCataloger, registryPurl } from './metadata-cataloger';

const MiB = 1024 * 1024;

/**
 * PHP packages Composer installed, from `vendor/composer/installed.json`:
 * Composer 2's `{"packages": [...]}` and Composer 1's bare array. Every
 * package listed is on disk, so packages Composer 2 names in
 * `dev-package-names` are reported too. Versions are kept as Composer
 * wrote them (`v5.4.0`); `version_normalized` is not used.
 *
 * Limitation: `composer.lock` is not read; an image that copied the lock
 * but never ran `composer install` shows no PHP packages.
 */
export class PhpCataloger extends MetadataCataloger {
  readonly name = 'php';
  readonly paths = ['/**/composer/installed.json'];
  readonly maxBytes = 32 * MiB;

  add(file: CatalogFile): void {
    const entries = this.installedEntries(file);
    if (entries === undefined) return;
    for (const entry of entries) {
      const name = isJsonObject(entry) ? nonEmptyString(entry.name) : undefined;
      if (!isJsonObject(entry) || name === undefined) {
        this.skipped(file.path, 'entry names no package');
        continue;
      }
      this.packages.push(this.composerPackage(file, name, entry));
    }
  }

  /** The `packages` array of either format; undefined when unreadable. */
  private installedEntries(file: CatalogFile): unknown[] | undefined {
    if (file.content === undefined) {
      this.unread(file, 'not read');
      return undefined;
    }
    const text = new TextDecoder().decode(file.content);
    const entries = composerEntries(text);
    if (entries === undefined) {
      this.lost(file.path, 'unreadable', 'not a Composer installed.json');
    }
    return entries;
  }

  private composerPackage(
    file: CatalogFile,
    name: string,
    entry: Readonly<Record<string, unknown>>,
  ): Package {
    const version = nonEmptyString(entry.version) ?? '';
    return this.packageIn(file, {
      name,
      version,
      type: 'composer',
      purl: composerPurl(name, version),
      licenses: composerLicenses(entry.license),
    });
  }
}

function composerEntries(text: string): unknown[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  if (Array.isArray(json)) return json as unknown[];
  if (!isJsonObject(json)) return undefined;
  const packages = ownField(json, 'packages');
  return Array.isArray(packages) ? (packages as unknown[]) : undefined;
}

/** `license` as an array of SPDX ids, or (old packages) one string. */
function composerLicenses(value: unknown): string[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const names = items.flatMap((item) => nonEmptyString(item) ?? []);
  return [...new Set(names)];
}

/** `pkg:composer/<vendor>/<name>@<version>`. */
export function composerPurl(name: string, version: string): string {
  const slash = name.indexOf('/');
  const vendored = slash > 0 && slash < name.length - 1;
  return registryPurl({
    type: 'composer',
    namespace: vendored ? name.slice(0, slash) : undefined,
    name: vendored ? name.slice(slash + 1) : name,
    version,
  });
}
