import { isJsonObject, nonEmptyString, parseJsonObject } from './json-safe';

/** What a `package.json` says about the package it describes. */
export interface PackageManifest {
  /** Undefined when the file names no package. */
  name: string | undefined;
  /** Empty when the file gives no version. */
  version: string;
  licenses: string[];
  /** Names in `dependencies`, `optionalDependencies` and `peerDependencies`. */
  dependencies: string[];
  /** Names in `devDependencies`. */
  devDependencies: string[];
}

/**
 * Reads a `package.json`. Returns undefined when the text is not a JSON
 * object. Keys become data only: nothing is assigned by a key the file
 * chose, so `__proto__` and friends are names like any other.
 */
export function parsePackageManifest(
  text: string,
): PackageManifest | undefined {
  const json = parseJsonObject(text);
  if (json === undefined) return undefined;
  return {
    name: nonEmptyString(json.name),
    version: nonEmptyString(json.version) ?? '',
    licenses: npmLicenses(json),
    dependencies: [
      ...keysOf(json.dependencies),
      ...keysOf(json.optionalDependencies),
      ...keysOf(json.peerDependencies),
    ],
    devDependencies: keysOf(json.devDependencies),
  };
}

/**
 * Licences as npm records them: `license` as an SPDX string, the legacy
 * `{type}` object or an array of either, and the older `licenses` array.
 * Values of other shapes (numbers, `null`, objects without `type`) are
 * ignored.
 */
export function npmLicenses(json: Readonly<Record<string, unknown>>): string[] {
  const found = [
    ...licenseValues(json.license),
    ...licenseValues(json.licenses),
  ];
  return [...new Set(found)];
}

function licenseValues(value: unknown): string[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const names: string[] = [];
  for (const item of items) {
    const name = isJsonObject(item) ? item.type : item;
    const text = nonEmptyString(name);
    if (text !== undefined) names.push(text);
  }
  return names;
}

function keysOf(value: unknown): string[] {
  return isJsonObject(value) ? Object.keys(value) : [];
}
