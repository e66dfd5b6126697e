import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenServer, type TokenServer } from './token-server';

const REGISTRY_BINARY = '/usr/bin/docker-registry';
const TOOLS = [REGISTRY_BINARY, '/usr/bin/openssl', '/usr/bin/htpasswd'];

/** A certificate authority made for one test run, with its files. */
export interface TestCa {
  dir: string;
  /** PEM file of the CA certificate. */
  caFile: string;
  /** The CA certificate itself, PEM. */
  caCert: string;
  /** A folder holding only `ca.crt`, as skopeo's `--cert-dir` wants. */
  certDir: string;
  /** A loopback server certificate (127.0.0.1, ::1 and localhost). */
  server: { certFile: string; keyFile: string; cert: string; key: string };
}

/** How to start a test registry. */
export interface StartRegistryOptions {
  /** `htpasswd` (Basic), `token` (Bearer via the test issuer) or `none`. */
  auth?: 'htpasswd' | 'token' | 'none';
  /** Repositories anonymous callers may pull (token auth only). */
  isPublic?: (repository: string) => boolean;
  /** A CA to reuse instead of making one. */
  ca?: TestCa;
}

/** A running distribution registry on loopback with TLS. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry's host as references name it. */
  host: string;
  url: string;
  ca: TestCa;
  username: string;
  password: string;
  /** An OAuth2 refresh token for the user (token auth only). */
  refreshToken?: string;
  tokenServer?: TokenServer;
  storageDir: string;
  /** Stops the registry and the issuer and removes every file. */
  stop(): Promise<void>;
}

/**
 * Whether the registry tests can run here: the registry, openssl and
 * htpasswd, and any other tool named (`/usr/bin/skopeo`). Without them the
 * tests skip, saying why; under `CI=true` their absence is a failure.
 */
export function registryAvailable(...otherTools: string[]): boolean {
  const missing = [...TOOLS, ...otherTools].filter((tool) => !existsSync(tool));
  if (missing.length === 0) return true;
  const message = `registry tests need ${missing.join(', ')} (Debian packages docker-registry, openssl, apache2-utils, skopeo)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`skipping: ${message}`);
  return false;
}

/**
 * Starts Debian's `docker-registry` (the CNCF distribution registry) on a
 * free loopback port with a fresh CA and server certificate, bcrypt
 * htpasswd or token auth, and storage in a temporary folder.
 */
export async function startRegistry(
  options: StartRegistryOptions = {},
): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'imagegate-registry-'));
  try {
    return await startIn(dir, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface User {
  username: string;
  password: string;
  refreshToken: string;
}

async function startIn(
  dir: string,
  options: StartRegistryOptions,
): Promise<TestRegistry> {
  const ca = options.ca ?? (await createTestCa(join(dir, 'ca')));
  const user: User = {
    username: 'imagegate',
    password: randomBytes(12).toString('hex'),
    refreshToken: randomBytes(16).toString('hex'),
  };
  const auth = options.auth ?? 'htpasswd';
  const tokenServer =
    auth === 'token' ? await startIssuer(dir, ca, user, options) : undefined;
  try {
    return await launchWith(dir, ca, user, auth, tokenServer);
  } catch (error) {
    await tokenServer?.close();
    throw error;
  }
}

async function launchWith(
  dir: string,
  ca: TestCa,
  user: User,
  auth: 'htpasswd' | 'token' | 'none',
  tokenServer: TokenServer | undefined,
): Promise<TestRegistry> {
  const authConfig = tokenServer
    ? tokenAuth(tokenServer, ca)
    : auth === 'htpasswd'
      ? await htpasswdAuth(dir, user.username, user.password)
      : undefined;
  const storageDir = join(dir, 'storage');
  const { child, host } = await launch(dir, ca, storageDir, authConfig);
  return {
    host,
    url: `https://${host}`,
    ca,
    username: user.username,
    password: user.password,
    ...(tokenServer ? { refreshToken: user.refreshToken, tokenServer } : {}),
    storageDir,
    stop: async () => {
      await stopChild(child);
      await tokenServer?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const SERVICE = 'imagegate-test-registry';
const ISSUER = 'imagegate-test-issuer';

async function startIssuer(
  dir: string,
  ca: TestCa,
  user: User,
  options: StartRegistryOptions,
): Promise<TokenServer> {
  const signing = await issueCertificate(ca, join(dir, 'signing'), 'signing');
  return startTokenServer({
    service: SERVICE,
    issuer: ISSUER,
    signingKey: signing.key,
    signingCert: signing.cert,
    tls: { key: ca.server.key, cert: ca.server.cert },
    users: { [user.username]: user.password },
    refreshTokens: { [user.refreshToken]: user.username },
    ...(options.isPublic ? { isPublic: options.isPublic } : {}),
  });
}

function tokenAuth(tokenServer: TokenServer, ca: TestCa): unknown {
  return {
    token: {
      realm: tokenServer.realm,
      service: SERVICE,
      issuer: ISSUER,
      rootcertbundle: ca.caFile,
    },
  };
}

async function htpasswdAuth(
  dir: string,
  username: string,
  password: string,
): Promise<unknown> {
  const path = join(dir, 'htpasswd');
  const line = await run('/usr/bin/htpasswd', ['-niB', username], password);
  await writeFile(path, line);
  return { htpasswd: { realm: 'imagegate-test', path } };
}

async function launch(
  dir: string,
  ca: TestCa,
  storageDir: string,
  auth: unknown,
): Promise<{ child: ChildProcess; host: string }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const host = `127.0.0.1:${await freePort()}`;
    const config = join(dir, 'config.yml');
    await writeFile(config, registryConfig(host, ca, storageDir, auth));
    const child = spawnRegistry(dir, config);
    try {
      await waitUntilReady(child, host, ca);
      return { child, host };
    } catch (error) {
      lastError = error;
      await stopChild(child);
    }
  }
  throw lastError;
}

