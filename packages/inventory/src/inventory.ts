import { silentLogger, type Logger } from '@imagegate/findings';
import {
  describeImage,
  formatPlatform,
  LocatedImageSource,
  parseImageLocation,
  walkImage,
  type Digest,
  type ImageLocation,
  type ImageSource,
  type ResolvedImage,
  type WalkedFile,
  type WalkLimits,
  type WalkResult,
  type WalkSubscriber,
} from '@imagegate/oci';
import { allCatalogers } from './catalogers/index';
import { OsDetector, type OsDetection } from './os-release';
import type {
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  OsInfo,
  Package,
} from './types';

/** How to take an image's inventory. */
export interface InventoryOptions {
  /** The catalogers to run; a fresh `allCatalogers()` by default. */
  catalogers?: readonly Cataloger[];
  /** Finds the OS; a fresh `OsDetector` by default. */
  osDetector?: OsSubscriber;
  logger?: Logger;
  /** Caps of the layer walk to change from the defaults. */
  limits?: Partial<WalkLimits>;
  /** The image as the user named it; the source's name by default. */
  reference?: string;
  signal?: AbortSignal;
}

/** The image an inventory describes. */
export interface InventoryImage {
  /** The image as the user named it (`alpine:3.20`, `oci:dir:tag`). */
  reference: string;
  /** `registry/repository` when the image came from a registry. */
  repository: string | undefined;
  /** The tag named, when one was. */
  tag: string | undefined;
  /** The digest of the platform's manifest. */
  digest: Digest;
  /** The index the manifest was chosen from, if any. */
  indexDigest: Digest | undefined;
  mediaType: string;
  configDigest: Digest;
  /** `os/architecture[/variant]`. */
  platform: string;
  /** The config's `architecture`, as purls name it (`arch=`). */
  architecture: string;
  /** The config's `created`, when it has one. */
  created: string | undefined;
}

/** One layer, joined to the history entry that made it. */
export interface InventoryLayer {
  index: number;
  /** The layer blob's digest, as the manifest lists it. */
  digest: Digest;
  /** The uncompressed digest from the config, when it lists one. */
  diffId: Digest | undefined;
  /**
   * The instruction that made the layer, with environment values masked;
   * undefined when the history does not say.
   */
  createdBy: string | undefined;
}

/** A package with the layer that added it. */
export interface InventoryPackage extends Package {
  /** Digest of the layer at `layerIndex`. */
  layerDigest: Digest | undefined;
  /** Uncompressed digest of that layer. */
  layerDiffId: Digest | undefined;
  /** The instruction that made that layer. */
  createdBy: string | undefined;
}

/**
 * What is known of the OS: a distribution imagegate matches advisories
 * for, one it cannot (`unsupported`), or none found (`unknown`). Never
 * left out, so "no OS packages" is never mistaken for "no OS".
 */
export type OsStatus = 'supported' | 'unsupported' | 'unknown';

/** Everything installed in one image, from one walk of its layers. */
export interface Inventory {
  image: InventoryImage;
  os: OsInfo | undefined;
  osStatus: OsStatus;
  /** Sorted by type, name, version, purl, locations and cataloger. */
  packages: InventoryPackage[];
  diagnostics: Diagnostic[];
  /**
   * False when the walk stopped early or a cataloger lost records: the
   * inventory must then never be reported as clean.
   */
  complete: boolean;
  /** Why the inventory is incomplete, one line each; empty when complete. */
  incompleteReasons: string[];
  layers: InventoryLayer[];
}

/** Finds the OS from the files of a walk, as `OsDetector` does. */
export interface OsSubscriber {
  readonly name: string;
  readonly paths: readonly string[];
  readonly maxBytes: number;
  add(file: CatalogFile): void;
  finish(): OsDetection;
}

/**
 * Takes the inventory of one resolved image in a single walk of its
 * layers: the OS detector and every cataloger subscribe to the walk and
 * receive their files from the final view, so a package whose record a
 * later layer deleted is not listed. Each package is attributed to the
 * layer its record came from and to the history entry that made that
 * layer. The promise rejects only when `signal` aborts; every other
 * problem makes the inventory incomplete and says why.
 *
 * Limitation: when the history's non-empty entries do not match the
 * layers one for one, `createdBy` is undefined for every layer.
 *
 * Limitation: a package is attributed to the layer that last wrote its
 * record file (for dpkg, `/var/lib/dpkg/status`), which is the layer
 * that last installed or removed any package, not necessarily the one
 * that first added this package.
 */
