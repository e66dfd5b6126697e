import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingLogger } from '@imagegate/test-support';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createCredentialProvider,
  dockerConfigPath,
  OciError,
  podmanAuthPaths,
  type CredentialOptions,
} from '../src/index';

/** Canary secrets: none may reach a message, a cause or a log line. */
const CANARY = {
  filePassword: 'Canary-File-Pw-7f3a',
  helperSecret: 'Canary-Helper-Secret-91c2',
  hubSecret: 'Canary-Hub-Secret-d40e',
  token: 'Canary-Identity-Token-5b6f',
  explicit: 'Canary-Explicit-Pw-2a8d',
  broken: 'Canary-Broken-Output-c3e1',
  junk: 'Canary-Junk-Output-8e90',
  badJson: 'Canary-Bad-Json-0d17',
  badAuth: 'Canary-Bad-Auth-6a4b',
};

const root = mkdtempSync(join(tmpdir(), 'imagegate-creds-'));
const binDir = join(root, 'bin');
const logDir = join(root, 'log');
let caseDir = '';

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  caseDir = mkdtempSync(join(root, 'case-'));
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir);
});

writeFakeHelper();

/**
 * `docker-credential-test`: answers by the server URL read from stdin,
 * and records its argv, stdin and environment for the assertions.
 */
function writeFakeHelper(): void {
  mkdirSync(binDir);
  const script = `#!/bin/sh
read -r url
printf '%s\\n' "$*" > "${logDir}/argv"
printf '%s' "$url" > "${logDir}/stdin"
env > "${logDir}/env"
echo run >> "${logDir}/runs"
case "$url" in
  https://index.docker.io/v1/)
    printf '{"ServerURL":"%s","Username":"hubuser","Secret":"${CANARY.hubSecret}"}' "$url" ;;
  helper.io)
    printf '{"ServerURL":"helper.io","Username":"alice","Secret":"${CANARY.helperSecret}"}' ;;
  token.io)
    printf '{"ServerURL":"token.io","Username":"<token>","Secret":"${CANARY.token}"}' ;;
  missing.io|registry.io|stored.io)
    echo "credentials not found in native keychain"; exit 1 ;;
  broken.io)
    echo "${CANARY.broken}"; echo "${CANARY.broken}" >&2; exit 3 ;;
  junk.io)
    echo "not json ${CANARY.junk}" ;;
  slow.io)
    exec sleep 10 ;;
  *)
    echo "unexpected $url" >&2; exit 9 ;;
esac
`;
  const path = join(binDir, 'docker-credential-test');
  writeFileSync(path, script);
  chmodSync(path, 0o755);
}

