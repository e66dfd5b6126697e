import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  formatLintText,
  lintReportRuns,
  runLint,
  type LintRun,
} from '@imagegate/dockerfile';
import { failingFindings, SEVERITIES, type Finding } from '@imagegate/findings';
import { buildSarif, renderSummary, sarifToJson } from '@imagegate/github';
import { actionsLogger, logUntrusted } from './log';
import { annotateFindings } from './report';

/** The values `fail-on` accepts. */
export const FAIL_ON = [...SEVERITIES, 'none'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** What the lint stage reads from an action's inputs. */
export interface LintStageInputs {
  dockerfiles: string[];
  config: string | undefined;
  failOn: FailOn;
  sarifFile: string;
}

/** What the lint stage leaves for the action to report. */
export interface LintStageResult {
  run: LintRun;
  /** Unsuppressed findings at or above `fail-on`. */
  failing: Finding[];
  /** Unsuppressed findings of any severity. */
  openCount: number;
  sarifPath: string;
  /** The stage's part of the job summary, in Markdown. */
  summary: string;
}

/**
 * The lint stage as both the lint action and the pipeline action run it:
 * lint, print the text report, write SARIF, annotate the lines.
 */
export async function runLintStage(
  inputs: LintStageInputs,
  workspace: string,
): Promise<LintStageResult> {
  const run = await runLint({
    patterns: inputs.dockerfiles,
    cwd: workspace,
    configPath: inputs.config,
  });
  const failing =
    inputs.failOn === 'none'
      ? []
      : failingFindings(run.findings, inputs.failOn);
  logUntrusted(formatLintText(run.reports));
  const sarifPath = await writeSarif(run, resolve(workspace, inputs.sarifFile));
  annotateFindings(run.findings);
  return {
    run,
    failing,
    openCount: run.findings.filter((f) => f.suppression === undefined).length,
    sarifPath,
    summary: summaryOf(run, inputs.failOn, failing.length),
  };
}

async function writeSarif(run: LintRun, path: string): Promise<string> {
  const log = buildSarif(lintReportRuns(run), actionsLogger);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, sarifToJson(log));
  return path;
}

function summaryOf(run: LintRun, failOn: FailOn, failures: number): string {
  const files = run.reports.length;
  const linted = `Linted ${files} Dockerfile${files === 1 ? '' : 's'}.`;
  return renderSummary({
    title: 'imagegate lint',
    notes: [`${verdict(failOn, failures)} ${linted}`],
    findings: run.findings,
  });
}

function verdict(failOn: FailOn, failures: number): string {
  if (failOn === 'none') return '**Passed**: `fail-on` is `none`.';
  if (failures === 0) {
    return `**Passed**: no unsuppressed finding at or above \`${failOn}\`.`;
  }
  const noun = failures === 1 ? 'finding' : 'findings';
  return `**Failed**: ${failures} unsuppressed ${noun} at or above \`${failOn}\`.`;
}

/** The step's failure message when the gate fails. */
export function lintGateMessage(
  result: LintStageResult,
  failOn: FailOn,
): string {
  const count = result.failing.length;
  const noun = count === 1 ? 'finding' : 'findings';
  return `${count} unsuppressed ${noun} at or above ${failOn}; see the annotations and the job summary`;
}
