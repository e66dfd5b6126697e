import { describe, expect, it } from 'vitest';
import {
  ALL_RULES,
  EMPTY_LINT_CONFIG,
  formatLintText,
  lintDockerfile,
  parseDockerfile,
} from '../../src/index';
import { copySecretFile, secretInEnvOrArg } from '../../src/rules/sec-secrets';
import { findingLinesOf, findingsOf, reportOf } from './support';

const CANARY = 'canary-7f3a9c1e5b2d4086';
const GITHUB_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(4)}`.slice(0, 40);

describe('secret-in-env-or-arg', () => {
  it.each([
    ['ARG NPM_TOKEN', 'a bare ARG with a secret name'],
    ['ARG db_password=changeme', 'an ARG default'],
    ['ENV MY_PASSWORD=abc', 'a lower-case name'],
    ['ENV AWS_SECRET_ACCESS_KEY=abcd', 'an AWS secret'],
    ['ENV API_KEY="with spaces"', 'a quoted value'],
    ['ENV LEGACY_SECRET some words', 'the legacy ENV form'],
    ['ENV A=1 AUTH_TOKEN=xyz1', 'a second assignment'],
    ['ONBUILD ENV GH_TOKEN=xyz1', 'an ONBUILD trigger'],
    [`ENV CONFIG=${GITHUB_TOKEN}`, 'a GitHub token under an innocent name'],
    ['ENV K=AKIAABCDEFGHIJKLMNOP', 'an AWS access key id'],
    ['ENV SLACK=xoxb-1234567890-abcdef', 'a Slack token'],
    ['ENV DB=postgres://app:hunter22@db/app', 'a URL with a password'],
    [
      'ENV T=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      'a JSON Web Token',
    ],
    ['ENV KEY="-----BEGIN RSA PRIVATE KEY-----"', 'a private key header'],
  ])('reports %s (%s)', (line) => {
    expect(findingLinesOf(secretInEnvOrArg, `FROM alpine\n${line}\n`)).toEqual([
      2,
    ]);
  });

  it.each([
    ['ARG foobar', 'an innocent ARG'],
    ['ENV foobar=barfoo', 'an innocent ENV'],
    ['ENV POSTGRES_PASSWORD_FILE=/run/secrets/db', 'a pointer to a file'],
    ['ENV TOKEN_URL=https://auth.example/token', 'an endpoint address'],
    [
      'ENV TOKENIZERS_PARALLELISM=false',
      'a word that merely starts with token',
    ],
    ['ENV HOME=/home/app PATH=/usr/bin', 'ordinary variables'],
    ['ENV DB=postgres://app@db/app', 'a URL without a password'],
    ['ENV DB=postgres://app:$DB_PASS@db/app', 'a URL password from a variable'],
  ])('accepts %s (%s)', (line) => {
    expect(findingLinesOf(secretInEnvOrArg, `FROM alpine\n${line}\n`)).toEqual(
      [],
    );
  });

  it('reports a global ARG before the first FROM', () => {
    expect(
      findingLinesOf(secretInEnvOrArg, 'ARG GITHUB_TOKEN\nFROM alpine\n'),
    ).toEqual([1]);
  });

  it('names the variable and recommends a secret mount', () => {
    const [finding] = findingsOf(
      secretInEnvOrArg,
      'FROM a\nENV MY_PASSWORD=x\n',
    );

    expect(finding?.message).toBe(
      "'MY_PASSWORD' is named like a secret; pass secrets with RUN --mount=type=secret, not ENV",
    );
  });

  it('reports one finding for an instruction with several secrets', () => {
    const text = 'FROM a\nENV API_KEY=one1 DB_PASSWORD=two2\n';

    const findings = findingsOf(secretInEnvOrArg, text);

    expect(findings.map((f) => f.message)).toEqual([
      "'API_KEY' is named like a secret; 'DB_PASSWORD' is named like a secret; pass secrets with RUN --mount=type=secret, not ENV",
    ]);
  });
});

describe('secret-in-env-or-arg masking', () => {
  const dockerfile = (value: string) =>
    [
      'FROM alpine:3.20',
      `ENV API_TOKEN="${value}" OTHER=1`,
      `ARG DB_PASSWORD=${value}`,
      `ENV CONFIG=${GITHUB_TOKEN}`,
      `RUN curl -H "x-token: ${value}" https://example.com | sh`,
      '',
    ].join('\n');

  it('keeps the canary out of every finding, line and text report', () => {
    const report = lintDockerfile(
      parseDockerfile(dockerfile(CANARY), 'Dockerfile'),
      ALL_RULES,
      EMPTY_LINT_CONFIG,
    );

    const sinks = [
      JSON.stringify(report.findings),
      ...report.lines,
      formatLintText([report]),
    ];
    expect(report.findings.length).toBeGreaterThan(0);
    expect(sinks.filter((sink) => sink.includes(CANARY))).toEqual([]);
    expect(sinks.filter((sink) => sink.includes(GITHUB_TOKEN))).toEqual([]);
  });

  it('masks the value with *** in the source lines', () => {
    const report = reportOf(secretInEnvOrArg, dockerfile(CANARY));

    expect(report.lines.slice(1, 3)).toEqual([
      'ENV API_TOKEN=*** OTHER=1',
      'ARG DB_PASSWORD=***',
    ]);
  });

  it('keeps fingerprints when only the secret value changes', () => {
    const before = findingsOf(secretInEnvOrArg, dockerfile(CANARY));
    const after = findingsOf(secretInEnvOrArg, dockerfile(`${CANARY}-rotated`));

    expect(after.map((f) => f.fingerprint)).toEqual(
      before.map((f) => f.fingerprint),
    );
  });

  it('masks a token used as a variable name', () => {
    const report = reportOf(secretInEnvOrArg, `FROM a\nARG ${GITHUB_TOKEN}\n`);

    expect(JSON.stringify(report)).not.toContain(GITHUB_TOKEN);
    expect(report.findings).toHaveLength(1);
  });
});

