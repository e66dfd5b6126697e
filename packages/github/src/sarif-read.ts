import { fileURLToPath } from 'node:url';
import {
  fingerprint,
  normaliseText,
  parseSeverity,
  type Finding,
  type Location,
  type RuleDescriptor,
  type Severity,
  type Suppression,
  type VulnerabilityDetails,
} from '@imagegate/findings';
import { GitHubError } from './client';
import { FINGERPRINT_KEY, type SarifRunInput } from './sarif';

// Reading results back: a findings JSON (`{"findings": [...]}`) or a
// SARIF 2.1.0 log from any tool, as the runs `buildSarif` takes, so the
// report can merge, compare and upload them alike.

type Json = Record<string, unknown>;

/** How paths in SARIF are read. */
export interface ReadResultsOptions {
  /**
   * The checkout; absolute `file://` URIs inside it become
   * repository-relative paths.
   */
  root?: string;
}

/**
 * Reads a results file: a findings JSON or a SARIF 2.1.0 log. Findings
 * JSON comes back as one run per tool, image and platform; SARIF as one
 * run per SARIF run, keeping its tool, rules and category. `source`
 * names the file in errors.
 */
export function readResults(
  text: string,
  source: string,
  options: ReadResultsOptions = {},
): SarifRunInput[] {
  const document = parseJson(text, source);
  if (isRecord(document) && Array.isArray(document.findings))
    return findingsToRuns(readFindingsDocument(document.findings, source));
  if (isRecord(document) && 'runs' in document)
    return sarifToRuns(document, source, options);
  throw new GitHubError(
    'bad-input',
    `${source}: neither a findings JSON ({"findings": [...]}) nor a SARIF 2.1.0 log`,
  );
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GitHubError('bad-input', `${source}: not JSON`, {
      cause: error,
    });
  }
}

/**
 * Merges runs of several files: runs of one tool and category become
 * one, rules are kept once per id, and a finding already read (same
 * fingerprint and place) is dropped.
 */
export function mergeResultRuns(
  runs: readonly SarifRunInput[],
): SarifRunInput[] {
  const merged = new Map<string, SarifRunInput>();
  const seen = new Set<string>();
  for (const run of runs) {
    const key = `${run.tool.name}\u0000${run.category}`;
    const into = merged.get(key) ?? { ...run, rules: [], findings: [] };
    merged.set(key, {
      ...into,
      rules: uniqueRules([...into.rules, ...run.rules]),
      findings: [...into.findings, ...unseen(run.findings, seen)],
    });
  }
  return [...merged.values()];
}

function uniqueRules(rules: readonly RuleDescriptor[]): RuleDescriptor[] {
  const byId = new Map<string, RuleDescriptor>();
  for (const rule of rules) if (!byId.has(rule.id)) byId.set(rule.id, rule);
  return [...byId.values()];
}

