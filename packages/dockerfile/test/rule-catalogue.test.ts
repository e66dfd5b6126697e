import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../src/index';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible'];
const KEBAB_CASE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ALIAS = /^(DL\d{4}|CIS-DI-\d{4}|DKL-(DI|LI)-\d{4})$/;

describe('the rule catalogue', () => {
  it('has at least 35 rules', () => {
    expect(ALL_RULES.length).toBeGreaterThanOrEqual(35);
  });

  it('gives every rule a unique kebab-case id', () => {
    const ids = ALL_RULES.map((rule) => rule.id);

    expect(ids.filter((id) => !KEBAB_CASE.test(id))).toEqual([]);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  });

  it.each(ALL_RULES.map((rule) => [rule.id, rule] as const))(
    'documents %s fully',
    (_id, rule) => {
      expect(rule.title.trim()).not.toBe('');
      expect(rule.rationale.trim()).not.toBe('');
      expect(rule.fix.trim()).not.toBe('');
      expect(SEVERITIES).toContain(rule.severity);
      expect(rule.tags.length).toBeGreaterThan(0);
      expect(rule.tags.filter((tag) => !KEBAB_CASE.test(tag))).toEqual([]);
      expect(rule.aliases.filter((alias) => !ALIAS.test(alias))).toEqual([]);
    },
  );

  it('gives each alias to one rule only, and to no rule id', () => {
    const owners = new Map<string, string[]>();
    for (const rule of ALL_RULES) {
      for (const alias of rule.aliases) {
        owners.set(alias, [...(owners.get(alias) ?? []), rule.id]);
      }
    }
    const ids = new Set(ALL_RULES.map((rule) => rule.id));

    const shared = [...owners].filter(([, rules]) => rules.length > 1);
    expect(shared).toEqual([]);
    expect([...owners.keys()].filter((alias) => ids.has(alias))).toEqual([]);
  });
});
