import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli, type CliIo } from '@imagegate/cli';
import { secretForms } from '@imagegate/oci';
import {
  buildImage,
  buildIndex,
  freePort,
  registryAvailable,
  startRegistry,
  writeOciLayout,
  type TestRegistry,
} from '@imagegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const canRun = registryAvailable('/usr/bin/skopeo');

/** A multi-platform image from the deterministic builder. */
const amd64 = buildImage({
  layers: [
    {
      entries: [{ name: 'etc/os-release', content: 'ID=fixture\n' }],
      createdBy: 'COPY os-release /etc/',
    },
    { entries: [{ name: 'app/run', content: 'run' }], createdBy: 'RUN make' },
  ],
  emptyLayerHistory: ['ENV MODE=production'],
  config: { User: '1000', Env: ['PATH=/bin', 'MODE=production'] },
});
const arm64 = buildImage({
  platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  layers: [{ entries: [{ name: 'etc/os-release', content: 'ID=arm\n' }] }],
});
const multi = buildIndex([{ item: amd64 }, { item: arm64 }]);

let work: string;
/** The builder's layout, and buildah's (or why buildah could not run). */
let builderLayout: string;
let buildah: { layout: string } | { reason: string };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagegate-cli-registry-'));
  builderLayout = join(work, 'builder');
  await writeOciLayout(builderLayout, [{ item: multi, refName: 'v1' }]);
  buildah = await buildWithBuildah(join(work, 'buildah'));
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * Builds `FROM scratch` + `COPY` with real buildah (chroot isolation, vfs
 * storage in a private root) and pushes it to an OCI layout. Returns why
 * not, when buildah cannot run here.
 */
async function buildWithBuildah(
  dir: string,
): Promise<{ layout: string } | { reason: string }> {
  if (!existsSync('/usr/bin/buildah')) {
    return { reason: 'buildah is not installed (Debian package buildah)' };
  }
  const context = join(dir, 'context');
  await mkdir(context, { recursive: true });
  await writeFile(join(context, 'hello.txt'), 'hello from buildah\n');
  await writeFile(
    join(context, 'Dockerfile'),
    'FROM scratch\nCOPY hello.txt /hello.txt\nENV GREETING=hello-world-value\n' +
      'LABEL org.example.team=core\nUSER 1000\nCMD ["/hello"]\n',
  );
  const storage = [
    ...['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot')],
    ...['--storage-driver', 'vfs'],
  ];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  const layout = join(dir, 'layout');
  try {
    await run(
      'buildah',
      [
        ...storage,
        'bud',
        // One layer per instruction, so history and layers pair up.
        '--layers',
        '--isolation',
        'chroot',
        '-t',
        'localhost/fixture:1',
        context,
      ],
      { env },
    );
    await run(
      'buildah',
      [...storage, 'push', 'localhost/fixture:1', `oci:${layout}:v1`],
      { env },
    );
    return { layout };
  } catch (error) {
    return { reason: `buildah cannot build here: ${(error as Error).message}` };
  }
}

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with its own environment. */
async function imagegate(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    cwd: work,
    env,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
  const status = await runCli(args, io);
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** A docker config folder holding one `auths` entry. */
async function dockerConfig(
  name: string,
  host: string,
  username: string,
  password: string,
): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { [host]: { auth } } }),
  );
  return dir;
}

/** `skopeo inspect --raw docker://REF | sha256sum`, on loopback only. */
async function skopeoDigest(
  registry: TestRegistry,
  reference: string,
): Promise<string> {
  const { stdout } = await run(
    'sh',
    [
      '-c',
      'skopeo inspect --raw --cert-dir "$1" --creds "$2" "docker://$3" | sha256sum',
      'sh',
      registry.ca.certDir,
      `${registry.username}:${registry.password}`,
      reference,
    ],
    { env: { PATH: process.env.PATH, HOME: work } },
  );
  return `sha256:${stdout.split(' ')[0] ?? ''}`;
}

function skipUnlessBuildah(skip: (note?: string) => void): string {
  if ('layout' in buildah) return buildah.layout;
  if (process.env.CI === 'true') throw new Error(buildah.reason);
  console.warn(`skipping: ${buildah.reason}`);
  skip(buildah.reason);
  return '';
}

