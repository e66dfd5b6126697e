import { existsSync, readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { detectOs, OS_RELEASE_PATHS } from '../src/os-release';
import type { CatalogFile } from '../src/types';
import { catalogFile, fileFromCorpus, filesFromRoot } from './os-fixtures';

/** What a peer tool expects: an OS, or none (`null`). */
type Expected = { id: string; version: string | undefined } | null;

interface OsCase {
  peer: 'snyk' | 'syft' | 'trivy' | 'trivy-analyzers';
  name: string;
  files: CatalogFile[];
  expected: Expected;
}

/** Peers' names for distributions, as imagegate's os-release IDs. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['oracle', 'ol'],
  ['redhat', 'rhel'],
  ['alma', 'almalinux'],
  ['cbl-mariner', 'mariner'],
  ['centos-stream', 'centos'],
  ['amazon', 'amzn'],
]);

/** Trivy calls every SUSE Micro variant `slem`. */
const SLEM_IDS = new Set(['sle-micro', 'sle-micro-rancher', 'sl-micro']);

/**
 * Where imagegate and a peer differ on purpose. Each test below checks
 * that the difference still holds, so the list stays true.
 */
const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map([
  [
    'snyk debian:unstable',
    'snyk labels unstable "unstable"; imagegate reports no VERSION_ID ' +
      '(and so an unsupported release) for a rolling Debian suite',
  ],
  [
    'syft testdata/os/busybox',
    'syft reads the BusyBox version out of /bin/busybox; imagegate does ' +
      'not scan binaries and reports the OS as unknown',
  ],
  [
    'syft testdata/os/debian/from-debian_version',
    'syft keeps the point release 10.8; imagegate keeps the release ' +
      'series 10, as VERSION_ID names it',
  ],
  [
    'syft testdata/os/debian/with-point-release',
    'syft takes the point release 13.5 from debian_version; imagegate ' +
      "keeps os-release's VERSION_ID 13",
  ],
  [
    'trivy-analyzers debian/debian: happy path with debian 9',
    'trivy keeps the point release 9.8; imagegate keeps the series 9',
  ],
  [
    'trivy-analyzers debian/debian: happy path with debian sid',
    'trivy reports "buster/sid" as the version; imagegate reports no ' +
      'version and the codename buster',
  ],
  [
    'trivy-analyzers amazonlinux/amazonlinux: ' +
      'sad path amazon linux 2 without code name',
    'trivy requires a codename after "release 2"; imagegate reads amzn 2',
  ],
]);

/** The file each of trivy's OS analyzers reads. */
const ANALYZER_FILES: Readonly<Record<string, string>> = {
  'alpine/alpine': '/etc/alpine-release',
  'amazonlinux/amazonlinux': '/etc/system-release',
  'debian/debian': '/etc/debian_version',
  'redhatbase/alma': '/etc/almalinux-release',
  'redhatbase/centos': '/etc/centos-release',
  'redhatbase/fedora': '/etc/fedora-release',
  'redhatbase/oracle': '/etc/oracle-release',
  'redhatbase/redhatbase': '/etc/redhat-release',
  'redhatbase/rocky': '/etc/rocky-release',
  'ubuntu/ubuntu': '/etc/lsb-release',
};

const available = corpusAvailable();
const cases: OsCase[] = available
  ? [...snykCases(), ...syftCases(), ...trivyCases(), ...analyzerCases()]
  : [];

describe.skipIf(!available)('detectOs against the peers’ corpus', () => {
  it.each(cases.map((c) => [`${c.peer} ${c.name}`, c] as const))(
    'matches %s',
    (label, osCase) => {
      const { os } = detectOs(osCase.files);

      const actual = os === undefined ? null : os;
      const agrees = matches(osCase, actual);

      const known = KNOWN_DIFFERENCES.get(label);
      expect(agrees, known ?? `${label}: got ${JSON.stringify(actual)}`).toBe(
        known === undefined,
      );
    },
  );

  it('lists only differences that name a real case', () => {
    const labels = new Set(cases.map((c) => `${c.peer} ${c.name}`));

    const stale = [...KNOWN_DIFFERENCES.keys()].filter((k) => !labels.has(k));

    expect(stale).toEqual([]);
  });
});

function matches(
  osCase: OsCase,
  os: { id: string; versionId: string | undefined; supported: boolean } | null,
): boolean {
  const { expected, peer } = osCase;
  if (expected === null) return os === null || !os.supported;
  if (os === null) return false;
  return (
    sameId(expected.id, os.id) &&
    sameVersion(peer, expected.version, os.versionId)
  );
}

function sameId(peerId: string, id: string): boolean {
  if (peerId === 'slem') return SLEM_IDS.has(id);
  // openSUSE Leap 42 still called itself `opensuse`.
  if (peerId === 'opensuse-leap' && id === 'opensuse') return true;
  return (ALIASES.get(peerId) ?? peerId) === id;
}

function sameVersion(
  peer: OsCase['peer'],
  expected: string | undefined,
  actual: string | undefined,
): boolean {
  if (expected === actual) return true;
  if (expected === undefined || actual === undefined) return false;
  // Snyk keeps only the major number of Red Hat and Debian releases.
  if (peer === 'snyk' && actual.startsWith(`${expected}.`)) return true;
  return numeric(expected) === numeric(actual);
}

/** `15.0` and `15` name one release. */
function numeric(version: string): string {
  return version.replace(/(?:\.0+)+$/, '');
}

function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(corpusPath(...parts), 'utf8'));
}

