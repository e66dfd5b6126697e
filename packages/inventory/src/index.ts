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