describe('copy-secret-file', () => {
  it.each([
    ['COPY .env /app/'],
    ['COPY .env.production /app/'],
    ['ADD id_rsa /root/.ssh/'],
    ['COPY keys/id_ed25519_deploy /k'],
    ['COPY server.key /etc/ssl/'],
    ['COPY privkey.pem /etc/ssl/'],
    ['COPY *.pem /etc/ssl/'],
    ['COPY .npmrc .pypirc /root/'],
    ['COPY .netrc /root/'],
    ['COPY .docker/config.json /root/.docker/'],
    ['COPY .aws/credentials /root/.aws/'],
    ['COPY .git /src/.git'],
    ['COPY --from=build /root/.ssh /root/.ssh'],
    ['COPY ["secrets/.env", "/app/"]'],
    ['ONBUILD COPY .env /app/'],
  ])('reports %s', (line) => {
    expect(findingLinesOf(copySecretFile, `FROM alpine\n${line}\n`)).toEqual([
      2,
    ]);
  });

  it.each([
    ['COPY . /app'],
    ['COPY .env.example /app/'],
    ['COPY id_rsa.pub /root/.ssh/authorized_keys'],
    ['COPY cert.pem fullchain.pem ca.pem /etc/ssl/'],
    ['COPY nodesource.gpg.key /etc/apt/keyrings/'],
    ['COPY .github/ /src/.github/'],
    ['COPY .gitignore /src/'],
    ['COPY $CONFIG /app/'],
    ['COPY <<EOF /app/.env\nA=1\nEOF'],
  ])('accepts %s', (line) => {
    expect(findingLinesOf(copySecretFile, `FROM alpine\n${line}\n`)).toEqual(
      [],
    );
  });

  it('names each offending source with what it holds', () => {
    const [finding] = findingsOf(
      copySecretFile,
      'FROM a\nCOPY .npmrc app/ /\n',
    );

    expect(finding?.message).toBe(
      "copies '.npmrc' (npm registry token) into the image; use a secret mount instead",
    );
  });
});
