import { readFileSync } from 'node:fs';
import {
  corpusAvailable,
  corpusPath,
  spdxSchemaCheck,
} from '@imagegate/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../src/inventory';
import { formatSpdx, toSpdx, type SpdxDocument } from '../src/spdx';
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

function withLicenses(...sets: string[][]): Inventory {
  return withPackages(
    sample,
    sets.map((licenses, i) => ({
      name: `p${i}`,
      purl: `pkg:npm/p${i}@1`,
      licenses,
    })),
  );
}

function declared(document: SpdxDocument, name: string): string | undefined {
  return document.packages.find((pkg) => pkg.name === name)?.licenseDeclared;
}

/** Every SPDXID unique, and every reference to one defined. */
function referenceProblems(document: SpdxDocument): string[] {
  const ids = [document.SPDXID, ...document.packages.map((p) => p.SPDXID)];
  const problems: string[] = [];
  if (new Set(ids).size !== ids.length) problems.push('duplicate SPDXID');
  for (const id of ids) {
    if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(id)) problems.push(`bad id ${id}`);
  }
  for (const r of document.relationships) {
    for (const id of [r.spdxElementId, r.relatedSpdxElement]) {
      if (!ids.includes(id)) problems.push(`undefined element ${id}`);
    }
  }
  const defined = new Set(
    (document.hasExtractedLicensingInfos ?? []).map((l) => l.licenseId),
  );
  for (const pkg of document.packages) {
    for (const ref of pkg.licenseDeclared.match(/LicenseRef-[\w.-]+/g) ?? []) {
      if (!defined.has(ref)) problems.push(`undefined licence ${ref}`);
    }
  }
  return problems;
}

describe('toSpdx', () => {
  it('describes the image as a container package with its digest', () => {
    const document = toSpdx(sample, { timestamp: TIMESTAMP });

    const image = document.packages[0];
    expect(image).toMatchObject({
      name: 'registry.example/team/app',
      SPDXID: 'SPDXRef-DocumentRoot-Image',
      versionInfo: sample.image.digest,
      primaryPackagePurpose: 'CONTAINER',
      checksums: [
        {
          algorithm: 'SHA256',
          checksumValue: sample.image.digest.slice('sha256:'.length),
        },
      ],
    });
    expect(image?.externalRefs?.[0]?.referenceLocator).toMatch(
      /^pkg:oci\/app@/,
    );
    expect(document.relationships[0]).toEqual({
      spdxElementId: 'SPDXRef-DOCUMENT',
      relatedSpdxElement: 'SPDXRef-DocumentRoot-Image',
      relationshipType: 'DESCRIBES',
    });
    expect(document.creationInfo.created).toBe('2024-05-01T12:00:00Z');
  });

  it('lists the OS and every package as contained by the image', () => {
    const document = toSpdx(sample);

    const contained = document.relationships
      .filter((r) => r.relationshipType === 'CONTAINS')
      .map((r) => r.relatedSpdxElement);
    expect(contained).toHaveLength(sample.packages.length + 1);
    expect(contained[0]).toBe('SPDXRef-OperatingSystem');
    expect(document.packages[1]).toMatchObject({
      name: 'debian',
      versionInfo: '12',
      primaryPackagePurpose: 'OPERATING_SYSTEM',
    });
    expect(referenceProblems(document)).toEqual([]);
  });

  it('records the layer, instruction and record file of a package', () => {
    const document = toSpdx(sample);

    const curl = document.packages.find((pkg) => pkg.name === 'curl');
    expect(curl?.SPDXID).toMatch(/^SPDXRef-Package-deb-curl-[0-9a-f]{16}$/);
    expect(curl?.sourceInfo).toBe(
      "found by imagegate's fake-status cataloger in /var/lib/dpkg/status",
    );
    expect(curl?.comment).toContain(`layer 1: ${sample.layers[1]?.digest}`);
    expect(curl?.comment).toContain(
      'created by: |1 TOKEN=*** /bin/sh -c apt-get install curl',
    );
    expect(curl?.externalRefs).toEqual([
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: 'pkg:deb/debian/curl@7.88.1-10?arch=amd64',
      },
    ]);
  });

  it.each([
    [[], 'NOASSERTION'],
    [['MIT'], 'MIT'],
    [['apache-2.0'], 'Apache-2.0'],
    [['MIT OR Apache-2.0'], 'MIT OR Apache-2.0'],
    [['MIT OR Apache-2.0', 'Zlib'], '(MIT OR Apache-2.0) AND Zlib'],
    [['GPL-2+'], 'LicenseRef-GPL-2-plus'],
    [['GPL-2+', 'MIT'], 'LicenseRef-GPL-2-plus AND MIT'],
    [['Artistic or GPL'], 'LicenseRef-Artistic-or-GPL'],
  ])('declares %j as %s', (licenses, expected) => {
    const document = toSpdx(withLicenses(licenses));

    expect(declared(document, 'p0')).toBe(expected);
    expect(referenceProblems(document)).toEqual([]);
  });

  it('defines each free-text licence once, numbered when names clash', () => {
    const document = toSpdx(withLicenses(['GPL 2+', 'GPL-2+'], ['GPL-2+']));

    expect(declared(document, 'p0')).toBe(
      'LicenseRef-GPL-2-plus AND LicenseRef-GPL-2-plus-2',
    );
    expect(declared(document, 'p1')).toBe('LicenseRef-GPL-2-plus-2');
    expect(
      document.hasExtractedLicensingInfos?.map((l) => [
        l.licenseId,
        l.extractedText,
      ]),
    ).toEqual([
      ['LicenseRef-GPL-2-plus', 'GPL 2+'],
      ['LicenseRef-GPL-2-plus-2', 'GPL-2+'],
    ]);
  });

  it('says in its comment what is unknown or incomplete', () => {
    const inventory: Inventory = {
      ...sample,
      os: undefined,
      osStatus: 'unknown',
      complete: false,
      incompleteReasons: ['layer 2: truncated'],
      diagnostics: [SAMPLE_DIAGNOSTIC],
    };

    const document = toSpdx(inventory);

    expect(document.comment.split('\n')).toEqual([
      'operating system: unknown',
      'inventory: INCOMPLETE: layer 2: truncated',
      'diagnostic: fake-status: skipped-record: /var/lib/dpkg/status: stanza 3 has no Version; skipped',
    ]);
    expect(document.packages.some((p) => p.SPDXID.includes('Operating'))).toBe(
      false,
    );
  });

  it('keeps SPDXIDs unique for identical records', () => {
    const twin = withLicenses(['MIT'], ['MIT']);
    const same = twin.packages.map((pkg) => ({ ...pkg, name: 'twin' }));

    const document = toSpdx({ ...twin, packages: same });

    expect(referenceProblems(document)).toEqual([]);
  });

  it('is deterministic: two runs differ only in the timestamp', async () => {
    const again = await inventoryOf(SAMPLE_IMAGE);

    const first = formatSpdx(sample, { timestamp: TIMESTAMP });
    const second = formatSpdx(again, { timestamp: LATER_TIMESTAMP });

    expect(second.replace('2025-01-02T03:04:05Z', '2024-05-01T12:00:00Z')).toBe(
      first,
    );
  });

  it('derives the namespace from the content', () => {
    const other = withLicenses(['MIT']);

    const namespace = toSpdx(sample).documentNamespace;

    expect(namespace).toMatch(
      /^https:\/\/spdx\.org\/spdxdocs\/imagegate\/registry\.example-team-app-[0-9a-f-]{36}$/,
    );
    expect(toSpdx(other).documentNamespace).not.toBe(namespace);
    expect(
      toSpdx(sample, { namespaceBase: 'https://example.test/sbom' })
        .documentNamespace,
    ).toMatch(/^https:\/\/example\.test\/sbom\//);
  });
});

