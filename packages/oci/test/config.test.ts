import { RecordingLogger } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_LIMITS, parseConfig, readConfig } from '../src/config';
import { MediaType } from '../src/media-types';
import type { Descriptor } from '../src/types';

const digest = `sha256:${'a'.repeat(64)}`;
const bytes = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value));

const config = (extra: Record<string, unknown> = {}) =>
  bytes({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [digest] },
    history: [{ created_by: 'RUN x', empty_layer: true }],
    ...extra,
  });

describe('parseConfig', () => {
  it('keeps the fields imagegate reads', () => {
    const parsed = parseConfig(
      config({
        config: {
          User: 'app',
          Env: ['A=1'],
          Cmd: null,
          Labels: { a: 'b' },
          ExposedPorts: { '80/tcp': {} },
        },
        unknown: { ignored: true },
      }),
      'config',
    );

    expect(parsed).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { diff_ids: [digest] },
      history: [{ created_by: 'RUN x', empty_layer: true }],
      config: { User: 'app', Env: ['A=1'], Cmd: null, Labels: { a: 'b' } },
    });
    expect(Object.keys(parsed.config?.ExposedPorts ?? {})).toEqual(['80/tcp']);
    expect('unknown' in parsed).toBe(false);
  });

  it('trims 100,000 environment variables and a 10 MB label with a warning each', () => {
    const logger = new RecordingLogger();
    const env = Array.from({ length: 100_000 }, (_, i) => `V${i}=x`);

    const parsed = parseConfig(
      config({
        config: { Env: env, Labels: { big: 'x'.repeat(10 * 1024 * 1024) } },
      }),
      'config',
      logger,
    );

    expect(parsed.config?.Env).toHaveLength(10_000);
    expect(parsed.config?.Labels?.big?.length).toBe(64 * 1024);
    expect(
      logger.lines.filter((line) => line.level === 'warning'),
    ).toHaveLength(2);
  });

  it('applies the limits it is given', () => {
    const logger = new RecordingLogger();
    const limits = { ...DEFAULT_CONFIG_LIMITS, maxEnvEntries: 1 };

    const parsed = parseConfig(
      config({ config: { Env: ['A=1', 'B=2'] } }),
      'config',
      logger,
      limits,
    );

    expect(parsed.config?.Env).toEqual(['A=1']);
    expect(logger.text()).toContain('the scan goes on');
  });

  it('keeps label names like __proto__ as plain data', () => {
    const parsed = parseConfig(
      config({
        config: {
          Labels: JSON.parse('{"__proto__":"x","constructor":"y"}') as object,
        },
      }),
      'config',
    );

    expect(parsed.config?.Labels?.__proto__).toBe('x');
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });

  it.each<[string, Uint8Array, string]>([
    ['invalid JSON', new TextEncoder().encode('{"os":'), 'bad-manifest'],
    ['a list', bytes([]), 'bad-manifest'],
    ['no os', config({ os: undefined }), 'bad-manifest'],
    ['no architecture', config({ architecture: 7 }), 'bad-manifest'],
    ['no rootfs.diff_ids', config({ rootfs: {} }), 'bad-manifest'],
    ['a history that is not a list', config({ history: {} }), 'bad-manifest'],
    [
      'a bad diff_id',
      config({ rootfs: { diff_ids: ['sha256:../../etc'] } }),
      'bad-digest',
    ],
  ])('refuses %s', (_what, input, code) => {
    expect(() => parseConfig(input, 'config')).toThrow(
      expect.objectContaining({ code }),
    );
  });
});

describe('readConfig', () => {
  const descriptor = (size: number, mediaType: string = MediaType.ociConfig) =>
    ({ mediaType, digest, size }) as Descriptor;
  const context = (logger = new RecordingLogger()) => ({
    limits: DEFAULT_CONFIG_LIMITS,
    logger,
  });

  it('reads a config within the limit', async () => {
    const asked: number[] = [];
    const read = (maxBytes: number) => {
      asked.push(maxBytes);
      return Promise.resolve(config());
    };

    const parsed = await readConfig(descriptor(100), 'config', read, context());

    expect(parsed.os).toBe('linux');
    expect(asked).toEqual([DEFAULT_CONFIG_LIMITS.maxConfigBytes]);
  });

  it('skips a config past the limit with a warning, without reading it', async () => {
    const logger = new RecordingLogger();
    const read = () => Promise.reject(new Error('read'));

    const parsed = await readConfig(
      descriptor(9 * 1024 * 1024),
      'config',
      read,
      context(logger),
    );

    expect(parsed.rootfs.diff_ids).toEqual([]);
    expect(logger.text()).toContain('past the 8388608-byte limit');
  });

  it('refuses a config media type that is not an image config', async () => {
    const read = () => Promise.resolve(config());

    const result = readConfig(
      descriptor(100, 'application/vnd.example+json'),
      'config',
      read,
      context(),
    );

    await expect(result).rejects.toMatchObject({ code: 'unsupported' });
  });
});
