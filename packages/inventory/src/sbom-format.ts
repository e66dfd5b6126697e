import { IMAGEGATE_VERSION } from '@imagegate/findings';
import { formatCycloneDx } from './cyclonedx';
import { InventoryError } from './errors';
import type { Inventory, InventoryPackage } from './inventory';
import { timestampOf, TOOL_NAME, type SbomOptions } from './sbom-common';
import { formatSpdx, type SpdxOptions } from './spdx';

/** The SBOM formats `imagegate sbom --format` writes. */
export const SBOM_FORMATS = ['cyclonedx-json', 'spdx-json', 'json'] as const;

/** One of `SBOM_FORMATS`. */
export type SbomFormat = (typeof SBOM_FORMATS)[number];

/** The version of imagegate's own inventory JSON. */
export const INVENTORY_JSON_SCHEMA = 'imagegate.inventory/v1';

/** Reads a format name; throws `InventoryError('bad-sbom-format')`. */
export function parseSbomFormat(text: string): SbomFormat {
  const format = SBOM_FORMATS.find((name) => name === text);
  if (format === undefined) {
    throw new InventoryError(
      'bad-sbom-format',
      `SBOM format '${text.slice(0, 64)}' is not one of ` +
        SBOM_FORMATS.join(', '),
    );
  }
  return format;
}

/** The inventory in one format, as text ending in a newline. */
export function formatSbom(
  inventory: Inventory,
  format: SbomFormat,
  options: SpdxOptions = {},
): string {
  switch (format) {
    case 'cyclonedx-json':
      return formatCycloneDx(inventory, options);
    case 'spdx-json':
      return formatSpdx(inventory, options);
    case 'json':
      return formatInventoryJson(inventory, options);
  }
}

/**
 * imagegate's own inventory JSON: everything the inventory holds, with
 * absent values as `null` and keys in a fixed order, so two runs on one
 * image differ only in `timestamp`.
 */
export function formatInventoryJson(
  inventory: Inventory,
  options: SbomOptions = {},
): string {
  const document = {
    schema: INVENTORY_JSON_SCHEMA,
    tool: { name: TOOL_NAME, version: IMAGEGATE_VERSION },
    timestamp: timestampOf(options),
    image: nulled({ ...inventory.image }),
    os: inventory.os === undefined ? null : nulled({ ...inventory.os }),
    osStatus: inventory.osStatus,
    complete: inventory.complete,
    incompleteReasons: inventory.incompleteReasons,
    layers: inventory.layers.map((layer) => nulled({ ...layer })),
    packages: inventory.packages.map(packageJson),
    diagnostics: inventory.diagnostics.map((d) => ({
      cataloger: d.cataloger,
      path: d.path ?? null,
      kind: d.kind,
      message: d.message,
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function packageJson(pkg: InventoryPackage): Record<string, unknown> {
  return {
    name: pkg.name,
    version: pkg.version,
    type: pkg.type,
    purl: pkg.purl,
    licenses: pkg.licenses,
    source:
      pkg.source === undefined
        ? null
        : { name: pkg.source.name, version: pkg.source.version ?? null },
    architecture: pkg.architecture ?? null,
    locations: pkg.locations,
    cataloger: pkg.cataloger,
    layerIndex: pkg.layerIndex ?? null,
    layerDigest: pkg.layerDigest ?? null,
    layerDiffId: pkg.layerDiffId ?? null,
    createdBy: pkg.createdBy ?? null,
  };
}

/** The record with `undefined` values written as `null`. */
function nulled(record: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key, value ?? null]),
  );
}
