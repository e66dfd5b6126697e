import { readFile, stat } from 'node:fs/promises';
import { OciError } from '../errors';
import type { Credential } from '../source';
import { credentialHost, displayKey } from './host';

/** One registry's entry of a docker or podman auth file. */
export interface AuthEntry {
  /** The key as the file writes it, for messages. */
  key: string;
  credential: Credential;
}

/**
 * The parts of a docker `config.json` or podman `auth.json` that name
 * credentials, keyed by canonical registry host (see `credentialHost`).
 */
export interface AuthFile {
  path: string;
  /** The first entry, in file order, that holds a credential. */
  entries: Map<string, AuthEntry>;
  /** `credHelpers`: the helper name for each host. */
  helpers: Map<string, string>;
  /** `credsStore`: the helper for every other host. */
  credsStore: string | undefined;
  /** Keys that name no single host, and were therefore skipped. */
  skipped: string[];
}

const FILE_MAX_BYTES = 4 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads an auth file; undefined when it does not exist. A file that is
 * unreadable, too large or malformed is an `OciError('credentials')`
 * naming the file, never a silent fall back to anonymous access. No
 * message quotes a value from the file.
 */
export async function readAuthFile(
  path: string,
): Promise<AuthFile | undefined> {
  const text = await readSmallFile(path);
  return text === undefined ? undefined : parseAuthFile(text, path);
}

/** Parses the text of an auth file; see `readAuthFile`. */
export function parseAuthFile(text: string, path: string): AuthFile {
  const document = parseJson(text, path);
  const file: AuthFile = {
    path,
    entries: new Map(),
    helpers: new Map(),
    credsStore: optionalString(document, 'credsStore', path),
    skipped: [],
  };
  if (file.credsStore === '') file.credsStore = undefined;
  readAuths(file, objectField(document, 'auths', path));
  readHelpers(file, objectField(document, 'credHelpers', path));
  return file;
}

async function readSmallFile(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) fileError(path, 'is not a regular file');
    if (info.size > FILE_MAX_BYTES) fileError(path, 'is larger than 4 MiB');
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof OciError) throw error;
    if (isMissing(error)) return undefined;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return fileError(path, `cannot be read (${code})`);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function parseJson(text: string, path: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which may hold a secret.
    return fileError(path, 'is not valid JSON');
  }
  if (!isObject(document)) fileError(path, 'is not a JSON object');
  return document;
}

function readAuths(file: AuthFile, auths: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(auths)) {
    const where = `auths['${displayKey(key)}']`;
    if (!isObject(value)) fileError(file.path, `${where} is not an object`);
    const host = credentialHost(key);
    const credential = entryCredential(value, where, file.path);
    if (host === undefined) file.skipped.push(key);
    if (host === undefined || credential === undefined) continue;
    if (!file.entries.has(host)) file.entries.set(host, { key, credential });
  }
}

function readHelpers(file: AuthFile, helpers: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(helpers)) {
    if (typeof value !== 'string') {
      const where = `credHelpers['${displayKey(key)}']`;
      fileError(file.path, `${where} is not a string`);
    }
    const host = credentialHost(key);
    if (host === undefined) file.skipped.push(key);
    else if (!file.helpers.has(host)) file.helpers.set(host, value);
  }
}

/** Docker reads these keys case-insensitively; so do we. */
function entryCredential(
  entry: Record<string, unknown>,
  where: string,
  path: string,
): Credential | undefined {
  const fields = lowercaseStringFields(entry, where, path);
  const credential: Credential = {};
  const basic = fields.auth
    ? decodeAuth(fields.auth, where, path)
    : { username: fields.username, password: fields.password };
  if (basic.username) credential.username = basic.username;
  if (basic.password) credential.password = basic.password;
  if (fields.identitytoken) credential.identityToken = fields.identitytoken;
  if (fields.registrytoken) credential.registryToken = fields.registrytoken;
  return hasSecret(credential) ? credential : undefined;
}

function hasSecret(credential: Credential): boolean {
  return Boolean(
    credential.password ?? credential.identityToken ?? credential.registryToken,
  );
}

const CREDENTIAL_FIELDS = [
  'auth',
  'username',
  'password',
  'identitytoken',
  'registrytoken',
] as const;

type CredentialFields = Partial<
  Record<(typeof CREDENTIAL_FIELDS)[number], string>
>;

function lowercaseStringFields(
  entry: Record<string, unknown>,
  where: string,
  path: string,
): CredentialFields {
  const fields: CredentialFields = {};
  for (const [name, value] of Object.entries(entry)) {
    const field = CREDENTIAL_FIELDS.find(
      (known) => known === name.toLowerCase(),
    );
    if (field === undefined || field in fields) continue;
    if (typeof value !== 'string') {
      fileError(path, `${where}.${field} is not a string`);
    }
    fields[field] = value;
  }
  return fields;
}

function decodeAuth(
  auth: string,
  where: string,
  path: string,
): { username: string; password: string } {
  const compact = auth.replace(/\s+/g, '');
  const decoded = BASE64.test(compact)
    ? Buffer.from(compact, 'base64').toString('utf8')
    : '';
  const colon = decoded.indexOf(':');
  if (colon === -1) {
    fileError(path, `${where}.auth is not the base64 of 'user:password'`);
  }
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

function objectField(
  document: Record<string, unknown>,
  name: string,
  path: string,
): Record<string, unknown> {
  const value = document[name];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) fileError(path, `'${name}' is not an object`);
  return value;
}

function optionalString(
  document: Record<string, unknown>,
  name: string,
  path: string,
): string | undefined {
  const value = document[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fileError(path, `'${name}' is not a string`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fileError(path: string, what: string): never {
  throw new OciError('credentials', `auth file ${path}: ${what}`);
}
