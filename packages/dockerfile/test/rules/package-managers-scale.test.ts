import { describe, expect, it } from 'vitest';
import { DEFAULT_LINT_OPTIONS, parseDockerfile } from '../../src/index';
import { PACKAGE_MANAGER_RULES } from '../../src/rules/package-managers';

/** One command for each package manager, none of them tidy. */
const COMMANDS = [
  'apt-get update && apt-get install curl vim',
  'apk update && apk add curl git+https://x/y.git#v1',
  'yum install tomcat && dnf clean all && microdnf install x',
  'zypper in tomcat && zypper dup',
  'pip install flask && PIP_NO_CACHE_DIR=1 pip install x',
  'npm install express && yarn cache clean && yarn add y',
  'gem install rails --foo bar && go install example.com/x@latest',
];

function manyRuns(): string {
  const lines = ['FROM debian:12 AS s0'];
  for (let index = 0; lines.length < 10_000; index += 1) {
    lines.push(
      `RUN ${COMMANDS[index % COMMANDS.length] as string}`,
      `ENV PIP_NO_CACHE_DIR=${index % 2}`,
      `ONBUILD RUN ${COMMANDS[(index + 3) % COMMANDS.length] as string}`,
      `FROM s${index} AS s${index + 1}`,
    );
  }
  return lines.join('\n');
}

function oneLongRun(): string {
  const lines = ['FROM debian:12', 'RUN true \\'];
  for (let index = 0; lines.length < 10_000; index += 1) {
    lines.push(`  && ${COMMANDS[index % COMMANDS.length] as string} \\`);
  }
  return [...lines, '  && true'].join('\n');
}

// The time these take is measured by `pnpm bench`, never asserted here; a
// rule that turns quadratic shows as this test's timeout.
describe('PACKAGE_MANAGER_RULES at scale', () => {
  it.each([
    ['10,000 lines of RUNs and stages', manyRuns(), 1_000],
    ['one RUN of 10,000 lines', oneLongRun(), 10],
  ])('lints %s', (_shape, text, atLeast) => {
    const dockerfile = parseDockerfile(text, 'Dockerfile');
    const context = { dockerfile, options: DEFAULT_LINT_OPTIONS };

    const hits = PACKAGE_MANAGER_RULES.flatMap((rule) => rule.check(context));

    expect(hits.length).toBeGreaterThan(atLeast);
  });
});
