import { purlFor } from '../purl';
import type {
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  Package,
} from '../types';
import {
  isJsonObject,
  nonEmptyString,
  ownField,
  parseJsonObject,
} from './npm-json';

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
export class DotnetCataloger implements Cataloger {
  readonly name = 'dotnet';
  readonly paths = ['/**/*.deps.json', '/**/*.nuspec'];
  readonly maxBytes = 16 * MiB;

  private readonly packages: Package[] = [];
  private readonly nuspecs = new Map<string, string[]>();
  private readonly diagnostics: Diagnostic[] = [];
  private complete = true;

  add(file: CatalogFile): void {
    if (file.content === undefined) {
      const kind = file.skipped === 'too-large' ? 'too-large' : 'unreadable';
      this.lost(file.path, kind, `not read (${file.skipped ?? 'no content'})`);
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

  finish(): CatalogResult {
    for (const pkg of this.packages) {
      const key = `${pkg.name}/${pkg.version}`.toLowerCase();
      pkg.licenses = this.nuspecs.get(key) ?? [];
    }
    return {
      packages: this.packages,
      diagnostics: this.diagnostics,
      complete: this.complete,
    };
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
    return {
      name,
      version,
      type: 'nuget',
      purl: nugetPurl(name, version),
      licenses: [],
      locations: [file.path],
      layerIndex: file.layerIndex,
      cataloger: this.name,
    };
  }

  private lost(path: string, kind: Diagnostic['kind'], message: string): void {
    this.complete = false;
    this.diagnostics.push({ cataloger: this.name, path, kind, message });
  }

  private skipped(path: string, message: string): void {
    this.diagnostics.push({
      cataloger: this.name,
      path,
      kind: 'skipped-record',
      message,
    });
  }
}

/** `pkg:nuget/<Name>@<Version>`; NuGet ids keep their case in purls. */
export function nugetPurl(name: string, version: string): string {
  return (
    purlFor({
      type: 'nuget',
      name,
      version: version === '' ? undefined : version,
    }) ?? ''
  );
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
