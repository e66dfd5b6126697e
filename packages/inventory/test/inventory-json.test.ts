import { beforeAll, describe, expect, it } from 'vitest';
import { InventoryError } from '../src/errors';
import type { Inventory } from '../src/inventory';
import {
  formatInventoryJson,
  formatSbom,
  parseSbomFormat,
  SBOM_FORMATS,
} from '../src/sbom-format';
import { classifyLicense } from '../src/sbom-licenses';
import { inventoryOf, SAMPLE_IMAGE } from './sbom-fixtures';

const T1 = new Date('2024-05-01T12:00:00.000Z');
const T2 = new Date('2025-01-02T03:04:05.000Z');

let sample: Inventory;

beforeAll(async () => {
  sample = await inventoryOf(SAMPLE_IMAGE);
});

describe('formatInventoryJson', () => {
  it('writes every field, absent values as null', () => {
    const document = JSON.parse(
      formatInventoryJson(sample, { timestamp: T1 }),
    ) as Record<string, unknown> & {
      packages: Record<string, unknown>[];
      image: Record<string, unknown>;
    };

    expect(Object.keys(document)).toEqual([
      'schema',
      'tool',
      'timestamp',
      'image',
      'os',
      'osStatus',
      'complete',
      'incompleteReasons',
      'layers',
      'packages',
      'diagnostics',
    ]);
    expect(document.timestamp).toBe('2024-05-01T12:00:00Z');
    expect(document.image.indexDigest).toBeNull();
    const alpha = document.packages.find((p) => p.name === 'alpha');
    expect(alpha).toMatchObject({
      source: null,
      architecture: null,
      layerIndex: 2,
      createdBy: 'COPY pkgs /pkgs',
    });
  });

  it('is deterministic: two runs differ only in the timestamp', async () => {
    const again = await inventoryOf(SAMPLE_IMAGE);

    const first = formatInventoryJson(sample, { timestamp: T1 });
    const second = formatInventoryJson(again, { timestamp: T2 });

    expect(second.replace('2025-01-02T03:04:05Z', '2024-05-01T12:00:00Z')).toBe(
      first,
    );
  });
});

describe('formatSbom', () => {
  it.each(SBOM_FORMATS)('writes %s as JSON ending in a newline', (format) => {
    const text = formatSbom(sample, format, { timestamp: T1 });

    expect(text.endsWith('}\n')).toBe(true);
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });
});

describe('parseSbomFormat', () => {
  it('accepts the format names', () => {
    expect(SBOM_FORMATS.map(parseSbomFormat)).toEqual([...SBOM_FORMATS]);
  });

  it('refuses others with a bad-sbom-format error naming the choices', () => {
    let caught: unknown;
    try {
      parseSbomFormat('cyclonedx-xml');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(InventoryError);
    expect((caught as InventoryError).code).toBe('bad-sbom-format');
    expect((caught as InventoryError).message).toContain('spdx-json');
  });
});

describe('classifyLicense', () => {
  it.each([
    ['MIT', { kind: 'id', id: 'MIT' }],
    ['  Apache-2.0 ', { kind: 'id', id: 'Apache-2.0' }],
    ['gpl-3.0-or-later', { kind: 'id', id: 'GPL-3.0-or-later' }],
    ['MIT or ISC', { kind: 'expression', expression: 'MIT OR ISC' }],
    [
      'MIT AND (ISC OR BSD-2-Clause)',
      { kind: 'expression', expression: 'MIT AND (ISC OR BSD-2-Clause)' },
    ],
    [
      'GPL-2.0-or-later with Classpath-exception-2.0',
      {
        kind: 'expression',
        expression: 'GPL-2.0-or-later WITH Classpath-exception-2.0',
      },
    ],
    ['MIT And ISC', { kind: 'text', text: 'MIT And ISC' }],
    ['(MIT', { kind: 'text', text: '(MIT' }],
    ['MIT)', { kind: 'text', text: 'MIT)' }],
    ['MIT WITH', { kind: 'text', text: 'MIT WITH' }],
    ['MIT WITH MIT', { kind: 'text', text: 'MIT WITH MIT' }],
    ['LicenseRef-acme', { kind: 'text', text: 'LicenseRef-acme' }],
    ['GPL-2+', { kind: 'text', text: 'GPL-2+' }],
    ['public domain', { kind: 'text', text: 'public domain' }],
    ['', { kind: 'text', text: '' }],
    ['__proto__', { kind: 'text', text: '__proto__' }],
  ])('reads %j as %j', (value, expected) => {
    expect(classifyLicense(value)).toEqual(expected);
  });

  it('reads a huge or deeply nested string as text, quickly', () => {
    const deep = `${'('.repeat(5000)}MIT${')'.repeat(5000)}`;
    const long = Array.from({ length: 5000 }, () => 'MIT').join(' OR ');

    expect(classifyLicense(deep).kind).toBe('text');
    expect(classifyLicense(long).kind).toBe('text');
  });
});
