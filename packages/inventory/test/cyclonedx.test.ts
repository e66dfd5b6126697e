import { readFileSync } from 'node:fs';
import {
  corpusAvailable,
  corpusPath,
  cycloneDxSchemaCheck,
} from '@imagegate/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cycloneDxLicenses,
  formatCycloneDx,
  toCycloneDx,
  type CycloneDxComponent,
} from '../src/cyclonedx';
import type { Inventory } from '../src/inventory';
import { classifyLicenses } from '../src/sbom-licenses';
import {
  inventoryOf,
  LATER_TIMESTAMP,
  SAMPLE_DIAGNOSTIC,
  SAMPLE_IMAGE,
  TIMESTAMP,
  withPackages,
} from './sbom-fixtures';

let sample: Inventory;

beforeAll(async () => {
  sample = await inventoryOf(SAMPLE_IMAGE);
});

function property(
  component: CycloneDxComponent | undefined,
  name: string,
): string[] {
  return (component?.properties ?? [])
    .filter((p) => p.name === name)
    .map((p) => p.value);
}

describe('toCycloneDx', () => {
  it('makes the image the metadata component, with its digest', () => {
    const bom = toCycloneDx(sample, { timestamp: TIMESTAMP });

    const image = bom.metadata.component;
    expect(image.type).toBe('container');
    expect(image.name).toBe('registry.example/team/app');
    expect(image.version).toBe(sample.image.digest);
    expect(image.hashes).toEqual([
      { alg: 'SHA-256', content: sample.image.digest.slice('sha256:'.length) },
    ]);
    expect(image.purl).toBe(
      `pkg:oci/app@${sample.image.digest}?arch=amd64` +
        '&repository_url=registry.example%2Fteam%2Fapp&tag=1.0',
    );
    expect(image['bom-ref']).toBe(image.purl);
    expect(bom.metadata.timestamp).toBe('2024-05-01T12:00:00Z');
  });

  it('lists packages with bom-ref, purl, licences and layer properties', () => {
    const bom = toCycloneDx(sample, { timestamp: TIMESTAMP });

    const curl = bom.components.find((c) => c.name === 'curl');
    expect(curl).toMatchObject({
      'bom-ref': 'pkg:deb/debian/curl@7.88.1-10?arch=amd64',
      type: 'library',
      version: '7.88.1-10',
      purl: 'pkg:deb/debian/curl@7.88.1-10?arch=amd64',
      licenses: [
        { license: { id: 'curl', acknowledgement: 'declared' } },
        { license: { name: 'GPL-2+', acknowledgement: 'declared' } },
      ],
    });
    expect(property(curl, 'imagegate:layer:index')).toEqual(['1']);
    expect(property(curl, 'imagegate:layer:digest')).toEqual([
      sample.layers[1]?.digest,
    ]);
    expect(property(curl, 'imagegate:layer:diffID')).toEqual([
      sample.layers[1]?.diffId,
    ]);
    expect(property(curl, 'imagegate:layer:createdBy')).toEqual([
      '|1 TOKEN=*** /bin/sh -c apt-get install curl',
    ]);
    expect(property(curl, 'imagegate:location:0:path')).toEqual([
      '/var/lib/dpkg/status',
    ]);
    expect(property(curl, 'imagegate:package:cataloger')).toEqual([
      'fake-status',
    ]);
  });

  it('adds the OS as an operating-system component', () => {
    const bom = toCycloneDx(sample, { timestamp: TIMESTAMP });

    const os = bom.components.find((c) => c.type === 'operating-system');
    expect(os).toMatchObject({
      'bom-ref': 'os:debian@12',
      name: 'debian',
      version: '12',
    });
    expect(property(os, 'imagegate:os:status')).toEqual(['supported']);
  });

  it('states an unknown OS and completeness on the image', () => {
    const inventory: Inventory = {
      ...sample,
      os: undefined,
      osStatus: 'unknown',
      diagnostics: [SAMPLE_DIAGNOSTIC],
    };

    const bom = toCycloneDx(inventory, { timestamp: TIMESTAMP });

    const image = bom.metadata.component;
    expect(property(image, 'imagegate:os:status')).toEqual(['unknown']);
    expect(property(image, 'imagegate:inventory:complete')).toEqual(['true']);
    expect(property(image, 'imagegate:inventory:diagnostic')).toEqual([
      'fake-status: skipped-record: /var/lib/dpkg/status: stanza 3 has no Version; skipped',
    ]);
    expect(bom.components.some((c) => c.type === 'operating-system')).toBe(
      false,
    );
    expect(bom.compositions).toBeUndefined();
  });

  it('declares an incomplete inventory as an incomplete composition', () => {
    const inventory: Inventory = {
      ...sample,
      complete: false,
      incompleteReasons: ['layer 1: decompressed size limit'],
    };

    const bom = toCycloneDx(inventory, { timestamp: TIMESTAMP });

    expect(bom.compositions).toEqual([
      {
        aggregate: 'incomplete',
        assemblies: [bom.metadata.component['bom-ref']],
      },
    ]);
    expect(
      property(bom.metadata.component, 'imagegate:inventory:incomplete'),
    ).toEqual(['layer 1: decompressed size limit']);
  });

  it('gives records that share a purl distinct bom-refs', () => {
    const inventory = withPackages(sample, [
      { purl: 'pkg:npm/lodash@4.17.21', locations: ['/a/package.json'] },
      { purl: 'pkg:npm/lodash@4.17.21', locations: ['/b/package.json'] },
      { purl: '', name: 'nameless' },
    ]);

    const refs = toCycloneDx(inventory).components.map((c) => c['bom-ref']);

    expect(new Set(refs).size).toBe(refs.length);
    expect(refs[0]).toMatch(
      /^pkg:npm\/lodash@4\.17\.21\?package-id=[0-9a-f]{16}$/,
    );
    expect(refs[2]).toMatch(/^imagegate:package:[0-9a-f]{16}$/);
  });

  it('is deterministic: two runs differ only in the timestamp', () => {
    const first = formatCycloneDx(sample, { timestamp: TIMESTAMP });
    const second = formatCycloneDx(sample, { timestamp: LATER_TIMESTAMP });

    expect(second).not.toBe(first);
    expect(second.replace('2025-01-02T03:04:05Z', '2024-05-01T12:00:00Z')).toBe(
      first,
    );
    expect(first.endsWith('}\n')).toBe(true);
  });

  it('gives the same bytes for two inventories of one image', async () => {
    const again = await inventoryOf(SAMPLE_IMAGE);

    expect(formatCycloneDx(again, { timestamp: TIMESTAMP })).toBe(
      formatCycloneDx(sample, { timestamp: TIMESTAMP }),
    );
  });

  it('changes the serial number when the content changes', () => {
    const other = withPackages(sample, [{ name: 'other' }]);

    expect(toCycloneDx(other).serialNumber).not.toBe(
      toCycloneDx(sample).serialNumber,
    );
    expect(toCycloneDx(sample).serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('cycloneDxLicenses', () => {
  it.each([
    [[], []],
    [['MIT'], [{ license: { id: 'MIT', acknowledgement: 'declared' } }]],
    [['mit'], [{ license: { id: 'MIT', acknowledgement: 'declared' } }]],
    [['GPL-2.0+'], [{ expression: 'GPL-2.0+', acknowledgement: 'declared' }]],
    [
      ['MIT', 'ISC'],
      [
        { license: { id: 'MIT', acknowledgement: 'declared' } },
        { license: { id: 'ISC', acknowledgement: 'declared' } },
      ],
    ],
    [
      ['MIT OR Apache-2.0'],
      [{ expression: 'MIT OR Apache-2.0', acknowledgement: 'declared' }],
    ],
    [
      ['(mit or apache-2.0)', 'BSD-3-Clause'],
      [
        {
          expression: '(MIT OR Apache-2.0) AND BSD-3-Clause',
          acknowledgement: 'declared',
        },
      ],
    ],
    [
      ['GPL-2.0-only WITH Classpath-exception-2.0'],
      [
        {
          expression: 'GPL-2.0-only WITH Classpath-exception-2.0',
          acknowledgement: 'declared',
        },
      ],
    ],
    [
      ['Apache-2.0+'],
      [{ expression: 'Apache-2.0+', acknowledgement: 'declared' }],
    ],
    [
      ['GPL-2+', 'MIT OR ISC'],
      [
        { license: { name: 'GPL-2+', acknowledgement: 'declared' } },
        { license: { name: 'MIT OR ISC', acknowledgement: 'declared' } },
      ],
    ],
    [
      ['BSD-like', 'MIT', 'MIT'],
      [
        { license: { name: 'BSD-like', acknowledgement: 'declared' } },
        { license: { id: 'MIT', acknowledgement: 'declared' } },
      ],
    ],
    [
      ['MIT AND'],
      [{ license: { name: 'MIT AND', acknowledgement: 'declared' } }],
    ],
  ])('writes %j as %j', (values, expected) => {
    expect(cycloneDxLicenses(classifyLicenses(values))).toEqual(expected);
  });
});

describe('CycloneDX schema', () => {
  const available = corpusAvailable();

  it.skipIf(!available)('validates a BOM against bom-1.6', () => {
    const check = cycloneDxSchemaCheck();
    const inventory: Inventory = {
      ...withPackages(sample, [
        { licenses: ['MIT OR Apache-2.0', 'Zlib'] },
        { name: 'b', purl: 'pkg:npm/b@1', licenses: ['GPL-2+', 'MIT'] },
        { name: 'c', purl: '', version: '', licenses: [] },
      ]),
      complete: false,
      incompleteReasons: ['cut short'],
      diagnostics: [SAMPLE_DIAGNOSTIC],
    };

    expect(check(toCycloneDx(sample))).toEqual([]);
    expect(check(toCycloneDx(inventory))).toEqual([]);
  });

  it.skipIf(!available)('rejects a BOM the schema forbids', () => {
    const check = cycloneDxSchemaCheck();
    const bom = toCycloneDx(sample) as unknown as Record<string, unknown>;

    const badLicense = {
      ...bom,
      components: [
        {
          type: 'library',
          name: 'x',
          licenses: [{ license: { id: 'GPL-2+' } }],
        },
      ],
    };

    expect(check({ ...bom, serialNumber: 'not-a-uuid' })).not.toEqual([]);
    expect(check(badLicense).join('\n')).toMatch(/licenses/);
  });

  it.skipIf(!available)('has the shape of syft’s image BOM', () => {
    const golden = JSON.parse(
      readFileSync(
        corpusPath(
          'sbom-goldens',
          'syft',
          'cyclonedxjson',
          'TestCycloneDxImageEncoder.golden',
        ),
        'utf8',
      ),
    ) as {
      metadata: { component: Record<string, unknown> };
      components: Record<string, unknown>[];
    } & Record<string, unknown>;
    const bom = toCycloneDx(sample) as unknown as typeof golden;

    for (const key of Object.keys(golden)) expect(bom).toHaveProperty(key);
    expect(bom.metadata.component.type).toBe(golden.metadata.component.type);
    const goldenTypes = new Set(golden.components.map((c) => c.type));
    const ourTypes = new Set(bom.components.map((c) => c.type));
    expect(ourTypes).toEqual(goldenTypes);
    const library = golden.components.find((c) => c.type === 'library');
    const ours = bom.components.find((c) => c.name === 'curl');
    const shared = Object.keys(library ?? {}).filter((key) => key !== 'cpe');
    for (const key of shared) expect(ours).toHaveProperty([key]);
  });
});
