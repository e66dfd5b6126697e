import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { PythonCataloger } from '../src/catalogers/python';
import {
  headerValue,
  metadataLicenses,
  normalizePythonName,
  parseMetadataHeaders,
} from '../src/catalogers/python-metadata';
import type { CatalogResult } from '../src/types';
import { inventoryOf } from './sbom-fixtures';

const encoder = new TextEncoder();
const SITE = '/usr/lib/python3.12/site-packages';

function catalog(
  files: readonly { path: string; content: string | Uint8Array | undefined }[],
): CatalogResult {
  const cataloger = new PythonCataloger();
  for (const { path, content } of files) {
    cataloger.add({
      path,
      content: typeof content === 'string' ? encoder.encode(content) : content,
      layerIndex: 1,
    });
  }
  return cataloger.finish();
}

function ids(packages: readonly { name: string; version: string }[]): string[] {
  return packages.map((p) => `${p.name}@${p.version}`).sort();
}

// ---------------------------------------------------------------------------
// The corpus: real metadata with the results syft and Trivy expect.

const PY = 'pkgdb/python';
const hasCorpus = corpusAvailable();

function corpusJson(path: string): unknown {
  return JSON.parse(readFileSync(corpusPath(path), 'utf8'));
}

function filesUnder(dir: string): string[] {
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir).flatMap((name) => filesUnder(join(dir, name)));
}

interface SyftInstalledCase {
  name: string;
  fixture: string;
  expectedPackages: { Name: string; Version?: string }[];
}

interface TrivyCase {
  name: string;
  input: string;
  want: { Name: string; Version: string; Licenses: string[] | null }[] | null;
  _local_fixtures: string[];
}

