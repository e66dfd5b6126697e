import { describe, expect, it } from 'vitest';
import {
  parseReference,
  registryApiHost,
  withDigest,
  type ImageReference,
} from '../src/index';
import { errorOf } from './oci-error';

const SHA = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'b'.repeat(128)}`;

function parts(reference: ImageReference): Record<string, unknown> {
  return {
    registry: reference.registry,
    repository: reference.repository,
    tag: reference.tag,
    digest: reference.digest,
    full: reference.toString(),
  };
}

describe('parseReference', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined],
    ['team/app', 'docker.io', 'team/app', 'latest', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['docker.io/library/alpine', 'docker.io', 'library/alpine', 'latest'],
    ['index.docker.io/alpine', 'docker.io', 'library/alpine', 'latest'],
    ['registry-1.docker.io/a/b:1', 'docker.io', 'a/b', '1', undefined],
    ['INDEX.DOCKER.IO/team/app', 'docker.io', 'team/app', 'latest'],
    ['docker.io/library/a/b', 'docker.io', 'library/a/b', 'latest'],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/app:v1', 'localhost:5000', 'app', 'v1', undefined],
    ['ghcr.io/o/r/deep/path:x', 'ghcr.io', 'o/r/deep/path', 'x'],
    ['example.com:443/a', 'example.com:443', 'a', 'latest', undefined],
    ['127.0.0.1:5000/a', '127.0.0.1:5000', 'a', 'latest', undefined],
    ['[::1]/a', '[::1]', 'a', 'latest', undefined],
    ['[2001:db8::1]:5000/a:t', '[2001:db8::1]:5000', 'a', 't', undefined],
    ['Uppercase/app', 'Uppercase', 'app', 'latest', undefined],
    ['Quay.IO/app', 'Quay.IO', 'app', 'latest', undefined],
    ['my-registry/app', 'docker.io', 'my-registry/app', 'latest'],
    ['a-1.b--c.io/g', 'a-1.b--c.io', 'g', 'latest', undefined],
    ['x/a.b_c__d-e---f', 'docker.io', 'x/a.b_c__d-e---f', 'latest'],
    ['example.com', 'docker.io', 'library/example.com', 'latest'],
    ['localhost', 'docker.io', 'library/localhost', 'latest', undefined],
    ['localhost:5000', 'docker.io', 'library/localhost', '5000', undefined],
    ['app:_under', 'docker.io', 'library/app', '_under', undefined],
    ['app:A.b-C_1', 'docker.io', 'library/app', 'A.b-C_1', undefined],
    [`app@${SHA}`, 'docker.io', 'library/app', undefined, SHA],
    [`app:1.0@${SHA}`, 'docker.io', 'library/app', '1.0', SHA],
    [`r.io:5000/a/b:t@${SHA512}`, 'r.io:5000', 'a/b', 't', SHA512],
  ])('parses %s', (text, registry, repository, tag, digest?: string) => {
    const reference = parseReference(text);

    expect(reference.registry).toBe(registry);
    expect(reference.repository).toBe(repository);
    expect(reference.tag).toBe(tag);
    expect(reference.digest).toBe(digest);
  });

  it.each([
    ['alpine', 'docker.io/library/alpine:latest', 'alpine:latest'],
    ['team/app:1', 'docker.io/team/app:1', 'team/app:1'],
    ['library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
    [`ghcr.io/o/r@${SHA}`, `ghcr.io/o/r@${SHA}`, `ghcr.io/o/r@${SHA}`],
    [`a:t@${SHA}`, `docker.io/library/a:t@${SHA}`, `a:t@${SHA}`],
    ['localhost:5000/a', 'localhost:5000/a:latest', 'localhost:5000/a:latest'],
  ])('normalises %s to %s (familiar %s)', (text, full, familiar) => {
    const reference = parseReference(text);

    expect(reference.toString()).toBe(full);
    expect(String(reference)).toBe(full);
    expect(reference.familiar).toBe(familiar);
  });

  it.each([
    'alpine',
    'Uppercase/app:1',
    '[::1]:5000/a/b',
    `index.docker.io/x@${SHA}`,
    `q.io/a:b@${SHA}`,
  ])('round-trips %s through its full form', (text) => {
    const reference = parseReference(text);

    expect(parts(parseReference(reference.toString()))).toEqual(
      parts(reference),
    );
    expect(parts(parseReference(reference.familiar))).toEqual(parts(reference));
  });

  it('accepts a 255-character repository and a 128-character tag', () => {
    const name = `ghcr.io/a/${'b'.repeat(253)}:${'t'.repeat(128)}`;

    const reference = parseReference(name);

    expect(reference.repository).toHaveLength(255);
    expect(reference.tag).toHaveLength(128);
  });

  it('counts the library/ prefix in the repository length', () => {
    expect(parseReference('b'.repeat(247)).repository).toHaveLength(255);
    expect(() => parseReference('b'.repeat(248))).toThrow(/longer than 255/);
  });

  it.each([
    ['', /empty/],
    ['Alpine', /must be lowercase/],
    ['team/App', /must be lowercase/],
    ['a//b', /empty component/],
    ['/a', /empty component/],
    ['a/', /empty component/],
    ['-a', /component '-a'/],
    ['a-', /component 'a-'/],
    ['a..b', /component 'a\.\.b'/],
    ['a___b', /component 'a___b'/],
    ['a._b', /component 'a\._b'/],
    ['a b', /component 'a b'/],
    ['a:', /tag ''/],
    ['a:.x', /tag '\.x'/],
    ['a:-x', /tag '-x'/],
    ['a:x/y', /'a:x' is not a valid registry/],
    [`a:${'t'.repeat(129)}`, /129 characters long/],
    [`r.io/a/${'b'.repeat(254)}`, /repository is longer than 255/],
    ['host:port/a', /'host:port' is not a valid registry/],
    ['host:/a', /'host:' is not a valid registry/],
    ['-host.io/a', /'-host\.io' is not a valid registry/],
    ['host-.io/a', /not a valid registry/],
    ['host..io/a', /not a valid registry/],
    ['[::1/a', /not a valid registry/],
    ['[]/a', /component '\[\]'/],
    ['[::1]x/a', /not a valid registry/],
    ['[::g]/a', /not a valid registry/],
    ['::1/a', /not a valid registry/],
    ['h_st.io/a', /not a valid registry/],
    ['a@sha256:abc', /not a valid digest/],
    [`a@sha256:${'A'.repeat(64)}`, /not a valid digest/],
    [`a@sha256:${'a'.repeat(63)}`, /not a valid digest/],
    [`a@md5:${'a'.repeat(32)}`, /not a valid digest/],
    ['a@sha256:../../etc/passwd', /'@' comes before a '\/'/],
    ['a@', /not a valid digest/],
    [`@${SHA}`, /empty component/],
    [':tag', /empty component/],
    ['a'.repeat(64), /image ID/],
    ['x'.repeat(1025), /longer than 1024/],
    ['a\u0000b', /a\\u0000b/],
  ])('rejects %j', (text, message) => {
    const error = errorOf(() => parseReference(text));

    expect(error.code).toBe('bad-reference');
    expect(error.message).toMatch(message);
  });

  it('names the reference in the error message', () => {
    const error = errorOf(() => parseReference('ghcr.io/Team/app:1'));

    expect(error.message).toContain("reference 'ghcr.io/Team/app:1'");
  });

  it('hides credentials written into a reference', () => {
    const text = 'user:Canary-Pa55@registry.io/team/app:1';

    const error = errorOf(() => parseReference(text));

    expect(error.code).toBe('bad-reference');
    expect(error.message).not.toContain('Canary-Pa55');
    expect(error.message).not.toContain('user');
    expect(error.message).toContain('***@registry.io/team/app:1');
  });

  it('hides credentials even when they hold a slash or an @', () => {
    const error = errorOf(() => parseReference('u:pa/s@s@r.io/a'));

    expect(error.message).not.toMatch(/pa\/s|s@s/);
  });

  it.each([
    'a\nb.io/x',
    'x/a\n::error::b',
    'a:t\r\n::error::x',
    'a@sha256:\n::error::x',
  ])('keeps the message of %j on one line', (text) => {
    const error = errorOf(() => parseReference(text));

    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('returns a frozen object', () => {
    const reference = parseReference('alpine');

    expect(Object.isFrozen(reference)).toBe(true);
  });

  it('omits the tag key when only a digest is given', () => {
    const reference = parseReference(`alpine@${SHA}`);

    expect('tag' in reference).toBe(false);
  });
});

describe('registryApiHost', () => {
  it.each([
    ['docker.io', 'registry-1.docker.io'],
    ['index.docker.io', 'registry-1.docker.io'],
    ['registry-1.docker.io', 'registry-1.docker.io'],
    ['Docker.IO', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
    ['docker.io.evil.net', 'docker.io.evil.net'],
  ])('maps %s to %s', (registry, host) => {
    expect(registryApiHost(registry)).toBe(host);
  });
});

describe('withDigest', () => {
  it('pins a tagged reference, keeping the tag', () => {
    const pinned = withDigest(parseReference('ghcr.io/a/b:1'), SHA);

    expect(pinned.toString()).toBe(`ghcr.io/a/b:1@${SHA}`);
  });

  it('refuses a malformed digest', () => {
    const error = errorOf(() => withDigest(parseReference('a'), 'sha256:../x'));

    expect(error.code).toBe('bad-reference');
  });
});