function writeJson(relative: string, document: unknown): string {
  const path = join(caseDir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(document));
  return path;
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

function basic(username: string, password: string): string {
  return base64(`${username}:${password}`);
}

function baseEnv(): Record<string, string> {
  return {
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    DOCKER_CONFIG: join(caseDir, 'docker'),
    XDG_CONFIG_HOME: join(caseDir, 'xdg-config'),
  };
}

function provider(
  options: CredentialOptions = {},
  logger = new RecordingLogger(),
): ReturnType<typeof createCredentialProvider> {
  return createCredentialProvider({
    env: baseEnv(),
    homeDir: join(caseDir, 'home'),
    logger,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<OciError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OciError) return error;
    throw error;
  }
  throw new Error('expected an OciError');
}

/** Everything about an error that could end up in a log. */
function sinkText(error: unknown): string {
  const parts: string[] = [];
  for (let at: unknown = error; at !== undefined;) {
    if (!(at instanceof Error)) {
      parts.push(typeof at === 'string' ? at : JSON.stringify(at));
      break;
    }
    parts.push(at.message, at.stack ?? '', JSON.stringify(at));
    at = at.cause;
  }
  return parts.join('\n');
}

function expectNoCanary(text: string): void {
  for (const canary of Object.values(CANARY)) {
    expect(text).not.toContain(canary);
  }
}

function dockerConfig(document: unknown): void {
  writeJson('docker/config.json', document);
}

describe('createCredentialProvider with docker config', () => {
  it('reads auth as base64 user:password', async () => {
    dockerConfig({
      auths: { 'registry.io': { auth: basic('bob', CANARY.filePassword) } },
    });

    const credential = await provider().credentialFor('registry.io');

    expect(credential).toEqual({
      username: 'bob',
      password: CANARY.filePassword,
    });
  });

  it('reads username, password, identitytoken and registrytoken', async () => {
    dockerConfig({
      auths: {
        'a.io': { username: 'u', password: 'p' },
        'b.io': { Username: 'u', IdentityToken: CANARY.token },
        'c.io': { registrytoken: 'rt' },
      },
    });
    const credentials = provider();

    expect(await credentials.credentialFor('a.io')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(await credentials.credentialFor('b.io')).toEqual({
      username: 'u',
      identityToken: CANARY.token,
    });
    expect(await credentials.credentialFor('c.io')).toEqual({
      registryToken: 'rt',
    });
  });

  it('answers undefined when there is no entry', async () => {
    dockerConfig({ auths: { 'registry.io': { auth: basic('u', 'p') } } });

    expect(await provider().credentialFor('other.io')).toBeUndefined();
  });

  it('answers undefined when no file exists', async () => {
    expect(await provider().credentialFor('registry.io')).toBeUndefined();
  });

  it.each([
    'registry.io.evil.net',
    'evil-registry.io',
    'io',
    'registry.io:5000',
    'sub.registry.io',
    'registry.i',
  ])('never serves registry.io credentials to %s', async (host) => {
    dockerConfig({ auths: { 'registry.io': { auth: basic('u', 'p') } } });

    expect(await provider().credentialFor(host)).toBeUndefined();
  });

  it.each(['registry.io', 'REGISTRY.io', 'https://registry.io/v2/'])(
    'serves registry.io credentials to %s',
    async (host) => {
      dockerConfig({
        auths: { 'https://registry.io/v1/': { auth: basic('u', 'p') } },
      });

      expect(await provider().credentialFor(host)).toEqual({
        username: 'u',
        password: 'p',
      });
    },
  );

  it.each(['docker.io', 'index.docker.io', 'registry-1.docker.io'])(
    'serves the one Docker Hub entry to %s',
    async (host) => {
      dockerConfig({
        auths: { 'https://index.docker.io/v1/': { auth: basic('hub', 'p') } },
      });

      expect(await provider().credentialFor(host)).toEqual({
        username: 'hub',
        password: 'p',
      });
    },
  );

  it('keeps docker.io.evil.net apart from Docker Hub', async () => {
    dockerConfig({
      auths: { 'https://index.docker.io/v1/': { auth: basic('hub', 'p') } },
    });

    expect(await provider().credentialFor('docker.io.evil.net')).toBe(
      undefined,
    );
  });

  it('keeps ports apart', async () => {
    dockerConfig({
      auths: {
        'http://host:5000/v2/': { auth: basic('five', 'p5') },
        'host:6000': { auth: basic('six', 'p6') },
      },
    });
    const credentials = provider();

    expect(await credentials.credentialFor('host:5000')).toEqual({
      username: 'five',
      password: 'p5',
    });
    expect(await credentials.credentialFor('host:6000')).toEqual({
      username: 'six',
      password: 'p6',
    });
    expect(await credentials.credentialFor('host')).toBeUndefined();
  });

  it('takes the first entry with a credential when keys alias', async () => {
    dockerConfig({
      auths: {
        'docker.io': {},
        'https://index.docker.io/v1/': { auth: basic('first', 'p1') },
        'index.docker.io': { auth: basic('second', 'p2') },
      },
    });

    expect(await provider().credentialFor('docker.io')).toEqual({
      username: 'first',
      password: 'p1',
    });
  });

  it('skips a namespace-scoped key, saying so at debug level', async () => {
    dockerConfig({ auths: { 'quay.io/team': { auth: basic('u', 'p') } } });
    const logger = new RecordingLogger();

    const credential = await provider({}, logger).credentialFor('quay.io');

    expect(credential).toBeUndefined();
    expect(logger.text()).toContain('quay.io/team');
  });

  it('reads ~/.docker/config.json without DOCKER_CONFIG', async () => {
    const home = join(caseDir, 'home');
    writeJson('home/.docker/config.json', {
      auths: { 'registry.io': { auth: basic('home', 'p') } },
    });
    const env = { ...baseEnv(), DOCKER_CONFIG: '' };

    const credential = await provider({ env, homeDir: home }).credentialFor(
      'registry.io',
    );

    expect(credential?.username).toBe('home');
    expect(dockerConfigPath(env, home)).toBe(
      join(home, '.docker', 'config.json'),
    );
  });

  it('ignores docker config when asked to', async () => {
    dockerConfig({ auths: { 'registry.io': { auth: basic('u', 'p') } } });

    const credentials = provider({ dockerConfig: false });

    expect(await credentials.credentialFor('registry.io')).toBeUndefined();
  });

  it('refuses a lookup for something that is not a host', async () => {
    const error = await rejection(provider().credentialFor('quay.io/team'));

    expect(error.code).toBe('credentials');
  });
});

describe('createCredentialProvider with broken files', () => {
  it.each([
    ['not JSON', `{"auths": {"r.io": {"auth": "${CANARY.badJson}"`],
    ['a JSON array', `["${CANARY.badJson}"]`],
    ['auths not an object', `{"auths": ["${CANARY.badJson}"]}`],
    ['an entry not an object', `{"auths": {"r.io": "${CANARY.badJson}"}}`],
    ['auth not base64', `{"auths": {"r.io": {"auth": "${CANARY.badAuth}!"}}}`],
    [
      'auth without a colon',
      `{"auths": {"r.io": {"auth": "${base64(CANARY.badAuth)}"}}}`,
    ],
    ['a password not a string', '{"auths": {"r.io": {"password": 7}}}'],
    ['credsStore not a string', '{"credsStore": 7}'],
    ['credHelpers not strings', '{"credHelpers": {"r.io": 7}}'],
  ])('fails on %s, naming the file and quoting no value', async (_, text) => {
    const path = join(caseDir, 'docker', 'config.json');
    mkdirSync(join(caseDir, 'docker'));
    writeFileSync(path, text);
    const logger = new RecordingLogger();

    const error = await rejection(provider({}, logger).credentialFor('r.io'));

    expect(error.code).toBe('credentials');
    expect(error.message).toContain(path);
    expectNoCanary(sinkText(error));
    expectNoCanary(logger.text());
  });

  it('fails on a config path that is a directory', async () => {
    mkdirSync(join(caseDir, 'docker', 'config.json'), { recursive: true });

    const error = await rejection(provider().credentialFor('r.io'));

    expect(error.code).toBe('credentials');
    expect(error.message).toMatch(/not a regular file/);
  });

  it('hides user information in a key it names', async () => {
    writeJson('docker/config.json', {
      auths: { [`https://u:${CANARY.badAuth}@r.io/v1/`]: { auth: 7 } },
    });

    const error = await rejection(provider().credentialFor('r.io'));

    expect(error.code).toBe('credentials');
    expectNoCanary(sinkText(error));
  });
});

describe('createCredentialProvider with podman auth.json', () => {
  it('reads REGISTRY_AUTH_FILE alone when it is set', async () => {
    const file = writeJson('custom/auth.json', {
      auths: { 'registry.io': { auth: basic('custom', 'p') } },
    });
    writeJson('xdg-config/containers/auth.json', {
      auths: { 'registry.io': { auth: basic('xdg', 'p') } },
    });
    const env = { ...baseEnv(), REGISTRY_AUTH_FILE: file };

    const credential = await provider({ env }).credentialFor('registry.io');

    expect(credential?.username).toBe('custom');
  });

  it('reads XDG_RUNTIME_DIR before the config home', async () => {
    writeJson('run/containers/auth.json', {
      auths: { 'a.io': { auth: basic('runtime', 'p') } },
    });
    writeJson('xdg-config/containers/auth.json', {
      auths: {
        'a.io': { auth: basic('config', 'p') },
        'b.io': { auth: basic('config-b', 'p') },
      },
    });
    const env = { ...baseEnv(), XDG_RUNTIME_DIR: join(caseDir, 'run') };
    const credentials = provider({ env });

    expect((await credentials.credentialFor('a.io'))?.username).toBe('runtime');
    expect((await credentials.credentialFor('b.io'))?.username).toBe(
      'config-b',
    );
  });

  it('lists its paths in order', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1' };

    expect(podmanAuthPaths(env, '/home/u')).toEqual([
      '/run/user/1/containers/auth.json',
      '/home/u/.config/containers/auth.json',
    ]);
  });

  it('comes after docker config', async () => {
    dockerConfig({ auths: { 'registry.io': { auth: basic('docker', 'p') } } });
    writeJson('xdg-config/containers/auth.json', {
      auths: { 'registry.io': { auth: basic('podman', 'p') } },
    });

    const credential = await provider().credentialFor('registry.io');

    expect(credential?.username).toBe('docker');
  });

  it('keeps a namespace-scoped entry from the registry', async () => {
    writeJson('xdg-config/containers/auth.json', {
      auths: { 'quay.io/team/app': { auth: basic('scoped', 'p') } },
    });

    expect(await provider().credentialFor('quay.io')).toBeUndefined();
  });

  it('ignores credsStore, which podman does not read', async () => {
    writeJson('xdg-config/containers/auth.json', {
      credsStore: 'test',
      auths: { 'stored.io': { auth: basic('file', 'p') } },
    });

    const credential = await provider().credentialFor('stored.io');

    expect(credential?.username).toBe('file');
    expect(() => readFileSync(join(logDir, 'runs'))).toThrow();
  });
});

describe('createCredentialProvider with explicit entries', () => {
  it('puts explicit entries first', async () => {
    dockerConfig({ auths: { 'ghcr.io': { auth: basic('file', 'p') } } });

    const credential = await provider({
      explicit: [
        { host: 'https://ghcr.io', username: 'act', password: CANARY.explicit },
      ],
    }).credentialFor('ghcr.io');

    expect(credential).toEqual({ username: 'act', password: CANARY.explicit });
  });

  it('matches explicit hosts exactly, Hub aliases together', async () => {
    const credentials = provider({
      explicit: [{ host: 'index.docker.io', username: 'u', password: 'p' }],
    });

    expect(await credentials.credentialFor('registry-1.docker.io')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(await credentials.credentialFor('docker.io.evil.net')).toBe(
      undefined,
    );
  });

  it.each([
    [{ host: 'quay.io/team', password: 'p' }, /names no registry host/],
    [{ host: 'ghcr.io', password: '' }, /empty password/],
  ])('refuses %j', (entry, message) => {
    expect(() => provider({ explicit: [entry] })).toThrow(message);
  });

  it('reports explicit secrets as soon as it is built', () => {
    const secrets: string[] = [];

    provider({
      explicit: [{ host: 'ghcr.io', username: 'u', password: 'p/w+1' }],
      onSecret: (value) => secrets.push(value),
    });

    expect(secrets).toEqual(
      expect.arrayContaining([
        'p/w+1',
        'p%2Fw%2B1',
        'u:p/w+1',
        basic('u', 'p/w+1'),
      ]),
    );
  });
});

describe('createCredentialProvider with credential helpers', () => {
  it('runs credHelpers[host]: host on stdin, get on argv', async () => {
    dockerConfig({ credHelpers: { 'helper.io': 'test' } });

    const credential = await provider().credentialFor('helper.io');

    expect(credential).toEqual({
      username: 'alice',
      password: CANARY.helperSecret,
    });
    expect(readFileSync(join(logDir, 'argv'), 'utf8')).toBe('get\n');
    expect(readFileSync(join(logDir, 'stdin'), 'utf8')).toBe('helper.io');
  });

  it('asks a helper about Docker Hub by its index URL', async () => {
    dockerConfig({ credsStore: 'test' });

    const credential = await provider().credentialFor('registry-1.docker.io');

    expect(credential?.password).toBe(CANARY.hubSecret);
    expect(readFileSync(join(logDir, 'stdin'), 'utf8')).toBe(
      'https://index.docker.io/v1/',
    );
  });

  it('reads <token> as an identity token', async () => {
    dockerConfig({ credsStore: 'test' });

    const credential = await provider().credentialFor('token.io');

    expect(credential).toEqual({ identityToken: CANARY.token });
  });

  it('prefers the helper to an auths entry, as docker does', async () => {
    dockerConfig({
      credsStore: 'test',
      auths: { 'helper.io': { auth: basic('file', 'p') } },
    });

    const credential = await provider().credentialFor('helper.io');

    expect(credential?.username).toBe('alice');
  });

  it('falls back to the auths entry when the helper has none', async () => {
    dockerConfig({
      credsStore: 'test',
      auths: { 'stored.io': { auth: basic('file', 'p') } },
    });

    const credential = await provider().credentialFor('stored.io');

    expect(credential?.username).toBe('file');
  });

  it('answers undefined when the helper has nothing', async () => {
    dockerConfig({ credHelpers: { 'missing.io': 'test' } });

    expect(await provider().credentialFor('missing.io')).toBeUndefined();
  });

  it('asks the helper once per host', async () => {
    dockerConfig({ credsStore: 'test' });
    const credentials = provider();

    await credentials.credentialFor('helper.io');
    await credentials.credentialFor('HELPER.io');

    expect(readFileSync(join(logDir, 'runs'), 'utf8')).toBe('run\n');
  });

  it('keeps INPUT_* and explicit secrets from the helper', async () => {
    dockerConfig({ credsStore: 'test' });
    const env = {
      ...baseEnv(),
      INPUT_PASSWORD: CANARY.explicit,
      SOME_SECRET: CANARY.explicit,
      KEEP_ME: 'yes',
    };

    await provider({
      env,
      explicit: [{ host: 'ghcr.io', password: CANARY.explicit }],
    }).credentialFor('helper.io');

    const helperEnv = readFileSync(join(logDir, 'env'), 'utf8');
    expect(helperEnv).not.toContain(CANARY.explicit);
    expect(helperEnv).not.toContain('INPUT_PASSWORD');
    expect(helperEnv).toContain('KEEP_ME=yes');
  });

  it.each([
    ['broken.io', 'test', /docker-credential-test .* exit status 3/],
    ['junk.io', 'test', /other than credentials JSON/],
    ['helper.io', 'absent', /docker-credential-absent .* not found on PATH/],
    ['helper.io', '../test', /not a valid helper name/],
    ['helper.io', '-rf', /not a valid helper name/],
  ])(
    'fails on %s with helper %s, never falling back to anonymous',
    async (host, helper, message) => {
      dockerConfig({
        credsStore: helper,
        auths: { [host]: { auth: basic('file', 'p') } },
      });
      const logger = new RecordingLogger();

      const error = await rejection(provider({}, logger).credentialFor(host));

      expect(error.code).toBe('credentials');
      expect(error.message).toMatch(message);
      expect(error.message).toContain(host);
      expect(error.message).toContain('credsStore in');
      expectNoCanary(sinkText(error));
      expectNoCanary(logger.text());
    },
  );

  it('gives up on a helper that does not answer in time', async () => {
    dockerConfig({ credHelpers: { 'slow.io': 'test' } });
    const started = Date.now();

    const error = await rejection(
      provider({ helperTimeoutMs: 300 }).credentialFor('slow.io'),
    );

    expect(error.code).toBe('credentials');
    expect(error.message).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('asks again after a failure rather than caching it', async () => {
    dockerConfig({ credHelpers: { 'broken.io': 'test' } });
    const credentials = provider();

    await rejection(credentials.credentialFor('broken.io'));
    await rejection(credentials.credentialFor('broken.io'));

    expect(readFileSync(join(logDir, 'runs'), 'utf8')).toBe('run\nrun\n');
  });
});

describe('createCredentialProvider secret reporting', () => {
  it('reports every form of every acquired secret, and logs none', async () => {
    dockerConfig({
      credHelpers: { 'helper.io': 'test', 'token.io': 'test' },
      auths: { 'registry.io': { auth: basic('bob', CANARY.filePassword) } },
    });
    const secrets: string[] = [];
    const logger = new RecordingLogger();
    const credentials = provider(
      { onSecret: (value) => secrets.push(value) },
      logger,
    );

    await credentials.credentialFor('registry.io');
    await credentials.credentialFor('helper.io');
    await credentials.credentialFor('token.io');

    expect(secrets).toEqual(
      expect.arrayContaining([
        CANARY.filePassword,
        `bob:${CANARY.filePassword}`,
        basic('bob', CANARY.filePassword),
        CANARY.helperSecret,
        `alice:${CANARY.helperSecret}`,
        basic('alice', CANARY.helperSecret),
        CANARY.token,
      ]),
    );
    expect(logger.lines.length).toBeGreaterThan(0);
    expectNoCanary(logger.text());
  });

  it('reports nothing for hosts it has no credentials for', async () => {
    const secrets: string[] = [];

    await provider({ onSecret: (value) => secrets.push(value) }).credentialFor(
      'nothing.io',
    );

    expect(secrets).toEqual([]);
  });
});
