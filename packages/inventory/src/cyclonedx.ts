import { IMAGEGATE_VERSION } from '@imagegate/findings';
import { splitDigest } from '@imagegate/oci';
import type { Inventory, InventoryImage, InventoryPackage } from './inventory';
import {
  contentUuid,
  diagnosticText,
  imageDisplayName,
  imagePurl,
  osLabel,
  packageKey,
  jsonText,
  timestampOf,
  TOOL_NAME,
  uniqueName,
  type SbomOptions,
} from './sbom-common';
import {
  allOf,
  classifyLicenses,
  licenseText,
  type LicenseValue,
} from './sbom-licenses';
import type { OsInfo } from './types';

/** A CycloneDX name-value property. */
export interface CycloneDxProperty {
  name: string;
  value: string;
}

/** One entry of a CycloneDX `licenses` array. */
export type CycloneDxLicense =
  | {
      license: { id: string; acknowledgement: 'declared' };
    }
  | {
      license: { name: string; acknowledgement: 'declared' };
    }
  | { expression: string; acknowledgement: 'declared' };

/** The parts of a CycloneDX component imagegate writes. */
export interface CycloneDxComponent {
  'bom-ref': string;
  type: 'application' | 'container' | 'library' | 'operating-system';
  name: string;
  version?: string;
  description?: string;
  hashes?: { alg: string; content: string }[];
  licenses?: CycloneDxLicense[];
  purl?: string;
  properties?: CycloneDxProperty[];
}

/** A CycloneDX 1.6 BOM, as imagegate writes it. */
export interface CycloneDxBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    lifecycles: { phase: 'post-build' }[];
    tools: { components: CycloneDxComponent[] };
    component: CycloneDxComponent;
  };
  components: CycloneDxComponent[];
  compositions?: { aggregate: 'incomplete'; assemblies: string[] }[];
}

const SCHEMA = 'http://cyclonedx.org/schema/bom-1.6.schema.json';

/** CycloneDX's names of the digest algorithms OCI uses. */
const HASH_NAMES: Readonly<Record<string, string>> = {
  sha256: 'SHA-256',
  sha512: 'SHA-512',
};

/**
 * The inventory as a CycloneDX 1.6 BOM: the image is
 * `metadata.component` (type `container`, its manifest digest as version
 * and hash, a `pkg:oci` purl); each package is a `library` component
 * with a `bom-ref`, its purl, its declared licences and `imagegate:`
 * properties naming its cataloger, record files and layer (digest,
 * diff_id and the instruction that made it); the OS is an
 * `operating-system` component. An incomplete inventory gets an
 * `incomplete` composition and says why in properties of the image.
 *
 * Output is deterministic: the same inventory and timestamp give the
 * same document, and the serial number is derived from the content
 * without the timestamp, so two runs on one image differ only in
 * `metadata.timestamp`.
 *
 * Limitation: because the serial number comes from the content, two
 * BOMs of the same image share it, where CycloneDX asks for a new one
 * each time; diffs of SBOMs need it stable.
 *
 * Limitation: the BOM has no `dependencies` graph and no CPEs; the
 * catalogers record neither. A layer's `createdBy` is repeated on each of
 * its components, so a long RUN line over many packages makes a big BOM.
 */
