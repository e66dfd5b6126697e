import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  copyrightLicenses,
  DpkgCataloger,
  parseDpkgStatus,
} from '../src/catalogers/dpkg';
import { detectOs, OS_RELEASE_PATHS } from '../src/os-release';
import type { CatalogFile, CatalogResult, Package } from '../src/types';
import { fileFromCorpus, filesFromRoot } from './os-fixtures';

const available = corpusAvailable();

function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(corpusPath(...parts), 'utf8'));
}

function catalogRoot(root: string): CatalogResult {
  const cataloger = new DpkgCataloger();
  const files = filesFromRoot(root, cataloger.paths);
  for (const file of files) cataloger.add(file);
  const { os } = detectOs(filesFromRoot(root, OS_RELEASE_PATHS));
  return cataloger.finish({ os });
}

function catalogFiles(files: readonly CatalogFile[]): CatalogResult {
  const cataloger = new DpkgCataloger();
  for (const file of files) cataloger.add(file);
  return cataloger.finish({ os: undefined });
}

function ids(packages: readonly Package[]): string[] {
  return packages.map((pkg) => `${pkg.name}@${pkg.version}`).sort();
}

interface TrivyPackage {
  ID: string;
  Arch: string;
  SrcName: string;
  SrcVersion: string;
  SrcRelease?: string;
  SrcEpoch?: number;
}

interface TrivyCase {
  case: string;
  extracted_dir: string;
  want: { PackageInfos: { Packages: TrivyPackage[] }[] };
}

const TRIVY_CASES = [
  'corrupsed',
  'digest',
  'md5sums',
  'only-apt',
  'third-party',
  'valid',
];

describe.skipIf(!available)('DpkgCataloger against trivy', () => {
  it.each(TRIVY_CASES)('finds the packages trivy finds in %s', (name) => {
    const expected = readJson(
      'pkgdb/dpkg/trivy',
      `${name}.expected.json`,
    ) as TrivyCase;
    const want = expected.want.PackageInfos.flatMap((info) => info.Packages);

    const result = catalogRoot(
      corpusPath('pkgdb/dpkg/trivy', expected.extracted_dir),
    );

    expect(ids(result.packages)).toEqual(want.map((pkg) => pkg.ID).sort());
    expect(sourcesAndArchitectures(result.packages)).toEqual(
      want.map(trivySourceAndArchitecture).sort(),
    );
  });

  it('says the corrupted database lost records, where trivy is silent', () => {
    const result = catalogRoot(corpusPath('pkgdb/dpkg/trivy/corrupsed'));

    expect(result.complete).toBe(false);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining(
        '"brokenPackageWithNoVersionThatShouldGetThrownOut": no Version',
      ),
      expect.stringContaining('"invalidpkg": the version "1:5.#"'),
    ]);
  });
});

function sourcesAndArchitectures(packages: readonly Package[]): string[] {
  return packages
    .map(
      (pkg) =>
        `${pkg.name} ${pkg.source?.name ?? ''} ${pkg.source?.version ?? ''} ` +
        (pkg.architecture ?? ''),
    )
    .sort();
}

/** trivy splits a Debian version into epoch, version and release. */
function trivySourceAndArchitecture(pkg: TrivyPackage): string {
  const name = pkg.ID.slice(0, pkg.ID.indexOf('@'));
  const epoch = pkg.SrcEpoch === undefined ? '' : `${pkg.SrcEpoch}:`;
  const release = pkg.SrcRelease === undefined ? '' : `-${pkg.SrcRelease}`;
  return `${name} ${pkg.SrcName} ${epoch}${pkg.SrcVersion}${release} ${pkg.Arch}`;
}

interface SyftImageCase {
  rootfs: string;
  expected_packages: {
    Name: string;
    Version: string;
    PURL?: string;
    Licenses: { license: string }[];
    Metadata: { Source: string; Architecture: string };
  }[];
}

