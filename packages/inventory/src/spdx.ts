import { IMAGEGATE_VERSION } from '@imagegate/findings';
import { splitDigest } from '@imagegate/oci';
import type { Inventory, InventoryPackage } from './inventory';
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

/** How to write an SPDX document. */
export interface SpdxOptions extends SbomOptions {
  /**
   * The start of `documentNamespace`, to which the image name and a UUID
   * derived from the content are appended.
   */
  namespaceBase?: string;
}

/** An SPDX 2.3 package, with the fields imagegate writes. */
export interface SpdxPackage {
  name: string;
  SPDXID: string;
  versionInfo?: string;
  supplier: 'NOASSERTION';
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  checksums?: { algorithm: string; checksumValue: string }[];
  sourceInfo?: string;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: string;
  copyrightText: 'NOASSERTION';
  externalRefs?: {
    referenceCategory: 'PACKAGE-MANAGER';
    referenceType: 'purl';
    referenceLocator: string;
  }[];
  primaryPackagePurpose: 'CONTAINER' | 'LIBRARY' | 'OPERATING_SYSTEM';
  comment?: string;
}

/** A licence that is not on the SPDX list, defined by the document. */
export interface SpdxExtractedLicense {
  licenseId: string;
  extractedText: string;
  name: string;
  comment: string;
}

/** An SPDX relationship between two elements. */
export interface SpdxRelationship {
  spdxElementId: string;
  relatedSpdxElement: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS';
}

/** An SPDX 2.3 document, as imagegate writes it. */
export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  comment: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  hasExtractedLicensingInfos?: SpdxExtractedLicense[];
  relationships: SpdxRelationship[];
}

/**
 * A default namespace start, as the SPDX tools use for documents.
 *
 * Limitation: imagegate has no web site of its own to put namespaces
 * under; pass `namespaceBase` to use your organisation's.
 */
const DEFAULT_NAMESPACE_BASE = 'https://spdx.org/spdxdocs/imagegate';
const DOCUMENT_ID = 'SPDXRef-DOCUMENT';
const IMAGE_ID = 'SPDXRef-DocumentRoot-Image';
const OS_ID = 'SPDXRef-OperatingSystem';
const NOASSERTION = 'NOASSERTION';

/** SPDX's names of the digest algorithms OCI uses. */
const CHECKSUM_NAMES: Readonly<Record<string, string>> = {
  sha256: 'SHA256',
  sha512: 'SHA512',
};

/**
 * The inventory as an SPDX 2.3 document: the document DESCRIBES the image
 * (a `CONTAINER` package with its manifest digest as version and
 * checksum and a `pkg:oci` purl), which CONTAINS the OS and every
 * package. Declared licences are SPDX ids and expressions as found; free
 * text becomes a `LicenseRef-` defined in `hasExtractedLicensingInfos`,
 * and several licences of one package are joined with `AND`. Nothing is
 * concluded (`NOASSERTION`). The layer that added a package, the
 * instruction that made it and the record files are in its `sourceInfo`
 * and `comment`; the OS status, completeness and diagnostics in the
 * document's `comment`.
 *
 * Output is deterministic: the namespace's UUID is derived from the
 * content without the timestamp, so two runs on one image differ only in
 * `creationInfo.created`.
 *
 * Limitation: packages carry no files (`filesAnalyzed: false`), and the
 * source package of an OS package is named only in its comment, not as a
 * package of its own with a GENERATED_FROM relationship.
 */
