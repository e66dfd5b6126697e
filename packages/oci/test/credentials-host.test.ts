import { describe, expect, it } from 'vitest';
import { credentialHost, secretForms } from '../src/index';

describe('credentialHost', () => {
  it.each([
    ['registry.io', 'registry.io'],
    ['Registry.IO', 'registry.io'],
    ['https://registry.io', 'registry.io'],
    ['https://registry.io/', 'registry.io'],
    ['HTTPS://registry.io/v2/', 'registry.io'],
    ['http://host:5000/v2/', 'host:5000'],
    ['host:5000', 'host:5000'],
    ['host:5000/v1/', 'host:5000'],
    ['host:5000/v2', 'host:5000'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['https://quay.io/any/path', 'quay.io'],
    ['[::1]:5000', '[::1]:5000'],
    ['  ghcr.io  ', 'ghcr.io'],
    ['localhost', 'localhost'],
  ])('reads %j as %s', (key, host) => {
    expect(credentialHost(key)).toBe(host);
  });

  it.each([
    '',
    'quay.io/team',
    'quay.io/team/app',
    'https://user:pw@registry.io',
    'user@registry.io',
    'registry.io.',
    '-registry.io',
    'registry.io:port',
    'ftp://registry.io',
    'https://',
  ])('names no single host in %j', (key) => {
    expect(credentialHost(key)).toBeUndefined();
  });

  it.each([
    ['registry.io.evil.net', 'registry.io'],
    ['evil-registry.io', 'registry.io'],
    ['io', 'registry.io'],
    ['registry.io:5000', 'registry.io'],
    ['sub.registry.io', 'registry.io'],
    ['docker.io.evil.net', 'docker.io'],
  ])('keeps %s apart from %s', (lookalike, host) => {
    expect(credentialHost(lookalike)).not.toBe(credentialHost(host));
  });
});

describe('secretForms', () => {
  it('lists the raw, URL-encoded, pair and base64 forms', () => {
    const forms = secretForms({ username: 'u', password: 'p@ss/w:rd+1' });

    expect(forms).toEqual(
      expect.arrayContaining([
        'p@ss/w:rd+1',
        'p%40ss%2Fw%3Ard%2B1',
        'u:p@ss/w:rd+1',
        Buffer.from('u:p@ss/w:rd+1').toString('base64'),
      ]),
    );
    expect(forms).not.toContain('u');
  });

  it('lists each line of a multi-line secret', () => {
    const forms = secretForms({ registryToken: 'line-one\nline-two' });

    expect(forms).toEqual(
      expect.arrayContaining(['line-one\nline-two', 'line-one', 'line-two']),
    );
  });

  it('lists identity and registry tokens', () => {
    const forms = secretForms({ identityToken: 'id/t', registryToken: 'rt' });

    expect(forms).toEqual(expect.arrayContaining(['id/t', 'id%2Ft', 'rt']));
  });
});
