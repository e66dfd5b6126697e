import { describe, expect, it } from 'vitest';
import {
  formatImageLocation,
  parseImageLocation,
  type ImageLocation,
} from '../src/index';
import { errorOf } from './oci-error';

const SHA = `sha256:${'c'.repeat(64)}`;

function plain(location: ImageLocation): unknown {
  return location.kind === 'registry'
    ? { kind: 'registry', reference: location.reference.toString() }
    : location;
}

describe('parseImageLocation', () => {
  it.each([
    ['alpine', 'docker.io/library/alpine:latest'],
    ['docker://alpine:3', 'docker.io/library/alpine:3'],
    ['docker://ghcr.io/a/b@' + SHA, `ghcr.io/a/b@${SHA}`],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['docker:dind', 'docker.io/library/docker:dind'],
    ['ghcr.io/dir:1', 'ghcr.io/dir:1'],
  ])('reads %s as a registry image', (text, full) => {
    expect(plain(parseImageLocation(text))).toEqual({
      kind: 'registry',
      reference: full,
    });
  });

  it.each<[string, ImageLocation]>([
    ['oci:/tmp/layout', { kind: 'oci', dir: '/tmp/layout' }],
    ['oci:layout:', { kind: 'oci', dir: 'layout' }],
    ['oci:./l:latest', { kind: 'oci', dir: './l', tag: 'latest' }],
    [
      'oci:l:docker.io/library/a:1',
      { kind: 'oci', dir: 'l', tag: 'docker.io/library/a:1' },
    ],
    ['oci:l:a--b', { kind: 'oci', dir: 'l', tag: 'a--b' }],
    ['oci:l:V1.0+build@x', { kind: 'oci', dir: 'l', tag: 'V1.0+build@x' }],
    ['oci-archive:a.tar', { kind: 'oci-archive', file: 'a.tar' }],
    [
      'oci-archive:/x/a.tar:v2',
      { kind: 'oci-archive', file: '/x/a.tar', tag: 'v2' },
    ],
    ['docker-archive:./s.tar', { kind: 'docker-archive', file: './s.tar' }],
  ])('reads %s', (text, expected) => {
    expect(parseImageLocation(text)).toEqual(expected);
  });

  it.each([
    'alpine',
    `ghcr.io/a/b:1@${SHA}`,
    'oci:/tmp/l',
    'oci:/tmp/l:v1',
    'oci-archive:a.tar:x',
    'docker-archive:s.tar',
  ])('formats %s back to a text it reads the same', (text) => {
    const location = parseImageLocation(text);

    const again = parseImageLocation(formatImageLocation(location));

    expect(plain(again)).toEqual(plain(location));
  });

  it.each([
    ['oci:', 'bad-reference', /path is empty/],
    ['oci-archive::v1', 'bad-reference', /path is empty/],
    ['docker-archive:', 'bad-reference', /path is empty/],
    ['oci:l:a---b', 'bad-reference', /not a valid OCI reference name/],
    ['oci:l:a//b', 'bad-reference', /not a valid OCI reference name/],
    ['oci:l:-a', 'bad-reference', /not a valid OCI reference name/],
    ['oci:l:bad!tag', 'bad-reference', /not a valid OCI reference name/],
    ['oci:l\u0000x', 'bad-reference', /NUL/],
    ['docker-archive:s.tar:alpine:1', 'unsupported', /inside a docker/],
    ['docker-archive:s.tar:@0', 'unsupported', /inside a docker/],
    ['docker-daemon:alpine:1', 'unsupported', /docker save/],
    ['containers-storage:alpine', 'unsupported', /not supported/],
    ['dir:/tmp/x', 'unsupported', /not supported/],
    ['docker://Alpine', 'bad-reference', /must be lowercase/],
    ['./image.tar', 'bad-reference', /oci-archive:FILE/],
    ['/abs/layout', 'bad-reference', /oci:DIR/],
    ['x'.repeat(4097), 'bad-reference', /longer than 4096/],
  ])('rejects %j with %s', (text, code, message) => {
    const error = errorOf(() => parseImageLocation(text));

    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('does not read constructor as a transport', () => {
    const error = errorOf(() => parseImageLocation('constructor:x/y'));

    expect(error.code).toBe('bad-reference');
  });
});
