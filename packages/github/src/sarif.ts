import {
  securitySeverityScore,
  severityRank,
  silentLogger,
  sortFindings,
  type Finding,
  type Location,
  type Logger,
  type RuleDescriptor,
  type Severity,
  type Suppression,
} from '@imagegate/findings';

/** The tool a SARIF run names as its driver. */
export interface SarifTool {
  name: string;
  version: string;
  informationUri?: string;
}

/** One run to write: a tool, the rules it knows, its findings. */
export interface SarifRunInput {
  tool: SarifTool;
  rules: readonly RuleDescriptor[];
  findings: readonly Finding[];
  /** Code scanning's category; it ends with `/` (added when missing). */
  category: string;
}

/** What GitHub code scanning accepts in one upload. */
export const SARIF_LIMITS = {
  runsPerFile: 20,
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  tagsPerRule: 20,
  ruleNameLength: 255,
  descriptionLength: 1_024,
} as const;

/** The key of imagegate's fingerprint in `partialFingerprints`. */
export const FINGERPRINT_KEY = 'imagegateFingerprint/v1';

const SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note';

interface SarifText {
  text: string;
}

/** A `reportingDescriptor`, as imagegate fills it. */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifText;
  fullDescription: SarifText;
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: {
    'security-severity': string;
    precision: 'very-high' | 'high' | 'medium' | 'low';
    tags: string[];
  };
}

/** A `location`: a file region, or a logical location for an image. */
export interface SarifLocation {
  physicalLocation?: {
    artifactLocation: { uri: string; uriBaseId: '%SRCROOT%' };
    region?: {
      startLine: number;
      startColumn?: number;
      endLine?: number;
      endColumn?: number;
    };
  };
  logicalLocations?: { name: string; fullyQualifiedName: string }[];
}

/** A `suppression` of a result that is present but accepted. */
export interface SarifSuppression {
  kind: 'inSource' | 'external';
  status: 'accepted';
  justification?: string;
}

/** A `result`: one finding. */
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifText;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: SarifSuppression[];
  properties: Record<string, unknown>;
}

/** A `run`: one tool over one category. */
export interface SarifRun {
  tool: {
    driver: {
      name: string;
      version: string;
      informationUri?: string;
      rules: SarifRule[];
    };
  };
  automationDetails: { id: string };
  results: SarifResult[];
}

/** A SARIF 2.1.0 log. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

/**
 * Builds a SARIF 2.1.0 log with one run per input, within GitHub's upload
 * limits: what does not fit is dropped, least severe first, with a
 * warning that counts it. Rules and results come out in a fixed order, so
 * the same findings give the same bytes.
 */
export function buildSarif(
  runs: readonly SarifRunInput[],
  logger: Logger = silentLogger,
): SarifLog {
  const merged = mergeSameCategory(runs, logger);
  const kept = limitRuns(merged, logger);
  return {
    $schema: SCHEMA_URI,
    version: '2.1.0',
    runs: kept.map((run) => buildRun(run, logger)),
  };
}

/**
 * Serialises a log as GitHub's uploader reads it, with a newline.
 * Limitation: the 10 MB (gzipped) upload limit is not checked here; the
 * counts are, and lint logs stay far below it, but a caller writing large
 * image scans must check the size before uploading.
 */