export async function inventoryImage(
  source: ImageSource,
  resolved: ResolvedImage,
  options: InventoryOptions = {},
): Promise<Inventory> {
  const logger = options.logger ?? silentLogger;
  const reference = options.reference ?? source.name;
  const catalogers = options.catalogers ?? allCatalogers();
  const detector = options.osDetector ?? new OsDetector();
  const taps = catalogers.map((cataloger) => new CatalogerTap(cataloger));
  const walk = await walkImage(source, resolved, {
    subscribers: [osSubscriber(detector), ...taps],
    logger,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const image = describe(source, resolved, options.reference);
  const layers = joinLayers(resolved, reference);
  const os = finishOs(detector, walk);
  const results = taps.map((tap) => tap.finish(os.info));
  const inventory = assemble(image, layers, os, walk, results);
  logSummary(inventory, logger);
  return inventory;
}

/** Hands a cataloger its files and notes those it got without content. */
class CatalogerTap implements WalkSubscriber {
  readonly name: string;
  readonly paths: readonly string[];
  readonly maxBytes: number;
  private readonly unread: CatalogFile[] = [];

  constructor(private readonly cataloger: Cataloger) {
    this.name = cataloger.name;
    this.paths = cataloger.paths;
    this.maxBytes = cataloger.maxBytes;
  }

  onFile(file: WalkedFile): void {
    const wanted = catalogFile(file);
    if (file.skipped === 'too-large' || file.skipped === 'unavailable') {
      this.unread.push(wanted);
    }
    this.cataloger.add(wanted);
  }

  /** The cataloger's result; a cataloger that throws is incomplete. */
  finish(os: OsInfo | undefined): NamedResult {
    const name = this.cataloger.name;
    let result: CatalogResult;
    try {
      result = this.cataloger.finish({ os });
    } catch (error: unknown) {
      const detail = error instanceof Error ? error.message : String(error);
      const message = `cataloger '${name}' failed: ${detail}`;
      const diagnostic: Diagnostic = {
        cataloger: name,
        kind: 'unreadable',
        message,
      };
      return { name, packages: [], diagnostics: [diagnostic], failed: message };
    }
    return { name, ...result, diagnostics: this.withUnread(result) };
  }

  /** Adds a diagnostic for each unread file the cataloger did not name. */
  private withUnread(result: CatalogResult): Diagnostic[] {
    const named = new Set(result.diagnostics.map((d) => d.path));
    const added = this.unread
      .filter((file) => !named.has(file.path))
      .map((file): Diagnostic => ({
        cataloger: this.cataloger.name,
        path: file.path,
        kind: file.skipped === 'too-large' ? 'too-large' : 'unreadable',
        message:
          `${file.path} was not read (${file.skipped ?? 'unavailable'}); ` +
          'packages it records may be missing',
      }));
    return [...result.diagnostics, ...added];
  }
}

interface NamedResult {
  name: string;
  packages: Package[];
  diagnostics: Diagnostic[];
  /** False when records were lost. */
  complete?: boolean;
  /** Set when the cataloger threw. */
  failed?: string;
}

function catalogFile(file: WalkedFile): CatalogFile {
  const out: CatalogFile = {
    path: file.path,
    content: file.content,
    layerIndex: file.info?.layer,
  };
  if (file.skipped !== undefined) out.skipped = file.skipped;
  return out;
}

function osSubscriber(detector: OsSubscriber): WalkSubscriber {
  return {
    name: detector.name,
    paths: detector.paths,
    maxBytes: detector.maxBytes,
    onFile: (file) => {
      detector.add(catalogFile(file));
    },
  };
}

interface OsOutcome {
  info: OsInfo | undefined;
  status: OsStatus;
  diagnostics: Diagnostic[];
}

function finishOs(detector: OsSubscriber, walk: WalkResult): OsOutcome {
  let detection: OsDetection;
  try {
    detection = detector.finish();
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    detection = {
      os: undefined,
      diagnostics: [
        {
          cataloger: detector.name,
          kind: 'unreadable',
          message: `the OS could not be read: ${detail}`,
        },
      ],
    };
  }
  const { os, diagnostics } = detection;
  if (os === undefined && !walk.complete) {
    diagnostics.push({
      cataloger: detector.name,
      kind: 'unreadable',
      message: 'the walk stopped early, so a release file may have been missed',
    });
  }
  const status: OsStatus =
    os === undefined ? 'unknown' : os.supported ? 'supported' : 'unsupported';
  return { info: os, status, diagnostics };
}

function assemble(
  image: InventoryImage,
  layers: InventoryLayer[],
  os: OsOutcome,
  walk: WalkResult,
  results: NamedResult[],
): Inventory {
  const reasons = walk.problems.map((problem) => problem.message);
  for (const result of results) {
    if (result.failed !== undefined) reasons.push(result.failed);
    else if (result.complete === false) {
      reasons.push(
        `cataloger '${result.name}' lost records; see its diagnostics`,
      );
    }
  }
  const packages = results
    .flatMap((result) => result.packages)
    .map((pkg) => withLayer(pkg, layers))
    .sort(comparePackages);
  const diagnostics = [
    ...os.diagnostics,
    ...results.flatMap((result) => result.diagnostics),
  ];
  return {
    image,
    os: os.info,
    osStatus: os.status,
    packages,
    diagnostics,
    complete: reasons.length === 0,
    incompleteReasons: reasons,
    layers,
  };
}

function withLayer(pkg: Package, layers: InventoryLayer[]): InventoryPackage {
  const layer =
    pkg.layerIndex === undefined ? undefined : layers[pkg.layerIndex];
  return {
    ...pkg,
    layerDigest: layer?.digest,
    layerDiffId: layer?.diffId,
    createdBy: layer?.createdBy,
  };
}

/** A total order on packages, independent of locale and input order. */
export function comparePackages(a: Package, b: Package): number {
  return (
    compareText(a.type, b.type) ||
    compareText(a.name, b.name) ||
    compareText(a.version, b.version) ||
    compareText(a.purl, b.purl) ||
    compareText(a.locations.join('\n'), b.locations.join('\n')) ||
    compareText(a.cataloger, b.cataloger) ||
    (a.layerIndex ?? -1) - (b.layerIndex ?? -1)
  );
}

/** Compares by UTF-16 code units, as `Array.prototype.sort` does. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(
  source: ImageSource,
  resolved: ResolvedImage,
  reference: string | undefined,
): InventoryImage {
  const { config } = resolved;
  const platform = resolved.platform ?? {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant === undefined ? {} : { variant: config.variant }),
  };
  const named = registryName(source, reference);
  return {
    reference: reference ?? source.name,
    repository: named?.name,
    tag: named?.tag,
    digest: resolved.digest,
    indexDigest: resolved.index?.digest,
    mediaType: resolved.manifest.mediaType,
    configDigest: resolved.configDigest,
    platform: formatPlatform(platform),
    architecture: platform.architecture,
    created: config.created,
  };
}

/**
 * The registry repository and tag of the image: from the reference the
 * caller gave, else from where the source reads.
 */
function registryName(
  source: ImageSource,
  reference: string | undefined,
): { name: string; tag: string | undefined } | undefined {
  const location = locationOf(source, reference);
  if (location?.kind !== 'registry') return undefined;
  return { name: location.reference.name, tag: location.reference.tag };
}

function locationOf(
  source: ImageSource,
  reference: string | undefined,
): ImageLocation | undefined {
  if (reference === undefined) {
    return source instanceof LocatedImageSource ? source.location : undefined;
  }
  try {
    return parseImageLocation(reference);
  } catch {
    return undefined;
  }
}

/**
 * The layers with the history entries that made them, entries marked
 * `empty_layer` skipped, and environment values masked (see
 * `describeImage`).
 */
function joinLayers(
  resolved: ResolvedImage,
  reference: string,
): InventoryLayer[] {
  const described = describeImage(resolved, reference);
  const diffIds = resolved.config.rootfs.diff_ids;
  const counted = diffIds.length === described.layers.length;
  return described.layers.map((layer, index) => ({
    index,
    digest: layer.digest,
    diffId: counted ? diffIds[index] : undefined,
    createdBy: layer.createdBy ?? undefined,
  }));
}

function logSummary(inventory: Inventory, logger: Logger): void {
  const { image, os, osStatus, packages } = inventory;
  const osText =
    os === undefined
      ? 'OS unknown'
      : `${[os.id, os.versionId].filter(Boolean).join(' ')} (${osStatus})`;
  logger.info(
    `${image.reference}: ${packages.length} packages, ${osText}` +
      (inventory.complete ? '' : ', incomplete'),
  );
  for (const reason of inventory.incompleteReasons) {
    logger.warning(`${image.reference}: inventory incomplete: ${reason}`);
  }
}
