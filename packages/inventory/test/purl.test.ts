import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import { distroQualifier, purlFor, type PurlParts } from '../src/purl';
import type { OsInfo } from '../src/types';

function os(overrides: Partial<OsInfo>): OsInfo {
  return {
    id: 'debian',
    versionId: '12',
    codename: undefined,
    prettyName: undefined,
    idLike: [],
    source: '/etc/os-release',
    supported: true,
    ...overrides,
  };
}

describe('purlFor', () => {
  it.each<[string, PurlParts, string]>([
    [
      'a Debian package, + encoded',
      {
        type: 'deb',
        namespace: 'debian',
        name: 'libc6',
        version: '2.36-9+deb12u7',
        qualifiers: { arch: 'amd64', distro: 'debian-12' },
      },
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12',
    ],
    [
      'an Alpine package, qualifiers sorted',
      {
        type: 'apk',
        namespace: 'alpine',
        name: 'musl',
        version: '1.2.5-r0',
        qualifiers: { distro: 'alpine-3.20.3', arch: 'x86_64' },
      },
      'pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3',
    ],
    [
      'an epoch, its colon left bare',
      { type: 'deb', namespace: 'debian', name: 'libgcc1', version: '1:5.1' },
      'pkg:deb/debian/libgcc1@1:5.1',
    ],
    [
      'empty and undefined qualifiers, left out',
      {
        type: 'deb',
        namespace: 'debian',
        name: 'tar',
        version: '1.34',
        qualifiers: { arch: '', distro: undefined },
      },
      'pkg:deb/debian/tar@1.34',
    ],
    [
      'a Debian name, lower-cased as the deb type requires',
      { type: 'deb', namespace: 'Ubuntu', name: 'LibFoo', version: '1' },
      'pkg:deb/ubuntu/libfoo@1',
    ],
    [
      'qualifiers given as a map',
      {
        type: 'deb',
        namespace: 'debian',
        name: 'x',
        version: '1',
        qualifiers: new Map([['arch', 'all']]),
      },
      'pkg:deb/debian/x@1?arch=all',
    ],
    [
      'an npm scope and a subpath',
      {
        type: 'npm',
        namespace: '@babel',
        name: 'core',
        version: '7.0.0',
        subpath: 'lib/index.js',
      },
      'pkg:npm/%40babel/core@7.0.0#lib/index.js',
    ],
  ])('builds %s', (_label, parts, expected) => {
    const purl = purlFor(parts);

    expect(purl).toBe(expected);
  });

  it('round-trips through the reference parser', () => {
    const purl = purlFor({
      type: 'deb',
      namespace: 'debian',
      name: 'libssl3',
      version: '3.0.11-1~deb12u2+b1',
      qualifiers: { arch: 'arm64', distro: 'debian-12' },
    });

    const parsed = PackageURL.fromString(purl ?? '');

    expect(parsed.version).toBe('3.0.11-1~deb12u2+b1');
    expect(parsed.qualifiers).toEqual({ arch: 'arm64', distro: 'debian-12' });
  });

  it.each<[string, PurlParts]>([
    ['an empty name', { type: 'deb', namespace: 'debian', name: '' }],
    [
      'a qualifier key with a space',
      { type: 'deb', name: 'x', qualifiers: { 'bad key': 'v' } },
    ],
  ])('returns undefined for %s', (_label, parts) => {
    expect(purlFor(parts)).toBeUndefined();
  });

  it('encodes hostile text as data and pollutes no prototype', () => {
    const purl = purlFor({
      type: 'deb',
      namespace: 'debian',
      name: '\u001b[31m::error::x',
      version: '1',
      qualifiers: new Map([
        ['__proto__', 'polluted'],
        ['constructor', 'polluted'],
      ]),
    });

    expect(purl).toBe(
      'pkg:deb/debian/%1B%5B31m%3A%3Aerror%3A%3Ax@1' +
        '?__proto__=polluted&constructor=polluted',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('distroQualifier', () => {
  it.each<[string, OsInfo | undefined, string | undefined]>([
    ['id and version', os({}), 'debian-12'],
    ['Alpine', os({ id: 'alpine', versionId: '3.20.3' }), 'alpine-3.20.3'],
    [
      'the codename when there is no version',
      os({ versionId: undefined, codename: 'trixie' }),
      'debian-trixie',
    ],
    ['the bare id', os({ id: 'arch', versionId: undefined }), 'arch'],
    ['nothing for an unknown OS', undefined, undefined],
  ])('gives %s', (_label, info, expected) => {
    expect(distroQualifier(info)).toBe(expected);
  });
});
