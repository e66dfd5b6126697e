import type { CatalogFile, CatalogResult, Package } from '../types';
import {
  isJsonObject,
  nonEmptyString,
  ownField,
  parseJsonObject,
} from './json-safe';
import { MetadataCataloger, registryPurl } from './metadata-cataloger';

const MiB = 1024 * 1024;

/** Library types of a `deps.json` that are NuGet packages. */
const PACKAGE_TYPES = new Set(['package', 'runtimepack']);

/** What a `.nuspec` says about licences, keyed by lower-cased id/version. */
interface NuspecLicense {
  key: string;
  licenses: string[];
}

/**
 * .NET packages from the `*.deps.json` files beside published assemblies:
 * each `libraries` entry of type `package` (a NuGet package) or
 * `runtimepack` (the runtime a self-contained app carries), keyed
 * `Name/Version`. Projects and references are the application's own code
 * and are left out. Licences come from a `.nuspec` of the same id and
 * version when the image holds one (a NuGet package cache); `deps.json`
 * records none.
 *
 * Limitation: compile-time-only packages (analyzers, reference
 * assemblies) listed in `libraries` are reported like runtime ones; the
 * `targets` section that tells them apart is not read.
 * Limitation: `packages.lock.json`, project files and single-file
 * bundles are not read, so an app published without a `deps.json` shows
 * no packages.
 */
export class DotnetCataloger extends MetadataCataloger {
  readonly name = 'dotnet';
  readonly paths = ['/**/*.deps.json', '/**/*.nuspec'];
  readonly maxBytes = 16 * MiB;

  private readonly nuspecs = new Map<string, string[]>();

  add(file: CatalogFile): void {
    if (file.content === undefined) {
      this.unread(file, 'not read');
      return;
    }
    const text = new TextDecoder().decode(file.content);
    if (file.path.toLowerCase().endsWith('.nuspec')) {
      const found = parseNuspecLicense(text);
      if (found !== undefined) this.nuspecs.set(found.key, found.licenses);
      return;
    }
    this.addDeps(file, text);
  }

  override finish(): CatalogResult {
    for (const pkg of this.packages) {
      const key = `${pkg.name}/${pkg.version}`.toLowerCase();
      pkg.licenses = this.nuspecs.get(key) ?? [];
    }
    return super.finish();
  }

  private addDeps(file: CatalogFile, text: string): void {
    const json = parseJsonObject(text);
    const libraries =
      json === undefined ? undefined : ownField(json, 'libraries');
    if (!isJsonObject(libraries)) {
      this.lost(file.path, 'unreadable', 'not a deps.json with libraries');
      return;
    }
    for (const [key, library] of Object.entries(libraries)) {
      if (!isJsonObject(library)) continue;
      if (!PACKAGE_TYPES.has(nonEmptyString(library.type) ?? '')) continue;
      const slash = key.lastIndexOf('/');
      if (slash <= 0) {
        this.skipped(file.path, `library '${key}' is not Name/Version`);
        continue;
      }
      this.packages.push(
        this.nugetPackage(file, key.slice(0, slash), key.slice(slash + 1)),
      );
    }
  }

  private nugetPackage(
    file: CatalogFile,
    name: string,
    version: string,
  ): Package {
    return this.packageIn(file, {
      name,
      version,
      type: 'nuget',
      purl: nugetPurl(name, version),
      licenses: [],
    });
  }
}

/** `pkg:nuget/<Name>@<Version>`; NuGet ids keep their case in purls. */
export function nugetPurl(name: string, version: string): string {
  return registryPurl({ type: 'nuget', name, version });
}

/**
 * The licence a `.nuspec` declares: `<license type="expression">` (an
 * SPDX expression), else `<licenseUrl>`. A scan with `indexOf` and short
 * anchored patterns, linear in the text; no XML parser.
 */
export function parseNuspecLicense(xml: string): NuspecLicense | undefined {
  const id = elementText(xml, 'id');
  const version = elementText(xml, 'version');
  if (id === undefined || version === undefined) return undefined;
  const expression =
    /<license\s+type\s*=\s*["']expression["'][^>]{0,200}>([^<]{1,500})<\/license>/
      .exec(xml)?.[1]
      ?.trim();
  const url = elementText(xml, 'licenseUrl');
  const license = expression ?? url;
  return {
    key: `${id}/${version}`.toLowerCase(),
    licenses: license === undefined ? [] : [license],
  };
}

function elementText(xml: string, tag: string): string | undefined {
  const open = `<${tag}>`;
  const start = xml.indexOf(open);
  if (start === -1) return undefined;
  const end = xml.indexOf(`</${tag}>`, start + open.length);
  if (end === -1) return undefined;
  const text = xml.slice(start + open.length, end).trim();
  return text === '' ? undefined : text;
}
