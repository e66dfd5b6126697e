import { parseSeverity, type Severity } from '@imagegate/findings';
import {
  isMap,
  isScalar,
  LineCounter,
  parseDocument,
  type Node,
  type YAMLMap,
} from 'yaml';
import { DockerfileError } from './errors';
import {
  DEFAULT_LINT_OPTIONS,
  type LabelType,
  type LintOptions,
  type LintRule,
} from './rule';
import { didYouMean } from './suggest';

/** What the configuration says of one rule. */
export interface RuleSetting {
  enabled: boolean;
  severity?: Severity;
}

/** The `lint:` part of `.imagegate.yaml`, resolved against the rules. */
export interface LintConfig {
  /** Keyed by rule id (aliases in the file are resolved to ids). */
  rules: Map<string, RuleSetting>;
  options: LintOptions;
}

export const EMPTY_LINT_CONFIG: LintConfig = {
  rules: new Map(),
  options: DEFAULT_LINT_OPTIONS,
};

const LABEL_TYPES: readonly LabelType[] = [
  'text',
  'url',
  'email',
  'semver',
  'rfc3339',
  'spdx',
  'hash',
];
const LINT_KEYS = [
  'rules',
  'allowed-registries',
  'allowed-base-images',
  'label-schema',
  'strict-labels',
];

/** Finds a rule by id or alias, ignoring case. */
export function findRule(
  rules: readonly LintRule[],
  name: string,
): LintRule | undefined {
  const lower = name.toLowerCase();
  return rules.find(
    (rule) =>
      rule.id === lower ||
      rule.aliases.some((alias) => alias.toLowerCase() === lower),
  );
}

/** Every name a rule answers to, for suggestions. */
export function ruleNames(rules: readonly LintRule[]): string[] {
  return rules.flatMap((rule) => [rule.id, ...rule.aliases]);
}

/**
 * Reads the lint configuration from `.imagegate.yaml` text. Every mistake
 * is an error naming the file and line: unknown keys, unknown rule ids,
 * values of the wrong kind.
 */
export function parseLintConfig(
  text: string,
  path: string,
  rules: readonly LintRule[],
): LintConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const where = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined
      ? path
      : `${path}:${lineCounter.linePos(offset).line}`;
  };
  const [firstError] = document.errors;
  if (firstError !== undefined) {
    const line = lineCounter.linePos(firstError.pos[0]).line;
    throw new DockerfileError(
      'config',
      `${path}:${line}: not valid YAML (${firstError.code}); fix the syntax`,
    );
  }
  if (document.contents === null) return EMPTY_LINT_CONFIG;
  const root = expectMap(document.contents, where, 'the file');
  const lint = root.get('lint', true);
  if (lint === undefined || (isScalar(lint) && lint.value === null)) {
    return EMPTY_LINT_CONFIG;
  }
  const lintMap = expectMap(lint as Node, where, "'lint'");
  for (const pair of lintMap.items) {
    const key = String((pair.key as { value?: unknown }).value);
    if (!LINT_KEYS.includes(key)) {
      throw new DockerfileError(
        'config',
        `${where(pair.key as Node)}: unknown key 'lint.${key}'${didYouMean(key, LINT_KEYS)}`,
      );
    }
  }
  return {
    rules: readRuleSettings(lintMap.get('rules', true), where, rules),
    options: {
      allowedRegistries: readStrings(lintMap, 'allowed-registries', where),
      allowedBaseImages: readStrings(lintMap, 'allowed-base-images', where),
      labelSchema: readLabelSchema(lintMap.get('label-schema', true), where),
      strictLabels: readBoolean(lintMap, 'strict-labels', where),
    },
  };
}

type Where = (node: Node | null | undefined) => string;

function expectMap(node: Node, where: Where, what: string): YAMLMap {
  if (!isMap(node)) {
    throw new DockerfileError(
      'config',
      `${where(node)}: ${what} must be a mapping of keys to values`,
    );
  }
  return node;
}

function readRuleSettings(
  node: Node | undefined,
  where: Where,
  rules: readonly LintRule[],
): Map<string, RuleSetting> {
  const settings = new Map<string, RuleSetting>();
  if (node === undefined) return settings;
  for (const pair of expectMap(node, where, "'lint.rules'").items) {
    const keyNode = pair.key as Node;
    const name = String((keyNode as { value?: unknown }).value);
    const rule = findRule(rules, name);
    if (rule === undefined) {
      throw new DockerfileError(
        'unknown-rule',
        `${where(keyNode)}: unknown rule '${name}'${didYouMean(name, ruleNames(rules))}`,
      );
    }
    settings.set(rule.id, readRuleSetting(pair.value as Node, where, name));
  }
  return settings;
}

function readRuleSetting(node: Node, where: Where, name: string): RuleSetting {
  const value = (node as { value?: unknown } | null)?.value;
  if (value === false || value === 'off') return { enabled: false };
  if (value === true || value === 'on') return { enabled: true };
  const severity = typeof value === 'string' ? parseSeverity(value) : undefined;
  if (severity === undefined) {
    throw new DockerfileError(
      'config',
      `${where(node)}: rule '${name}' must be 'off', 'on' or a severity (critical, high, medium, low, negligible, unknown)`,
    );
  }
  return { enabled: true, severity };
}

function readStrings(map: YAMLMap, key: string, where: Where): string[] {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return [];
  const value = node.toJSON() as unknown;
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'string')
  ) {
    throw new DockerfileError(
      'config',
      `${where(node)}: 'lint.${key}' must be a list of strings`,
    );
  }
  return value;
}

function readBoolean(map: YAMLMap, key: string, where: Where): boolean {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return false;
  const value = node.toJSON() as unknown;
  if (typeof value !== 'boolean') {
    throw new DockerfileError(
      'config',
      `${where(node)}: 'lint.${key}' must be true or false`,
    );
  }
  return value;
}

function readLabelSchema(
  node: Node | undefined,
  where: Where,
): Record<string, LabelType> {
  const schema: Record<string, LabelType> = Object.create(null) as Record<
    string,
    LabelType
  >;
  if (node === undefined) return schema;
  for (const pair of expectMap(node, where, "'lint.label-schema'").items) {
    const label = String((pair.key as { value?: unknown }).value);
    const type = String((pair.value as { value?: unknown } | null)?.value);
    if (!(LABEL_TYPES as readonly string[]).includes(type)) {
      throw new DockerfileError(
        'config',
        `${where(pair.value as Node)}: label '${label}' has type '${type}'; use one of ${LABEL_TYPES.join(', ')}`,
      );
    }
    schema[label] = type as LabelType;
  }
  return schema;
}
