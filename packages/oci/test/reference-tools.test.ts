import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseImageLocation, parseReference } from '../src/index';

/**
 * Agreement with the real tools where they are installed: the docker CLI
 * validates a reference before it talks to the daemon (pointed here at a
 * socket that does not exist), and skopeo validates an `oci:` reference
 * name before it opens the directory. Nothing reaches a network.
 */
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'imagegate-ref-'));
const SHA = `sha256:${'a'.repeat(64)}`;

const REFERENCES = [
  ...['alpine', 'alpine:3.20', 'team/app', 'docker.io/alpine'],
  ...['index.docker.io/alpine', 'registry-1.docker.io/a/b:1'],
  ...['INDEX.DOCKER.IO/team/app', 'localhost/app', 'localhost:5000/app:v1'],
  ...['ghcr.io/o/r/deep/path:x', '127.0.0.1:5000/a', '[::1]/a'],
  ...['[2001:db8::1]:5000/a:t', 'Uppercase/app', 'Quay.IO/app'],
  ...['my-registry/app', 'a-1.b--c.io/g', 'x/a.b_c__d-e---f', 'localhost'],
  ...['localhost:5000', 'app:_under', `app@${SHA}`, `app:1.0@${SHA}`],
  ...['Alpine', 'team/App', 'a//b', '/a', 'a/', '-a', 'a-', 'a..b'],
  ...['a___b', 'a._b', 'a b', 'a:', 'a:.x', 'a:-x', 'a:x/y', 'host:port/a'],
  ...['host:/a', '-host.io/a', 'host-.io/a', 'host..io/a', '[::1/a'],
  ...['[]/a', '[::g]/a', '::1/a', '[::1]x/a', 'a@sha256:abc', 'a@'],
  ...[`a@sha256:${'A'.repeat(64)}`, `a@sha256:${'a'.repeat(63)}`],
  ...['a@sha256:../../etc/passwd', `@${SHA}`, ':tag', 'a'.repeat(64)],
  ...[`a:${'t'.repeat(128)}`, `a:${'t'.repeat(129)}`],
  ...[`a/${'b'.repeat(253)}`, `a/${'b'.repeat(254)}`, 'b'.repeat(247)],
  ...['b'.repeat(248), `ghcr.io/${'b'.repeat(255)}`],
  `ghcr.io/${'b'.repeat(256)}`,
];

/** Where docker accepts what we refuse, and why we refuse it. */
const KNOWN_DISAGREEMENTS: Record<string, string> = {
  // docker's regular expression falls back to reading `h_st.io/a` as a
  // two-component path with no registry, yet its normalisation has
  // already taken `h_st.io` as the registry; the result has an empty
  // registry. A host name holds no `_`, so we refuse it.
  'h_st.io/a': 'docker accepts an empty registry',
  [`a@sha384:${'c'.repeat(96)}`]: 'parseDigest knows sha256 and sha512 only',
};

const OCI_NAMES = [
  ...['latest', 'a--b', 'a---b', 'docker.io/library/a:1', 'a//b'],
  ...['-a', 'Upper', 'bad!tag', 'v1.0+build@x', 'x/', '/x'],
];

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!hasTool('docker'))('parseReference against docker', () => {
  it.each([...REFERENCES, ...Object.keys(KNOWN_DISAGREEMENTS)])(
    'agrees with docker on %j',
    async (text) => {
      const docker = await dockerAccepts(text);

      const ours = accepts(() => parseReference(text));

      const expected = text in KNOWN_DISAGREEMENTS ? !docker : docker;
      expect(ours).toBe(expected);
    },
  );
});

describe.skipIf(!hasTool('skopeo'))('oci: names against skopeo', () => {
  it.each(OCI_NAMES)('agrees with skopeo on %j', async (name) => {
    const location = `oci:${join(scratch, 'absent')}:${name}`;
    const skopeo = await skopeoAccepts(location);

    const ours = accepts(() => parseImageLocation(location));

    expect(ours).toBe(skopeo);
  });
});

function hasTool(name: string): boolean {
  const paths = (process.env.PATH ?? '').split(':').filter(Boolean);
  const present = paths.some((dir) => isFile(join(dir, name)));
  if (!present) console.warn(`skipping ${name} agreement: not on PATH`);
  return present;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function accepts(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

async function dockerAccepts(text: string): Promise<boolean> {
  const output = await failureOutput('docker', ['pull', text], {
    DOCKER_HOST: `unix://${join(scratch, 'absent.sock')}`,
    DOCKER_CONFIG: scratch,
  });
  return /Cannot connect to the Docker daemon/.test(output);
}

async function skopeoAccepts(location: string): Promise<boolean> {
  const output = await failureOutput('skopeo', ['inspect', location], {});
  return !/Invalid image/.test(output);
}

async function failureOutput(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  try {
    await run(command, args, { env: { ...process.env, ...env } });
    throw new Error(`${command} ${args.join(' ')} unexpectedly succeeded`);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}`;
  }
}
