import { RecordingLogger } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../src/digest';
import {
  formatPlatform,
  MediaType,
  matchesPlatform,
  parsePlatform,
  runnerPlatform,
  selectManifests,
  type Descriptor,
  type ImageIndex,
  type Platform,
  type PlatformChoice,
} from '../src/index';
import { checkPlatform, platformOf } from '../src/platform';

function entry(
  name: string,
  platform?: Platform,
  extra: Partial<Descriptor> = {},
): Descriptor {
  return {
    mediaType: MediaType.ociManifest,
    digest: sha256Digest(name),
    size: 1,
    ...(platform === undefined ? {} : { platform }),
    ...extra,
  };
}

function index(...manifests: Descriptor[]): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
}

function chosen(
  list: ImageIndex,
  choice: PlatformChoice,
  logger = new RecordingLogger(),
): string[] {
  const digests = selectManifests(list, choice, logger, 'img').map(
    (d) => d.digest,
  );
  const names = new Map(
    list.manifests.map((d, i) => [d.digest, String(i)] as const),
  );
  return digests.map((digest) => names.get(digest) ?? digest);
}

const linux = (architecture: string, variant?: string): Platform =>
  variant === undefined
    ? { os: 'linux', architecture }
    : { os: 'linux', architecture, variant };

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', linux('amd64')],
    ['linux/arm64/v8', linux('arm64', 'v8')],
    ['linux/x86_64', linux('amd64')],
    ['linux/aarch64', linux('arm64')],
    ['linux/armhf', linux('arm', 'v7')],
    ['Linux/AMD64', linux('amd64')],
    [' linux/amd64 ', linux('amd64')],
    ['all', 'all'],
  ])('parses %j', (text, expected) => {
    expect(parsePlatform(text)).toEqual(expected);
  });

  it.each(['', 'linux', 'linux/', '/amd64', 'a/b/c/d', '../x', 'linux/a b'])(
    'refuses %j',
    (text) => {
      expect(() => parsePlatform(text)).toThrow(
        expect.objectContaining({ code: 'bad-reference' }),
      );
    },
  );
});

describe('formatPlatform', () => {
  it('formats a platform, or says it is unknown', () => {
    expect(formatPlatform(linux('arm', 'v7'))).toBe('linux/arm/v7');
    expect(formatPlatform(undefined)).toBe('unknown platform');
  });
});

describe('runnerPlatform', () => {
  it.each([
    ['x64', 'linux', linux('amd64')],
    ['arm64', 'linux', linux('arm64')],
    ['x64', 'darwin', linux('amd64')],
    ['x64', 'win32', { os: 'windows', architecture: 'amd64' }],
  ])('maps %s on %s', (arch, os, expected) => {
    expect(runnerPlatform(arch, os)).toEqual(expected);
  });
});

describe('matchesPlatform', () => {
  it.each<[Platform, Platform, boolean]>([
    [linux('amd64'), linux('amd64'), true],
    [linux('arm64', 'v8'), linux('arm64'), true],
    [linux('arm64'), linux('arm64', 'v8'), true],
    [linux('arm', 'v7'), linux('arm'), true],
    [linux('arm', 'v6'), linux('arm'), true],
    [linux('arm', 'v7'), linux('arm', 'v6'), false],
    [linux('x86_64'), linux('amd64'), true],
    [linux('amd64'), linux('amd64', 'v1'), true],
    [{ os: 'Linux', architecture: 'AMD64' }, linux('amd64'), true],
    [{ os: 'windows', architecture: 'amd64' }, linux('amd64'), false],
  ])('matches %j against %j: %s', (have, want, expected) => {
    expect(matchesPlatform(have, want)).toBe(expected);
  });
});

