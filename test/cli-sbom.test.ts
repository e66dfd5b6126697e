import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from '@imagegate/cli';
import {
  buildImage,
  buildIndex,
  corpusAvailable,
  cycloneDxSchemaCheck,
  spdxSchemaCheck,
  writeOciLayout,
} from '@imagegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const OS_RELEASE =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n' +
  'VERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

function stanza(name: string, version: string, source?: string): string {
  return (
    `Package: ${name}\nStatus: install ok installed\nPriority: optional\n` +
    `Architecture: amd64\n${source === undefined ? '' : `Source: ${source}\n`}` +
    `Version: ${version}\nDescription: ${name}\n`
  );
}

function copyright(license: string): string {
  return (
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n' +
    `Files: *\nCopyright: someone\nLicense: ${license}\n`
  );
}

/**
 * A Debian-like image: base layer with the OS, dpkg's status and
 * copyright files; a layer that installs curl (a new status file); a
 * layer with two distroless-style `status.d` records; a last layer that
 * deletes one of them and libc6's copyright file with whiteouts.
 */
const amd64 = buildImage({
  emptyLayerHistory: ['ENV API_TOKEN=canary-9931-value'],
  config: { Env: ['PATH=/bin', 'API_TOKEN=canary-9931-value'] },
  layers: [
    {
      createdBy: '/bin/sh -c #(nop) ADD file:bookworm in /',
      entries: [
        { name: 'etc/os-release', content: OS_RELEASE },
        {
          name: 'var/lib/dpkg/status',
          content: [stanza('libc6', '2.36-9+deb12u4', 'glibc')].join('\n'),
        },
        {
          name: 'usr/share/doc/libc6/copyright',
          content: copyright('LGPL-2.1+'),
        },
      ],
    },
    {
      createdBy:
        '|1 API_TOKEN=canary-9931-value /bin/sh -c apt-get install -y curl',
      entries: [
        {
          name: 'var/lib/dpkg/status',
          content: [
            stanza('libc6', '2.36-9+deb12u4', 'glibc'),
            stanza('curl', '7.88.1-10+deb12u5'),
          ].join('\n'),
        },
        { name: 'usr/share/doc/curl/copyright', content: copyright('curl') },
      ],
    },
    {
      createdBy: 'COPY status.d /var/lib/dpkg/status.d',
      entries: [
        {
          name: 'var/lib/dpkg/status.d/tzdata',
          content: stanza('tzdata', '2024a-0+deb12u1'),
        },
        {
          name: 'var/lib/dpkg/status.d/netbase',
          content: stanza('netbase', '6.4'),
        },
      ],
    },
    {
      createdBy: 'RUN rm /var/lib/dpkg/status.d/tzdata',
      entries: [
        { name: 'var/lib/dpkg/status.d/.wh.tzdata', content: '' },
        { name: 'usr/share/doc/libc6/.wh.copyright', content: '' },
      ],
    },
  ],
});
const arm64 = buildImage({
  platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  layers: [{ entries: [{ name: 'etc/alpine-release', content: '3.20.3\n' }] }],
});

let work: string;
let layout: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagegate-cli-sbom-'));
  layout = join(work, 'layout');
  await writeOciLayout(layout, [
    { item: buildIndex([{ item: amd64 }, { item: arm64 }]), refName: 'v1' },
  ]);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function imagegate(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    cwd: work,
    env: { HOME: work, IMAGEGATE_CACHE_DIR: join(work, '.cache'), ...env },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
  const status = await runCli(args, io);
  return { status, stdout: out.join(''), stderr: err.join('') };
}

interface Component {
  name: string;
  type: string;
  version?: string;
  licenses?: unknown[];
  properties?: { name: string; value: string }[];
}

function property(component: Component | undefined, name: string) {
  return component?.properties?.find((p) => p.name === name)?.value;
}

/** The amd64 and arm64 image, by the layout's tag. */
const image = () => `oci:${layout}:v1`;
const EPOCH = { SOURCE_DATE_EPOCH: '1714564800' };

