// The single-file build of sql.js with its WebAssembly inlined; @types/sql.js
// describes only the package's main entry, which has the same interface.
declare module 'sql.js/dist/sql-wasm-inline.js' {
  import type { InitSqlJsStatic } from 'sql.js';

  const initSqlJs: InitSqlJsStatic;
  export default initSqlJs;
}