describe('selectManifests', () => {
  it('picks the entry for the platform', () => {
    const list = index(
      entry('a', linux('amd64')),
      entry('b', linux('arm64', 'v8')),
    );

    expect(chosen(list, linux('arm64'))).toEqual(['1']);
  });

  it('prefers the exact variant, and the default one when none is asked for', () => {
    const list = index(
      entry('amd', linux('amd64')),
      entry('v6', linux('arm', 'v6')),
      entry('v7', linux('arm', 'v7')),
    );

    expect(chosen(list, linux('arm'))).toEqual(['2']);
    expect(chosen(list, linux('arm', 'v6'))).toEqual(['1']);
  });

  it('takes another variant only when the platform names none', () => {
    const list = index(entry('v6', linux('arm', 'v6')));

    expect(chosen(list, linux('arm'))).toEqual(['0']);
    expect(() => chosen(list, linux('arm', 'v7'))).toThrow(
      expect.objectContaining({ code: 'no-platform' }),
    );
  });

  it('picks the first of two linux/amd64 entries in index order, and warns', () => {
    const logger = new RecordingLogger();
    const list = index(
      entry('first', linux('amd64')),
      entry('second', linux('amd64')),
    );

    const result = chosen(list, linux('amd64'), logger);

    expect(result).toEqual(['0']);
    expect(logger.lines.map((line) => line.level)).toEqual(['warning']);
    expect(logger.text()).toContain('lists 2 manifests for linux/amd64');
  });

  it('does not warn about one digest listed twice', () => {
    const logger = new RecordingLogger();
    const twice = entry('same', linux('amd64'));

    const result = chosen(index(twice, twice), linux('amd64'), logger);

    expect(result).toHaveLength(1);
    expect(logger.lines).toEqual([]);
  });

  it('skips attestations, unknown platforms and non-image media types', () => {
    const list = index(
      entry('unknown', { os: 'unknown', architecture: 'unknown' }),
      entry('attestation', linux('amd64'), {
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
      }),
      entry('sbom', linux('amd64'), {
        mediaType: 'application/vnd.example.sbom',
      }),
      entry('image', linux('amd64')),
    );

    expect(chosen(list, linux('amd64'))).toEqual(['3']);
    expect(chosen(list, 'all')).toEqual(['3']);
  });

  it('chooses the first entry of every platform with all, and warns', () => {
    const logger = new RecordingLogger();
    const list = index(
      entry('a', linux('amd64')),
      entry('b', linux('arm64', 'v8')),
      entry('c', linux('amd64')),
      entry('d', linux('arm64')),
    );

    expect(chosen(list, 'all', logger)).toEqual(['0', '1']);
    expect(
      logger.lines.filter((line) => line.level === 'warning'),
    ).toHaveLength(2);
  });

  it('keeps Windows images of different OS versions apart with all', () => {
    const windows = (version: string): Platform => ({
      os: 'windows',
      architecture: 'amd64',
      'os.version': version,
    });
    const list = index(
      entry('2019', windows('10.0.17763.1')),
      entry('2022', windows('10.0.20348.1')),
    );

    expect(chosen(list, 'all')).toEqual(['0', '1']);
  });

  it('skips entries without a platform when others have one', () => {
    const list = index(entry('none'), entry('a', linux('amd64')));

    expect(chosen(list, 'all')).toEqual(['1']);
    expect(() => chosen(list, linux('s390x'))).toThrow(
      expect.objectContaining({
        code: 'no-platform',
        message: expect.stringMatching(/linux\/s390x.*linux\/amd64/) as unknown,
      }),
    );
  });

  it('takes a lone entry without a platform', () => {
    const list = index(entry('only'));

    expect(chosen(list, linux('s390x'))).toEqual(['0']);
    expect(chosen(list, 'all')).toEqual(['0']);
  });

  it('refuses an index that lists no images with all', () => {
    const list = index(entry('a'), entry('b'));

    expect(() => chosen(list, 'all')).toThrow(
      expect.objectContaining({ code: 'no-platform' }),
    );
  });
});

describe('platformOf', () => {
  it('reads the platform of a config, or none', () => {
    const config = (os: string, architecture: string, variant?: string) => ({
      os,
      architecture,
      ...(variant === undefined ? {} : { variant }),
      rootfs: { type: 'layers', diff_ids: [] },
    });

    expect(platformOf(config('linux', 'arm', 'v7'))).toEqual(
      linux('arm', 'v7'),
    );
    expect(platformOf(config('', ''))).toBeUndefined();
  });
});

describe('checkPlatform', () => {
  it('refuses a platform other than the one chosen', () => {
    const act = () => {
      checkPlatform(linux('amd64'), linux('arm64'), 'img');
    };

    expect(act).toThrow(expect.objectContaining({ code: 'no-platform' }));
  });

  it.each<[Platform | undefined, PlatformChoice | undefined]>([
    [linux('arm64', 'v8'), linux('arm64')],
    [linux('amd64'), 'all'],
    [linux('amd64'), undefined],
    [undefined, linux('arm64')],
  ])('lets %j pass for %j', (platform, choice) => {
    const act = () => {
      checkPlatform(platform, choice, 'img');
    };

    expect(act).not.toThrow();
  });
});