function unseen(findings: readonly Finding[], seen: Set<string>): Finding[] {
  return findings.filter((finding) => {
    const { path, line, image, packageName } = finding.location;
    const key = [finding.fingerprint, path, line, image, packageName].join(
      '\u0000',
    );
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------
// Findings JSON
// ---------------------------------------------------------------------------

/**
 * Groups findings as SARIF runs: one per tool, image and platform, with
 * the category `<tool>/<image>/<platform>/` (`<tool>/` for file findings).
 * Limitation: a findings JSON carries no rule descriptions beyond each
 * finding's title, and an empty one names no tool, so it gives no run:
 * code scanning cannot learn from it that a tool's alerts are all fixed.
 */
export function findingsToRuns(findings: readonly Finding[]): SarifRunInput[] {
  const runs = new Map<string, SarifRunInput>();
  for (const finding of findings) {
    const category = jsonCategory(finding);
    const key = `${finding.tool}\u0000${category}`;
    const run = runs.get(key) ?? {
      tool: { name: finding.tool, version: 'unknown' },
      rules: [],
      findings: [],
      category,
    };
    runs.set(key, { ...run, findings: [...run.findings, finding] });
  }
  return [...runs.values()];
}

function jsonCategory(finding: Finding): string {
  const { image, platform } = finding.location;
  const parts = [finding.tool, image, platform].filter(
    (part): part is string => part !== undefined && part !== '',
  );
  return `${parts.join('/')}/`;
}

function readFindingsDocument(
  entries: readonly unknown[],
  source: string,
): Finding[] {
  return entries.map((entry, index) =>
    readFinding(entry, `${source}: finding ${index + 1}`),
  );
}

/** One finding of a findings JSON, checked field by field. */
function readFinding(value: unknown, where: string): Finding {
  if (!isRecord(value)) throw badField(where, 'is not an object');
  const text = (name: string): string => requiredText(value, name, where);
  const finding: Finding = {
    tool: text('tool'),
    ruleId: text('ruleId'),
    ruleAliases: textList(value.ruleAliases, `${where}: ruleAliases`) ?? [],
    severity: severityOf(value.severity, where),
    title: optionalText(value, 'title', where) ?? text('ruleId'),
    message: optionalText(value, 'message', where) ?? '',
    fingerprint: text('fingerprint'),
    location: readLocation(value.location, `${where}: location`),
  };
  const helpUri = optionalText(value, 'helpUri', where);
  if (helpUri !== undefined) finding.helpUri = helpUri;
  const tags = textList(value.tags, `${where}: tags`);
  if (tags !== undefined) finding.tags = tags;
  if (value.vulnerability !== undefined)
    finding.vulnerability = readVulnerability(value.vulnerability, where);
  if (value.suppression !== undefined)
    finding.suppression = readSuppression(value.suppression, where);
  return finding;
}

function severityOf(value: unknown, where: string): Severity {
  const severity = typeof value === 'string' ? parseSeverity(value) : undefined;
  if (severity !== undefined) return severity;
  throw badField(
    where,
    `severity ${JSON.stringify(value)} is not critical, high, medium, low, negligible or unknown`,
  );
}

const LOCATION_NUMBERS = ['line', 'column', 'endLine', 'endColumn'] as const;
const LOCATION_TEXTS = [
  'path',
  'image',
  'digest',
  'platform',
  'layerDigest',
  'packageName',
] as const;

function readLocation(value: unknown, where: string): Location {
  if (value === undefined) return {};
  if (!isRecord(value)) throw badField(where, 'is not an object');
  const location: Location = {};
  for (const name of LOCATION_TEXTS) {
    const text = optionalText(value, name, where);
    if (text !== undefined) location[name] = text;
  }
  for (const name of LOCATION_NUMBERS) {
    const number = value[name];
    if (number === undefined) continue;
    if (!isPositiveInteger(number))
      throw badField(where, `${name} is not a whole number of at least 1`);
    location[name] = number;
  }
  return location;
}

function readVulnerability(
  value: unknown,
  where: string,
): VulnerabilityDetails {
  const vulnerability = vulnerabilityOf(value);
  if (vulnerability !== undefined) return vulnerability;
  throw badField(
    where,
    'vulnerability needs id, aliases, packageName, packageVersion, packageType and cvss',
  );
}

const SUPPRESSION_KINDS: readonly Suppression['kind'][] = [
  'inline',
  'config',
  'exception',
  'vex',
];

function readSuppression(value: unknown, where: string): Suppression {
  const kind = isRecord(value) ? value.kind : undefined;
  const justification = isRecord(value) ? value.justification : undefined;
  const known = SUPPRESSION_KINDS.find((k) => k === kind);
  if (known === undefined || typeof justification !== 'string')
    throw badField(
      where,
      `suppression needs a kind (${SUPPRESSION_KINDS.join(', ')}) and a justification`,
    );
  return { kind: known, justification };
}

function requiredText(value: Json, name: string, where: string): string {
  const text = optionalText(value, name, where);
  if (text === undefined || text === '')
    throw badField(where, `${name} is missing`);
  return text;
}

function optionalText(
  value: Json,
  name: string,
  where: string,
): string | undefined {
  const text = value[name];
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw badField(where, `${name} is not text`);
  return text;
}

function textList(value: unknown, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (isTextList(value)) return [...value];
  throw badField(where, 'is not a list of text');
}

function badField(where: string, problem: string): GitHubError {
  return new GitHubError('bad-input', `${where}: ${problem}`);
}

// ---------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------

/**
 * Reads a SARIF 2.1.0 log back into runs of findings. Per result: the
 * rule (by `ruleId`, `rule` or `ruleIndex`); the severity from
 * imagegate's own `properties.severity`, else a `security-severity`
 * score (the result's, then the rule's), else the level (the result's,
 * then the rule's default); the message text; the first location; the
 * fingerprint from `partialFingerprints["imagegateFingerprint/v1"]`, else
 * a hash of the tool's own fingerprints, else a hash of the rule, place
 * and message.
 * Limitation: `message.id` is looked up in the rule's `messageStrings`
 * only; results that name a message by id from elsewhere read as the
 * rule's title. Only the first location of a result is read.
 * Limitation: SARIF knows two suppression kinds; imagegate's
 * `exception` and `vex` come back as `config`, justification kept.
 */
export function sarifToRuns(
  log: unknown,
  source: string,
  options: ReadResultsOptions = {},
): SarifRunInput[] {
  const runs = checkSarif(log, source);
  return runs.map((run, index) =>
    readRun(run, `${source}: run ${index + 1}`, options),
  );
}

function checkSarif(log: unknown, source: string): Json[] {
  if (!isRecord(log) || log.version !== '2.1.0' || !Array.isArray(log.runs))
    throw new GitHubError(
      'bad-input',
      `${source}: not a SARIF 2.1.0 log (no version '2.1.0' and runs)`,
    );
  const runs = log.runs as unknown[];
  if (!runs.every(isRecord))
    throw new GitHubError('bad-input', `${source}: a run is not an object`);
  return runs;
}

/** What reading one run's results needs. */
interface RunContext {
  tool: string;
  rules: Json[];
  options: ReadResultsOptions;
}

function readRun(
  run: Json,
  where: string,
  options: ReadResultsOptions,
): SarifRunInput {
  const driver = driverOf(run, where);
  const rules = (Array.isArray(driver.rules) ? driver.rules : []).filter(
    isRecord,
  );
  const context: RunContext = { tool: driver.name, rules, options };
  const results = Array.isArray(run.results) ? run.results : [];
  const version = textOf(driver.version) ?? textOf(driver.semanticVersion);
  const informationUri = textOf(driver.informationUri);
  return {
    tool: {
      name: driver.name,
      version: version ?? 'unknown',
      ...(informationUri === undefined ? {} : { informationUri }),
    },
    rules: rules.flatMap((rule) => ruleDescriptor(rule)),
    findings: results
      .filter(isRecord)
      .map((result) => readResult(result, context)),
    category: sarifCategory(run, driver.name),
  };
}

function driverOf(run: Json, where: string): Json & { name: string } {
  const tool = isRecord(run.tool) ? run.tool : {};
  const driver = isRecord(tool.driver) ? tool.driver : {};
  const name = textOf(driver.name);
  if (name === undefined)
    throw new GitHubError('bad-input', `${where}: no tool.driver.name`);
  return { ...driver, name };
}

/**
 * The category as code scanning reads it: `automationDetails.id` up to
 * its last `/`; without one, the tool's name.
 */
function sarifCategory(run: Json, tool: string): string {
  const details = isRecord(run.automationDetails) ? run.automationDetails : {};
  const id = textOf(details.id) ?? '';
  const slash = id.lastIndexOf('/');
  return slash > 0 ? id.slice(0, slash + 1) : `${tool}/`;
}

function ruleDescriptor(rule: Json): RuleDescriptor[] {
  const id = textOf(rule.id);
  if (id === undefined) return [];
  const title = ruleTitle(rule) ?? id;
  const help = isRecord(rule.help) ? rule.help : {};
  const properties = isRecord(rule.properties) ? rule.properties : {};
  const tags = isTextList(properties.tags) ? properties.tags : [];
  return [
    {
      id,
      title,
      description: messageText(rule.fullDescription) ?? title,
      helpMarkdown: textOf(help.markdown) ?? textOf(help.text) ?? title,
      severity: ruleSeverity(rule) ?? 'unknown',
      tags: tags.filter((tag) => tag !== 'security'),
      aliases: isTextList(rule.deprecatedIds) ? [...rule.deprecatedIds] : [],
    },
  ];
}

function ruleTitle(rule: Json): string | undefined {
  return messageText(rule.shortDescription) ?? textOf(rule.name);
}

function readResult(result: Json, context: RunContext): Finding {
  const rule = ruleOf(result, context.rules);
  const ruleId = textOf(result.ruleId) ?? textOf(rule?.id) ?? 'unknown-rule';
  const properties = isRecord(result.properties) ? result.properties : {};
  const location = resultLocation(result, properties, context.options);
  const message = resultMessage(result, rule) ?? ruleId;
  const finding: Finding = {
    tool: context.tool,
    ruleId,
    ruleAliases:
      rule !== undefined && isTextList(rule.deprecatedIds)
        ? [...rule.deprecatedIds]
        : [],
    severity: resultSeverity(result, properties, rule),
    title: (rule === undefined ? undefined : ruleTitle(rule)) ?? ruleId,
    message,
    fingerprint: resultFingerprint(result, context.tool, ruleId, location, [
      message,
    ]),
    location,
  };
  addExtras(finding, result, properties, rule);
  return finding;
}

function addExtras(
  finding: Finding,
  result: Json,
  properties: Json,
  rule: Json | undefined,
): void {
  const helpUri = textOf(rule?.helpUri);
  if (helpUri !== undefined) finding.helpUri = helpUri;
  if (isTextList(properties.tags) && properties.tags.length > 0)
    finding.tags = [...properties.tags];
  const vulnerability = vulnerabilityOf(properties.vulnerability);
  if (vulnerability !== undefined) finding.vulnerability = vulnerability;
  const suppression = suppressionOf(result.suppressions);
  if (suppression !== undefined) finding.suppression = suppression;
}

/** The rule a result names: by `ruleIndex`, `rule.index`, or id. */
function ruleOf(result: Json, rules: readonly Json[]): Json | undefined {
  const reference = isRecord(result.rule) ? result.rule : {};
  const index = [result.ruleIndex, reference.index].find(
    (n): n is number => typeof n === 'number' && n >= 0,
  );
  if (index !== undefined && rules[index] !== undefined) return rules[index];
  const id = textOf(result.ruleId) ?? textOf(reference.id);
  return id === undefined ? undefined : rules.find((rule) => rule.id === id);
}

function resultMessage(
  result: Json,
  rule: Json | undefined,
): string | undefined {
  const message = isRecord(result.message) ? result.message : {};
  const direct = textOf(message.text) ?? textOf(message.markdown);
  if (direct !== undefined) return direct;
  const id = textOf(message.id);
  const strings = isRecord(rule?.messageStrings) ? rule.messageStrings : {};
  const template = id === undefined ? undefined : messageText(strings[id]);
  if (template === undefined)
    return rule === undefined ? undefined : ruleTitle(rule);
  const args = Array.isArray(message.arguments) ? message.arguments : [];
  return template.replace(/\{(\d+)\}/g, (whole, n: string) => {
    const value: unknown = args[Number(n)];
    return typeof value === 'string' ? value : whole;
  });
}

function resultSeverity(
  result: Json,
  properties: Json,
  rule: Json | undefined,
): Severity {
  const own = textOf(properties.severity);
  const parsed = own === undefined ? undefined : parseSeverity(own);
  if (parsed !== undefined) return parsed;
  const score = scoreOf(properties['security-severity']);
  if (score !== undefined) return severityFromScore(score);
  const byRule = rule === undefined ? undefined : ruleSeverity(rule);
  if (byRule !== undefined) return byRule;
  return levelSeverity(textOf(result.level) ?? 'warning');
}

/** A rule's severity: its `security-severity`, else its default level. */
function ruleSeverity(rule: Json): Severity | undefined {
  const properties = isRecord(rule.properties) ? rule.properties : {};
  const score = scoreOf(properties['security-severity']);
  if (score !== undefined) return severityFromScore(score);
  const configuration = isRecord(rule.defaultConfiguration)
    ? rule.defaultConfiguration
    : {};
  const level = textOf(configuration.level);
  return level === undefined ? undefined : levelSeverity(level);
}

function scoreOf(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const score = Number(value);
  return Number.isFinite(score) && score >= 0 && score <= 10
    ? score
    : undefined;
}

/**
 * The severity of a `security-severity` score, on GitHub's scale:
 * over 9.0 critical, 7.0 high, 4.0 medium, above 0 low, 0 unknown.
 */
export function severityFromScore(score: number): Severity {
  if (score > 9.0) return 'critical';
  if (score >= 7.0) return 'high';
  if (score >= 4.0) return 'medium';
  return score > 0 ? 'low' : 'unknown';
}

const LEVEL_SEVERITIES: Record<string, Severity> = {
  error: 'high',
  warning: 'medium',
  note: 'low',
  none: 'negligible',
};

function levelSeverity(level: string): Severity {
  return LEVEL_SEVERITIES[level] ?? 'medium';
}

// ---------------------------------------------------------------------------
// Locations, fingerprints, suppressions
// ---------------------------------------------------------------------------

function resultLocation(
  result: Json,
  properties: Json,
  options: ReadResultsOptions,
): Location {
  const locations: unknown[] = Array.isArray(result.locations)
    ? result.locations
    : [];
  const first = locations[0];
  const place = isRecord(first) ? first : {};
  const location: Location = {
    ...physicalLocation(place.physicalLocation, options),
  };
  const image = isRecord(properties.image) ? properties.image : {};
  for (const [from, to] of [
    ['name', 'image'],
    ['digest', 'digest'],
    ['platform', 'platform'],
    ['layerDigest', 'layerDigest'],
  ] as const) {
    const text = textOf(image[from]);
    if (text !== undefined) location[to] = text;
  }
  if (location.path === undefined) addLogical(location, place.logicalLocations);
  return location;
}

function physicalLocation(
  value: unknown,
  options: ReadResultsOptions,
): Location {
  const physical = isRecord(value) ? value : {};
  const artifact = isRecord(physical.artifactLocation)
    ? physical.artifactLocation
    : {};
  const uri = textOf(artifact.uri);
  if (uri === undefined) return {};
  const location: Location = { path: uriPath(uri, options.root) };
  const region = isRecord(physical.region) ? physical.region : {};
  for (const [from, to] of [
    ['startLine', 'line'],
    ['startColumn', 'column'],
    ['endLine', 'endLine'],
    ['endColumn', 'endColumn'],
  ] as const) {
    const number = region[from];
    if (isPositiveInteger(number)) location[to] = number;
  }
  return location;
}

/**
 * A repository path from an artifact URI: percent-decoded; a `file://`
 * URI inside `root` made relative to it.
 * Limitation: `uriBaseId`s other than the checkout are not resolved; a
 * path relative to another base reads as relative to the checkout.
 */
function uriPath(uri: string, root: string | undefined): string {
  if (uri.startsWith('file:')) {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      return uri;
    }
    const base = root?.replace(/\/+$/, '');
    return base !== undefined && path.startsWith(`${base}/`)
      ? path.slice(base.length + 1)
      : path;
  }
  try {
    return decodeURIComponent(uri).replace(/^\.\//, '');
  } catch {
    return uri;
  }
}

/** An image finding: the image and the package in it, by name. */
function addLogical(location: Location, value: unknown): void {
  const logical = Array.isArray(value) ? value.find(isRecord) : undefined;
  if (logical === undefined) return;
  const name = textOf(logical.name);
  const qualified = textOf(logical.fullyQualifiedName);
  const image = location.image ?? qualified ?? name;
  if (image !== undefined) location.image = image;
  if (name !== undefined && name !== location.image)
    location.packageName = name;
}

/**
 * imagegate's fingerprint when the result carries it; else one over the
 * tool's own fingerprints; else over the rule, the place and `extra`.
 * Lines stay out, so a finding keeps its fingerprint when lines move.
 * Limitation: the last fallback hashes the message, so a tool whose
 * message quotes the line number gives a new fingerprint (a "new"
 * finding) when lines move; send imagegate's key or stable fingerprints.
 */
function resultFingerprint(
  result: Json,
  tool: string,
  ruleId: string,
  location: Location,
  extra: readonly string[],
): string {
  const partial = isRecord(result.partialFingerprints)
    ? result.partialFingerprints
    : {};
  const own = textOf(partial[FINGERPRINT_KEY]);
  if (own !== undefined && own !== '') return own;
  const theirs = [result.fingerprints, partial]
    .filter(isRecord)
    .flatMap((record) => Object.entries(record))
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => `${key}=${value}`)
    .sort();
  if (theirs.length > 0) return fingerprint([tool, ruleId, ...theirs]);
  return fingerprint([
    tool,
    ruleId,
    location.path ?? location.image ?? '',
    location.packageName ?? '',
    ...extra.map(normaliseText),
  ]);
}

/** An accepted suppression: `inSource` is inline, `external` config. */
function suppressionOf(value: unknown): Suppression | undefined {
  if (!Array.isArray(value)) return undefined;
  const accepted = value
    .filter(isRecord)
    .find((s) => s.status === undefined || s.status === 'accepted');
  if (accepted === undefined) return undefined;
  return {
    kind: accepted.kind === 'inSource' ? 'inline' : 'config',
    justification: textOf(accepted.justification) ?? '',
  };
}

function vulnerabilityOf(value: unknown): VulnerabilityDetails | undefined {
  if (!isRecord(value)) return undefined;
  const { id, aliases, packageName, packageVersion, packageType, cvss } = value;
  const texts = [id, packageName, packageVersion, packageType];
  if (!texts.every((text) => typeof text === 'string')) return undefined;
  if (!isTextList(aliases) || !Array.isArray(cvss)) return undefined;
  if (!cvss.every(isCvss)) return undefined;
  const details: VulnerabilityDetails = {
    id: id as string,
    aliases: [...aliases],
    packageName: packageName as string,
    packageVersion: packageVersion as string,
    packageType: packageType as string,
    cvss: cvss.map(({ version, vector, score }) => ({
      version,
      vector,
      score,
    })),
  };
  const purl = textOf(value.purl);
  if (purl !== undefined) details.purl = purl;
  const fixedVersion = textOf(value.fixedVersion);
  if (fixedVersion !== undefined) details.fixedVersion = fixedVersion;
  return details;
}

function isCvss(
  value: unknown,
): value is { version: string; vector: string; score: number } {
  return (
    isRecord(value) &&
    typeof value.version === 'string' &&
    typeof value.vector === 'string' &&
    typeof value.score === 'number'
  );
}

// ---------------------------------------------------------------------------
// Small readers
// ---------------------------------------------------------------------------

function messageText(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  return textOf(value.text) ?? textOf(value.markdown);
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isTextList(value: unknown): value is string[] {
  return (
    Array.isArray(value) && value.every((item) => typeof item === 'string')
  );
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
