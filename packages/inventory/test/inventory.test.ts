import { RecordingLogger } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { comparePackages, type InventoryPackage } from '../src/inventory';
import {
  DEBIAN_OS_RELEASE,
  fixedCataloger,
  inventoryOf,
  recordCataloger,
  SAMPLE_IMAGE,
  samplePackage,
  statusCataloger,
  statusFile,
} from './sbom-fixtures';

function names(packages: readonly InventoryPackage[]): string[] {
  return packages.map((pkg) => `${pkg.name}@${pkg.version}`);
}

describe('inventoryImage', () => {
  it('lists the packages of the final view only', async () => {
    const inventory = await inventoryOf(SAMPLE_IMAGE);

    expect(names(inventory.packages)).toEqual([
      'base-files@12.4',
      'curl@7.88.1-10',
      'libc6@2.36-9',
      'alpha@1.0.0',
    ]);
    expect(inventory.complete).toBe(true);
    expect(inventory.incompleteReasons).toEqual([]);
  });

  it('attributes each package to the layer and instruction of its record', async () => {
    const inventory = await inventoryOf(SAMPLE_IMAGE);

    const curl = inventory.packages.find((pkg) => pkg.name === 'curl');
    const alpha = inventory.packages.find((pkg) => pkg.name === 'alpha');
    expect(curl?.layerIndex).toBe(1);
    expect(curl?.layerDigest).toBe(inventory.layers[1]?.digest);
    expect(curl?.layerDiffId).toBe(inventory.layers[1]?.diffId);
    expect(curl?.createdBy).toBe(
      '|1 TOKEN=*** /bin/sh -c apt-get install curl',
    );
    expect(alpha?.layerIndex).toBe(2);
    expect(alpha?.createdBy).toBe('COPY pkgs /pkgs');
  });

  it('joins history to layers, skipping empty layers, with values masked', async () => {
    const inventory = await inventoryOf(SAMPLE_IMAGE);

    expect(inventory.layers.map((layer) => layer.createdBy)).toEqual([
      '/bin/sh -c #(nop) ADD file:base in /',
      '|1 TOKEN=*** /bin/sh -c apt-get install curl',
      'COPY pkgs /pkgs',
      'RUN rm /pkgs/beta.txt',
    ]);
    expect(JSON.stringify(inventory)).not.toContain('canary-4711-secret');
    expect(inventory.layers.every((l) => l.digest.startsWith('sha256:'))).toBe(
      true,
    );
  });

  it('describes the image by reference, digest and platform', async () => {
    const inventory = await inventoryOf(SAMPLE_IMAGE);

    expect(inventory.image).toMatchObject({
      reference: 'registry.example/team/app:1.0',
      repository: 'registry.example/team/app',
      tag: '1.0',
      platform: 'linux/amd64',
      architecture: 'amd64',
      indexDigest: undefined,
    });
    expect(inventory.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('reports a supported OS', async () => {
    const inventory = await inventoryOf(SAMPLE_IMAGE);

    expect(inventory.os).toMatchObject({ id: 'debian', versionId: '12' });
    expect(inventory.osStatus).toBe('supported');
  });

  it('says the OS is unknown rather than leaving it out', async () => {
    const inventory = await inventoryOf({
      layers: [{ entries: [{ name: 'app', content: 'binary' }] }],
    });

    expect(inventory.os).toBeUndefined();
    expect(inventory.osStatus).toBe('unknown');
    expect(inventory.packages).toEqual([]);
  });

  it('uses the real OS detector by default', async () => {
    const inventory = await inventoryOf(
      {
        layers: [
          { entries: [{ name: 'etc/os-release', content: 'ID=plan9\n' }] },
        ],
      },
      {},
      { os: true },
    );

    expect(inventory.os?.id).toBe('plan9');
    expect(inventory.osStatus).toBe('unsupported');
    expect(inventory.diagnostics.map((d) => d.kind)).toContain('unsupported');
  });

  it('runs every real cataloger by default', async () => {
    const stanza = (name: string) =>
      `Package: ${name}\nStatus: install ok installed\nVersion: 1.0-1\n` +
      'Architecture: amd64\n';

    const inventory = await inventoryOf(
      {
        layers: [
          {
            entries: [
              { name: 'etc/os-release', content: DEBIAN_OS_RELEASE },
              { name: 'var/lib/dpkg/status.d/kept', content: stanza('kept') },
              { name: 'var/lib/dpkg/status.d/gone', content: stanza('gone') },
            ],
          },
          {
            createdBy: 'RUN rm /var/lib/dpkg/status.d/gone',
            entries: [{ name: 'var/lib/dpkg/status.d/.wh.gone', content: '' }],
          },
        ],
      },
      {},
      { os: true, catalogers: true },
    );

    expect(inventory.os?.id).toBe('debian');
    expect(names(inventory.packages)).toEqual(['kept@1.0-1']);
    expect(inventory.packages[0]).toMatchObject({
      cataloger: 'dpkg',
      layerIndex: 0,
      createdBy: 'layer 0',
    });
  });

  it('sorts packages whatever order the catalogers give', async () => {
    const packages = [
      samplePackage({ name: 'b', type: 'npm', purl: 'pkg:npm/b@1' }),
      samplePackage({ name: 'a', version: '2', purl: 'pkg:apk/alpine/a@2' }),
      samplePackage({ name: 'a', version: '10', purl: 'pkg:apk/alpine/a@10' }),
    ];
    const result = { diagnostics: [], complete: true };

    const forward = await inventoryOf(
      { layers: [] },
      { catalogers: [fixedCataloger('x', { ...result, packages })] },
    );
    const backward = await inventoryOf(
      { layers: [] },
      {
        catalogers: [
          fixedCataloger('x', { ...result, packages: [...packages].reverse() }),
        ],
      },
    );

    expect(names(forward.packages)).toEqual(['a@10', 'a@2', 'b@1.3']);
    expect(backward.packages).toEqual(forward.packages);
  });

  it('marks the inventory incomplete when the walk stops', async () => {
    const logger = new RecordingLogger();

    const inventory = await inventoryOf(SAMPLE_IMAGE, {
      limits: { maxEntries: 2 },
      logger,
    });

    expect(inventory.complete).toBe(false);
    expect(inventory.incompleteReasons.join('\n')).toMatch(/entry limit/);
    expect(logger.text()).toMatch(/inventory incomplete/);
  });

  it('marks the inventory incomplete when a cataloger loses records', async () => {
    const lossy = fixedCataloger('lossy', {
      packages: [],
      diagnostics: [
        { cataloger: 'lossy', kind: 'unreadable', message: 'rpmdb unreadable' },
      ],
      complete: false,
    });

    const inventory = await inventoryOf(SAMPLE_IMAGE, {
      catalogers: [statusCataloger(), lossy],
    });

    expect(inventory.complete).toBe(false);
    expect(inventory.incompleteReasons).toEqual([
      "cataloger 'lossy' lost records; see its diagnostics",
    ]);
    expect(inventory.diagnostics.map((d) => d.message)).toContain(
      'rpmdb unreadable',
    );
    expect(inventory.packages).toHaveLength(3);
  });

  it('marks the inventory incomplete when a cataloger throws', async () => {
    const broken = fixedCataloger('broken', () => {
      throw new Error('boom');
    });

    const inventory = await inventoryOf(SAMPLE_IMAGE, {
      catalogers: [broken, statusCataloger()],
    });

    expect(inventory.complete).toBe(false);
    expect(inventory.incompleteReasons).toEqual([
      "cataloger 'broken' failed: boom",
    ]);
    expect(inventory.packages).toHaveLength(3);
  });

  it('marks the inventory incomplete when a cataloger throws on a file', async () => {
    const cataloger = {
      ...statusCataloger(),
      add: () => {
        throw new Error('bad file');
      },
    };

    const inventory = await inventoryOf(SAMPLE_IMAGE, {
      catalogers: [cataloger],
    });

    expect(inventory.complete).toBe(false);
    expect(inventory.incompleteReasons.join('\n')).toMatch(/bad file/);
  });

  it('adds a diagnostic for a wanted file too large to read', async () => {
    const inventory = await inventoryOf(SAMPLE_IMAGE, {
      catalogers: [recordCataloger(4)],
    });

    expect(inventory.packages).toEqual([]);
    expect(inventory.diagnostics).toContainEqual({
      cataloger: 'fake-record',
      path: '/pkgs/alpha.txt',
      kind: 'too-large',
      message:
        '/pkgs/alpha.txt was not read (too-large); packages it records may be missing',
    });
  });

  it('keeps a package whose record a later layer replaced', async () => {
    const inventory = await inventoryOf({
      layers: [
        {
          entries: [
            { name: 'etc/os-release', content: DEBIAN_OS_RELEASE },
            {
              name: 'var/lib/dpkg/status',
              content: statusFile([['old', '1']]),
            },
          ],
        },
        {
          entries: [
            {
              name: 'var/lib/dpkg/status',
              content: statusFile([['new', '2']]),
            },
          ],
        },
      ],
    });

    expect(names(inventory.packages)).toEqual(['new@2']);
    expect(inventory.packages[0]?.layerIndex).toBe(1);
  });
});

describe('comparePackages', () => {
  it('orders by code units, not by locale', () => {
    const upper = samplePackage({ name: 'Zed' });
    const lower = samplePackage({ name: 'alpha' });

    expect([lower, upper].sort(comparePackages)).toEqual([upper, lower]);
  });
});