export function toSpdx(
  inventory: Inventory,
  options: SpdxOptions = {},
): SpdxDocument {
  const refs = new LicenseRefs(inventory.packages);
  const packages = [
    imagePackage(inventory),
    ...(inventory.os === undefined ? [] : [osPackage(inventory.os)]),
    ...packageEntries(inventory.packages, refs),
  ];
  const relationships = relationshipsOf(packages);
  const extracted = refs.definitions();
  const comment = documentComment(inventory);
  const content = { packages, relationships, extracted, comment };
  const base = options.namespaceBase ?? DEFAULT_NAMESPACE_BASE;
  const slug = idSafe(imageDisplayName(inventory.image)) || 'image';
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name: inventory.image.reference,
    documentNamespace: `${base}/${slug}-${contentUuid(content)}`,
    comment,
    creationInfo: {
      created: timestampOf(options),
      creators: [`Tool: ${TOOL_NAME}-${IMAGEGATE_VERSION}`],
    },
    packages,
    ...(extracted.length === 0
      ? {}
      : { hasExtractedLicensingInfos: extracted }),
    relationships,
  };
}

/** The document as JSON text, two-space indented, with a final newline. */
export function formatSpdx(
  inventory: Inventory,
  options: SpdxOptions = {},
): string {
  return jsonText(toSpdx(inventory, options));
}

function imagePackage(inventory: Inventory): SpdxPackage {
  const { image } = inventory;
  const { algorithm, hex } = splitDigest(image.digest);
  const checksum = CHECKSUM_NAMES[algorithm];
  return {
    name: imageDisplayName(image),
    SPDXID: IMAGE_ID,
    versionInfo: image.digest,
    ...unasserted(),
    ...(checksum === undefined
      ? {}
      : { checksums: [{ algorithm: checksum, checksumValue: hex }] }),
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    externalRefs: [purlRef(imagePurl(image))],
    primaryPackagePurpose: 'CONTAINER',
    comment: lines([
      `reference: ${image.reference}`,
      `platform: ${image.platform}`,
      `config: ${image.configDigest}`,
      image.indexDigest && `index: ${image.indexDigest}`,
      ...inventory.layers.map(
        (layer) =>
          `layer ${layer.index}: ${layer.digest}` +
          (layer.createdBy === undefined ? '' : ` (${layer.createdBy})`),
      ),
    ]),
  };
}

function osPackage(os: OsInfo): SpdxPackage {
  return {
    name: os.id,
    SPDXID: OS_ID,
    ...(os.versionId === undefined ? {} : { versionInfo: os.versionId }),
    ...unasserted(),
    sourceInfo: `read from ${os.source}`,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: 'OPERATING_SYSTEM',
    comment: os.prettyName ?? osLabel(os),
  };
}

function packageEntries(
  packages: readonly InventoryPackage[],
  refs: LicenseRefs,
): SpdxPackage[] {
  const used = new Set<string>([DOCUMENT_ID, IMAGE_ID, OS_ID]);
  return packages.map((pkg) => {
    const base = `SPDXRef-Package-${pkg.type}-${idSafe(pkg.name)}-${packageKey(pkg)}`;
    return packageEntry(pkg, uniqueName(base, used, '-'), refs);
  });
}

function packageEntry(
  pkg: InventoryPackage,
  id: string,
  refs: LicenseRefs,
): SpdxPackage {
  return {
    name: pkg.name,
    SPDXID: id,
    ...(pkg.version === '' ? {} : { versionInfo: pkg.version }),
    ...unasserted(),
    sourceInfo:
      `found by imagegate's ${pkg.cataloger} cataloger in ` +
      (pkg.locations.join(', ') || 'the image'),
    licenseConcluded: NOASSERTION,
    licenseDeclared: refs.declared(pkg.licenses),
    copyrightText: NOASSERTION,
    ...(pkg.purl === '' ? {} : { externalRefs: [purlRef(pkg.purl)] }),
    primaryPackagePurpose: 'LIBRARY',
    comment: lines([
      pkg.layerIndex !== undefined &&
        `layer ${pkg.layerIndex}: ${pkg.layerDigest ?? 'unknown digest'}` +
          (pkg.layerDiffId === undefined
            ? ''
            : ` (diff_id ${pkg.layerDiffId})`),
      pkg.createdBy !== undefined && `created by: ${pkg.createdBy}`,
      pkg.source !== undefined &&
        `source package: ${[pkg.source.name, pkg.source.version].filter(Boolean).join(' ')}`,
      pkg.architecture !== undefined && `architecture: ${pkg.architecture}`,
    ]),
  };
}