describe.skipIf(!available)('DpkgCataloger against syft', () => {
  it.each(['image-dpkg', 'image-distroless-deb'])(
    'finds what syft finds in the %s root',
    (name) => {
      const expected = readJson(
        'pkgdb/dpkg/syft',
        `${name}.expected.json`,
      ) as SyftImageCase;

      const result = catalogRoot(corpusPath('pkgdb/dpkg/syft', name));

      expect(result.complete).toBe(true);
      expect(result.packages.map(syftView)).toEqual(
        expected.expected_packages.map((pkg) => ({
          id: `${pkg.Name}@${pkg.Version}`,
          licenses: pkg.Licenses.map((l) => l.license).sort(),
          source: pkg.Metadata.Source,
          architecture: pkg.Metadata.Architecture,
        })),
      );
    },
  );

  it('writes the purl syft writes, less its non-standard upstream', () => {
    const expected = readJson(
      'pkgdb/dpkg/syft/image-dpkg.expected.json',
    ) as SyftImageCase;

    const result = catalogRoot(corpusPath('pkgdb/dpkg/syft/image-dpkg'));

    const syftPurl = expected.expected_packages[0]?.PURL ?? '';
    expect(result.packages[0]?.purl).toBe(
      syftPurl.replace(/&upstream=[^&]*/, ''),
    );
  });

  const parseCases = available
    ? (
        readJson('pkgdb/dpkg/syft/expected-parseDpkgStatus.json') as {
          cases: SyftParseCase[];
        }
      ).cases
    : [];

  it.each(parseCases.map((c) => [c.name, c] as const))(
    'reads the status.d case "%s" as syft does',
    (_name, parseCase) => {
      const file = fileFromCorpus(
        `/var/lib/dpkg/status.d/${parseCase.fixture.split('/').pop() ?? ''}`,
        corpusPath('pkgdb/dpkg/syft', parseCase.fixture),
      );

      const result = catalogFiles([file]);

      const wanted = (parseCase.expected_entries ?? [])
        .filter((entry) => entry.Version !== undefined)
        .map((entry) => `${entry.Package}@${entry.Version ?? ''}`)
        .sort();
      expect(ids(result.packages)).toEqual(wanted);
      if (parseCase.expect_error === true) {
        expect(result.complete).toBe(false);
      }
    },
  );

  const copyrightCases = available
    ? (
        readJson('pkgdb/dpkg/syft/expected-copyright-licenses.json') as {
          fixtures: { fixture: string; expected: string[] | null }[];
        }
      ).fixtures
    : [];

  it.each(copyrightCases.map((c) => [c.fixture, c] as const))(
    'reads the licences syft reads from %s',
    (fixture, copyrightCase) => {
      const text = readFileSync(
        corpusPath('pkgdb/dpkg/syft', fixture.replace(/^testdata\//, '')),
        'utf8',
      );

      const licenses = copyrightLicenses(text);

      expect(licenses.sort()).toEqual((copyrightCase.expected ?? []).sort());
    },
  );

  const headerCases = available
    ? (
        readJson('pkgdb/dpkg/syft/expected-copyright-licenses.json') as {
          format_header_cases: {
            name: string;
            content: string;
            machineReadable: boolean;
          }[];
        }
      ).format_header_cases
    : [];

  it.each(headerCases.map((c) => [c.name, c] as const))(
    'tells a machine-readable file as syft does: %s',
    (_name, headerCase) => {
      const text = `${headerCase.content}\nLicense: MIT\n`;

      const licenses = copyrightLicenses(text);

      expect(licenses.length > 0).toBe(headerCase.machineReadable);
    },
  );
});

interface SyftParseCase {
  name: string;
  fixture: string;
  expected_entries?: { Package: string; Version?: string }[];
  expect_error?: boolean;
}

function syftView(pkg: Package): unknown {
  return {
    id: `${pkg.name}@${pkg.version}`,
    licenses: [...pkg.licenses].sort(),
    source: pkg.source?.name,
    architecture: pkg.architecture,
  };
}

describe.skipIf(!available)(
  'DpkgCataloger on databases without a peer list',
  () => {
    it('reads every stanza of the Ubuntu 10.04 status file', () => {
      const root = corpusPath('pkgdb/dpkg/snyk/ubuntu_10_04');
      const text = readFileSync(`${root}/var/lib/dpkg/status`, 'utf8');
      const stanzas = parseDpkgStatus(text).length;

      const result = catalogRoot(root);

      expect(result.packages).toHaveLength(stanzas);
      expect(result.diagnostics).toEqual([]);
      expect(result.complete).toBe(true);
    });
  },
);
