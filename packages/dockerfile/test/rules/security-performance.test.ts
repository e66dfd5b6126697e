import { describe, expect, it } from 'vitest';
import { lintDockerfile, parseDockerfile } from '../../src/index';
import { SECURITY_RULES } from '../../src/rules/security';
import { configWith } from './support';

/**
 * Lints with every security rule and returns the number of findings.
 * These inputs once made rules slow; here they must simply finish (a
 * regression shows as vitest's test timeout). Their timings are measured
 * by `pnpm bench`, never asserted here.
 */
function lintAll(text: string): number {
  const dockerfile = parseDockerfile(text, 'Dockerfile');
  const config = configWith({ allowedBaseImages: ['alpine:*', 'a*b*c*d*e*f'] });
  return lintDockerfile(dockerfile, SECURITY_RULES, config).findings.length;
}

const BLOCK = [
  'FROM node:22 AS build{n}',
  'ARG NPM_TOKEN',
  'ENV API_KEY=abcdef1234 HOME=/home/app',
  'RUN apt-get update && apt-get install -y curl gcc make && curl -fsSL https://x/{n} | sh',
  'COPY .env package.json /app/',
  'ADD https://example.com/{n}.tgz /opt/',
  'WORKDIR /app/{n}',
  'RUN chmod -R 777 /app && mkdir -m 0777 /data',
  '# imagegate-ignore expose-ssh',
  'EXPOSE 22 8080',
];

describe('security rules at scale', () => {
  it('lint a 10,000-line Dockerfile', () => {
    const lines: string[] = [];
    for (let n = 0; lines.length < 10_000; n += 1) {
      lines.push(...BLOCK.map((line) => line.replaceAll('{n}', String(n))));
    }

    expect(lintAll(`${lines.join('\n')}\n`)).toBeGreaterThan(1_000);
  });

  it('lint a 5,000-stage chain of FROM references', () => {
    const stages = ['FROM alpine:3.20 AS s0'];
    for (let n = 1; n < 5_000; n += 1) stages.push(`FROM s${n - 1} AS s${n}`);

    expect(lintAll(`${stages.join('\n')}\n`)).toBeGreaterThan(0);
  });

  it.each([
    ['a long JWT-like value', `ENV T=${'eyJ'.repeat(300_000)}`],
    ['a long run of URL-like text', `ENV U=${'://a:b@'.repeat(100_000)}`],
    ['a shell name before many spaces', `RUN sh${' '.repeat(500_000)}x`],
    ['many substitutions', `RUN sh -c "${'$( '.repeat(50_000)}"`],
    ['a long quoted ENV', `ENV A="${'\\"'.repeat(200_000)}"`],
    ['a long chmod mode', `RUN chmod ${'o+w,'.repeat(100_000)} /x`],
    [
      'many shells before a download',
      `RUN ${'bash '.repeat(100_000)}<(curl x)`,
    ],
    ['a long shell option', `RUN sh -${'c'.repeat(200_000)}x`],
    ['a long WORKDIR', `WORKDIR /${'../'.repeat(200_000)}proc`],
    ['a long image name', `FROM ${'a'.repeat(100_000)}`],
  ])('finish on %s', (_name, line) => {
    const text = `FROM alpine\n${line}\n`;

    expect(lintAll(text)).toBeGreaterThanOrEqual(0);
  });
});