describe('SPDX schema', () => {
  const available = corpusAvailable();

  it.skipIf(!available)('validates documents against SPDX 2.3', () => {
    const check = spdxSchemaCheck();
    const mixed: Inventory = {
      ...withLicenses(['GPL-2+', 'MIT OR Apache-2.0'], []),
      complete: false,
      incompleteReasons: ['cut short'],
    };

    expect(check(toSpdx(sample))).toEqual([]);
    expect(check(toSpdx(mixed))).toEqual([]);
  });

  it.skipIf(!available)('rejects a document the schema forbids', () => {
    const check = spdxSchemaCheck();
    const document = toSpdx(sample) as unknown as Record<string, unknown>;

    expect(check({ ...document, creationInfo: { creators: [] } })).not.toEqual(
      [],
    );
  });

  it.skipIf(!available)('has the fields of syft’s image document', () => {
    const golden = JSON.parse(
      readFileSync(
        corpusPath(
          'sbom-goldens',
          'syft',
          'spdxjson',
          'TestSPDXJSONImageEncoder.golden',
        ),
        'utf8',
      ),
    ) as { packages: Record<string, unknown>[] } & Record<string, unknown>;
    const document = toSpdx(sample);

    for (const key of Object.keys(golden)) expect(document).toHaveProperty(key);
    const goldenImage = golden.packages.find(
      (p) => p.primaryPackagePurpose === 'CONTAINER',
    );
    for (const key of Object.keys(goldenImage ?? {})) {
      expect(document.packages[0]).toHaveProperty([key]);
    }
    const goldenPackage = golden.packages[1] ?? {};
    const curl = document.packages.find((p) => p.name === 'curl');
    for (const key of Object.keys(goldenPackage)) {
      expect(curl).toHaveProperty([key]);
    }
  });
});
