import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { ApkCataloger, parseApkInstalled } from '../src/catalogers/apk';
import type { CatalogResult, Package } from '../src/types';
import { fileFromCorpus } from './os-fixtures';

const INSTALLED = '/lib/apk/db/installed';
const available = corpusAvailable();

function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(corpusPath(...parts), 'utf8'));
}

function catalog(...corpusFile: string[]): CatalogResult {
  const cataloger = new ApkCataloger();
  cataloger.add(fileFromCorpus(INSTALLED, corpusPath(...corpusFile)));
  return cataloger.finish({ os: undefined });
}

/** Name, version, origin and architecture: what every peer reports. */
function core(pkg: Package): string {
  return [
    `${pkg.name}@${pkg.version}`,
    pkg.source?.name ?? '',
    pkg.architecture ?? '',
  ].join(' ');
}

interface SyftPackage {
  Name: string;
  Version: string;
  Licenses: { license: string }[];
  Metadata: { OriginPackage: string; Architecture: string };
}

function syftCore(pkg: SyftPackage): string {
  const { OriginPackage, Architecture } = pkg.Metadata;
  return `${pkg.Name}@${pkg.Version} ${OriginPackage} ${Architecture}`;
}

describe.skipIf(!available)('ApkCataloger against syft', () => {
  const singles = available
    ? (readJson('pkgdb/apk/syft/expected-single-package.json') as {
        fixture: string;
        expected: SyftPackage;
      }[])
    : [];

  it.each(singles.map((c) => [c.fixture, c.expected] as const))(
    'reads %s as syft does',
    (fixture, expected) => {
      const result = catalog(
        'pkgdb/apk/syft',
        fixture.replace(/^testdata\//, ''),
      );

      expect(result.packages.map(core)).toEqual([syftCore(expected)]);
      expect(result.packages[0]?.licenses).toEqual(
        expected.Licenses.map((l) => l.license),
      );
      expect(result.complete).toBe(true);
    },
  );

  it('reads multiple-1 as syft does', () => {
    const expected = (
      readJson('pkgdb/apk/syft/multiple-1.expected.json') as {
        expected_packages: SyftPackage[];
      }
    ).expected_packages;

    const result = catalog('pkgdb/apk/syft/multiple-1/lib/apk/db/installed');

    expect(result.packages.map(core).sort()).toEqual(
      expected.map(syftCore).sort(),
    );
    expect(result.packages.map((pkg) => pkg.licenses)).toEqual(
      expected.map((pkg) => pkg.Licenses.map((l) => l.license)),
    );
  });

  it('finds every package of syft’s multiple-2 dependency tree', () => {
    const { expected_dependencies: tree } = readJson(
      'pkgdb/apk/syft/multiple-2.expected.json',
    ) as {
      expected_dependencies: Record<string, string[]>;
    };
    const named = new Set([
      ...Object.keys(tree),
      ...Object.values(tree).flat(),
    ]);

    const result = catalog('pkgdb/apk/syft/multiple-2/lib/apk/db/installed');

    const found = new Set(result.packages.map((pkg) => pkg.name));
    expect([...named].filter((name) => !found.has(name))).toEqual([]);
    expect(result.complete).toBe(true);
  });

  it('reports the corrupt database as incomplete, as syft fails on it', () => {
    const result = catalog('pkgdb/apk/syft/corrupt/lib/apk/db/installed');

    expect(result.complete).toBe(false);
    expect(result.diagnostics[0]?.message).toMatch(/not a `K:value` field/);
  });
});

interface TrivyPackage {
  ID: string;
  SrcName: string;
  Arch: string;
}

describe.skipIf(!available)('ApkCataloger against trivy', () => {
  it('finds the 15 packages trivy finds', () => {
    const { packages: expected } = readJson(
      'pkgdb/apk/trivy/installed.expected.json',
    ) as { packages: TrivyPackage[] };

    const result = catalog('pkgdb/apk/trivy/installed');

    expect(result.packages.map(core).sort()).toEqual(
      expected.map((pkg) => `${pkg.ID} ${pkg.SrcName} ${pkg.Arch}`).sort(),
    );
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('"invalidPackageWithoutAVersion": no V:'),
    ]);
  });
});

interface SnykAnalysis {
  Name: string;
  Version: string;
  Source: string;
}

describe.skipIf(!available)('ApkCataloger against snyk', () => {
  it('finds the packages snyk finds on Alpine 2.6.6', () => {
    const expect_ = readJson(
      'pkgdb/apk/snyk/alpine_2_6_6.analyzer-expect.json',
    ) as { results: { Analysis: SnykAnalysis[] }[] };
    const expected = expect_.results.flatMap((r) => r.Analysis);

    const result = catalog('pkgdb/apk/snyk/alpine_2_6_6/lib/apk/db/installed');

    expect(
      result.packages
        .map((pkg) => `${pkg.name}@${pkg.version} ${pkg.source?.name ?? ''}`)
        .sort(),
    ).toEqual(
      expected.map((pkg) => `${pkg.Name}@${pkg.Version} ${pkg.Source}`).sort(),
    );
  });

  it('reads every record of Alpine 3.7.0, which has no peer list', () => {
    const path = 'pkgdb/apk/snyk/alpine_3_7_0/lib/apk/db/installed';
    const records = parseApkInstalled(readFileSync(corpusPath(path), 'utf8'));

    const result = catalog(path);

    expect(result.packages).toHaveLength(records.length);
    expect(result.complete).toBe(true);
  });
});
