import { describe, expect, it } from 'vitest';
import { PhpCataloger } from '../src/catalogers/php';
import type { CatalogResult } from '../src/types';
import { inventoryOf } from './sbom-fixtures';

const encoder = new TextEncoder();
const INSTALLED = '/var/www/html/vendor/composer/installed.json';

function catalog(
  files: readonly { path: string; content: string | undefined }[],
): CatalogResult {
  const cataloger = new PhpCataloger();
  for (const { path, content } of files) {
    cataloger.add({
      path,
      content: content === undefined ? undefined : encoder.encode(content),
      layerIndex: 3,
    });
  }
  return cataloger.finish();
}

/** Composer 2's format, trimmed from a real Laravel install. */
const COMPOSER_2 = JSON.stringify({
  packages: [
    {
      name: 'monolog/monolog',
      version: '3.5.0',
      version_normalized: '3.5.0.0',
      type: 'library',
      license: ['MIT'],
    },
    {
      name: 'symfony/console',
      version: 'v7.0.2',
      version_normalized: '7.0.2.0',
      license: ['MIT'],
    },
    {
      name: 'phpunit/phpunit',
      version: '10.5.5',
      license: ['BSD-3-Clause'],
    },
  ],
  dev: true,
  'dev-package-names': ['phpunit/phpunit'],
});

/** Composer 1's format: a bare array, an old string licence. */
const COMPOSER_1 = JSON.stringify([
  { name: 'guzzlehttp/guzzle', version: '6.5.5', license: 'MIT' },
  { name: 'legacy-no-vendor', version: '1.0.0' },
]);

describe('PhpCataloger', () => {
  it('reads Composer 2 installed.json, development packages included', () => {
    const result = catalog([{ path: INSTALLED, content: COMPOSER_2 }]);

    expect(
      result.packages.map((p) => [p.name, p.version, p.purl, p.licenses]),
    ).toEqual([
      [
        'monolog/monolog',
        '3.5.0',
        'pkg:composer/monolog/monolog@3.5.0',
        ['MIT'],
      ],
      [
        'symfony/console',
        'v7.0.2',
        'pkg:composer/symfony/console@v7.0.2',
        ['MIT'],
      ],
      [
        'phpunit/phpunit',
        '10.5.5',
        'pkg:composer/phpunit/phpunit@10.5.5',
        ['BSD-3-Clause'],
      ],
    ]);
    expect(result.packages[0]).toMatchObject({
      type: 'composer',
      locations: [INSTALLED],
      layerIndex: 3,
      cataloger: 'php',
    });
  });

  it('reads Composer 1 installed.json', () => {
    const result = catalog([{ path: INSTALLED, content: COMPOSER_1 }]);

    expect(result.packages.map((p) => [p.name, p.purl, p.licenses])).toEqual([
      ['guzzlehttp/guzzle', 'pkg:composer/guzzlehttp/guzzle@6.5.5', ['MIT']],
      ['legacy-no-vendor', 'pkg:composer/legacy-no-vendor@1.0.0', []],
    ]);
  });

  it('finds installed.json through its glob in a layer walk', async () => {
    const inventory = await inventoryOf(
      {
        layers: [
          {
            entries: [
              {
                name: 'app/vendor/composer/installed.json',
                content: COMPOSER_1,
              },
              { name: 'app/composer.json', content: '{"require": {}}' },
            ],
          },
        ],
      },
      { catalogers: [new PhpCataloger()] },
    );

    expect(inventory.packages.map((p) => p.name)).toEqual([
      'guzzlehttp/guzzle',
      'legacy-no-vendor',
    ]);
  });

  it('skips malformed entries and files, and counts them', () => {
    const result = catalog([
      {
        path: '/a/vendor/composer/installed.json',
        content:
          '{"packages": [{"version": "1"}, 7, {"name": "ok/ok", "version": "1"}]}',
      },
      { path: '/b/vendor/composer/installed.json', content: '{"packages": [' },
      { path: '/c/vendor/composer/installed.json', content: '"just a string"' },
      { path: '/d/vendor/composer/installed.json', content: undefined },
    ]);

    expect(result.packages.map((p) => p.name)).toEqual(['ok/ok']);
    expect(result.diagnostics.map((d) => [d.path, d.kind])).toEqual([
      ['/a/vendor/composer/installed.json', 'skipped-record'],
      ['/a/vendor/composer/installed.json', 'skipped-record'],
      ['/b/vendor/composer/installed.json', 'unreadable'],
      ['/c/vendor/composer/installed.json', 'unreadable'],
      ['/d/vendor/composer/installed.json', 'unreadable'],
    ]);
    expect(result.complete).toBe(false);
  });

  it('keeps __proto__ and workflow-command names as data, polluting nothing', () => {
    const hostile =
      '{"__proto__": {"polluted": "yes"}, "packages": [' +
      '{"name": "__proto__/constructor", "version": "1", "__proto__": {"polluted": "yes"}},' +
      '{"name": "::error::x/\\u001b[31mprototype", "version": "2", "license": {"__proto__": 1}}]}';

    const result = catalog([{ path: INSTALLED, content: hostile }]);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result.packages.map((p) => p.name)).toEqual([
      '__proto__/constructor',
      '::error::x/\u001b[31mprototype',
    ]);
    expect(result.packages[1]?.licenses).toEqual([]);
  });

  it('reads deeply nested JSON in bounded time', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;

    const result = catalog([
      {
        path: INSTALLED,
        content: `{"packages": [{"name": "a/b", "version": "1", "extra": ${deep}}]}`,
      },
    ]);

    expect(result.packages.map((p) => p.name)).toEqual(['a/b']);
  });
});
