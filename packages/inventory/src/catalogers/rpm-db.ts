import { isBerkeleyHash, readBerkeleyPackages } from './rpm-bdb';
import type { RpmdbFormat, RpmdbRead } from './rpm-db-types';
import { isNdb, readNdbPackages } from './rpm-ndb';
import { isSqlite, readSqlitePackages } from './rpm-sqlite';

export type { RpmBlob, RpmdbFormat, RpmdbRead } from './rpm-db-types';

/** The format of an rpm database, told by its content, not its name. */
export function rpmdbFormat(bytes: Uint8Array): RpmdbFormat | undefined {
  if (isSqlite(bytes)) return 'sqlite';
  if (isNdb(bytes)) return 'ndb';
  if (isBerkeleyHash(bytes)) return 'bdb';
  return undefined;
}

/** The header blobs of an rpm database in any of the three formats. */
export function readRpmdb(bytes: Uint8Array): RpmdbRead & {
  format: RpmdbFormat | undefined;
} {
  const format = rpmdbFormat(bytes);
  switch (format) {
    case 'sqlite':
      return { format, ...readSqlitePackages(bytes) };
    case 'ndb':
      return { format, ...readNdbPackages(bytes) };
    case 'bdb':
      return { format, ...readBerkeleyPackages(bytes) };
    case undefined: {
      const unreadable = 'not an rpm database in a known format';
      return { format, blobs: [], problems: [], unreadable };
    }
  }
}
