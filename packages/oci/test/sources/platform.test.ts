import { RecordingLogger } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { parseDigest } from '../../src/digest';
import {
  formatPlatform,
  hostPlatform,
  parsePlatformChoice,
  platformFit,
  selectManifests,
} from '../../src/sources/platform';
import type { Descriptor, ImageIndex, Platform } from '../../src/types';

function child(
  n: number,
  platform?: Platform,
  extra: Partial<Descriptor> = {},
): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: parseDigest(`sha256:${String(n).padStart(64, '0')}`),
    size: 100,
    ...(platform === undefined ? {} : { platform }),
    ...extra,
  };
}

function index(...manifests: Descriptor[]): ImageIndex {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests,
  };
}

function chosen(
  list: ImageIndex,
  choice: Parameters<typeof selectManifests>[1],
): number[] {
  const logger = new RecordingLogger();
  return selectManifests(list, choice, {
    where: 'index',
    logger,
    explicit: true,
  }).map((d) => Number(d.digest.slice(7)));
}

const linux = (architecture: string, variant?: string): Platform =>
  variant === undefined
    ? { os: 'linux', architecture }
    : { os: 'linux', architecture, variant };

describe('parsePlatformChoice', () => {
  it.each([
    ['linux/amd64', linux('amd64')],
    ['linux/arm64/v8', linux('arm64', 'v8')],
    ['all', 'all'],
  ])('parses %s', (text, platform) => {
    expect(parsePlatformChoice(text)).toEqual(platform);
  });

  it.each(['linux', 'linux/amd64/v1/x', 'Linux/AMD64', '../x', ''])(
    'refuses %j',
    (text) => {
      expect(() => parsePlatformChoice(text)).toThrow(
        expect.objectContaining({ code: 'bad-reference' }),
      );
    },
  );

  it('formats a platform back', () => {
    expect(formatPlatform(linux('arm', 'v7'))).toBe('linux/arm/v7');
  });
});

describe('platformFit', () => {
  it.each<[Platform, Platform, number | undefined]>([
    [linux('amd64'), linux('amd64'), 0],
    [linux('arm64'), linux('arm64', 'v8'), 0],
    [linux('arm64', 'v8'), linux('arm64'), 0],
    [linux('arm'), linux('arm', 'v7'), 0],
    [linux('arm'), linux('arm', 'v6'), 1],
    [linux('arm', 'v6'), linux('arm', 'v7'), undefined],
    [linux('amd64'), linux('x86_64'), 0],
    [linux('amd64'), { os: 'windows', architecture: 'amd64' }, undefined],
  ])('rates %j against %j', (wanted, candidate, fit) => {
    expect(platformFit(wanted, candidate)).toBe(fit);
  });
});

describe('selectManifests', () => {
  it('chooses the exact platform, and the exact variant over none', () => {
    const list = index(
      child(1, linux('amd64')),
      child(2, linux('arm', 'v6')),
      child(3, linux('arm', 'v7')),
    );

    expect(chosen(list, linux('arm'))).toEqual([3]);
    expect(chosen(list, linux('arm', 'v6'))).toEqual([2]);
  });

  it('chooses the first of duplicate platforms and warns', () => {
    const logger = new RecordingLogger();
    const list = index(child(1, linux('amd64')), child(2, linux('amd64')));

    const result = selectManifests(list, linux('amd64'), {
      where: 'index',
      logger,
      explicit: true,
    });

    expect(result.map((d) => d.digest)).toEqual([child(1).digest]);
    expect(logger.lines.map((line) => line.level)).toEqual(['warning']);
  });

  it('skips attestations, unknown platforms and non-image media types', () => {
    const list = index(
      child(1, { os: 'unknown', architecture: 'unknown' }),
      child(2, linux('amd64'), {
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
      }),
      child(3, linux('amd64'), { mediaType: 'application/vnd.example.sbom' }),
      child(4, linux('amd64')),
    );

    expect(chosen(list, linux('amd64'))).toEqual([4]);
    expect(chosen(list, 'all')).toEqual([4]);
  });

  it('chooses one per platform with all', () => {
    const list = index(
      child(1, linux('amd64')),
      child(2, linux('arm64', 'v8')),
      child(3, linux('amd64')),
      child(4, linux('arm64')),
    );

    expect(chosen(list, 'all')).toEqual([1, 2]);
  });

  it('takes a lone manifest without a platform, and nothing else', () => {
    expect(chosen(index(child(1)), linux('s390x'))).toEqual([1]);
    expect(() =>
      chosen(index(child(1), child(2, linux('amd64'))), linux('s390x')),
    ).toThrow(
      expect.objectContaining({
        code: 'no-platform',
        message: expect.stringContaining('linux/amd64') as unknown,
      }),
    );
  });

  it('defaults to the host platform', () => {
    const host = hostPlatform();
    const list = index(
      child(1, { os: 'linux', architecture: 'riscv64' }),
      child(2, host),
    );

    const result = selectManifests(list, undefined, {
      where: 'index',
      logger: new RecordingLogger(),
      explicit: false,
    });

    expect(host.os).toBe('linux');
    expect(result.map((d) => d.digest)).toEqual([child(2).digest]);
  });
});
