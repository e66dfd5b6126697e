import { readFileSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  JavaCataloger,
  type JavaCatalogerOptions,
} from '../src/catalogers/java';
import { parseArchiveName } from '../src/catalogers/java-archive-name';
import {
  parseJavaManifest,
  parseProperties,
  pomLicenses,
} from '../src/catalogers/java-manifest';
import type { CatalogResult } from '../src/types';
import { inventoryOf } from './sbom-fixtures';

const encoder = new TextEncoder();

/** One member of a test zip; deflated unless `stored`. */
interface Member {
  name: string;
  content: string | Uint8Array;
  stored?: boolean;
  /** Writes this uncompressed size instead of the real one. */
  declaredSize?: number;
}

/** A zip archive (jar) built in memory: local headers, directory, end. */
function zip(members: readonly Member[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const member of members) {
    const name = encoder.encode(member.name);
    const raw =
      typeof member.content === 'string'
        ? encoder.encode(member.content)
        : member.content;
    const data = member.stored === true ? raw : deflateRawSync(raw);
    const method = member.stored === true ? 0 : 8;
    const size = member.declaredSize ?? raw.length;
    const crc = crc32(raw);
    const local = header(30, name, (view) => {
      view.setUint32(0, 0x04034b50, true);
      view.setUint16(8, method, true);
      view.setUint32(14, crc, true);
      view.setUint32(18, data.length, true);
      view.setUint32(22, size, true);
      view.setUint16(26, name.length, true);
    });
    centrals.push(
      header(46, name, (view) => {
        view.setUint32(0, 0x02014b50, true);
        view.setUint16(10, method, true);
        view.setUint32(16, crc, true);
        view.setUint32(20, data.length, true);
        view.setUint32(24, size, true);
        view.setUint16(28, name.length, true);
        view.setUint32(42, offset, true);
      }),
    );
    locals.push(local, data);
    offset += local.length + data.length;
  }
  const directory = concat(centrals);
  const end = new Uint8Array(22);
  const view = new DataView(end.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, members.length, true);
  view.setUint16(10, members.length, true);
  view.setUint32(12, directory.length, true);
  view.setUint32(16, offset, true);
  return concat([...locals, directory, end]);
}

