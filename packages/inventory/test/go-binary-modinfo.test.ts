import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  isPseudoVersion,
  mainModuleVersion,
  parseModInfo,
  splitFlags,
  unquoteGo,
  versionFromLdflags,
} from '../src/catalogers/go-binary-modinfo';

const available = corpusAvailable();

describe('parseModInfo', () => {
  it('reads the path, main module, dependencies, replacements and settings', () => {
    const text = [
      'path\texample.com/app/cmd/app',
      'mod\texample.com/app\tv1.2.3\th1:x=',
      'dep\tgolang.org/x/text\tv0.14.0\th1:y=',
      'dep\tgithub.com/old/name\tv1.0.0\th1:z=',
      '=>\tgithub.com/new/name\tv1.2.0\th1:w=',
      'build\t-ldflags="-X \\"main.version=v1\\tx\\""',
      'build\tCGO_ENABLED=0',
      'build\tvcs.revision=abc',
      '',
    ].join('\n');

    const info = parseModInfo(text);

    expect(info).toEqual({
      path: 'example.com/app/cmd/app',
      main: { path: 'example.com/app', version: 'v1.2.3' },
      deps: [
        { path: 'golang.org/x/text', version: 'v0.14.0' },
        {
          path: 'github.com/old/name',
          version: 'v1.0.0',
          replace: { path: 'github.com/new/name', version: 'v1.2.0' },
        },
      ],
      settings: new Map([
        ['-ldflags', '-X "main.version=v1\tx"'],
        ['CGO_ENABLED', '0'],
        ['vcs.revision', 'abc'],
      ]),
    });
  });

  it('applies a replacement only to the line right before it', () => {
    const info = parseModInfo('dep\ta\tv1\nbuild\tX=1\n=>\tb\tv2\n');

    expect(info.deps).toEqual([{ path: 'a', version: 'v1' }]);
  });

  it('keeps settings named like prototype members in a Map', () => {
    const info = parseModInfo('build\t__proto__=x\nbuild\tconstructor=y\n');

    expect([...info.settings]).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('unquoteGo', () => {
  it.each([
    ['"plain"', 'plain'],
    ['"a\\tb\\n"', 'a\tb\n'],
    ['"\\x41\\u00e9\\U0001F600\\101"', 'Aé😀A'],
    ['"\\"quoted\\""', '"quoted"'],
  ])('reads %s', (text, value) => {
    expect(unquoteGo(text)).toBe(value);
  });

  it.each(['plain', '"open', '"bad \\q"', '"\\xZZ"', '"\\U00110000"'])(
    'refuses %s',
    (text) => {
      expect(unquoteGo(text)).toBeUndefined();
    },
  );
});

describe('splitFlags', () => {
  it.each([
    ['-s -w', ['-s', '-w']],
    ["-X 'a.b=c d' -w", ['-X', 'a.b=c d', '-w']],
    ['  -X="a.b=c"  ', ['-X="a.b=c"']],
    ['-extldflags "-static -lm"', ['-extldflags', '-static -lm']],
    ["-X 'unterminated", ['-X', 'unterminated']],
  ])('splits %s', (text, args) => {
    expect(splitFlags(text)).toEqual(args);
  });
});

describe('isPseudoVersion', () => {
  it.each([
    ['v0.0.0-20210121094942-22b2f8951d46', true],
    ['v1.0.1-0.20220426205730-d0a4cdb22955', true],
    ['v2.0.0-rc.1.0.20251210145848-560ea94fc7d6', true],
    ['v1.2.3', false],
    ['v1.2.3-rc.1', false],
    ['(devel)', false],
    [`v0.0.0-${'1'.repeat(300)}`, false],
  ])('says %s is %s', (version, expected) => {
    expect(isPseudoVersion(version)).toBe(expected);
  });
});

interface LdflagsCase {
  name: string;
  args: { name: string; flags: string[] };
  want: string;
}

interface ChooseCase {
  name: string;
  version: string;
  ldflagsVersion?: string;
  elfVersion?: string;
  want: string;
}

interface TrivyTables {
  tests: {
    TestParser_ParseLDFlags: LdflagsCase[];
    TestParser_ChooseMainVersion: ChooseCase[];
  };
}

const tables = available
  ? (
      JSON.parse(
        readFileSync(
          corpusPath('pkgdb', 'go-binary', 'trivy', 'expected.parse.json'),
          'utf8',
        ),
      ) as TrivyTables
    ).tests
  : undefined;

/** Cases that need the ELF symbol table, which imagegate does not read. */
function needsElfSymbol(c: ChooseCase): boolean {
  const ldflags = c.ldflagsVersion ?? '';
  return c.elfVersion !== undefined && ldflags === '' && c.want !== c.version;
}

describe.skipIf(!available)('Go version choice against trivy', () => {
  const ldflagsCases = tables?.TestParser_ParseLDFlags ?? [];
  const chooseCases = tables?.TestParser_ChooseMainVersion ?? [];

  it.each(ldflagsCases.map((c) => [c.name, c] as const))(
    'reads the ldflags version: %s',
    (_name, testCase) => {
      const { name, flags } = testCase.args;

      expect(versionFromLdflags(name, flags)).toBe(testCase.want);
    },
  );

  it.each(
    chooseCases
      .filter((c) => !needsElfSymbol(c))
      .map((c) => [c.name, c] as const),
  )('chooses the main version: %s', (_name, testCase) => {
    const chosen = mainModuleVersion(
      testCase.version,
      testCase.ldflagsVersion ?? '',
    );

    expect(chosen).toBe(testCase.want);
  });

  it('leaves the version unknown where trivy reads an ELF symbol', () => {
    const symbolCases = chooseCases.filter(needsElfSymbol);

    expect(symbolCases.map((c) => mainModuleVersion(c.version, ''))).toEqual(
      symbolCases.map((c) => (c.version === '' ? '' : c.version)),
    );
    expect(symbolCases.length).toBe(2);
  });
});
