import type { Cataloger } from '../types';
import { ApkCataloger } from './apk';
import { DpkgCataloger } from './dpkg';

/** Catalogers of OS package databases: dpkg and apk, fresh for one image. */
export function osPackageCatalogers(): Cataloger[] {
  return [new DpkgCataloger(), new ApkCataloger()];
}
