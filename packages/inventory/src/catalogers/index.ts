import type { Cataloger } from '../types';
import { languageCatalogers } from './language';
import { osPackageCatalogers } from './os-packages';
import { rpmAndBinaryCatalogers } from './rpm-and-binaries';

/** A fresh set of every cataloger, for one image. */
export function allCatalogers(): Cataloger[] {
  return [
    ...osPackageCatalogers(),
    ...rpmAndBinaryCatalogers(),
    ...languageCatalogers(),
  ];
}
