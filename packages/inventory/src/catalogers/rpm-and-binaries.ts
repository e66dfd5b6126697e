import type { Cataloger } from '../types';
import { GoBinaryCataloger } from './go-binary';
import { RpmCataloger } from './rpm';
import { RustAuditCataloger } from './rust-audit';

/** The rpm database and compiled binaries (Go build info, cargo-auditable). */
export function rpmAndBinaryCatalogers(): Cataloger[] {
  return [
    new RpmCataloger(),
    new GoBinaryCataloger(),
    new RustAuditCataloger(),
  ];
}