export function toCycloneDx(
  inventory: Inventory,
  options: SbomOptions = {},
): CycloneDxBom {
  const image = imageComponent(inventory);
  const components = packageComponents(inventory.packages);
  if (inventory.os !== undefined) {
    components.push(osComponent(inventory.os, inventory.osStatus));
  }
  const tool: CycloneDxComponent = {
    'bom-ref': `${TOOL_NAME}@${IMAGEGATE_VERSION}`,
    type: 'application',
    name: TOOL_NAME,
    version: IMAGEGATE_VERSION,
  };
  const compositions = inventory.complete
    ? undefined
    : [{ aggregate: 'incomplete' as const, assemblies: [image['bom-ref']] }];
  const content = { image, components, compositions, tool };
  return {
    $schema: SCHEMA,
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${contentUuid(content)}`,
    version: 1,
    metadata: {
      timestamp: timestampOf(options),
      lifecycles: [{ phase: 'post-build' }],
      tools: { components: [tool] },
      component: image,
    },
    components,
    ...(compositions === undefined ? {} : { compositions }),
  };
}

/** The BOM as JSON text, two-space indented, with a final newline. */
export function formatCycloneDx(
  inventory: Inventory,
  options: SbomOptions = {},
): string {
  return jsonText(toCycloneDx(inventory, options));
}

function imageComponent(inventory: Inventory): CycloneDxComponent {
  const { image } = inventory;
  const purl = imagePurl(image);
  const { algorithm, hex } = splitDigest(image.digest);
  const alg = HASH_NAMES[algorithm];
  return {
    'bom-ref': purl,
    type: 'container',
    name: imageDisplayName(image),
    version: image.digest,
    ...(alg === undefined ? {} : { hashes: [{ alg, content: hex }] }),
    purl,
    properties: [...imageProperties(image), ...inventoryProperties(inventory)],
  };
}

function imageProperties(image: InventoryImage): CycloneDxProperty[] {
  return properties([
    ['imagegate:image:reference', image.reference],
    ['imagegate:image:tag', image.tag],
    ['imagegate:image:platform', image.platform],
    ['imagegate:image:mediaType', image.mediaType],
    ['imagegate:image:configDigest', image.configDigest],
    ['imagegate:image:indexDigest', image.indexDigest],
    ['imagegate:image:created', image.created],
  ]);
}

function inventoryProperties(inventory: Inventory): CycloneDxProperty[] {
  const layers = inventory.layers.flatMap((layer) => [
    [`imagegate:layer:${layer.index}:digest`, layer.digest],
    [`imagegate:layer:${layer.index}:diffID`, layer.diffId],
    [`imagegate:layer:${layer.index}:createdBy`, layer.createdBy],
  ]) as [string, string | undefined][];
  return properties([
    ['imagegate:os:status', inventory.osStatus],
    ['imagegate:inventory:complete', String(inventory.complete)],
    ...inventory.incompleteReasons.map((reason): [string, string] => [
      'imagegate:inventory:incomplete',
      reason,
    ]),
    ...inventory.diagnostics.map((d): [string, string] => [
      'imagegate:inventory:diagnostic',
      diagnosticText(d),
    ]),
    ...layers,
  ]);
}

/**
 * Components of the packages, in inventory order. A package's `bom-ref`
 * is its purl, or, where two records share a purl (one library vendored
 * twice), its purl with a `package-id` qualifier that tells them apart.
 */
function packageComponents(
  packages: readonly InventoryPackage[],
): CycloneDxComponent[] {
  const counts = new Map<string, number>();
  for (const pkg of packages) {
    counts.set(pkg.purl, (counts.get(pkg.purl) ?? 0) + 1);
  }
  const used = new Set<string>();
  return packages.map((pkg) => {
    const unique = pkg.purl !== '' && counts.get(pkg.purl) === 1;
    // A counter keeps refs unique even between identical records.
    const ref = uniqueName(unique ? pkg.purl : keyedRef(pkg), used, '#');
    return packageComponent(pkg, ref);
  });
}

function keyedRef(pkg: InventoryPackage): string {
  const key = packageKey(pkg);
  if (pkg.purl === '') return `${TOOL_NAME}:package:${key}`;
  const joiner = pkg.purl.includes('?') ? '&' : '?';
  return `${pkg.purl}${joiner}package-id=${key}`;
}

function packageComponent(
  pkg: InventoryPackage,
  ref: string,
): CycloneDxComponent {
  const licenses = cycloneDxLicenses(classifyLicenses(pkg.licenses));
  return {
    'bom-ref': ref,
    type: 'library',
    name: pkg.name,
    ...(pkg.version === '' ? {} : { version: pkg.version }),
    ...(licenses.length === 0 ? {} : { licenses }),
    ...(pkg.purl === '' ? {} : { purl: pkg.purl }),
    properties: packageProperties(pkg),
  };
}

function packageProperties(pkg: InventoryPackage): CycloneDxProperty[] {
  return properties([
    ['imagegate:package:type', pkg.type],
    ['imagegate:package:cataloger', pkg.cataloger],
    ['imagegate:package:architecture', pkg.architecture],
    ['imagegate:package:sourceName', pkg.source?.name],
    ['imagegate:package:sourceVersion', pkg.source?.version],
    ...pkg.locations.map((path, i): [string, string] => [
      `imagegate:location:${i}:path`,
      path,
    ]),
    ['imagegate:layer:index', pkg.layerIndex?.toString()],
    ['imagegate:layer:digest', pkg.layerDigest],
    ['imagegate:layer:diffID', pkg.layerDiffId],
    ['imagegate:layer:createdBy', pkg.createdBy],
  ]);
}

function osComponent(os: OsInfo, status: string): CycloneDxComponent {
  const version = os.versionId ?? '';
  return {
    'bom-ref': `os:${os.id}${version === '' ? '' : `@${version}`}`,
    type: 'operating-system',
    name: os.id,
    ...(version === '' ? {} : { version }),
    description: os.prettyName ?? osLabel(os),
    properties: properties([
      ['imagegate:os:status', status],
      ['imagegate:os:source', os.source],
      ['imagegate:os:codename', os.codename],
      ...os.idLike.map((like, i): [string, string] => [
        `imagegate:os:idLike:${i}`,
        like,
      ]),
    ]),
  };
}

/**
 * Licences as CycloneDX takes them: SPDX ids as `license.id`, free text
 * as `license.name`, and expressions as the one `expression` CycloneDX
 * allows, where ids and expressions are joined with `AND`. Where free
 * text stands beside an expression, which CycloneDX cannot combine, the
 * expression is written as a `license.name` (as syft does).
 *
 * Limitation: `license.id` is checked against the SPDX list of the
 * `spdx-license-ids` package; an id newer than the copy of spdx.schema.json
 * a consumer validates with fails that validation.
 */
export function cycloneDxLicenses(
  licenses: readonly LicenseValue[],
): CycloneDxLicense[] {
  const hasText = licenses.some((l) => l.kind === 'text');
  const hasExpression = licenses.some((l) => l.kind === 'expression');
  if (hasExpression && !hasText) {
    const expression = allOf(licenses.map(licenseText));
    return [{ expression, acknowledgement: 'declared' }];
  }
  return licenses.map((license): CycloneDxLicense => {
    switch (license.kind) {
      case 'id':
        return { license: { id: license.id, acknowledgement: 'declared' } };
      case 'expression':
        return {
          license: { name: license.expression, acknowledgement: 'declared' },
        };
      case 'text':
        return { license: { name: license.text, acknowledgement: 'declared' } };
    }
  });
}

function properties(
  pairs: readonly (readonly [string, string | undefined])[],
): CycloneDxProperty[] {
  return pairs.flatMap(([name, value]) =>
    value === undefined || value === '' ? [] : [{ name, value }],
  );
}