describe.skipIf(!canRun).each(['htpasswd', 'token'] as const)(
  'imagegate inspect and copy against the real registry (%s auth)',
  (auth) => {
    let registry: TestRegistry;
    let env: NodeJS.ProcessEnv;
    let ca: string[];
    let secrets: string[];

    beforeAll(async () => {
      registry = await startRegistry({ auth });
      const config = await dockerConfig(
        `docker-${auth}`,
        registry.host,
        registry.username,
        registry.password,
      );
      env = {
        DOCKER_CONFIG: config,
        HOME: work,
        IMAGEGATE_CACHE_DIR: join(work, `cache-${auth}`),
      };
      ca = ['--ca-file', registry.ca.caFile];
      secrets = secretForms({
        username: registry.username,
        password: registry.password,
      });
    });

    afterAll(async () => {
      await registry.stop();
    });

    function expectNoSecret(...outputs: string[]): void {
      for (const output of outputs) {
        for (const secret of secrets) expect(output).not.toContain(secret);
      }
    }

    it('copies a built index in and inspects it back with the same digests as skopeo', async () => {
      const target = `${registry.host}/fixtures/builder:1`;

      const copied = await imagegate(
        env,
        'copy',
        `oci:${builderLayout}:v1`,
        target,
        '--platform',
        'all',
        ...ca,
      );
      const inspected = await imagegate(
        env,
        'inspect',
        target,
        '--platform',
        'all',
        ...ca,
        '--output',
        `inspect-${auth}.json`,
      );

      expect(copied).toMatchObject({ status: 0, stderr: '' });
      expect(copied.stdout).toContain(multi.index.digest);
      expect(inspected).toEqual({ status: 0, stdout: '', stderr: '' });
      const report = await readFile(join(work, `inspect-${auth}.json`), 'utf8');
      const described = JSON.parse(report) as {
        digest: string;
        indexDigest: string;
        platform: string;
        config: { envNames: string[] };
        layers: { createdBy: string | null }[];
      }[];
      expect(described.map((d) => d.platform)).toEqual([
        'linux/amd64',
        'linux/arm64/v8',
      ]);
      expect(described[0]).toMatchObject({
        digest: amd64.manifest.digest,
        indexDigest: multi.index.digest,
        config: { envNames: ['PATH', 'MODE'] },
        layers: [
          { createdBy: 'COPY os-release /etc/' },
          { createdBy: 'RUN make' },
        ],
      });
      expect(await skopeoDigest(registry, target)).toBe(multi.index.digest);
      expect(
        await skopeoDigest(
          registry,
          `${registry.host}/fixtures/builder@${amd64.manifest.digest}`,
        ),
      ).toBe(amd64.manifest.digest);
      expect(report).not.toContain('production');
      expectNoSecret(copied.stdout, copied.stderr, report);
    });

    it('copies a buildah image in and inspects it back', async (context) => {
      const layout = skipUnlessBuildah((note) => {
        context.skip(note);
      });
      const target = `${registry.host}/fixtures/buildah:1`;

      const copied = await imagegate(
        env,
        'copy',
        `oci:${layout}:v1`,
        target,
        ...ca,
      );
      const inspected = await imagegate(env, 'inspect', target, ...ca);

      expect(copied.status).toBe(0);
      expect(inspected.status).toBe(0);
      const described = JSON.parse(inspected.stdout) as {
        digest: string;
        config: {
          user: string;
          cmd: string[];
          labels: Record<string, string>;
          envNames: string[];
          history: { createdBy: string | null }[];
        };
        layers: { createdBy: string | null }[];
      };
      expect(described.config).toMatchObject({
        user: '1000',
        cmd: ['/hello'],
        labels: { 'org.example.team': 'core' },
        envNames: ['PATH', 'GREETING'],
      });
      expect(described.layers).toHaveLength(1);
      expect(described.layers[0]?.createdBy).toContain('COPY');
      expect(described.config.history.map((h) => h.createdBy)).toContain(
        '/bin/sh -c #(nop) ENV GREETING=***',
      );
      expect(inspected.stdout).not.toContain('hello-world-value');
      expect(await skopeoDigest(registry, target)).toBe(described.digest);
    });

    it('round-trips registry, OCI layout and registry with identical digests', async () => {
      const first = `${registry.host}/roundtrip/a:1`;
      const layout = join(work, `roundtrip-${auth}`);
      const second = `${registry.host}/roundtrip/b:1`;
      await imagegate(
        env,
        'copy',
        `oci:${builderLayout}:v1`,
        first,
        '--platform',
        'all',
        ...ca,
      );

      const out = await imagegate(
        env,
        'copy',
        first,
        `oci:${layout}:back`,
        '--platform',
        'all',
        ...ca,
      );
      const back = await imagegate(
        env,
        'copy',
        `oci:${layout}:back`,
        second,
        '--platform',
        'all',
        ...ca,
      );
      const single = await imagegate(
        env,
        'copy',
        second,
        `oci:${layout}:arm`,
        '--platform',
        'linux/arm64',
        ...ca,
      );

      expect([out.status, back.status, single.status]).toEqual([0, 0, 0]);
      expect(await skopeoDigest(registry, first)).toBe(multi.index.digest);
      expect(await skopeoDigest(registry, second)).toBe(multi.index.digest);
      expect(single.stdout).toContain(arm64.manifest.digest);
    });

    it('mounts blobs across repositories of one registry', async () => {
      const from = `${registry.host}/mount/source:1`;
      await imagegate(env, 'copy', `oci:${builderLayout}:v1`, from, ...ca);

      const copied = await imagegate(
        env,
        'copy',
        from,
        `${registry.host}/mount/target:1`,
        ...ca,
      );

      expect(copied.status).toBe(0);
      expect(copied.stdout).toMatch(/0 blobs copied, 3 mounted/);
    });

    it('exits 2 with one line naming the image when it is missing', async () => {
      const missing = `${registry.host}/fixtures/missing:1`;

      const result = await imagegate(env, 'inspect', missing, ...ca);

      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^imagegate: [^\n]+\n$/);
      expect(result.stderr).toContain(missing);
      expect(result.stderr).toContain('404');
    });

    it('exits 2 on wrong credentials and prints none of them', async () => {
      const canary = `canary-${auth}-S3cr3t-password`;
      const config = await dockerConfig(
        `docker-wrong-${auth}`,
        registry.host,
        registry.username,
        canary,
      );
      const wrong = { ...env, DOCKER_CONFIG: config };
      const target = `${registry.host}/fixtures/builder:1`;

      const inspected = await imagegate(wrong, 'inspect', target, ...ca);
      const copied = await imagegate(
        wrong,
        'copy',
        `oci:${builderLayout}:v1`,
        `${registry.host}/fixtures/denied:1`,
        ...ca,
      );

      for (const result of [inspected, copied]) {
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(/^imagegate: [^\n]+\n$/);
        expect(result.stderr).toContain(registry.host);
        const forms = secretForms({
          username: registry.username,
          password: canary,
        });
        for (const form of forms) {
          expect(result.stdout + result.stderr).not.toContain(form);
        }
      }
    });

    it('reads a registry named insecure without its CA file', async () => {
      const target = `${registry.host}/fixtures/insecure:1`;
      await imagegate(env, 'copy', `oci:${builderLayout}:v1`, target, ...ca);
      // The token service is a host of its own, and needs naming too.
      const realm = registry.tokenServer?.realm;
      const hosts = [registry.host, ...(realm ? [new URL(realm).host] : [])];

      const result = await imagegate(
        env,
        'inspect',
        target,
        ...hosts.flatMap((host) => ['--insecure-registry', host]),
      );

      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toMatchObject({
        digest: amd64.manifest.digest,
      });
    });

    it('exits 2 without the CA file, naming the registry', async () => {
      const result = await imagegate(
        env,
        'inspect',
        `${registry.host}/fixtures/builder:1`,
      );

      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^imagegate: [^\n]*TLS[^\n]*\n$/);
      expect(result.stderr).toContain(registry.host);
    });
  },
);

describe.skipIf(!canRun)('imagegate against an unreachable registry', () => {
  it('exits 2 with one line naming the registry', async () => {
    const host = `127.0.0.1:${await freePort()}`;

    const result = await imagegate(
      { HOME: work, IMAGEGATE_CACHE_DIR: join(work, 'cache-none') },
      'inspect',
      `${host}/app:1`,
    );

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^imagegate: [^\n]+\n$/);
    expect(result.stderr).toContain(host);
  });
});