function header(
  size: number,
  name: Uint8Array,
  fill: (view: DataView) => void,
): Uint8Array {
  const bytes = new Uint8Array(size + name.length);
  fill(new DataView(bytes.buffer));
  bytes.set(name, size);
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function pom(groupId: string, artifactId: string, version: string): string {
  return `groupId=${groupId}\nartifactId=${artifactId}\nversion=${version}\n`;
}

function catalog(
  files: readonly { path: string; content: Uint8Array | undefined }[],
  options: JavaCatalogerOptions = {},
): CatalogResult {
  const cataloger = new JavaCataloger(options);
  for (const { path, content } of files) {
    cataloger.add({ path, content, layerIndex: 4 });
  }
  return cataloger.finish();
}

function ids(result: CatalogResult): string[] {
  return result.packages.map((p) => `${p.name}@${p.version}`).sort();
}

// ---------------------------------------------------------------------------
// The corpus: real archives with the results Trivy expects, and syft's
// manifest and pom.properties readings.

const JAVA = 'pkgdb/java';
const hasCorpus = corpusAvailable();

function corpusJson(path: string): unknown {
  return JSON.parse(readFileSync(corpusPath(path), 'utf8'));
}

interface TrivyCase {
  name: string;
  file: string;
  offline?: boolean;
  want: { Name: string; Version: string; Licenses?: string[] }[];
  _local_fixtures: string[];
}

describe.skipIf(!hasCorpus)('JavaCataloger on the corpus (Trivy)', () => {
  const cases = hasCorpus
    ? (
        corpusJson(`${JAVA}/trivy-jar/expected.parse.json`) as {
          tests: { TestParse: TrivyCase[] };
        }
      ).tests.TestParse
    : [];
  // Cases where Trivy asked Maven Central: imagegate never goes online.
  // "sha1 search" is the same test.jar as "offline"; "artifactId search"
  // found the group id online, so only artifact and version compare.
  const online = new Set(['sha1 search']);
  const artifactOnly = new Set(['artifactId search']);

  it.each(
    cases.filter((c) => !online.has(c.name)).map((c) => [c.name, c] as const),
  )('reads the archive of "%s" as Trivy does', (name, expected) => {
    const fixture = expected._local_fixtures[0] ?? '';
    const base = fixture.slice(fixture.lastIndexOf('/') + 1);

    const result = catalog([
      { path: `/opt/app/${base}`, content: readFileSync(corpusPath(fixture)) },
    ]);

    const trivy = [
      ...new Set(expected.want.map((p) => `${p.Name}@${p.Version}`)),
    ].sort();
    const strip = (id: string) =>
      artifactOnly.has(name) ? id.replace(/^[^:@]*:/, '') : id;
    expect(ids(result).map(strip)).toEqual(trivy.map(strip));
    expect(result.complete).toBe(true);
  });

  it('locates nested archives inside their outer archive', () => {
    const result = catalog([
      {
        path: '/opt/nested.jar',
        content: readFileSync(corpusPath(`${JAVA}/trivy-jar/nested.jar`)),
      },
    ]);

    expect(result.packages.map((p) => [p.purl, p.locations])).toEqual([
      ['pkg:maven/test/nested@0.0.1', ['/opt/nested.jar']],
      [
        'pkg:maven/test/nested2@0.0.2',
        ['/opt/nested.jar!/META-INF/jars/nested2.jar'],
      ],
      [
        'pkg:maven/test/nested3@0.0.3',
        [
          '/opt/nested.jar!/META-INF/jars/nested2.jar!/META-INF/jars/nested3.jar',
        ],
      ],
    ]);
  });

  it('takes licences from pom.xml and the Jenkins manifest', () => {
    const result = catalog([
      {
        path: '/opt/license-from-jenkins-plugin.jar',
        content: readFileSync(
          corpusPath(`${JAVA}/trivy-jar/license-from-jenkins-plugin.jar`),
        ),
      },
      {
        path: '/opt/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar',
        content: readFileSync(
          corpusPath(
            `${JAVA}/trivy-jar/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar`,
          ),
        ),
      },
    ]);

    const licenses = new Map(result.packages.map((p) => [p.name, p.licenses]));
    expect(licenses.get('com.example:jenkins-plugin')).toEqual([
      'Apache License, Version 2.0',
      'MIT License',
    ]);
    expect(licenses.get('com.google.j2objc:j2objc-annotations')).toEqual([
      'The Apache Software License, Version 2.0',
    ]);
  });
});

describe.skipIf(!hasCorpus)('JavaCataloger on the corpus (syft, snyk)', () => {
  interface PomCase {
    expected: { GroupID: string; ArtifactID: string; Version: string };
    _local_fixtures: string[];
  }
  const pomCases = hasCorpus
    ? (
        corpusJson(`${JAVA}/syft/expected.parse_pom_properties.json`) as {
          tests: { TestParseJavaPomProperties: PomCase[] };
        }
      ).tests.TestParseJavaPomProperties
    : [];

  it.each(pomCases.map((c) => [c._local_fixtures[0] ?? '', c] as const))(
    'reads %s inside a jar as syft does',
    (fixture, { expected }) => {
      const jar = zip([
        {
          name: 'META-INF/maven/g/a/pom.properties',
          content: readFileSync(corpusPath(fixture)),
        },
      ]);

      const result = catalog([{ path: '/opt/a.jar', content: jar }]);

      expect(ids(result)).toEqual([
        `${expected.GroupID}:${expected.ArtifactID}@${expected.Version}`,
      ]);
    },
  );

  // snyk's expectations live in its test code, not in the corpus: valid
  // files give a package, files without a version or group give none.
  it.each([
    ['valid.pom.properties', ['org.test:org.test.dependency@1.0.0']],
    [
      'mssql-jdbc.pom.properties',
      ['com.microsoft.sqlserver:mssql-jdbc@12.10.2'],
    ],
    ['incomplete.pom.properties', []],
    ['invalid.pom.properties', []],
  ])('reads snyk %s inside a jar', (fixture, expected) => {
    const jar = zip([
      {
        name: 'META-INF/maven/g/a/pom.properties',
        content: readFileSync(corpusPath(`${JAVA}/snyk/${fixture}`)),
      },
    ]);

    expect(ids(catalog([{ path: '/opt/lib.jar', content: jar }]))).toEqual(
      expected,
    );
  });

  interface ManifestCase {
    fixture: string;
    expected: {
      Main: { Key: string; Value: string }[];
      Sections?: { Key: string; Value: string }[][];
    };
  }
  const manifestCases = hasCorpus
    ? (
        corpusJson(`${JAVA}/syft/expected.parse_java_manifest.json`) as {
          tests: { TestParseJavaManifest: ManifestCase[] };
        }
      ).tests.TestParseJavaManifest
    : [];
  // syft trims all leading blanks of a continuation line; the JAR
  // specification removes exactly one, as imagegate does.
  const continuationDifference = new Map([
    [
      'testdata/manifest/leading-space',
      'initialconfig:com   $    # aka not empty line',
    ],
  ]);

  it.each(manifestCases.map((c) => [c.fixture, c] as const))(
    'parses the manifest %s as syft does',
    (fixture, { expected }) => {
      const text = readFileSync(
        corpusPath(`${JAVA}/syft/${fixture.replace(/^testdata\//, '')}`),
        'utf8',
      );

      const manifest = parseJavaManifest(text);

      const entries = (list: readonly { Key: string; Value: string }[]) =>
        list.map((e) => [e.Key.toLowerCase(), e.Value]);
      const main = entries(expected.Main).map(([key, value]) =>
        key === 'key-keykeykey'
          ? [key, continuationDifference.get(fixture) ?? value]
          : [key, value],
      );
      expect([...manifest.main]).toEqual(main);
      expect(manifest.sections.map((s) => [...s])).toEqual(
        (expected.Sections ?? []).map(entries),
      );
    },
  );

  interface VersionCase {
    name: string;
    manifest: {
      Main: { Key: string; Value: string }[];
      Sections?: { Key: string; Value: string }[][];
    };
    expected: string;
  }
  const versionCases = hasCorpus
    ? (
        corpusJson(`${JAVA}/syft/expected.parse_java_manifest.json`) as {
          tests: { TestSelectVersion: VersionCase[] };
        }
      ).tests.TestSelectVersion
    : [];

  it.each(versionCases.map((c, i) => [`${i}: ${c.name}`, c] as const))(
    'selects the manifest version of case %s as syft does',
    (_name, { manifest, expected }) => {
      const lines = (list: readonly { Key: string; Value: string }[]) =>
        list.map((e) => `${e.Key}: ${e.Value}\n`).join('');
      const text = [manifest.Main, ...(manifest.Sections ?? [])]
        .map(lines)
        .join('\n');
      const jar = zip([{ name: 'META-INF/MANIFEST.MF', content: text }]);

      const result = catalog([{ path: '/opt/tool.jar', content: jar }]);

      expect(result.packages.map((p) => p.version)).toEqual([expected]);
    },
  );

  interface NameCase {
    filename: string;
    name: string;
    version: string;
    extension: string;
  }
  const nameCases = hasCorpus
    ? (
        corpusJson(`${JAVA}/syft/expected.archive_filename.json`) as {
          tests: { TestExtractInfoFromJavaArchiveFilename: NameCase[] };
        }
      ).tests.TestExtractInfoFromJavaArchiveFilename
    : [];

  it.each(nameCases.map((c) => [c.filename, c] as const))(
    'splits the file name %s as syft does',
    (filename, expected) => {
      const parsed = parseArchiveName(filename.replace(/^.*:/, ''));

      expect([parsed.name, parsed.version ?? '']).toEqual([
        expected.name,
        expected.version,
      ]);
    },
  );
});

// ---------------------------------------------------------------------------

describe('JavaCataloger', () => {
  it('names an archive without pom.properties from its manifest', () => {
    const jar = zip([
      {
        name: 'META-INF/MANIFEST.MF',
        content:
          'Manifest-Version: 1.0\r\nImplementation-Title: commons-foo\r\n' +
          'Implementation-Version: 2.1\r\nBundle-SymbolicName: org.apache.comm\r\n ons.foo\r\n' +
          'Bundle-License: https://www.apache.org/licenses/LICENSE-2.0.txt;link=x\r\n\r\n',
      },
    ]);

    const result = catalog([
      { path: '/usr/share/java/commons-foo.jar', content: jar },
    ]);

    expect(result.packages).toEqual([
      {
        name: 'org.apache.commons:commons-foo',
        version: '2.1',
        type: 'maven',
        purl: 'pkg:maven/org.apache.commons/commons-foo@2.1',
        licenses: ['https://www.apache.org/licenses/LICENSE-2.0.txt'],
        locations: ['/usr/share/java/commons-foo.jar'],
        layerIndex: 4,
        cataloger: 'java',
      },
    ]);
  });

  it('falls back to the file name, and skips an archive with no version at all', () => {
    const result = catalog([
      {
        path: '/app/lib/netty-codec-4.1.100.Final.jar',
        content: zip([{ name: 'a.class', content: 'x' }]),
      },
      {
        path: '/app/app.jar',
        content: zip([
          { name: 'META-INF/MANIFEST.MF', content: 'Main-Class: App\n' },
        ]),
      },
    ]);

    expect(ids(result)).toEqual(['netty-codec@4.1.100.Final']);
    // A Maven purl needs the group id, which the file name does not give.
    expect(result.packages[0]?.purl).toBe('');
  });

  it('adds the paths of copies and links of one archive to its packages', () => {
    const jar = zip([
      {
        name: 'META-INF/maven/g/a/pom.properties',
        content: pom('g', 'a', '1.0'),
      },
    ]);

    const result = catalog([
      { path: '/usr/share/java/a-1.0.jar', content: jar },
      { path: '/usr/share/java/a.jar', content: jar },
    ]);

    expect(result.packages).toHaveLength(1);
    expect(result.packages[0]?.locations).toEqual([
      '/usr/share/java/a-1.0.jar',
      '/usr/share/java/a.jar',
    ]);
  });

  it('reads an archive found by its glob in a layer walk', async () => {
    const jar = zip([
      {
        name: 'META-INF/maven/org.x/lib/pom.properties',
        content: pom('org.x', 'lib', '3.0'),
      },
    ]);

    const inventory = await inventoryOf(
      {
        layers: [
          {
            entries: [
              { name: 'srv/app/WEB-INF/lib/lib-3.0.JAR', content: jar },
            ],
          },
        ],
      },
      { catalogers: [new JavaCataloger()] },
    );

    expect(inventory.packages.map((p) => [p.purl, p.locations])).toEqual([
      ['pkg:maven/org.x/lib@3.0', ['/srv/app/WEB-INF/lib/lib-3.0.JAR']],
    ]);
  });

  it('reads properties the Java way', () => {
    const properties = parseProperties(
      '! comment\nkey1 = a\\\n    b\nkey2:c\\u0041\nkey3 d\nkey\\=4=e\n',
    );

    expect([...properties]).toEqual([
      ['key1', 'ab'],
      ['key2', 'cA'],
      ['key3', 'd'],
      ['key=4', 'e'],
    ]);
  });

  it('reads licence names from pom.xml, entities decoded', () => {
    const xml =
      '<project><licenses><license><name>Apache &amp; MIT</name></license>' +
      '<license><name><![CDATA[BSD]]></name></license></licenses></project>';

    expect(pomLicenses(xml)).toEqual(['Apache & MIT', 'BSD']);
  });
});

describe('JavaCataloger on hostile archives', () => {
  it('refuses a member that inflates past the cap, whatever it declares', () => {
    const bomb = zip([
      {
        name: 'META-INF/maven/g/a/pom.properties',
        content: new Uint8Array(50 * 1024 * 1024),
        declaredSize: 10,
      },
      {
        name: 'META-INF/maven/g/b/pom.properties',
        content: pom('g', 'b', '1.0'),
      },
    ]);

    const result = catalog([{ path: '/opt/bomb.jar', content: bomb }]);

    expect(bomb.length).toBeLessThan(100_000);
    expect(ids(result)).toEqual(['g:b@1.0']);
    expect(result.diagnostics).toMatchObject([
      {
        path: '/opt/bomb.jar!/META-INF/maven/g/a/pom.properties',
        kind: 'too-large',
      },
    ]);
    expect(result.complete).toBe(false);
  });

  it('stops at the nesting cap and says so', () => {
    let jar = zip([
      {
        name: 'META-INF/maven/g/deepest/pom.properties',
        content: pom('g', 'deepest', '1'),
      },
    ]);
    for (let depth = 6; depth > 0; depth--) {
      jar = zip([
        {
          name: `META-INF/maven/g/level${depth}/pom.properties`,
          content: pom('g', `level${depth}`, '1'),
        },
        { name: 'lib/inner.jar', content: jar },
      ]);
    }

    const result = catalog([{ path: '/opt/outer.jar', content: jar }]);

    expect(ids(result)).toEqual([
      'g:level1@1',
      'g:level2@1',
      'g:level3@1',
      'g:level4@1',
      'g:level5@1',
    ]);
    expect(result.diagnostics).toMatchObject([
      { kind: 'too-large', message: 'archives nested deeper than 4' },
    ]);
    expect(result.complete).toBe(false);
  });

  it('caps members, nested archives and inflated bytes per archive file', () => {
    const small = zip([
      {
        name: 'META-INF/maven/g/a/pom.properties',
        content: pom('g', 'a', '1'),
      },
    ]);
    const many = zip(
      Array.from({ length: 20 }, (_, i) => ({
        name: `lib/x${i}.jar`,
        content: small,
      })),
    );

    const byEntries = catalog([{ path: '/opt/many.jar', content: many }], {
      limits: { maxEntries: 10 },
    });
    const byArchives = catalog([{ path: '/opt/many.jar', content: many }], {
      limits: { maxArchives: 5 },
    });
    const byBytes = catalog([{ path: '/opt/many.jar', content: many }], {
      limits: { maxInflatedBytes: 2000 },
    });

    expect(byEntries.packages).toEqual([]);
    expect(byEntries.diagnostics).toMatchObject([{ kind: 'too-large' }]);
    expect(byArchives.packages).toHaveLength(4);
    expect(byArchives.complete).toBe(false);
    expect(byBytes.packages.length).toBeLessThan(20);
    expect(byBytes.complete).toBe(false);
  });

  it('reports corrupt archives instead of failing', () => {
    const truncated = zip([
      {
        name: 'META-INF/maven/g/a/pom.properties',
        content: pom('g', 'a', '1'),
      },
    ]).slice(0, 40);

    const result = catalog([
      { path: '/opt/text.jar', content: encoder.encode('not a zip at all') },
      { path: '/opt/truncated.jar', content: truncated },
      { path: '/opt/big.jar', content: undefined },
    ]);

    expect(result.packages).toEqual([]);
    expect(result.diagnostics.map((d) => [d.path, d.kind])).toEqual([
      ['/opt/text.jar', 'unreadable'],
      ['/opt/truncated.jar', 'unreadable'],
      ['/opt/big.jar', 'unreadable'],
    ]);
    expect(result.complete).toBe(false);
  });

  it('keeps hostile names as data and pollutes nothing', () => {
    const jar = zip([
      {
        name: 'META-INF/maven/x/y/pom.properties',
        content:
          '__proto__=polluted\nconstructor=x\ngroupId=::error::g\nartifactId=\\u001b[31ma\nversion=1\n',
      },
      {
        name: 'META-INF/MANIFEST.MF',
        content: '__proto__: polluted\nprototype: x\n',
      },
    ]);

    const result = catalog([{ path: '/opt/y.jar', content: jar }]);

    expect(ids(result)).toEqual(['::error::g:\u001b[31ma@1']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
