import { describe, expect, it } from 'vitest';
import { parseChallenge } from '../../src/registry/challenge';
import { nextLink } from '../../src/registry/pages';
import { safeCause, SecretSet } from '../../src/registry/redact';
import { retryAfterMs } from '../../src/registry/retry';

describe('parseChallenge', () => {
  it('reads a Bearer challenge with quoted params', () => {
    const header =
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"';

    expect(parseChallenge(header)).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a/b:pull,push',
      },
    });
  });

  it('prefers Bearer over Basic and ignores unknown schemes', () => {
    const headers = ['Negotiate abc', 'Basic realm="x", Bearer realm="y"'];

    expect(parseChallenge(headers)?.scheme).toBe('bearer');
  });

  it('reads escapes inside quoted strings and unquoted tokens', () => {
    expect(parseChallenge('basic realm="a \\"b\\"", charset=UTF-8')).toEqual({
      scheme: 'basic',
      params: { realm: 'a "b"', charset: 'UTF-8' },
    });
  });

  it('returns undefined without a usable challenge', () => {
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge('Digest realm="x"')).toBeUndefined();
  });
});

describe('nextLink', () => {
  it.each([
    ['</v2/a/tags/list?n=2&last=b>; rel="next"', '/v2/a/tags/list?n=2&last=b'],
    ['<https://x/prev>; rel="prev", </next>; rel=next', '/next'],
    ['</only>; rel="last"', undefined],
    [undefined, undefined],
  ])('reads %j', (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');

    expect(retryAfterMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(
      retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now),
    ).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
  });
});

describe('SecretSet', () => {
  it('masks known secrets in raw, base64 and URL-encoded forms', () => {
    const secrets = new SecretSet();
    secrets.addCredential('user', 'p@ss word!');
    const basic = Buffer.from('user:p@ss word!').toString('base64');

    const text = secrets.redact(
      `a p@ss word! b ${basic} c ${encodeURIComponent('p@ss word!')}`,
    );

    expect(text).not.toContain('p@ss');
    expect(text).not.toContain(basic);
    expect(text).not.toContain('p%40ss');
  });

  it.each([
    ['Authorization: Bearer abc.def.ghi', 'abc.def.ghi'],
    ['cookie=session123456', 'session123456'],
    ['https://x/?access_token=tok123456&y=1', 'tok123456'],
    ['{"token":"tok987654"}', 'tok987654'],
    ['eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'eyJhbGciOiJFUzI1NiJ9'],
  ])('masks secret-shaped text in %j', (input, secret) => {
    expect(new SecretSet().redact(input)).not.toContain(secret);
  });

  it('makes causes that keep no secrets and no foreign objects', () => {
    const secrets = new SecretSet();
    secrets.add('canary-9911');
    const original = Object.assign(new Error('failed with canary-9911'), {
      code: 'ECONNRESET',
      socket: { headers: { authorization: 'canary-9911' } },
      cause: new Error('inner canary-9911'),
    });

    const copy = safeCause(original, secrets);

    expect(copy.message).toBe('failed with ***');
    expect((copy as { code?: string }).code).toBe('ECONNRESET');
    expect((copy.cause as Error).message).toBe('inner ***');
    expect(JSON.stringify(copy)).not.toContain('canary');
    expect('socket' in copy).toBe(false);
  });
});
