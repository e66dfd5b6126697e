import { RecordingLogger } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  MediaType,
  OciError,
  parsePlatform,
  runnerPlatform,
  selectManifests,
  type Descriptor,
  type ImageIndex,
  type Platform,
} from '../../src/index';
import { digestOf } from './fake-server';

function entry(
  name: string,
  platform?: Platform,
  mediaType: string = MediaType.ociManifest,
): Descriptor {
  return {
    mediaType,
    digest: digestOf(name),
    size: 1,
    ...(platform ? { platform } : {}),
  };
}

function index(...manifests: Descriptor[]): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
}

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64' }],
    ['linux/armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['all', 'all'],
  ])('parses %s', (text, expected) => {
    expect(parsePlatform(text)).toEqual(expected);
  });

  it.each(['linux', 'linux/', '/amd64', 'a/b/c/d'])('refuses %j', (text) => {
    expect(() => parsePlatform(text)).toThrow(OciError);
  });
});

describe('runnerPlatform', () => {
  it.each([
    ['x64', 'linux', { os: 'linux', architecture: 'amd64' }],
    ['arm64', 'linux', { os: 'linux', architecture: 'arm64' }],
    ['x64', 'darwin', { os: 'linux', architecture: 'amd64' }],
    ['x64', 'win32', { os: 'windows', architecture: 'amd64' }],
  ])('maps %s on %s', (arch, os, expected) => {
    expect(runnerPlatform(arch, os)).toEqual(expected);
  });
});

describe('selectManifests', () => {
  it('picks the entry for the platform', () => {
    const chosen = selectManifests(
      index(entry('a', amd64), entry('b', arm64)),
      { os: 'linux', architecture: 'arm64' },
      new RecordingLogger(),
      'img',
    );

    expect(chosen.map((d) => d.digest)).toEqual([digestOf('b')]);
  });

  it('picks the first of two linux/amd64 entries, and says so', () => {
    const logger = new RecordingLogger();

    const chosen = selectManifests(
      index(entry('first', amd64), entry('second', amd64)),
      amd64,
      logger,
      'img',
    );

    expect(chosen.map((d) => d.digest)).toEqual([digestOf('first')]);
    expect(logger.text()).toContain('2 times');
  });

  it('skips entries without a platform and attestation entries', () => {
    const attestation = entry('att', {
      os: 'unknown',
      architecture: 'unknown',
    });

    const chosen = selectManifests(
      index(entry('none'), attestation, entry('a', amd64)),
      'all',
      new RecordingLogger(),
      'img',
    );

    expect(chosen.map((d) => d.digest)).toEqual([digestOf('a')]);
  });

  it('prefers the default arm variant when none is asked for', () => {
    const v6 = entry('v6', { os: 'linux', architecture: 'arm', variant: 'v6' });
    const v7 = entry('v7', { os: 'linux', architecture: 'arm', variant: 'v7' });

    const chosen = selectManifests(
      index(v6, v7),
      { os: 'linux', architecture: 'arm' },
      new RecordingLogger(),
      'img',
    );

    expect(chosen.map((d) => d.digest)).toEqual([digestOf('v7')]);
  });

  it('treats arm64 and arm64/v8 as the same platform', () => {
    const plain = entry('plain', { os: 'linux', architecture: 'arm64' });

    const chosen = selectManifests(
      index(plain),
      arm64,
      new RecordingLogger(),
      'img',
    );

    expect(chosen).toHaveLength(1);
  });

  it('names the platforms it has when the one asked for is missing', () => {
    const act = () =>
      selectManifests(
        index(entry('a', amd64)),
        { os: 'linux', architecture: 's390x' },
        new RecordingLogger(),
        'img',
      );

    expect(act).toThrow(/linux\/s390x.*linux\/amd64/);
  });
});
