import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { RpmCataloger } from '../src/catalogers/rpm';
import type { CatalogResult, Package } from '../src/types';

const available = corpusAvailable();

function rpmFixture(...parts: string[]): Uint8Array {
  return readFileSync(corpusPath('pkgdb', 'rpm', ...parts));
}

function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(corpusPath('pkgdb', 'rpm', ...parts), 'utf8'));
}

function catalog(content: Uint8Array, path = '/var/lib/rpm/Packages') {
  const cataloger = new RpmCataloger();
  cataloger.add({ path, content, layerIndex: 0 });
  return cataloger.finish({ os: undefined });
}

function byName(result: CatalogResult, name: string): Package | undefined {
  return result.packages.find((pkg) => pkg.name === name);
}

/** `name@[epoch:]version-release`, as both sides write it here. */
function nevr(name: string, epoch: number | null, v: string, r: string) {
  return `${name}@${epoch === null ? '' : `${epoch}:`}${v}-${r}`;
}

interface GoRpmdbPackage {
  epoch: number | null;
  name: string;
  version: string;
  release: string;
  arch: string;
  sourceRpm: string;
  license: string;
}

interface GoRpmdbOne {
  want: {
    Name: string;
    Version: string;
    Release: string;
    Arch: string;
    SourceRpm: string;
    License: string;
    Epoch?: number;
  };
}

describe.skipIf(!available)('RpmCataloger against go-rpmdb', () => {
  it('lists the 35 packages of the SLE 15 ndb database (TestPackageList)', () => {
    const { packages: expected } = readJson(
      'go-rpmdb',
      'sle15-bci-ndb',
      'expected.json',
    ) as { packages: GoRpmdbPackage[] };

    const result = catalog(
      rpmFixture('go-rpmdb', 'sle15-bci-ndb', 'Packages.db'),
    );

    expect(result.complete).toBe(true);
    expect(result.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(
      expected.map((p) => nevr(p.name, p.epoch, p.version, p.release)).sort(),
    );
    for (const want of expected) {
      expect(byName(result, want.name)).toMatchObject({
        architecture: want.arch,
        licenses: [want.license],
        source: { name: expect.any(String) as string },
      });
    }
  });

  it.each([
    ['cbl-mariner-2.0-sqlite', 'rpmdb.sqlite'],
    ['libuuid-bdb', 'Packages'],
  ])(
    'finds the package of %s with its metadata (TestRpmDB_Package)',
    (dir, file) => {
      const { want } = readJson('go-rpmdb', dir, 'expected.json') as GoRpmdbOne;

      const result = catalog(rpmFixture('go-rpmdb', dir, file));

      expect(result.complete).toBe(true);
      expect(byName(result, want.Name)).toMatchObject({
        version: nevr(
          want.Name,
          want.Epoch ?? null,
          want.Version,
          want.Release,
        ).split('@')[1] as string,
        architecture: want.Arch,
        licenses: [want.License],
      });
      const source = byName(result, want.Name)?.source;
      expect(`${source?.name ?? ''}-${source?.version ?? ''}.src.rpm`).toBe(
        want.SourceRpm,
      );
    },
  );

  it('reads exactly one package from the libuuid Berkeley DB', () => {
    const result = catalog(rpmFixture('go-rpmdb', 'libuuid-bdb', 'Packages'));

    expect(result.packages.map((p) => p.name)).toEqual(['libuuid']);
  });
});

describe.skipIf(!available)('RpmCataloger against syft', () => {
  /** syft's expectation, as the corpus manifest transcribes it. */
  function syftExpectation(): { name: string; version: string; purl: string } {
    const record = readFileSync(corpusPath('manifest.jsonl'), 'utf8')
      .split('\n')
      .map((line) =>
        line === '' ? {} : (JSON.parse(line) as { local?: string }),
      )
      .find((r) => r.local === 'pkgdb/rpm/syft/Packages') as {
      expected: string;
    };
    const [, name, version, purl] =
      /name "([^"]+)", version "([^"]+)", purl (\S+)/.exec(record.expected) ??
      [];
    return { name: name ?? '', version: version ?? '', purl: purl ?? '' };
  }

  it('gives the package and purl syft gives (TestParseRpmDB)', () => {
    const want = syftExpectation();

    const result = catalog(rpmFixture('syft', 'Packages'));

    expect(result.packages.map((p) => [p.name, p.version, p.purl])).toEqual([
      [want.name, want.version, want.purl],
    ]);
  });
});

describe.skipIf(!available)('RpmCataloger on damaged corpus databases', () => {
  const fixtures: [string, string[]][] = [
    ['sqlite', ['go-rpmdb', 'cbl-mariner-2.0-sqlite', 'rpmdb.sqlite']],
    ['bdb', ['go-rpmdb', 'libuuid-bdb', 'Packages']],
    ['ndb', ['go-rpmdb', 'sle15-bci-ndb', 'Packages.db']],
  ];

  it.each(fixtures)('marks a truncated %s database incomplete', (_f, parts) => {
    const bytes = rpmFixture(...parts);

    for (const fraction of [0.1, 0.5, 0.9]) {
      const result = catalog(
        bytes.subarray(0, Math.floor(bytes.length * fraction)),
      );

      expect(result.complete).toBe(false);
      expect(result.diagnostics.length).toBeGreaterThan(0);
    }
  });

  it.each(fixtures)(
    'never throws on a %s database with flipped bytes, nor calls it clean and empty',
    (_format, parts) => {
      const bytes = rpmFixture(...parts);
      let seed = 11;
      for (let round = 0; round < 40; round++) {
        const copy = Uint8Array.from(bytes);
        for (let flips = 0; flips < 16; flips++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          const at = seed % copy.length;
          copy[at] = (copy[at] ?? 0) ^ (seed >>> 24 || 1);
        }

        const result = catalog(copy);

        const cleanAndEmpty = result.complete && result.packages.length === 0;
        expect(cleanAndEmpty).toBe(false);
      }
    },
  );
});
