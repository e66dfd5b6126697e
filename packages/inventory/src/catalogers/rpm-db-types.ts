/** The rpm database formats imagegate reads. */
export type RpmdbFormat = 'sqlite' | 'bdb' | 'ndb';

/** One stored header blob and the number the database keeps it under. */
export interface RpmBlob {
  key: number;
  bytes: Uint8Array;
}

/** What reading one rpm database gave. */
export interface RpmdbRead {
  blobs: RpmBlob[];
  /** Records that could not be read; each makes the result incomplete. */
  problems: string[];
  /** Set when the database as a whole could not be read. */
  unreadable?: string;
}