export function sarifToJson(log: SarifLog): string {
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** The SARIF level of a severity. */
export function sarifLevel(severity: Severity): SarifLevel {
  if (severityRank(severity) >= severityRank('high')) return 'error';
  return severity === 'medium' ? 'warning' : 'note';
}

/** Code scanning rejects two runs of one tool and category in a file. */
function mergeSameCategory(
  runs: readonly SarifRunInput[],
  logger: Logger,
): SarifRunInput[] {
  const byKey = new Map<string, SarifRunInput>();
  for (const run of runs) {
    const category = withSlash(run.category);
    const key = `${run.tool.name}\u0000${category}`;
    const earlier = byKey.get(key);
    if (earlier === undefined) {
      byKey.set(key, { ...run, category });
      continue;
    }
    logger.debug(`SARIF: merged two runs with category '${category}'`);
    byKey.set(key, {
      ...earlier,
      rules: [...earlier.rules, ...run.rules],
      findings: [...earlier.findings, ...run.findings],
    });
  }
  return [...byKey.values()];
}

function withSlash(category: string): string {
  return category.endsWith('/') ? category : `${category}/`;
}

/**
 * Keeps the runs whose findings are most severe when there are more than
 * a file may hold, in their original order.
 * Limitation: the dropped runs are not written anywhere; a caller with
 * more than 20 categories should write several files and upload each.
 */
function limitRuns(
  runs: readonly SarifRunInput[],
  logger: Logger,
): SarifRunInput[] {
  const max = SARIF_LIMITS.runsPerFile;
  if (runs.length <= max) return [...runs];
  const ranked = runs
    .map((run, order) => ({ run, order, weight: runWeight(run) }))
    .sort((a, b) => b.weight - a.weight || a.order - b.order);
  const kept = ranked.slice(0, max).sort((a, b) => a.order - b.order);
  const dropped = ranked.slice(max);
  const lost = dropped.reduce((sum, e) => sum + e.run.findings.length, 0);
  const named = dropped.slice(0, 5).map((e) => e.run.category);
  if (dropped.length > named.length) named.push('...');
  logger.warning(
    `SARIF: ${runs.length} runs exceed GitHub's limit of ${max} per file; ` +
      `dropped the ${dropped.length} least severe runs with ${lost} results ` +
      `(${named.join(', ')})`,
  );
  return kept.map((entry) => entry.run);
}

/** Orders runs by their worst finding, then by how many they hold. */
function runWeight(run: SarifRunInput): number {
  const worst = run.findings.reduce(
    (max, finding) => Math.max(max, severityRank(finding.severity) + 1),
    0,
  );
  return worst * 1e9 + run.findings.length;
}

function buildRun(input: SarifRunInput, logger: Logger): SarifRun {
  const findings = limitResults(input, logger);
  const rules = ruleTable(input.rules, findings, logger);
  const indexes = new Map(rules.map((rule, index) => [rule.id, index]));
  return {
    tool: { driver: driverOf(input.tool, rules) },
    automationDetails: { id: input.category },
    results: findings.map((finding) =>
      toResult(finding, indexes.get(finding.ruleId) ?? 0),
    ),
  };
}

function driverOf(
  tool: SarifTool,
  rules: SarifRule[],
): SarifRun['tool']['driver'] {
  const driver = { name: tool.name, version: tool.version, rules };
  return tool.informationUri === undefined
    ? driver
    : { ...driver, informationUri: tool.informationUri };
}

/** The most severe findings that fit in one run, in report order. */
function limitResults(input: SarifRunInput, logger: Logger): Finding[] {
  const sorted = sortFindings(input.findings);
  const max = SARIF_LIMITS.resultsPerRun;
  if (sorted.length <= max) return sorted;
  const dropped = sorted.slice(max);
  const worst = dropped[0]?.severity ?? 'unknown';
  logger.warning(
    `SARIF: run '${input.category}' has ${sorted.length} results, over ` +
      `GitHub's limit of ${max}; dropped the ${dropped.length} least severe ` +
      `(the worst of them ${worst})`,
  );
  return sorted.slice(0, max);
}

/**
 * The run's rules, sorted by id: every descriptor given, plus a plain one
 * for a finding whose rule was not described.
 */
function ruleTable(
  descriptors: readonly RuleDescriptor[],
  findings: readonly Finding[],
  logger: Logger,
): SarifRule[] {
  const byId = new Map<string, RuleDescriptor>();
  for (const descriptor of descriptors) byId.set(descriptor.id, descriptor);
  for (const finding of findings) {
    if (!byId.has(finding.ruleId))
      byId.set(finding.ruleId, fromFinding(finding));
  }
  const helpUris = firstHelpUris(findings);
  return withinRuleLimit([...byId.values()], findings, logger)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((rule) => toRule(rule, helpUris.get(rule.id), logger));
}

/** Past the rule limit, only the rules some result refers to are kept. */
function withinRuleLimit(
  rules: RuleDescriptor[],
  findings: readonly Finding[],
  logger: Logger,
): RuleDescriptor[] {
  const max = SARIF_LIMITS.rulesPerRun;
  if (rules.length <= max) return rules;
  const used = new Set(findings.map((finding) => finding.ruleId));
  const kept = rules.filter((rule) => used.has(rule.id));
  logger.warning(
    `SARIF: ${rules.length} rules exceed GitHub's limit of ${max} per run; ` +
      `kept the ${kept.length} that results refer to`,
  );
  return kept;
}

function firstHelpUris(findings: readonly Finding[]): Map<string, string> {
  const helpUris = new Map<string, string>();
  for (const finding of findings) {
    if (finding.helpUri !== undefined && !helpUris.has(finding.ruleId))
      helpUris.set(finding.ruleId, finding.helpUri);
  }
  return helpUris;
}

function fromFinding(finding: Finding): RuleDescriptor {
  return {
    id: finding.ruleId,
    title: finding.title,
    description: finding.title,
    helpMarkdown: finding.title,
    severity: finding.severity,
    tags: finding.tags ?? [],
    aliases: finding.ruleAliases,
  };
}

function toRule(
  rule: RuleDescriptor,
  helpUri: string | undefined,
  logger: Logger,
): SarifRule {
  const limit = (field: string, text: string, max: number): string =>
    limitText(text, max, () => {
      logger.warning(
        `SARIF: rule '${rule.id}' ${field} cut to GitHub's ${max} characters`,
      );
    });
  const sarifRule: SarifRule = {
    id: rule.id,
    name: limit('name', ruleName(rule.id), SARIF_LIMITS.ruleNameLength),
    shortDescription: {
      text: limit('title', rule.title, SARIF_LIMITS.descriptionLength),
    },
    fullDescription: {
      text: limit(
        'description',
        rule.description,
        SARIF_LIMITS.descriptionLength,
      ),
    },
    help: { text: plainText(rule.helpMarkdown), markdown: rule.helpMarkdown },
    defaultConfiguration: { level: sarifLevel(rule.severity) },
    properties: {
      'security-severity': securitySeverityScore(rule.severity).toFixed(1),
      precision: 'high',
      tags: ruleTags(rule, logger),
    },
  };
  if (helpUri !== undefined) sarifRule.helpUri = helpUri;
  return sarifRule;
}

/** `no-latest-tag` → `NoLatestTag`: SARIF wants an identifier here. */
function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * Tags with `security` first: code scanning reads `security-severity`
 * only on rules tagged `security`, and every imagegate rule guards an
 * image, so every rule carries it.
 */
function ruleTags(rule: RuleDescriptor, logger: Logger): string[] {
  const tags = [...new Set(['security', ...rule.tags])];
  const max = SARIF_LIMITS.tagsPerRule;
  if (tags.length <= max) return tags;
  logger.warning(
    `SARIF: rule '${rule.id}' has ${tags.length} tags; kept GitHub's ${max}`,
  );
  return tags.slice(0, max);
}

/** Help as plain text: Markdown emphasis dropped, the words kept. */
function plainText(markdown: string): string {
  return markdown.replace(/\*\*/g, '');
}

/** Cuts text to `max` whole characters, the last an ellipsis. */
function limitText(text: string, max: number, onCut: () => void): string {
  const characters = Array.from(text);
  if (characters.length <= max) return text;
  onCut();
  return `${characters.slice(0, max - 1).join('')}…`;
}

function toResult(finding: Finding, ruleIndex: number): SarifResult {
  const result: SarifResult = {
    ruleId: finding.ruleId,
    ruleIndex,
    level: sarifLevel(finding.severity),
    message: { text: finding.message },
    locations: [toLocation(finding.location)],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    properties: resultProperties(finding),
  };
  if (finding.suppression !== undefined)
    result.suppressions = [toSuppression(finding.suppression)];
  return result;
}

function toLocation(location: Location): SarifLocation {
  if (location.path === undefined) return imageLocation(location);
  const artifactLocation = {
    uri: encodePath(location.path),
    uriBaseId: '%SRCROOT%' as const,
  };
  if (location.line === undefined)
    return { physicalLocation: { artifactLocation } };
  return {
    physicalLocation: {
      artifactLocation,
      region: regionOf(location, location.line),
    },
  };
}

function regionOf(
  location: Location,
  startLine: number,
): NonNullable<NonNullable<SarifLocation['physicalLocation']>['region']> {
  const region: ReturnType<typeof regionOf> = { startLine };
  if (location.column !== undefined) region.startColumn = location.column;
  if (location.endLine !== undefined) region.endLine = location.endLine;
  if (location.endColumn !== undefined) region.endColumn = location.endColumn;
  return region;
}

/** Repository paths as URI references: each segment percent-encoded. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * A finding with no file points at the image, and at the package in it.
 * Limitation: code scanning shows only results with a physical location,
 * so such findings reach the SARIF file but not the Security tab until
 * the layer-to-Dockerfile map gives them a line.
 */
function imageLocation(location: Location): SarifLocation {
  const image = location.image ?? 'image';
  const pinned =
    location.digest === undefined ? image : `${image}@${location.digest}`;
  const name = location.packageName ?? image;
  const qualified =
    location.packageName === undefined
      ? pinned
      : `${pinned}/${location.packageName}`;
  return { logicalLocations: [{ name, fullyQualifiedName: qualified }] };
}

function toSuppression(suppression: Suppression): SarifSuppression {
  const kind = suppression.kind === 'inline' ? 'inSource' : 'external';
  return suppression.justification === ''
    ? { kind, status: 'accepted' }
    : { kind, status: 'accepted', justification: suppression.justification };
}

/** What SARIF has no field for: the severity, tags and package facts. */
function resultProperties(finding: Finding): Record<string, unknown> {
  const properties: Record<string, unknown> = { severity: finding.severity };
  if (finding.tags !== undefined && finding.tags.length > 0)
    properties.tags = [...finding.tags];
  const { image, digest, platform, layerDigest } = finding.location;
  if (image !== undefined)
    properties.image = { name: image, digest, platform, layerDigest };
  if (finding.vulnerability !== undefined)
    properties.vulnerability = finding.vulnerability;
  return properties;
}
