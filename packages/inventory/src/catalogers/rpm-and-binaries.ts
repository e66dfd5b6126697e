import type { Cataloger } from '../types';

/** The rpm database and compiled binaries (Go build info, cargo-auditable). */
export function rpmAndBinaryCatalogers(): Cataloger[] {
  return [];
}
