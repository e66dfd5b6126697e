import { purlFor } from '../purl';
import type { Package } from '../types';
import { readGoBuildInfo, type GoBuildInfo } from './go-binary-buildinfo';
import {
  BinaryCataloger,
  type BinaryFile,
  type BinaryInspection,
} from './binary-cataloger';
import {
  mainModuleVersion,
  parseModInfo,
  splitFlags,
  versionFromLdflags,
  type GoModInfo,
  type GoModule,
} from './go-binary-modinfo';

const CATALOGER = 'go-binary';

/**
 * Go modules compiled into binaries, from the build information the Go
 * linker embeds (ELF, Mach-O and PE; both the pointer format before Go
 * 1.18 and the inline one since): the main module, every dependency (as
 * replaced, when a `replace` directive applied) and the Go toolchain as
 * the `stdlib` package.
 */
export class GoBinaryCataloger extends BinaryCataloger {
  readonly name = CATALOGER;

  protected inspect(file: BinaryFile): BinaryInspection {
    const info = readGoBuildInfo(file.content);
    if (info === undefined) return { packages: [], problems: [] };
    if ('problem' in info) return { packages: [], problems: [info.problem] };
    return goPackages(info, file);
  }
}

interface GoEntry {
  name: string;
  version: string;
}

/** The packages one Go binary's build information names. */
export function goPackages(
  info: GoBuildInfo,
  file: Pick<BinaryFile, 'path' | 'layerIndex'>,
): BinaryInspection {
  const modInfo = parseModInfo(info.modInfo);
  const entries = [
    ...mainEntry(modInfo),
    ...stdlibEntry(info.goVersion),
    ...modInfo.deps.map(depEntry),
  ];
  const architecture = modInfo.settings.get('GOARCH');
  const packages = new Map<string, Package>();
  const problems: string[] = [];
  for (const entry of entries) {
    const key = `${entry.name}@${entry.version}`;
    if (packages.has(key)) continue;
    const pkg = goPackage(entry, file, architecture);
    if (pkg === undefined) problems.push(`module '${key}' has no valid purl`);
    else packages.set(key, pkg);
  }
  return { packages: [...packages.values()], problems };
}

// Limitation: when neither the build info nor -ldflags give the main
// module a version, trivy also reads a `version` symbol from the ELF
// symbol table; imagegate does not, and reports the version as ''.
function mainEntry(modInfo: GoModInfo): GoEntry[] {
  const main = modInfo.main;
  if (main === undefined || main.path === '') return [];
  const ldflags = modInfo.settings.get('-ldflags') ?? '';
  const fromFlags = versionFromLdflags(main.path, splitFlags(ldflags));
  return [
    { name: main.path, version: mainModuleVersion(main.version, fromFlags) },
  ];
}

// Limitation: a development toolchain (`devel go1.23-abc123`) names no
// release, so no stdlib package is reported for its binaries.
function stdlibEntry(goVersion: string): GoEntry[] {
  const release = goVersion.split(' ')[0] ?? '';
  const match = /^go(\d+(?:\.\d+){1,2}(?:(?:rc|beta)\d+)?)$/.exec(release);
  return match?.[1] === undefined
    ? []
    : [{ name: 'stdlib', version: `v${match[1]}` }];
}

/**
 * A dependency as built: its replacement when that names a module
 * version, the original path with no version when it was replaced by a
 * local directory (whose code has no version).
 */
function depEntry(dep: GoModule): GoEntry {
  const replace = dep.replace;
  if (replace === undefined) return { name: dep.path, version: dep.version };
  if (replace.version !== '' && replace.path !== '') {
    return { name: replace.path, version: replace.version };
  }
  return { name: dep.path, version: '' };
}

function goPackage(
  entry: GoEntry,
  file: Pick<BinaryFile, 'path' | 'layerIndex'>,
  architecture: string | undefined,
): Package | undefined {
  const purl = golangPurl(entry);
  if (purl === undefined) return undefined;
  const pkg: Package = {
    name: entry.name,
    version: entry.version,
    type: 'golang',
    purl,
    licenses: [],
    locations: [file.path],
    layerIndex: file.layerIndex,
    cataloger: CATALOGER,
  };
  if (architecture !== undefined && architecture !== '') {
    pkg.architecture = architecture;
  }
  return pkg;
}

/** `pkg:golang/<module path>@<version>`, the last path element as name. */
function golangPurl(entry: GoEntry): string | undefined {
  if (entry.name === '') return undefined;
  const at = entry.name.lastIndexOf('/');
  return purlFor({
    type: 'golang',
    namespace: at < 0 ? undefined : entry.name.slice(0, at),
    name: entry.name.slice(at + 1),
    version: entry.version === '' ? undefined : entry.version,
  });
}
