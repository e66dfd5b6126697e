import { describe, expect, it } from 'vitest';
import { DEFAULT_LINT_OPTIONS, parseDockerfile } from '../../src/index';
import { INSTRUCTION_RULES } from '../../src/rules/instructions';

/** A 10,000-line file that gives every rule something to look at. */
function largeDockerfile(): string {
  const lines = ['# hadolint ignore=DL3008', 'ARG BASE=alpine:3'];
  for (let stage = 0; lines.length < 10_000; stage += 1) {
    lines.push(
      `FROM --platform=linux/amd64 quay.io/org/img${stage}:1 AS s${stage}`,
      'WORKDIR app',
      `COPY --from=s${Math.max(0, stage - 1)} a.tar b c`,
      'RUN curl -s x | tar -xf a.tar && cd /x',
      'RUN wget y',
      `ENV A${stage}=1 B=$A${stage} C="\${A${stage}}"`,
      'LABEL Bad..key=1 version=nope owner=x homepage=y',
      'EXPOSE 70000 80-79',
      'USER root',
      'CMD run',
      'CMD run',
      'HEALTHCHECK CMD x',
      'ONBUILD COPY x y',
      `RUN useradd -u 1234567 u${stage}`,
    );
  }
  return lines.join('\n');
}

describe('INSTRUCTION_RULES at scale', () => {
  // The time this takes is measured by `pnpm bench`, never asserted here;
  // a rule that turns quadratic shows as this test's timeout.
  it('lints a 10,000-line Dockerfile that trips every rule', () => {
    const dockerfile = parseDockerfile(largeDockerfile(), 'Dockerfile');
    const options = {
      ...DEFAULT_LINT_OPTIONS,
      allowedRegistries: ['ghcr.io', '*.corp.example'],
      labelSchema: { version: 'semver', owner: 'email' } as const,
      strictLabels: true,
    };

    const hits = INSTRUCTION_RULES.flatMap((rule) =>
      rule.check({ dockerfile, options }),
    );

    expect(hits.length).toBeGreaterThan(10_000);
  });
});
