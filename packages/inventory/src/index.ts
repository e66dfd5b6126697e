export { InventoryError, type InventoryErrorCode } from './errors';
export type {
  CatalogContext,
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  OsInfo,
  Package,
  PackageType,
} from './types';
export { allCatalogers } from './catalogers/index';
export { detectOs, OsDetector, type OsDetection } from './os-release';
export { distroQualifier, purlFor, type PurlParts } from './purl';
export { osPackageCatalogers } from './catalogers/os-packages';
export {
  comparePackages,
  inventoryImage,
  type Inventory,
  type InventoryImage,
  type InventoryLayer,
  type InventoryOptions,
  type InventoryPackage,
  type OsStatus,
  type OsSubscriber,
} from './inventory';
export {
  cycloneDxLicenses,
  formatCycloneDx,
  toCycloneDx,
  type CycloneDxBom,
  type CycloneDxComponent,
  type CycloneDxLicense,
  type CycloneDxProperty,
} from './cyclonedx';
export {
  formatSpdx,
  toSpdx,
  type SpdxDocument,
  type SpdxExtractedLicense,
  type SpdxOptions,
  type SpdxPackage,
  type SpdxRelationship,
} from './spdx';
export {
  formatInventoryJson,
  formatSbom,
  INVENTORY_JSON_SCHEMA,
  parseSbomFormat,
  SBOM_FORMATS,
  type SbomFormat,
} from './sbom-format';
export { imagePurl, type SbomOptions } from './sbom-common';
export { classifyLicense, type LicenseValue } from './sbom-licenses';
export { rpmAndBinaryCatalogers } from './catalogers/rpm-and-binaries';
export { RpmCataloger, RPMDB_PATHS } from './catalogers/rpm';
export { GoBinaryCataloger } from './catalogers/go-binary';
export { RustAuditCataloger } from './catalogers/rust-audit';
export { BINARY_PATHS } from './catalogers/binary-cataloger';
export { languageCatalogers } from './catalogers/language';
export { NpmCataloger, type NpmCatalogerOptions } from './catalogers/npm';
export { PythonCataloger } from './catalogers/python';
export { JavaCataloger, type JavaCatalogerOptions } from './catalogers/java';
export type { JavaArchiveLimits } from './catalogers/java';
export { RubyCataloger } from './catalogers/ruby';
export { PhpCataloger } from './catalogers/php';
export { DotnetCataloger } from './catalogers/dotnet';
