import { describe, expect, it } from 'vitest';
import { parseGemSpec, RubyCataloger } from '../src/catalogers/ruby';
import type { CatalogResult } from '../src/types';
import { inventoryOf } from './sbom-fixtures';

const encoder = new TextEncoder();
const SPECS = '/usr/local/lib/ruby/gems/3.3.0/specifications';

function catalog(
  files: readonly { path: string; content: string | undefined }[],
): CatalogResult {
  const cataloger = new RubyCataloger();
  for (const { path, content } of files) {
    cataloger.add({
      path,
      content: content === undefined ? undefined : encoder.encode(content),
      layerIndex: 2,
    });
  }
  return cataloger.finish();
}

/** A gemspec as RubyGems 3 writes it for an installed gem. */
const RAKE = `# -*- encoding: utf-8 -*-
# stub: rake 13.1.0 ruby lib

Gem::Specification.new do |s|
  s.name = "rake".freeze
  s.version = "13.1.0".freeze

  s.required_rubygems_version = Gem::Requirement.new(">= 1.3.2".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/ruby/rake/issues" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Hiroshi SHIBATA".freeze, "Eric Hodel".freeze]
  s.licenses = ["MIT".freeze]
  s.summary = "Rake is a Make-like program implemented in Ruby".freeze
end
`;

/** A native gem: platform in the stub and the spec. */
const NOKOGIRI = `# -*- encoding: utf-8 -*-
# stub: nokogiri 1.16.0 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "nokogiri".freeze
  s.version = "1.16.0".freeze
  s.platform = "x86_64-linux".freeze
  s.licenses = ["MIT".freeze, "Apache-2.0".freeze]
end
`;

/** An old-style spec: %q{} literals and a single licence. */
const OLD = `Gem::Specification.new do |s|
  s.name = %q{json_pure}
  s.version = "1.8.6"
  s.license = 'Ruby'
end
`;

describe('parseGemSpec', () => {
  it.each([
    [
      'a RubyGems 3 spec',
      RAKE,
      { name: 'rake', version: '13.1.0', platform: 'ruby', licenses: ['MIT'] },
    ],
    [
      'a native gem',
      NOKOGIRI,
      {
        name: 'nokogiri',
        version: '1.16.0',
        platform: 'x86_64-linux',
        licenses: ['MIT', 'Apache-2.0'],
      },
    ],
    [
      'an old spec',
      OLD,
      {
        name: 'json_pure',
        version: '1.8.6',
        platform: undefined,
        licenses: ['Ruby'],
      },
    ],
    [
      'a spec with only its stub line',
      '# stub: bundler 2.5.3 ruby lib\n',
      { name: 'bundler', version: '2.5.3', platform: 'ruby', licenses: [] },
    ],
  ])('reads %s', (_what, text, expected) => {
    expect(parseGemSpec(text)).toEqual(expected);
  });

  it('never runs or interprets Ruby code', () => {
    const spec = parseGemSpec(
      's.name = `rm -rf /`\ns.version = File.read("VERSION")\ns.name = "real"\n',
    );

    expect(spec).toEqual({
      name: 'real',
      version: undefined,
      platform: undefined,
      licenses: [],
    });
  });
});

describe('RubyCataloger', () => {
  it('reports installed and default gems with gem purls', () => {
    const result = catalog([
      { path: `${SPECS}/rake-13.1.0.gemspec`, content: RAKE },
      {
        path: `${SPECS}/nokogiri-1.16.0-x86_64-linux.gemspec`,
        content: NOKOGIRI,
      },
      { path: `${SPECS}/default/json_pure-1.8.6.gemspec`, content: OLD },
    ]);

    expect(
      result.packages.map((p) => [p.name, p.version, p.purl, p.licenses]),
    ).toEqual([
      ['rake', '13.1.0', 'pkg:gem/rake@13.1.0', ['MIT']],
      [
        'nokogiri',
        '1.16.0',
        'pkg:gem/nokogiri@1.16.0?platform=x86_64-linux',
        ['MIT', 'Apache-2.0'],
      ],
      ['json_pure', '1.8.6', 'pkg:gem/json_pure@1.8.6', ['Ruby']],
    ]);
    expect(result.packages[0]).toMatchObject({
      type: 'gem',
      locations: [`${SPECS}/rake-13.1.0.gemspec`],
      layerIndex: 2,
      cataloger: 'ruby',
    });
    expect(result.complete).toBe(true);
  });

  it('finds gemspecs through its globs in a layer walk', async () => {
    const inventory = await inventoryOf(
      {
        layers: [
          {
            entries: [
              {
                name: 'usr/local/bundle/specifications/rake-13.1.0.gemspec',
                content: RAKE,
              },
              {
                name: 'usr/local/bundle/gems/rake-13.1.0/rake.gemspec',
                content: RAKE,
              },
            ],
          },
        ],
      },
      { catalogers: [new RubyCataloger()] },
    );

    expect(inventory.packages.map((p) => p.locations)).toEqual([
      ['/usr/local/bundle/specifications/rake-13.1.0.gemspec'],
    ]);
  });

  it('skips a spec without a name and reports an unreadable one', () => {
    const result = catalog([
      {
        path: `${SPECS}/odd.gemspec`,
        content: 'Gem::Specification.new do |s|\nend\n',
      },
      { path: `${SPECS}/big.gemspec`, content: undefined },
    ]);

    expect(result.packages).toEqual([]);
    expect(result.diagnostics.map((d) => d.kind)).toEqual([
      'skipped-record',
      'unreadable',
    ]);
    expect(result.complete).toBe(false);
  });

  it('keeps hostile names as data and pollutes nothing', () => {
    const result = catalog([
      {
        path: `${SPECS}/x.gemspec`,
        content: 's.name = "::error::x\\e[31m__proto__"\ns.version = "1"\n',
      },
    ]);

    expect(result.packages[0]?.name).toBe('::error::xe[31m__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads pathological lines in bounded time', () => {
    const line = `s.licenses = [${'"\\'.repeat(2000)}]\n`;

    const result = catalog([
      {
        path: `${SPECS}/x.gemspec`,
        content: `s.name = "x"\n${line.repeat(2000)}${'"'.repeat(1_000_000)}\n`,
      },
    ]);

    expect(result.packages.map((p) => p.name)).toEqual(['x']);
  });
});