function snykCases(): OsCase[] {
  const { cases: entries } = readJson('os-release/snyk/expected.json') as {
    cases: Record<
      string,
      { dir: string; expected: { name: string; version: string } }
    >;
  };
  const named = Object.entries(entries).map(([name, entry]) => {
    const root = corpusPath('os-release/snyk', entry.dir, 'fs');
    const noOs = ['scratch', 'unknown'].includes(entry.expected.name);
    return {
      peer: 'snyk' as const,
      name,
      files: entry.dir === '' ? [] : filesFromRoot(root, OS_RELEASE_PATHS),
      expected: noOs
        ? null
        : { id: entry.expected.name, version: entry.expected.version },
    };
  });
  // MANIFEST.md: the corrupt fixtures must make detection fail.
  const corrupt = [
    'alpine_release_corrupt',
    'debian_version_corrupt',
    'lsb_release_corrupt',
    'os_release_corrupt',
  ].map((dir) => ({
    peer: 'snyk' as const,
    name: dir,
    files: filesFromRoot(
      corpusPath('os-release/snyk', dir, 'fs'),
      OS_RELEASE_PATHS,
    ),
    expected: null,
  }));
  return [...named, ...corrupt];
}

interface SyftRelease {
  ID?: string;
  VersionID?: string;
}

function syftCases(): OsCase[] {
  const tests = readJson('os-release/syft/expected.json') as Record<
    string,
    { fixture: string; release?: SyftRelease | null }[]
  >;
  const singleFile: Readonly<Record<string, string>> = {
    TestParseOsRelease: '/etc/os-release',
    TestParseSystemReleaseCPE: '/etc/system-release-cpe',
    TestParseRedhatRelease: '/etc/redhat-release',
  };
  return Object.entries(tests).flatMap(([test, entries]) =>
    entries.map((entry) => {
      const local = corpusPath(
        'os-release/syft',
        entry.fixture.replace(/^testdata\//, ''),
      );
      const imagePath = singleFile[test];
      const files =
        imagePath === undefined
          ? filesFromRoot(local, OS_RELEASE_PATHS)
          : [fileFromCorpus(imagePath, local)];
      const release = entry.release ?? undefined;
      return {
        peer: 'syft' as const,
        name:
          test === 'TestIdentifyRelease'
            ? entry.fixture
            : `${test} ${entry.fixture}`,
        files,
        expected:
          release?.ID === undefined
            ? null
            : { id: release.ID, version: release.VersionID },
      };
    }),
  );
}

interface TrivyOs {
  Family: string;
  Name: string;
}

function trivyCases(): OsCase[] {
  const entries = readJson('os-release/trivy/expected.json') as {
    name: string;
    fixture: string;
    want_os: TrivyOs | null;
  }[];
  const seen = new Set<string>();
  return entries
    .filter((entry) => !seen.has(entry.name) && seen.add(entry.name))
    .map((entry) => ({
      peer: 'trivy' as const,
      name: entry.name,
      files: [
        fileFromCorpus(
          '/etc/os-release',
          corpusPath('os-release/trivy', entry.fixture),
        ),
      ],
      expected: trivyExpected(entry.want_os),
    }));
}

interface AnalyzerCase {
  name: string;
  input?: { FilePath: string; Content: { inline_content: string } };
  inputFile?: string;
  local_fixture?: string;
  want?: { OS: TrivyOs } | null;
  wantResult?: { OS: TrivyOs };
  wantErr?: unknown;
  _analyzer_test: string;
}

function analyzerCases(): OsCase[] {
  const entries = readJson(
    'os-release/trivy-os-analyzers/expected.json',
  ) as AnalyzerCase[];
  return entries.flatMap((entry): OsCase[] => {
    const files = analyzerFiles(entry);
    if (files === undefined) return [];
    const want = entry.want?.OS ?? entry.wantResult?.OS;
    return [
      {
        peer: 'trivy-analyzers',
        name: `${analyzerOf(entry)}: ${entry.name}`,
        files,
        expected: want === undefined ? null : trivyExpected(want),
      },
    ];
  });
}

/** The case's file at the path its analyzer reads; undefined if out of scope. */
function analyzerFiles(entry: AnalyzerCase): CatalogFile[] | undefined {
  if (entry.input !== undefined) {
    const path = `/${entry.input.FilePath.replace(/^\//, '')}`;
    return [catalogFile(path, entry.input.Content.inline_content)];
  }
  const path = ANALYZER_FILES[analyzerOf(entry)];
  // The Ubuntu ESM analyzer reads ubuntu-advantage's status, not a release.
  if (path === undefined || entry.inputFile === undefined) return undefined;
  const local =
    entry.local_fixture === undefined
      ? undefined
      : corpusPath(entry.local_fixture);
  // trivy's `empty` fixtures are empty files; they are not in the corpus.
  if (local === undefined || !existsSync(local)) {
    return entry.inputFile.endsWith('/empty')
      ? [catalogFile(path, '')]
      : undefined;
  }
  return [fileFromCorpus(path, local)];
}

/** `redhatbase/alma_test.go:Test_...` → `redhatbase/alma`. */
function analyzerOf(entry: AnalyzerCase): string {
  return entry._analyzer_test.replace(/_test\.go:.*$/, '');
}

function trivyExpected(os: TrivyOs | null): Expected {
  if (os === null) return null;
  // trivy's Amazon names read `AMI release 2018.03` or `2 (Karoo)`.
  const version =
    os.Family === 'amazon' ? /\d+(?:\.\d+)*/.exec(os.Name)?.[0] : os.Name;
  return { id: os.Family, version };
}