describe.skipIf(!hasCorpus)('PythonCataloger on the corpus (syft)', () => {
  const cases = hasCorpus
    ? (
        corpusJson(`${PY}/syft/expected.cataloger.json`) as {
          tests: { Test_InstalledPackageCataloger: SyftInstalledCase[] };
        }
      ).tests.Test_InstalledPackageCataloger
    : [];

  // syft lower-cases names (`pygments`); imagegate keeps the metadata's
  // spelling (`Pygments`), so names are compared normalised per PEP 503.
  it.each(cases.map((c) => [c.name, c] as const))(
    'finds the packages of "%s" through the layer walk as syft does',
    async (_name, expected) => {
      const dir = corpusPath(
        PY,
        'syft',
        expected.fixture.replace(/^testdata\//, ''),
      );
      const base = join(dir, '..');
      const entries = filesUnder(dir).map((file) => ({
        name: `${SITE.slice(1)}/${relative(base, file)}`,
        content: readFileSync(file),
      }));

      const inventory = await inventoryOf(
        { layers: [{ entries }] },
        { catalogers: [new PythonCataloger()] },
      );

      const normal = (list: readonly { name: string; version: string }[]) =>
        ids(list.map((p) => ({ ...p, name: normalizePythonName(p.name) })));
      expect(normal(inventory.packages)).toEqual(
        normal(
          expected.expectedPackages.map((p) => ({
            name: p.Name,
            version: p.Version ?? '',
          })),
        ),
      );
    },
  );

  const parseCases = hasCorpus
    ? Object.values(
        (
          corpusJson(`${PY}/syft/expected.parse_wheel_egg_metadata.json`) as {
            tests: Record<string, unknown[]>;
          }
        ).tests,
      )
        .flat()
        .filter(
          (c): c is ParseCase =>
            typeof c === 'object' && c !== null && 'Fixture' in c,
        )
    : [];

  interface ParseCase {
    Fixture: string;
    ExpectedMetadata: {
      Licenses: string;
      PythonPackage: { Name: string; Version: string };
    };
    _local_fixtures: string[];
  }

  it.each(parseCases.map((c) => [c.Fixture, c] as const))(
    'reads the fields of %s as syft does',
    (fixture, expected) => {
      const local = `${PY}/syft/${fixture.replace(/^testdata\//, '')}`;
      const headers = parseMetadataHeaders(
        readFileSync(corpusPath(local), 'utf8'),
      );

      const { Name, Version } = expected.ExpectedMetadata.PythonPackage;
      expect(headerValue(headers, 'Name')).toBe(Name);
      expect(headerValue(headers, 'Version')).toBe(Version);
      expect(headerValue(headers, 'License') ?? '').toBe(
        expected.ExpectedMetadata.Licenses,
      );
    },
  );
});

describe.skipIf(!hasCorpus)('PythonCataloger on the corpus (Trivy)', () => {
  const cases = hasCorpus
    ? (
        corpusJson(`${PY}/trivy/packaging/expected.parse.json`) as {
          tests: { TestParse: TrivyCase[] };
        }
      ).tests.TestParse
    : [];
  // Trivy keeps `UNKNOWN` (setuptools' "not given") and points at a
  // License-File it cannot name; imagegate reports no licence for either.
  const licenseDifferences = new Map<string, string[]>([
    ['setuptools-51.3.3-py3.8.egg-info.PKG-INFO', []],
    ['unidecode-egg-info.PKG-INFO', []],
    ['networkx-3.0.METADATA', []],
  ]);

  it.each(cases.map((c) => [c.input, c] as const))(
    'reads %s as Trivy does',
    (_input, expected) => {
      const fixture = expected._local_fixtures[0] ?? '';
      const base = fixture.slice(fixture.lastIndexOf('/') + 1);

      const result = catalog([
        {
          path: `${SITE}/x.dist-info/METADATA`,
          content: readFileSync(corpusPath(fixture)),
        },
      ]);

      const want = expected.want ?? [];
      expect(ids(result.packages)).toEqual(
        ids(want.map((p) => ({ name: p.Name, version: p.Version }))),
      );
      if (want[0] !== undefined) {
        expect(result.packages[0]?.licenses).toEqual(
          licenseDifferences.get(base) ?? want[0].Licenses ?? [],
        );
      } else {
        expect(result.diagnostics).toMatchObject([{ kind: 'skipped-record' }]);
      }
    },
  );
});

// ---------------------------------------------------------------------------

describe('PythonCataloger', () => {
  it('reports a wheel with a PEP 503 purl and its licence expression', () => {
    const result = catalog([
      {
        path: `${SITE}/Zope.Interface-6.0.dist-info/METADATA`,
        content:
          'Metadata-Version: 2.4\nName: Zope.Interface\nVersion: 6.0\n' +
          'License-Expression: ZPL-2.1\nClassifier: License :: OSI Approved :: Zope Public License\n\nBody: not a header\n',
      },
    ]);

    expect(result.packages).toEqual([
      {
        name: 'Zope.Interface',
        version: '6.0',
        type: 'pypi',
        purl: 'pkg:pypi/zope-interface@6.0',
        licenses: ['ZPL-2.1'],
        locations: [`${SITE}/Zope.Interface-6.0.dist-info/METADATA`],
        layerIndex: 1,
        cataloger: 'python',
      },
    ]);
  });

  it.each([
    [
      'a specific classifier over the field',
      'License: BSD\nClassifier: License :: OSI Approved :: BSD License\n',
      ['BSD License'],
    ],
    [
      'the field when classifiers name none',
      'License: MIT\nClassifier: License :: OSI Approved\n',
      ['MIT'],
    ],
    ['nothing for UNKNOWN', 'License: UNKNOWN\n', []],
    [
      'nothing for a whole licence text',
      'License: Copyright (c) 2020\n        Permission is granted\n',
      [],
    ],
  ])('takes %s', (_what, fields, licenses) => {
    const headers = parseMetadataHeaders(`Name: x\nVersion: 1\n${fields}`);

    expect(metadataLicenses(headers)).toEqual(licenses);
  });

  it('reports a distribution without a version, and skips one without a name', () => {
    const result = catalog([
      {
        path: `${SITE}/a.egg-info`,
        content: 'Metadata-Version: 1.0\nName: a\n',
      },
      { path: `${SITE}/b.dist-info/METADATA`, content: 'Version: 1.0\n' },
    ]);

    expect(ids(result.packages)).toEqual(['a@']);
    expect(result.packages[0]?.purl).toBe('pkg:pypi/a');
    expect(result.diagnostics).toMatchObject([
      { path: `${SITE}/b.dist-info/METADATA`, kind: 'skipped-record' },
    ]);
    expect(result.complete).toBe(true);
  });

  it('keeps hostile names as data and pollutes nothing', () => {
    const name = '::error::x\u001b[31m__proto__';

    const result = catalog([
      {
        path: `${SITE}/x.dist-info/METADATA`,
        content: `Name: ${name}\nVersion: 1.0\nconstructor: y\n__proto__: z\n`,
      },
    ]);

    expect(result.packages[0]?.name).toBe(name);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports unreadable metadata and marks the result incomplete', () => {
    const cataloger = new PythonCataloger();
    cataloger.add({
      path: `${SITE}/x.dist-info/METADATA`,
      content: undefined,
      layerIndex: 0,
      skipped: 'too-large',
    });

    const result = cataloger.finish();

    expect(result.diagnostics).toMatchObject([{ kind: 'too-large' }]);
    expect(result.complete).toBe(false);
  });

  it('reads 10 MB of continuation lines in bounded time', () => {
    const result = catalog([
      {
        path: `${SITE}/x.dist-info/METADATA`,
        content: `Name: x\nVersion: 1\nDescription: a\n${'        line\n'.repeat(800_000)}`,
      },
    ]);

    expect(ids(result.packages)).toEqual(['x@1']);
  });
});
