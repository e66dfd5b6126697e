import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildImage,
  buildIndex,
  dockerArchive,
  ociArchive,
  writeOciLayout,
} from '@imagegate/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/index';
import { captureIo as captureIoAt, type CapturedIo } from './capture';

let workspace: string;

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'imagegate-cli-image-'));
});

afterEach(() => {
  rmSync(workspace, { recursive: true, force: true });
});

function captureIo(): CapturedIo {
  return captureIoAt(workspace, {
    HOME: workspace,
    IMAGEGATE_CACHE_DIR: join(workspace, '.cache'),
  });
}

async function imagegate(...args: string[]) {
  const io = captureIo();
  const status = await runCli(args, io);
  return { status, stdout: io.out.join(''), stderr: io.err.join('') };
}

const amd64 = buildImage({
  layers: [
    {
      entries: [{ name: 'etc/os-release', content: 'ID=x\n' }],
      createdBy: 'COPY os-release /etc/',
    },
  ],
  emptyLayerHistory: ['ENV TOKEN=canary-4711-value'],
  config: {
    User: 'app',
    Env: ['PATH=/bin', 'TOKEN=canary-4711-value'],
    Labels: { team: 'core' },
  },
});
const arm64 = buildImage({
  platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  layers: [{ entries: [{ name: 'arm', content: 'arm' }] }],
});
const multi = buildIndex([{ item: amd64 }, { item: arm64 }]);

describe('imagegate inspect', () => {
  beforeEach(async () => {
    await writeOciLayout(join(workspace, 'layout'), [
      { item: multi, refName: 'v1' },
    ]);
  });

  it('prints one platform as a JSON object', async () => {
    const result = await imagegate(
      'inspect',
      'oci:layout:v1',
      '--platform',
      'linux/amd64',
    );

    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(parsed).toMatchObject({
      digest: amd64.manifest.digest,
      platform: 'linux/amd64',
      indexDigest: multi.index.digest,
      config: { user: 'app', envNames: ['PATH', 'TOKEN'] },
      layers: [{ createdBy: 'COPY os-release /etc/' }],
    });
    expect(result.stdout).not.toContain('canary-4711');
  });

  it('prints every platform as an array with all, into --output', async () => {
    const result = await imagegate(
      'inspect',
      'oci:layout:v1',
      '--platform',
      'all',
      '--output',
      'out.json',
    );

    const parsed = JSON.parse(
      readFileSync(join(workspace, 'out.json'), 'utf8'),
    ) as { platform: string }[];
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(parsed.map((d) => d.platform)).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
    ]);
  });

  it.each([
    ['a bad reference', ['UPPER/Case:tag'], /UPPER\/Case/],
    ['a missing layout', ['oci:nowhere'], /nowhere/],
    ['a missing tag', ['oci:layout:v9'], /no image is tagged 'v9'/],
    [
      'a missing platform',
      ['oci:layout:v1', '--platform', 'linux/s390x'],
      /linux\/s390x/,
    ],
    [
      'a bad platform',
      ['oci:layout:v1', '--platform', 'linux'],
      /platform 'linux'/,
    ],
    ['a corrupt archive', ['oci-archive:corrupt.tar'], /corrupt\.tar/],
    ['a missing archive', ['docker-archive:none.tar'], /none\.tar/],
    [
      'an unsupported transport',
      ['containers-storage:x'],
      /containers-storage/,
    ],
  ])(
    'exits 2 with one line naming the input for %s',
    async (_what, args, pattern) => {
      writeFileSync(join(workspace, 'corrupt.tar'), 'not a tar archive at all');

      const result = await imagegate('inspect', ...args);

      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^imagegate: [^\n]+\n$/);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toContain('internal error');
    },
  );

  it('writes no --output file when it fails', async () => {
    const result = await imagegate(
      'inspect',
      'oci:nowhere',
      '--output',
      'out.json',
    );

    expect(result.status).toBe(2);
    expect(await readdir(workspace)).toEqual(['layout']);
  });
});

describe('imagegate copy', () => {
  it('copies every platform into an OCI archive and prints a summary', async () => {
    await writeOciLayout(join(workspace, 'layout'), [
      { item: multi, refName: 'v1' },
    ]);

    const copied = await imagegate(
      'copy',
      'oci:layout:v1',
      'oci-archive:out.tar:v2',
      '--platform',
      'all',
      '--digest-file',
      'digest.txt',
    );
    const inspected = await imagegate(
      'inspect',
      'oci-archive:out.tar:v2',
      '--platform',
      'linux/arm64',
    );

    expect(copied.status).toBe(0);
    expect(copied.stdout).toBe(
      `copied oci:layout:v1 to oci-archive:out.tar:v2: ${multi.index.digest} (4 blobs copied, 0 already there)\n`,
    );
    expect(readFileSync(join(workspace, 'digest.txt'), 'utf8')).toBe(
      `${multi.index.digest}\n`,
    );
    expect(JSON.parse(inspected.stdout)).toMatchObject({
      digest: arm64.manifest.digest,
    });
  });

  it('copies a docker archive into an OCI layout', async () => {
    writeFileSync(
      join(workspace, 'd.tar'),
      dockerArchive([{ image: amd64, repoTags: ['app:1'] }]),
    );

    const result = await imagegate('copy', 'docker-archive:d.tar', 'oci:out');

    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('exits 2 and writes nothing when the source archive is corrupt', async () => {
    const archive = Buffer.from(ociArchive([{ item: amd64 }]));
    archive.write('garbage!', archive.length - 2048, 'latin1');
    writeFileSync(join(workspace, 'broken.tar'), archive.subarray(0, 3000));

    const result = await imagegate('copy', 'oci-archive:broken.tar', 'oci:out');

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^imagegate: [^\n]*broken\.tar[^\n]*\n$/);
    expect(await readdir(workspace)).toEqual(['broken.tar']);
  });

  it('exits 2 when asked to write a docker archive', async () => {
    const result = await imagegate('copy', 'oci:x', 'docker-archive:y.tar');

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'writing a docker archive is not supported',
    );
  });
});