describe('imagegate sbom', () => {
  it('writes a CycloneDX BOM of the final view, by layer', async () => {
    const result = await imagegate(
      ['sbom', image(), '--platform', 'linux/amd64'],
      EPOCH,
    );

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const bom = JSON.parse(result.stdout) as {
      specVersion: string;
      metadata: { timestamp: string; component: Component };
      components: Component[];
    };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.metadata.timestamp).toBe('2024-05-01T12:00:00Z');
    expect(bom.metadata.component.type).toBe('container');
    const names = bom.components.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(['curl', 'libc6', 'netbase', 'debian']),
    );
    expect(names).not.toContain('tzdata');
    const curl = bom.components.find((c) => c.name === 'curl');
    expect(property(curl, 'imagegate:layer:index')).toBe('1');
    expect(property(curl, 'imagegate:layer:createdBy')).toBe(
      '|1 API_TOKEN=*** /bin/sh -c apt-get install -y curl',
    );
    expect(curl?.licenses).toEqual([
      { license: { id: 'curl', acknowledgement: 'declared' } },
    ]);
    const libc = bom.components.find((c) => c.name === 'libc6');
    expect(libc?.licenses).toBeUndefined();
    expect(result.stdout).not.toContain('canary-9931-value');
  });

  it.each(['cyclonedx-json', 'spdx-json', 'json'])(
    'writes the same %s bytes twice under SOURCE_DATE_EPOCH',
    async (format) => {
      const args = ['sbom', image(), '--format', format];

      const first = await imagegate(args, EPOCH);
      const second = await imagegate(args, EPOCH);

      expect(first.status).toBe(0);
      expect(second.stdout).toBe(first.stdout);
    },
  );

  it.skipIf(!corpusAvailable())(
    'writes documents valid against the official schemas',
    async () => {
      const cdx = await imagegate(['sbom', image()]);
      const spdx = await imagegate(['sbom', image(), '--format', 'spdx-json']);

      expect(cycloneDxSchemaCheck()(JSON.parse(cdx.stdout))).toEqual([]);
      expect(spdxSchemaCheck()(JSON.parse(spdx.stdout))).toEqual([]);
    },
  );

  it('writes imagegate JSON with the OS, layers and completeness', async () => {
    const result = await imagegate([
      'sbom',
      image(),
      '--format',
      'json',
      '--platform',
      'linux/arm64',
    ]);

    const document = JSON.parse(result.stdout) as {
      schema: string;
      os: { id: string } | null;
      osStatus: string;
      complete: boolean;
      image: { platform: string };
      layers: unknown[];
    };
    expect(document).toMatchObject({
      schema: 'imagegate.inventory/v1',
      os: { id: 'alpine' },
      complete: true,
      image: { platform: 'linux/arm64/v8' },
    });
    expect(document.layers).toHaveLength(1);
  });

  it('writes an incomplete inventory marked so, and warns', async () => {
    const tampered = buildImage({
      layers: [{ entries: [{ name: 'etc/os-release', content: OS_RELEASE }] }],
      diffIds: [`sha256:${'0'.repeat(64)}`],
    });
    const dir = join(work, 'tampered');
    await writeOciLayout(dir, [{ item: tampered }]);

    const result = await imagegate(['sbom', `oci:${dir}`]);

    expect(result.status).toBe(0);
    const bom = JSON.parse(result.stdout) as {
      compositions?: { aggregate: string }[];
      metadata: { component: Component };
    };
    expect(bom.compositions?.[0]?.aggregate).toBe('incomplete');
    expect(
      property(bom.metadata.component, 'imagegate:inventory:complete'),
    ).toBe('false');
    expect(result.stderr).toMatch(/warning: .*inventory incomplete/);
  });

  it('writes --output atomically and nothing on stdout', async () => {
    const output = join(work, 'sbom.spdx.json');

    const result = await imagegate([
      'sbom',
      image(),
      '--format',
      'spdx-json',
      '--output',
      output,
    ]);

    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    const document = JSON.parse(await readFile(output, 'utf8')) as {
      spdxVersion: string;
    };
    expect(document.spdxVersion).toBe('SPDX-2.3');
    expect((await readdir(work)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    [['--format', 'xml'], /--format.*xml.*cyclonedx-json/],
    [['--platform', 'all'], /an SBOM describes one platform/],
    [['--platform', 'linux/s390x'], /s390x/],
  ])('exits 2 with one line for %j', async (extra, message) => {
    const output = join(work, 'never.json');

    const result = await imagegate([
      'sbom',
      image(),
      '--output',
      output,
      ...extra,
    ]);

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(output)).toBe(false);
  });

  it('exits 2 naming a missing image', async () => {
    const missing = join(work, 'nowhere');

    const result = await imagegate(['sbom', `oci:${missing}`]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(missing);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 for an unwritable output, leaving nothing behind', async () => {
    const output = join(work, 'no-such-dir', 'sbom.json');

    const result = await imagegate(['sbom', image(), '--output', output]);

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/cannot write the report/);
    expect(existsSync(join(work, 'no-such-dir'))).toBe(false);
  });

  it('exits 2 for a malformed SOURCE_DATE_EPOCH', async () => {
    const result = await imagegate(['sbom', image()], {
      SOURCE_DATE_EPOCH: 'yesterday',
    });

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/SOURCE_DATE_EPOCH/);
  });
});
