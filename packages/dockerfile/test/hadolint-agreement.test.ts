import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ALL_RULES,
  DEFAULT_LINT_OPTIONS,
  lintDockerfile,
  parseDockerfile,
  type LintOptions,
  type LintRule,
} from '../src/index';
import {
  hadolintCaseOptions,
  KNOWN_DISAGREEMENTS,
} from './hadolint-case-config';

interface HadolintCase {
  rule: string;
  dockerfile: string;
  shouldFire: boolean;
  onbuild: boolean;
  describe: string;
  it: string;
  spec: string;
}

const available = corpusAvailable();
const cases: HadolintCase[] = available
  ? (
      JSON.parse(
        readFileSync(corpusPath('dockerfile-lint/hadolint/cases.json'), 'utf8'),
      ) as { cases: HadolintCase[] }
    ).cases.map(repairCase)
  : [];

/**
 * One transcribed case carries the first line of its Dockerfile in the
 * rule field (`"FROM scratch\nDL3045"`); put that line back in front.
 */
function repairCase(testCase: HadolintCase): HadolintCase {
  const lines = testCase.rule.split('\n');
  if (lines.length === 1) return testCase;
  const rule = lines.pop() as string;
  return {
    ...testCase,
    rule,
    dockerfile: `${lines.join('\n')}\n${testCase.dockerfile}`,
  };
}

/** Rules with a hadolint alias, keyed by that alias. */
const byAlias = new Map<string, LintRule>(
  ALL_RULES.flatMap((rule) =>
    rule.aliases
      .filter((alias) => /^DL\d{4}$/.test(alias))
      .map((alias) => [alias, rule] as const),
  ),
);

/** hadolint's onBuildRuleCatches wraps each RUN in ONBUILD (test/Helpers.hs). */
function wrapRunsInOnbuild(text: string): string {
  return text.replace(/^(\s*)(RUN\b)/gim, '$1ONBUILD $2');
}

function countHits(rule: LintRule, text: string, options: LintOptions): number {
  const dockerfile = parseDockerfile(`${text}\n`, 'Dockerfile');
  const config = { rules: new Map(), options };
  return lintDockerfile(dockerfile, [rule], config).findings.length;
}

const tally = { agree: 0, total: 0, known: 0 };
const comparable = cases.filter((c) => byAlias.has(c.rule));

/**
 * Texts with an entry of their own for the as-written check. An ONBUILD
 * entry for the same text then stands for the wrapped check alone: hadolint
 * sometimes asserts "no finding as written, one when wrapped" (a stage that
 * is thrown away still triggers its ONBUILD in a child image).
 */
const plainEntries = new Set(
  cases.filter((c) => !c.onbuild).map((c) => `${c.rule}|${c.dockerfile}`),
);

function variantsOf(testCase: HadolintCase): ('plain' | 'onbuild')[] {
  if (!testCase.onbuild) return ['plain'];
  const hasPlain = plainEntries.has(`${testCase.rule}|${testCase.dockerfile}`);
  return hasPlain ? ['onbuild'] : ['plain', 'onbuild'];
}

describe.skipIf(!available)('hadolint agreement', () => {
  afterAll(() => {
    const rules = new Set(comparable.map((c) => c.rule)).size;
    console.log(
      `hadolint agreement: ${tally.agree}/${tally.total} case checks over ${rules} aliased rules (${tally.known} known disagreements)`,
    );
  });

  it('covers every aliased rule with cases or a reason', () => {
    const withCases = new Set(cases.map((c) => c.rule));
    const missing = [...byAlias.keys()].filter(
      (alias) => !withCases.has(alias),
    );
    expect(missing).toEqual([]);
  });

  it.each(
    comparable.map((c, index) => [`${c.rule} ${c.it} #${index}`, c] as const),
  )('agrees with hadolint: %s', (_name, testCase) => {
    const rule = byAlias.get(testCase.rule) as LintRule;
    const options = hadolintCaseOptions(testCase) ?? DEFAULT_LINT_OPTIONS;
    const checks = variantsOf(testCase).map((variant) => {
      const text =
        variant === 'onbuild'
          ? wrapRunsInOnbuild(testCase.dockerfile)
          : testCase.dockerfile;
      return [countHits(rule, text, options), variant] as const;
    });
    for (const [hits, variant] of checks) {
      tally.total += 1;
      const expected = testCase.shouldFire
        ? variant === 'onbuild'
          ? hits === 1
          : hits >= 1
        : hits === 0;
      const known = KNOWN_DISAGREEMENTS.get(
        `${testCase.rule}|${testCase.dockerfile}`,
      );
      if (known !== undefined && !expected) {
        tally.known += 1;
        continue;
      }
      const wanted = testCase.shouldFire
        ? variant === 'onbuild'
          ? 'exactly once'
          : 'at least once'
        : 'never';
      expect(
        expected,
        `${variant}: fired ${hits} time(s), hadolint expects ${wanted}`,
      ).toBe(true);
      tally.agree += 1;
    }
  });
});
