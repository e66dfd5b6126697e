/**
 * rpm's SQLite database (`rpmdb.sqlite`, Fedora 33+, RHEL 9, CBL-Mariner):
 * a `Packages` table of `hnum` keys and header `blob`s, read with sql.js,
 * SQLite compiled to WebAssembly, from bytes in memory.
 *
 * The build used is `sql-wasm-inline.js`: one JavaScript file with the
 * WebAssembly embedded, so esbuild bundles it like any other module and
 * nothing has to find a `.wasm` file beside the bundle at run time. (The
 * asm.js build needs no WebAssembly either, but it is deprecated, slower,
 * and prints a warning to the console when it loads.)
 */
import type { SqlJsStatic } from 'sql.js';
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';
import type { RpmBlob, RpmdbRead } from './rpm-db-types';

const SQLITE_MAGIC = new TextEncoder().encode('SQLite format 3\0');

// Limitation: sql.js only starts asynchronously and catalogers finish
// synchronously, so the engine is loaded once, when this module is
// imported (about 30 ms and a few MiB of memory), whether or not the
// image has an rpm database.
const engine = await loadEngine();

async function loadEngine(): Promise<SqlJsStatic | Error> {
  try {
    return await initSqlJs();
  } catch (error: unknown) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** True when the bytes start like an SQLite database. */
export function isSqlite(bytes: Uint8Array): boolean {
  return SQLITE_MAGIC.every((byte, i) => bytes[i] === byte);
}

/** The header blobs of an SQLite `rpmdb.sqlite`. */
export function readSqlitePackages(bytes: Uint8Array): RpmdbRead {
  if (engine instanceof Error) {
    const unreadable = `the SQLite engine did not load: ${engine.message}`;
    return { blobs: [], problems: [], unreadable };
  }
  try {
    return packageRows(engine, bytes);
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    return { blobs: [], problems: [], unreadable: `SQLite: ${detail}` };
  }
}

/** Largest header blob read from a row (rpm's own limit is 16 MiB). */
const MAX_BLOB_BYTES = 32 * 1024 * 1024;

/**
 * The rows' blobs. Each blob's length is known before it is read, so an
 * oversized one is skipped unread, and once the blobs add up to more than
 * the file itself holds (rows sharing pages of a damaged database) the
 * rest are not read either.
 */
function packageRows(sqlite: SqlJsStatic, bytes: Uint8Array): RpmdbRead {
  const db = new sqlite.Database(bytes);
  try {
    const statement = db.prepare(
      'SELECT hnum, CASE WHEN length(blob) <= ? THEN blob END FROM Packages',
    );
    statement.bind([MAX_BLOB_BYTES]);
    const blobs: RpmBlob[] = [];
    const problems: string[] = [];
    let budget = bytes.length;
    while (statement.step()) {
      const [key, blob] = statement.get();
      if (typeof key !== 'number' || !(blob instanceof Uint8Array)) {
        const row = typeof key === 'number' ? key : '?';
        problems.push(`row ${row} holds no header blob of at most 32 MiB`);
        continue;
      }
      budget -= blob.length;
      if (budget < 0) {
        problems.push('its rows claim more bytes than the database holds');
        break;
      }
      blobs.push({ key, bytes: blob });
    }
    return { blobs, problems };
  } finally {
    // Closing the database frees its statements too.
    db.close();
  }
}
