import type { Cataloger } from '../types';

/** Catalogers of OS package databases: dpkg and apk. */
export function osPackageCatalogers(): Cataloger[] {
  return [];
}
