import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@imagegate/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INDEX_PAGE,
  renderReadmeRules,
  renderRuleDocs,
  ruleDocsDrift,
  writeRuleDocs,
} from '../../../scripts/rule-docs-lib';
import { ALL_RULES, type LintRule } from '../src/index';

const sample: LintRule = {
  id: 'sample-rule',
  title: 'A sample | with a pipe',
  severity: 'high',
  rationale: 'Because it matters.',
  fix: 'Do the right thing.',
  aliases: ['DL9999', 'CIS-DI-0099'],
  tags: ['security'],
  check: () => [],
};

describe('docs/rules', () => {
  it('matches what the generator writes', () => {
    const drift = ruleDocsDrift(
      join(repoRoot, 'docs', 'rules'),
      renderRuleDocs(ALL_RULES),
    );

    expect(
      drift,
      'docs/rules is out of date with the rule definitions; run `pnpm docs` and commit the result',
    ).toEqual({ changed: [], missing: [], stale: [] });
  });
});

describe('README.md', () => {
  it('lists every rule as the generator writes it', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

    expect(
      readme.includes(renderReadmeRules(ALL_RULES)),
      'the README rule list is out of date; run `pnpm docs` and commit the result',
    ).toBe(true);
  });
});

describe('renderRuleDocs', () => {
  it('renders the same pages every time', () => {
    expect(renderRuleDocs(ALL_RULES)).toEqual(renderRuleDocs(ALL_RULES));
  });

  it('writes a page per rule and an index', () => {
    const pages = renderRuleDocs([sample]);

    expect([...pages.keys()]).toEqual(['sample-rule.md', INDEX_PAGE]);
  });

  it('documents severity, aliases and both ways to turn the rule off', () => {
    const page = renderRuleDocs([sample]).get('sample-rule.md') ?? '';

    expect(page).toContain('# A sample | with a pipe');
    expect(page).toContain('| Default severity | high |');
    expect(page).toContain(
      '| Same as | `DL9999` (hadolint), `CIS-DI-0099` (dockle) |',
    );
    expect(page).toContain('Because it matters.');
    expect(page).toContain('Do the right thing.');
    expect(page).toContain('lint:\n  rules:\n    sample-rule: off\n');
    expect(page).toContain('# imagegate-ignore sample-rule -- ');
  });

  it('links every rule from the index and escapes table cells', () => {
    const index = renderRuleDocs([sample]).get(INDEX_PAGE) ?? '';

    expect(index).toContain(
      '| [`sample-rule`](sample-rule.md) | A sample \\| with a pipe | high | `DL9999`, `CIS-DI-0099` |',
    );
  });

  it('refuses a rule id that is not kebab-case', () => {
    expect(() => renderRuleDocs([{ ...sample, id: '../escape' }])).toThrow(
      /not kebab-case/,
    );
  });
});

describe('writeRuleDocs', () => {
  let directory = '';

  afterEach(() => {
    if (directory !== '') rmSync(directory, { recursive: true, force: true });
  });

  it('writes the pages, removes stale ones and keeps other files', () => {
    directory = mkdtempSync(join(tmpdir(), 'rule-docs-'));
    writeFileSync(join(directory, 'retired-rule.md'), 'old');
    writeFileSync(join(directory, 'diagram.svg'), '<svg/>');
    const pages = renderRuleDocs([sample]);

    const drift = writeRuleDocs(directory, pages);

    expect(drift.stale).toEqual(['retired-rule.md']);
    expect(readdirSync(directory).sort()).toEqual([
      INDEX_PAGE,
      'diagram.svg',
      'sample-rule.md',
    ]);
    expect(readFileSync(join(directory, 'sample-rule.md'), 'utf8')).toBe(
      pages.get('sample-rule.md'),
    );
    expect(ruleDocsDrift(directory, pages)).toEqual({
      changed: [],
      missing: [],
      stale: [],
    });
  });
});