function unasserted(): Pick<
  SpdxPackage,
  'supplier' | 'downloadLocation' | 'filesAnalyzed'
> {
  return {
    supplier: NOASSERTION,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
  };
}

function purlRef(purl: string): NonNullable<SpdxPackage['externalRefs']>[0] {
  return {
    referenceCategory: 'PACKAGE-MANAGER',
    referenceType: 'purl',
    referenceLocator: purl,
  };
}

function relationshipsOf(packages: readonly SpdxPackage[]): SpdxRelationship[] {
  const describes: SpdxRelationship = {
    spdxElementId: DOCUMENT_ID,
    relatedSpdxElement: IMAGE_ID,
    relationshipType: 'DESCRIBES',
  };
  const contains = packages
    .filter((pkg) => pkg.SPDXID !== IMAGE_ID)
    .map((pkg): SpdxRelationship => ({
      spdxElementId: IMAGE_ID,
      relatedSpdxElement: pkg.SPDXID,
      relationshipType: 'CONTAINS',
    }));
  return [describes, ...contains];
}

function documentComment(inventory: Inventory): string {
  const { os, osStatus } = inventory;
  const osLine =
    os === undefined
      ? 'operating system: unknown'
      : `operating system: ${osLabel(os)} (${osStatus})`;
  const completeness = inventory.complete
    ? 'inventory: complete'
    : `inventory: INCOMPLETE: ${inventory.incompleteReasons.join('; ')}`;
  return lines([
    osLine,
    completeness,
    ...inventory.diagnostics.map((d) => `diagnostic: ${diagnosticText(d)}`),
  ]);
}

/**
 * The `LicenseRef-` ids of one document: every free-text licence gets
 * one, named after its text (`GPL-2+` is `LicenseRef-GPL-2-plus`),
 * numbered where two texts would share a name. Ids are given in text order, so they do not depend on which
 * package was seen first.
 *
 * Limitation: `extractedText` holds the licence's name as the package
 * metadata gives it, not the licence's full text, which imagegate does
 * not read.
 */
class LicenseRefs {
  private readonly ids = new Map<string, string>();

  constructor(packages: readonly InventoryPackage[]) {
    const texts = new Set<string>();
    for (const pkg of packages) {
      for (const license of classifyLicenses(pkg.licenses)) {
        if (license.kind === 'text') texts.add(license.text);
      }
    }
    const taken = new Set<string>();
    for (const text of [...texts].sort()) {
      const name = idSafe(text.replaceAll('+', '-plus-')) || 'unnamed';
      this.ids.set(text, uniqueName(`LicenseRef-${name}`, taken, '-'));
    }
  }

  /** A package's `licenseDeclared`: one expression, or NOASSERTION. */
  declared(values: readonly string[]): string {
    const parts = classifyLicenses(values).map((license) =>
      this.expressionOf(license),
    );
    if (parts.length === 0) return NOASSERTION;
    return allOf(parts);
  }

  /** The definitions to put in `hasExtractedLicensingInfos`. */
  definitions(): SpdxExtractedLicense[] {
    return [...this.ids.entries()]
      .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([text, licenseId]) => ({
        licenseId,
        extractedText: text,
        name: text,
        comment:
          'The licence as the package metadata names it; it is not an ' +
          'identifier of the SPDX License List.',
      }));
  }

  private expressionOf(license: LicenseValue): string {
    if (license.kind !== 'text') return licenseText(license);
    return this.ids.get(license.text) ?? NOASSERTION;
  }
}

/** Letters, digits, `.` and `-`, as SPDX ids allow; at most 64. */
function idSafe(text: string): string {
  return text
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

function lines(parts: readonly (string | false | undefined)[]): string {
  return parts.filter((part): part is string => Boolean(part)).join('\n');
}