function registryConfig(
  host: string,
  ca: TestCa,
  storageDir: string,
  auth: unknown,
): string {
  const config = {
    version: '0.1',
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: storageDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: host,
      secret: randomBytes(16).toString('hex'),
      tls: { certificate: ca.server.certFile, key: ca.server.keyFile },
    },
    ...(auth === undefined ? {} : { auth }),
  };
  return JSON.stringify(config, null, 2);
}

function spawnRegistry(dir: string, config: string): ChildProcess {
  return spawn(REGISTRY_BINARY, ['serve', config], {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', HOME: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function waitUntilReady(
  child: ChildProcess,
  host: string,
  ca: TestCa,
): Promise<void> {
  const stderr: Buffer[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `docker-registry exited early: ${Buffer.concat(stderr).toString()}`,
      );
    }
    if (await answers(host, ca)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer on ${host} within 15 s`);
}

function answers(host: string, ca: TestCa): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      `https://${host}/v2/`,
      { ca: ca.caCert, timeout: 1000 },
      (res) => {
        res.resume();
        resolve(true);
      },
    );
    req.on('error', () => {
      resolve(false);
    });
    req.on('timeout', () => {
      req.destroy();
    });
    req.end();
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** A free loopback TCP port (free when asked; callers retry on a race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Makes a CA and a loopback server certificate with the openssl CLI, all
 * EC P-256 and valid for two days, in `dir`.
 */
export async function createTestCa(dir: string): Promise<TestCa> {
  const certDir = join(dir, 'cert-dir');
  await mkdir(certDir, { recursive: true });
  const caFile = join(certDir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  await run('/usr/bin/openssl', ecKeyArgs(caKey));
  await run('/usr/bin/openssl', [
    ...['req', '-x509', '-new', '-key', caKey, '-days', '2'],
    ...['-subj', '/CN=imagegate test CA', '-out', caFile],
    ...['-addext', 'basicConstraints=critical,CA:TRUE'],
    ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  const partial = { dir, caFile, certDir, caKey };
  const server = await issueCertificate(partial, join(dir, 'server'), 'server');
  const caCert = await readFile(caFile, 'utf8');
  return { dir, caFile, caCert, certDir, server };
}

async function issueCertificate(
  ca: { caFile: string; dir: string },
  base: string,
  kind: 'server' | 'signing',
): Promise<TestCa['server']> {
  const keyFile = `${base}.key`;
  const certFile = `${base}.crt`;
  await run('/usr/bin/openssl', ecKeyArgs(keyFile));
  await run('/usr/bin/openssl', [
    ...['req', '-new', '-key', keyFile, '-subj', `/CN=imagegate ${kind}`],
    ...['-out', `${base}.csr`],
  ]);
  await writeFile(`${base}.ext`, extensions(kind));
  await run('/usr/bin/openssl', [
    ...['x509', '-req', '-in', `${base}.csr`, '-days', '2'],
    ...['-CA', ca.caFile, '-CAkey', join(ca.dir, 'ca.key')],
    ...['-set_serial', `0x${randomBytes(12).toString('hex')}`],
    ...['-extfile', `${base}.ext`, '-out', certFile],
  ]);
  const [cert, key] = await Promise.all([
    readFile(certFile, 'utf8'),
    readFile(keyFile, 'utf8'),
  ]);
  return { certFile, keyFile, cert, key };
}

function ecKeyArgs(out: string): string[] {
  return [
    ...['genpkey', '-algorithm', 'EC'],
    ...['-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out],
  ];
}

function extensions(kind: 'server' | 'signing'): string {
  const common = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n';
  if (kind === 'signing') return common;
  return (
    common +
    'extendedKeyUsage=serverAuth\n' +
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n'
  );
}

/** Runs a tool, feeding `input` on stdin; rejects with its stderr. */
function run(command: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else
        reject(
          new Error(`${command} failed: ${Buffer.concat(err).toString()}`),
        );
    });
    child.stdin.end(input);
  });
}
