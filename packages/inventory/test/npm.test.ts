import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { languageCatalogers } from '../src/catalogers/language';
import { NpmCataloger, type NpmCatalogerOptions } from '../src/catalogers/npm';
import { yarnSpecifierName } from '../src/catalogers/npm-yarn-lock';
import type { CatalogFile, CatalogResult } from '../src/types';
import { inventoryOf } from './sbom-fixtures';

const encoder = new TextEncoder();

/** A file of the final view, its content from text or corpus bytes. */
interface FileSpec {
  path: string;
  content: string | Uint8Array | undefined;
  layerIndex?: number;
  skipped?: string;
}

function catalog(
  files: readonly FileSpec[],
  options: NpmCatalogerOptions = {},
): CatalogResult {
  const cataloger = new NpmCataloger(options);
  for (const spec of files) {
    const file: CatalogFile = {
      path: spec.path,
      content:
        typeof spec.content === 'string'
          ? encoder.encode(spec.content)
          : spec.content,
      layerIndex: spec.layerIndex ?? 0,
    };
    if (spec.skipped !== undefined) file.skipped = spec.skipped;
    cataloger.add(file);
  }
  return cataloger.finish();
}

function ids(result: CatalogResult): string[] {
  return result.packages.map((pkg) => `${pkg.name}@${pkg.version}`).sort();
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------
// The corpus: real files with the results syft and Trivy expect of them.

const NPM = 'pkgdb/npm';
const hasCorpus = corpusAvailable();

function corpusBytes(relative: string): Uint8Array {
  return readFileSync(corpusPath(relative));
}

function corpusJson(relative: string): unknown {
  return JSON.parse(readFileSync(corpusPath(relative), 'utf8'));
}

interface SyftCase {
  _expected_packages_summary: string[];
  _local_fixtures: string[];
  ExpectedPkg?: { Licenses?: { license: string }[] };
}

interface TrivyCase {
  name: string;
  inputFile?: string;
  file?: string;
  want?: unknown;
  wantErr?: string;
  _local_fixtures: string[];
}

interface TrivyPackage {
  Name?: string;
  Version?: string;
  Dev?: boolean;
  Licenses?: string[] | null;
}

/** `name@version` of the application a lock file is for. */
function rootProject(relative: string): string {
  const lock = corpusJson(relative) as { name?: string; version?: string };
  return `${lock.name ?? ''}@${lock.version ?? ''}`;
}

describe.skipIf(!hasCorpus)('NpmCataloger on the corpus (syft)', () => {
  const table = hasCorpus
    ? (
        corpusJson(`${NPM}/syft/expected.parse_package_json.json`) as {
          tests: { TestParsePackageJSON: SyftCase[] };
        }
      ).tests.TestParsePackageJSON
    : [];
  // syft reads a string `licenses` array as no licence; npm documents the
  // array form and imagegate keeps its strings.
  const licenseDifferences = new Map([
    ['package-malformed-license.json', ['MIT']],
  ]);

  it.each(table.map((c) => [c._local_fixtures[0] ?? '', c] as const))(
    'reads installed %s as syft does',
    (fixture, expected) => {
      const result = catalog([
        {
          path: '/app/node_modules/x/package.json',
          content: corpusBytes(fixture),
        },
      ]);

      expect(ids(result)).toEqual(sorted(expected._expected_packages_summary));
      const syftLicenses = (expected.ExpectedPkg?.Licenses ?? []).map(
        (l) => l.license,
      );
      const base = fixture.slice(fixture.lastIndexOf('/') + 1);
      expect(result.packages[0]?.licenses).toEqual(
        licenseDifferences.get(base) ?? syftLicenses,
      );
    },
  );

  it('reads a package.json without name or version as no package', () => {
    const result = catalog([
      {
        path: '/app/node_modules/x/package.json',
        content: corpusBytes(`${NPM}/syft/pkg-json/package-partial.json`),
      },
    ]);

    expect(ids(result)).toEqual([]);
    expect(result.diagnostics).toMatchObject([{ kind: 'skipped-record' }]);
  });

  it('reports an unreadable package.json and marks the result incomplete', () => {
    const result = catalog([
      {
        path: '/app/node_modules/x/package.json',
        content: corpusBytes(`${NPM}/syft/corrupt/package.json`),
      },
    ]);

    expect(ids(result)).toEqual([]);
    expect(result.diagnostics).toMatchObject([{ kind: 'unreadable' }]);
    expect(result.complete).toBe(false);
  });

  const lockTests = hasCorpus
    ? Object.entries(
        (
          corpusJson(
            `${NPM}/syft/expected.parse_package_lock.nontable.json`,
          ) as { tests: Record<string, SyftCase> }
        ).tests,
      )
    : [];

  it.each(lockTests)(
    'reads the lock files of %s as syft does, less the root project',
    (_name, expected) => {
      for (const fixture of expected._local_fixtures) {
        const result = catalog([
          { path: '/app/package-lock.json', content: corpusBytes(fixture) },
        ]);
        const root = fixture.includes('corrupt') ? '' : rootProject(fixture);

        // imagegate leaves out the project the lock is for (syft lists it).
        const wanted = expected._expected_packages_summary.filter(
          (id) => id !== root,
        );
        expect(ids(result)).toEqual(sorted(new Set(wanted)));
      }
    },
  );

  it('reads testdata/pkg-lock as the syft lock cataloger does', () => {
    const expected = (
      corpusJson(`${NPM}/syft/expected.cataloger.nontable.json`) as {
        tests: { Test_JavascriptCataloger: SyftCase };
      }
    ).tests.Test_JavascriptCataloger;

    // syft's glob there takes package-lock.json only; its node_modules
    // copies are not in the corpus.
    const result = catalog([
      {
        path: '/src/package-lock.json',
        content: corpusBytes(`${NPM}/syft/pkg-lock/package-lock.json`),
      },
    ]);

    expect(ids(result)).toEqual(sorted(expected._expected_packages_summary));
  });

  const yarnTests = hasCorpus
    ? Object.entries(
        (
          corpusJson(`${NPM}/syft/expected.parse_yarn_lock.nontable.json`) as {
            tests: Record<string, SyftCase>;
          }
        ).tests,
      )
    : [];
  // The root workspace (`name@workspace:.`) is the application itself.
  const yarnDifferences = new Map([
    [`${NPM}/syft/yarn-berry/yarn.lock`, 'c0n-fab_u.laTION@7.7.7'],
  ]);

  it.each(yarnTests)(
    'reads the yarn.lock of %s as syft does',
    (_name, expected) => {
      const [fixture = ''] = expected._local_fixtures;

      const result = catalog([
        { path: '/app/yarn.lock', content: corpusBytes(fixture) },
      ]);

      const wanted = expected._expected_packages_summary.filter(
        (id) => id !== yarnDifferences.get(fixture),
      );
      expect(ids(result)).toEqual(sorted(new Set(wanted)));
      expect(result.diagnostics).toEqual([]);
    },
  );

  it.each(['yarn-dev-deps', 'yarn-berry-dev-deps'])(
    'tells development entries of %s apart through package.json',
    (fixture) => {
      const files = [
        {
          path: '/app/yarn.lock',
          content: corpusBytes(`${NPM}/syft/${fixture}/yarn.lock`),
        },
        {
          path: '/app/package.json',
          content: corpusBytes(`${NPM}/syft/${fixture}/package.json`),
        },
      ];

      const withoutDev = catalog(files);
      const withDev = catalog(files, { includeDevDependencies: true });

      expect(ids(withoutDev)).toEqual(['prod-pkg@1.0.0', 'shared-pkg@1.0.0']);
      expect(ids(withDev)).toEqual([
        'dev-only-transitive@1.0.0',
        'dev-pkg@1.0.0',
        'prod-pkg@1.0.0',
        'shared-pkg@1.0.0',
      ]);
    },
  );

  it.each([
    ['"@babel/code-frame@npm:7.10.4"', '@babel/code-frame'],
    [
      '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4"',
      '@babel/code-frame',
    ],
  ])('names the yarn.lock entry %s', (header, name) => {
    const first = header.replaceAll('"', '').split(',')[0] ?? '';

    expect(yarnSpecifierName(first)).toBe(name);
  });

  const nameTable = hasCorpus
    ? (
        corpusJson(`${NPM}/syft/expected.parse_yarn_lock.json`) as {
          tests: {
            TestParseYarnFindPackageNames: { line: string; expected: string }[];
          };
        }
      ).tests.TestParseYarnFindPackageNames
    : [];

  it.each(nameTable.map((c) => [c.line, c.expected] as const))(
    'finds the package name of %s as syft does',
    (line, name) => {
      const first =
        line.replace(/:$/, '').replaceAll('"', '').split(',')[0] ?? '';

      expect(yarnSpecifierName(first.trim()) ?? '').toBe(name);
    },
  );

  const pnpmTests = hasCorpus
    ? Object.entries(
        (
          corpusJson(`${NPM}/syft/expected.parse_pnpm_lock.nontable.json`) as {
            tests: Record<string, SyftCase>;
          }
        ).tests,
      ).filter(([, c]) => c._local_fixtures.length > 0)
    : [];

  it.each(pnpmTests)(
    'reads the pnpm lock of %s as syft does',
    (name, expected) => {
      const [fixture = ''] = expected._local_fixtures;
      const includeDev = name === 'TestParsePnpmLock';

      const result = catalog(
        [{ path: '/app/pnpm-lock.yaml', content: corpusBytes(fixture) }],
        { includeDevDependencies: includeDev },
      );

      const wanted = sorted(new Set(expected._expected_packages_summary));
      if (includeDev) {
        // The fixture's `packages` were trimmed; imagegate also lists the
        // trimmed ones from the importer's `devDependencies`.
        expect(ids(result)).toEqual(expect.arrayContaining(wanted));
      } else {
        expect(ids(result)).toEqual(wanted);
      }
      if (fixture.includes('corrupt')) {
        expect(result.diagnostics).toMatchObject([{ kind: 'unreadable' }]);
      }
    },
  );
});

describe.skipIf(!hasCorpus)('NpmCataloger on the corpus (Trivy)', () => {
  const packageJsonCases = hasCorpus
    ? (
        corpusJson(`${NPM}/trivy/packagejson/expected.parse.json`) as {
          tests: { TestParse: TrivyCase[] };
        }
      ).tests.TestParse
    : [];
  // Trivy refuses names npm would not publish; imagegate keeps a name as
  // data, whatever it holds, and reports what is installed.
  const nameDifferences = new Map([
    ['invalid_name.json', ['@invalid/packageName/@1.0.0']],
  ]);

  it.each(packageJsonCases.map((c) => [c.name, c] as const))(
    'reads package.json "%s" as Trivy does',
    (_name, expected) => {
      const fixture = expected._local_fixtures[0] ?? '';
      const base = fixture.slice(fixture.lastIndexOf('/') + 1);

      const result = catalog([
        {
          path: '/app/node_modules/x/package.json',
          content: corpusBytes(fixture),
        },
      ]);

      const want = (expected.want as { Package?: TrivyPackage } | undefined)
        ?.Package;
      const trivyIds =
        want?.Name === undefined ? [] : [`${want.Name}@${want.Version ?? ''}`];
      expect(ids(result)).toEqual(nameDifferences.get(base) ?? trivyIds);
      if (want?.Name !== undefined) {
        expect(result.packages[0]?.licenses).toEqual(want.Licenses ?? []);
      }
    },
  );

  const lockCases = hasCorpus
    ? (
        corpusJson(`${NPM}/trivy/package-lock/expected.parse.json`) as {
          tests: { TestParse: TrivyCase[] };
        }
      ).tests.TestParse
    : [];

  it.each(lockCases.map((c) => [c.name, c] as const))(
    'reads package-lock "%s" as Trivy does',
    (_name, expected) => {
      const files = [
        {
          path: '/app/package-lock.json',
          content: corpusBytes(expected._local_fixtures[0] ?? ''),
        },
      ];
      const want = (expected.want ?? []) as TrivyPackage[];
      const trivyIds = (dev: boolean): string[] =>
        sorted(
          new Set(
            want
              .filter((p) => dev || p.Dev !== true)
              .map((p) => `${p.Name ?? ''}@${p.Version ?? ''}`),
          ),
        );

      // Trivy's parser keeps development packages with a flag.
      expect(ids(catalog(files, { includeDevDependencies: true }))).toEqual(
        trivyIds(true),
      );
      expect(ids(catalog(files))).toEqual(trivyIds(false));
    },
  );
});

// ---------------------------------------------------------------------------
// The rule for lock files and installed packages.

const lockV3 = json({
  name: 'app',
  version: '1.0.0',
  lockfileVersion: 3,
  packages: {
    '': { name: 'app', version: '1.0.0' },
    'node_modules/left-pad': { version: '1.3.0', license: 'WTFPL' },
    'node_modules/@scope/util': { version: '2.0.0' },
    'node_modules/jest': { version: '29.0.0', dev: true },
    'node_modules/fsevents': { version: '2.3.3', optional: true },
  },
});

function installed(name: string, version: string, license?: string): string {
  return json({ name, version, license });
}

describe('NpmCataloger', () => {
  it('reports a package a lock file and node_modules both describe once', () => {
    const result = catalog([
      { path: '/app/package-lock.json', content: lockV3, layerIndex: 2 },
      {
        path: '/app/node_modules/left-pad/package.json',
        content: installed('left-pad', '1.3.0'),
        layerIndex: 3,
      },
    ]);

    const leftPad = result.packages.filter((p) => p.name === 'left-pad');
    expect(leftPad).toEqual([
      {
        name: 'left-pad',
        version: '1.3.0',
        type: 'npm',
        purl: 'pkg:npm/left-pad@1.3.0',
        licenses: ['WTFPL'],
        locations: [
          '/app/node_modules/left-pad/package.json',
          '/app/package-lock.json',
        ],
        layerIndex: 2,
        cataloger: 'npm',
      },
    ]);
  });

  it('keeps two versions of one name apart', () => {
    const result = catalog([
      { path: '/app/package-lock.json', content: lockV3 },
      {
        path: '/app/node_modules/left-pad/package.json',
        content: installed('left-pad', '1.3.1'),
      },
    ]);

    expect(ids(result).filter((id) => id.startsWith('left-pad@'))).toEqual([
      'left-pad@1.3.0',
      'left-pad@1.3.1',
    ]);
  });

  it('merges copies of one version installed at several places', () => {
    const result = catalog([
      {
        path: '/app/node_modules/a/node_modules/ms/package.json',
        content: installed('ms', '2.0.0'),
      },
      {
        path: '/app/node_modules/b/node_modules/ms/package.json',
        content: installed('ms', '2.0.0'),
      },
    ]);

    expect(result.packages).toHaveLength(1);
    expect(result.packages[0]?.locations).toEqual([
      '/app/node_modules/a/node_modules/ms/package.json',
      '/app/node_modules/b/node_modules/ms/package.json',
    ]);
  });

  it('keeps the same version in two applications apart', () => {
    const result = catalog([
      {
        path: '/srv/a/node_modules/ms/package.json',
        content: installed('ms', '2.0.0'),
      },
      { path: '/srv/b/package-lock.json', content: lockV1([['ms', '2.0.0']]) },
    ]);

    expect(result.packages.map((p) => p.locations)).toEqual([
      ['/srv/a/node_modules/ms/package.json'],
      ['/srv/b/package-lock.json'],
    ]);
  });

  it('leaves out development lock entries unless asked, but never installed ones', () => {
    const files = [
      { path: '/app/package-lock.json', content: lockV3 },
      {
        path: '/usr/lib/node_modules/jest/package.json',
        content: installed('jest', '29.0.0'),
      },
    ];

    const plain = catalog(files);
    const withDev = catalog(files, { includeDevDependencies: true });

    expect(ids(plain)).toEqual([
      '@scope/util@2.0.0',
      'fsevents@2.3.3',
      'jest@29.0.0',
      'left-pad@1.3.0',
    ]);
    expect(plain.packages.find((p) => p.name === 'jest')?.locations).toEqual([
      '/usr/lib/node_modules/jest/package.json',
    ]);
    expect(withDev.packages.filter((p) => p.name === 'jest')).toHaveLength(2);
  });

  it('reads global modules and the npm bundled with Node', () => {
    const result = catalog([
      {
        path: '/usr/local/lib/node_modules/npm/package.json',
        content: installed('npm', '10.8.2', 'Artistic-2.0'),
      },
      {
        path: '/usr/local/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json',
        content: installed('@npmcli/arborist', '7.5.4', 'ISC'),
      },
    ]);

    expect(result.packages.map((p) => [p.name, p.purl, p.licenses])).toEqual([
      ['@npmcli/arborist', 'pkg:npm/%40npmcli/arborist@7.5.4', ['ISC']],
      ['npm', 'pkg:npm/npm@10.8.2', ['Artistic-2.0']],
    ]);
  });

  it('ignores package.json files deeper inside a package', () => {
    const result = catalog([
      {
        path: '/app/node_modules/x/esm/package.json',
        content: '{"type":"module"}',
      },
      {
        path: '/app/node_modules/x/test/fixtures/package.json',
        content: installed('fixture', '0.0.1'),
      },
      { path: '/app/node_modules/x/package-lock.json', content: lockV3 },
    ]);

    expect(result.packages).toEqual([]);
    expect(result.diagnostics).toEqual([]);
  });

  it('reads aliases of lockfile v1 under their real name', () => {
    const result = catalog([
      {
        path: '/app/package-lock.json',
        content: json({
          lockfileVersion: 1,
          dependencies: { 'case-alias': { version: 'npm:case@1.6.3' } },
        }),
      },
    ]);

    expect(ids(result)).toEqual(['case@1.6.3']);
  });

  it('reads pnpm lock documents as pnpm writes them', () => {
    const project =
      "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n" +
      '      minimist:\n        specifier: 1.2.0\n        version: 1.2.0\n' +
      'packages:\n  minimist@1.2.0:\n    resolution: {integrity: sha512-A}\n' +
      'snapshots:\n  minimist@1.2.0: {}\n';
    const later =
      'packages:\n  left-pad@1.0.0:\n    resolution: {integrity: sha512-B}\n';

    const lead = catalog([
      {
        path: '/a/pnpm-lock.yaml',
        content: `---\n# generated by pnpm\n---\n${project}---\n`,
      },
    ]);
    const inherits = catalog([
      { path: '/a/pnpm-lock.yaml', content: `${project}---\n${later}` },
    ]);
    const broken = catalog([
      {
        path: '/a/pnpm-lock.yaml',
        content: `${project}---\nlockfileVersion: '9.0'\npackages:\n  bad@: {oops\n`,
      },
    ]);
    const empty = catalog([{ path: '/a/pnpm-lock.yaml', content: '' }]);

    expect(ids(lead)).toEqual(['minimist@1.2.0']);
    expect(ids(inherits)).toEqual(['left-pad@1.0.0', 'minimist@1.2.0']);
    expect(ids(broken)).toEqual(['minimist@1.2.0']);
    expect(broken.diagnostics).toMatchObject([{ kind: 'skipped-record' }]);
    expect(empty.diagnostics).toMatchObject([{ kind: 'unreadable' }]);
  });

  it('reads peer-suffixed pnpm keys as one package, whatever their order', () => {
    const v9 = (first: string, second: string): string =>
      `lockfileVersion: '9.0'\npackages:\n  some-pkg@1.0.0(${first}):\n    resolution: {integrity: sha512-A}\n` +
      `  some-pkg@1.0.0(${second}):\n    resolution: {integrity: sha512-B}\n`;
    const v5 =
      'lockfileVersion: 5.4\npackages:\n  /some-pkg/1.0.0_peer-b@2.0.0:\n    resolution: {integrity: sha512-B}\n';

    const one = catalog([
      {
        path: '/a/pnpm-lock.yaml',
        content: v9('peer-a@1.0.0', 'peer-b@2.0.0'),
      },
    ]);
    const other = catalog([
      {
        path: '/a/pnpm-lock.yaml',
        content: v9('peer-b@2.0.0', 'peer-a@1.0.0'),
      },
    ]);
    const old = catalog([{ path: '/a/pnpm-lock.yaml', content: v5 }]);

    expect(ids(one)).toEqual(['some-pkg@1.0.0']);
    expect(one.packages).toEqual(other.packages);
    expect(ids(old)).toEqual(['some-pkg@1.0.0']);
  });

  it('reports a file the walk could not keep and marks the result incomplete', () => {
    const result = catalog([
      {
        path: '/app/package-lock.json',
        content: undefined,
        skipped: 'too-large',
      },
    ]);

    expect(result.diagnostics).toEqual([
      {
        cataloger: 'npm',
        path: '/app/package-lock.json',
        kind: 'too-large',
        message: 'not read (too-large)',
      },
    ]);
    expect(result.complete).toBe(false);
  });

  it('loses nothing when only an application package.json is unavailable', () => {
    const result = catalog([
      { path: '/app/package.json', content: undefined, skipped: 'too-large' },
      {
        path: '/app/node_modules/x/lib/package.json',
        content: undefined,
        skipped: 'too-large',
      },
    ]);

    expect(result.diagnostics).toEqual([]);
    expect(result.complete).toBe(true);
  });
});

function lockV1(packages: readonly (readonly [string, string])[]): string {
  const dependencies = new Map(
    packages.map(([name, version]) => [name, { version }]),
  );
  return json({
    lockfileVersion: 1,
    dependencies: Object.fromEntries(dependencies),
  });
}

// ---------------------------------------------------------------------------
// Hostile input (RELIABILITY items 40, 41, 51).

describe('NpmCataloger on hostile input', () => {
  it('keeps __proto__, constructor and prototype as names, polluting nothing', () => {
    const lock =
      '{"lockfileVersion":3,"packages":{"__proto__":{"polluted":"yes"},' +
      '"node_modules/__proto__":{"version":"1.0.0","polluted":"yes"},' +
      '"node_modules/constructor":{"version":"1.0.0"},' +
      '"node_modules/prototype":{"version":"1.0.0"}}}';
    const manifest =
      '{"name":"__proto__","version":"2.0.0","__proto__":{"polluted":"yes"},' +
      '"license":{"__proto__":{"polluted":"yes"},"type":"MIT"}}';
    const yarn =
      '__proto__@^1:\n  version "1.0.0"\nconstructor@^1:\n  version "1.0.0"\n';
    const pnpm =
      "lockfileVersion: '6.0'\n__proto__:\n  polluted: yes\npackages:\n" +
      '  /__proto__@3.0.0:\n    resolution: {integrity: sha512-A}\n    dev: false\n';

    const result = catalog([
      { path: '/a/package-lock.json', content: lock },
      { path: '/a/node_modules/__proto__/package.json', content: manifest },
      { path: '/b/yarn.lock', content: yarn },
      { path: '/c/pnpm-lock.yaml', content: pnpm },
    ]);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(ids(result)).toEqual([
      '__proto__@1.0.0',
      '__proto__@1.0.0',
      '__proto__@2.0.0',
      '__proto__@3.0.0',
      'constructor@1.0.0',
      'constructor@1.0.0',
      'prototype@1.0.0',
    ]);
    expect(
      result.packages.find((p) => p.version === '2.0.0')?.licenses,
    ).toEqual(['MIT']);
  });

  it('keeps names with workflow commands and ANSI escapes as data', () => {
    const hostile = '::error::pwned\u001b[31m@here</details><img src=x>';

    const result = catalog([
      {
        path: '/app/node_modules/x/package.json',
        content: installed(hostile, '1.0.0\u001b[0m'),
      },
    ]);

    expect(result.packages[0]?.name).toBe(hostile);
    expect(result.packages[0]?.version).toBe('1.0.0\u001b[0m');
    expect(result.packages[0]?.purl).not.toContain('\u001b');
  });

  it('reads deeply nested JSON in bounded time and caps lockfile v1 nesting', () => {
    const depth = 10_000;
    const deepValue = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    let nested = '{}';
    for (let i = depth; i > 0; i--) {
      nested = `{"d${i}":{"version":"1.0.${i}","dependencies":${nested}}}`;
    }

    const result = catalog([
      {
        path: '/app/node_modules/x/package.json',
        content: `{"name":"x","version":"1.0.0","deep":${deepValue}}`,
      },
      {
        path: '/app/package-lock.json',
        content: `{"lockfileVersion":1,"dependencies":${nested}}`,
      },
    ]);

    expect(ids(result)).toContain('x@1.0.0');
    expect(result.packages.filter((p) => p.name.startsWith('d'))).toHaveLength(
      256,
    );
    expect(result.diagnostics).toMatchObject([
      { kind: 'skipped-record', message: 'dependencies nest deeper than 256' },
    ]);
  });

  it('skips malformed files and counts them', () => {
    const result = catalog([
      {
        path: '/a/package-lock.json',
        content: '{"lockfileVersion": 3, "packages": {',
      },
      { path: '/b/package-lock.json', content: '[1, 2, 3]' },
      { path: '/c/pnpm-lock.yaml', content: 'packages: [unclosed' },
      { path: '/d/node_modules/x/package.json', content: '\u0000\u0001binary' },
      { path: '/e/yarn.lock', content: '"@/broken@^1":\n  version "1.0.0"\n' },
    ]);

    expect(result.packages).toEqual([]);
    expect(result.diagnostics.map((d) => [d.path, d.kind])).toEqual([
      ['/a/package-lock.json', 'unreadable'],
      ['/b/package-lock.json', 'unreadable'],
      ['/c/pnpm-lock.yaml', 'unreadable'],
      ['/d/node_modules/x/package.json', 'unreadable'],
      ['/e/yarn.lock', 'skipped-record'],
    ]);
    expect(result.complete).toBe(false);
  });

  it('reads pathological yarn.lock and pnpm lines in linear time', () => {
    const longHeader = `${'"a@'.repeat(300_000)}:\n  version "1"\n`;
    const colons = `x${': '.repeat(300_000)}\n`;
    const aliasBomb =
      "lockfileVersion: '9.0'\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n" +
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n' +
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';

    const result = catalog([
      { path: '/a/yarn.lock', content: longHeader + colons },
      { path: '/b/pnpm-lock.yaml', content: aliasBomb },
    ]);

    expect(
      result.diagnostics.find((d) => d.path === '/b/pnpm-lock.yaml'),
    ).toMatchObject({
      kind: 'unreadable',
    });
  });
});

describe('NpmCataloger in a layer walk', () => {
  it('finds lock files and installed packages through its globs', async () => {
    const inventory = await inventoryOf(
      {
        layers: [
          {
            entries: [
              {
                name: 'app/package.json',
                content: json({ name: 'app', version: '1.0.0' }),
              },
              { name: 'app/package-lock.json', content: lockV3 },
            ],
          },
          {
            entries: [
              {
                name: 'app/node_modules/left-pad/package.json',
                content: installed('left-pad', '1.3.0'),
              },
              {
                name: 'app/node_modules/@scope/util/package.json',
                content: installed('@scope/util', '2.0.0'),
              },
              {
                name: 'app/node_modules/@scope/util/lib/package.json',
                content: '{"type":"module"}',
              },
            ],
          },
        ],
      },
      { catalogers: [new NpmCataloger()] },
    );

    expect(
      inventory.packages.map((p) => [p.name, p.layerIndex, p.locations]),
    ).toEqual([
      [
        '@scope/util',
        0,
        [
          '/app/node_modules/@scope/util/package.json',
          '/app/package-lock.json',
        ],
      ],
      ['fsevents', 0, ['/app/package-lock.json']],
      [
        'left-pad',
        0,
        ['/app/node_modules/left-pad/package.json', '/app/package-lock.json'],
      ],
    ]);
  });
});

describe('languageCatalogers', () => {
  it('returns fresh instances of the six language catalogers', () => {
    const first = languageCatalogers();
    const second = languageCatalogers();

    expect(first.map((c) => c.name)).toEqual([
      'npm',
      'python',
      'java',
      'ruby',
      'php',
      'dotnet',
    ]);
    expect(first.every((c, i) => c !== second[i])).toBe(true);
  });
});
