import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import {
  IMAGEGATE_VERSION,
  type Finding,
  type RuleDescriptor,
} from '@imagegate/findings';
import { glob } from 'tinyglobby';
import { DockerfileError } from './errors';
import { EMPTY_LINT_CONFIG, parseLintConfig, type LintConfig } from './config';
import { describeRule } from './describe';
import { LINT_TOOL, lintDockerfile, type FileReport } from './lint';
import { readDockerfile } from './read';
import { ALL_RULES } from './rules/index';

/** What the lint stage needs to know. */
export interface LintRequest {
  /** Dockerfiles or globs, relative to `cwd`; empty finds them all. */
  patterns: string[];
  /** The working tree; paths in findings are relative to it. */
  cwd: string;
  /** A `.imagegate.yaml`; when undefined, `cwd/.imagegate.yaml` if present. */
  configPath: string | undefined;
}

/** The lint stage's result: one report per Dockerfile. */
export interface LintRun {
  reports: FileReport[];
  findings: Finding[];
  configPath: string | undefined;
}

const DEFAULT_PATTERNS = [
  '**/Dockerfile',
  '**/Dockerfile.*',
  '**/*.Dockerfile',
  '**/Containerfile',
];
const IGNORED = ['**/node_modules/**', '**/.git/**', '**/vendor/**'];

/**
 * The lint stage: finds the Dockerfiles, reads the configuration, lints
 * each file. The CLI, the lint action and the pipeline action all call it.
 */
export async function runLint(request: LintRequest): Promise<LintRun> {
  const { config, path: configPath } = await loadConfig(request);
  const files = await findDockerfiles(request.patterns, request.cwd);
  const reports: FileReport[] = [];
  for (const file of files) {
    const shown = toPosix(file);
    const dockerfile = await readDockerfile(resolve(request.cwd, file), shown);
    reports.push(lintDockerfile(dockerfile, ALL_RULES, config));
  }
  return { reports, findings: reports.flatMap((r) => r.findings), configPath };
}

/**
 * Expands patterns to Dockerfile paths relative to `cwd`, sorted. A plain
 * path is kept as given so a missing file is reported as missing; a glob
 * that matches nothing is an error, since linting nothing passes silently.
 */
export async function findDockerfiles(
  patterns: readonly string[],
  cwd: string,
): Promise<string[]> {
  if (patterns.length === 0) {
    const found = await glob(DEFAULT_PATTERNS, {
      cwd,
      ignore: IGNORED,
      dot: false,
    });
    if (found.length === 0) {
      throw new DockerfileError(
        'not-found',
        `${cwd}: no Dockerfile found in the working tree; name one`,
      );
    }
    return found.sort();
  }
  const files = new Set<string>();
  for (const pattern of patterns) {
    if (!isGlob(pattern)) {
      files.add(relativeTo(cwd, pattern));
      continue;
    }
    const found = await glob(pattern, { cwd, ignore: IGNORED });
    if (found.length === 0) {
      throw new DockerfileError(
        'not-found',
        `${pattern}: matches no file under ${cwd}; check the pattern`,
      );
    }
    for (const file of found) files.add(file);
  }
  return [...files].sort();
}

function isGlob(pattern: string): boolean {
  return /[*?[\]{}]/.test(pattern);
}

function relativeTo(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  return rel.startsWith('..') ? resolve(cwd, path) : rel;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

async function loadConfig(
  request: LintRequest,
): Promise<{ config: LintConfig; path: string | undefined }> {
  const explicit = request.configPath !== undefined;
  const path = resolve(request.cwd, request.configPath ?? '.imagegate.yaml');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && !explicit)
      return { config: EMPTY_LINT_CONFIG, path: undefined };
    throw new DockerfileError(
      'config',
      `${request.configPath ?? path}: cannot read the configuration (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`,
      { cause: error },
    );
  }
  const shown = request.configPath ?? '.imagegate.yaml';
  return { config: parseLintConfig(text, shown, ALL_RULES), path };
}

/** One report run of lint findings, in the shape SARIF writers take. */
export interface LintReportRun {
  tool: { name: string; version: string };
  rules: RuleDescriptor[];
  findings: Finding[];
  category: string;
}

/**
 * The lint findings grouped for SARIF: one run per Dockerfile, each with
 * its own category, so code scanning keeps each file's alerts apart.
 * Limitation: past `maxRuns` (GitHub reads 20 runs per file) every
 * Dockerfile goes into one run in the category `imagegate-lint/`, so a
 * repository that crosses that count sees its alerts move category once.
 */
export function lintReportRuns(run: LintRun, maxRuns = 20): LintReportRun[] {
  const tool = { name: LINT_TOOL, version: IMAGEGATE_VERSION };
  const rules = ALL_RULES.map(describeRule);
  if (run.reports.length > maxRuns) {
    return [{ tool, rules, findings: run.findings, category: `${LINT_TOOL}/` }];
  }
  return run.reports.map((report) => ({
    tool,
    rules,
    findings: report.findings,
    category: `${LINT_TOOL}/${report.path}/`,
  }));
}
