import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as core from '@actions/core';
import {
  failingFindings,
  type Finding,
  type Severity,
} from '@imagegate/findings';
import {
  buildSarif,
  comparePullRequestFindings,
  escapeMarkdown,
  GitHubError,
  postReviewComments,
  publishCheckRun,
  renderPullRequestComment,
  sarifToJson,
  sendWebhook,
  toGitHubError,
  uploadSarif,
  upsertStickyComment,
  webhookPayload,
  type PullRequestView,
  type SarifLog,
  type SarifRunInput,
} from '@imagegate/github';
import type { FailOn } from './lint-stage';
import { actionsLogger } from './log';
import { annotateFindings } from './report';
import { loadBaselineFindings, loadResultRuns } from './report-input';
import {
  groupFindings,
  plural,
  renderFindingsMarkdown,
  renderReportSummary,
  verdictText,
  type ReportFacts,
} from './report-summary';
import {
  findGitHubTarget,
  runUrlOf,
  type ActionsEnv,
  type GitHubTarget,
} from './report-target';

/** GitHub's limit on one step's job summary: 1 MiB. */
export const JOB_SUMMARY_MAX_BYTES = 1024 * 1024;

/** What the report stage reads from an action's inputs. */
export interface ReportStageInputs {
  /** Findings JSON or SARIF files, or globs, relative to the workspace. */
  results: string[];
  /** A findings JSON or SARIF of the base branch. */
  baseline: string | undefined;
  uploadSarif: boolean;
  prComment: boolean;
  reviewComments: boolean;
  annotations: boolean;
  /** Masked by the caller: webhook URLs often hold a token. */
  webhook: string | undefined;
  webhookSecret: string | undefined;
  failOnNew: FailOn;
  /** Masked by the caller. */
  githubToken: string | undefined;
  categoryPrefix: string;
  sarifFile: string;
}

/** Where the stage runs. */
export interface ReportStageOptions {
  workspace: string;
  /** The Actions environment: `GITHUB_*`. */
  env: ActionsEnv;
  /** Findings an earlier stage holds in memory, reported with the files'. */
  runs?: readonly SarifRunInput[];
  /** The job summary's budget; {@link JOB_SUMMARY_MAX_BYTES}. */
  summaryMaxBytes?: number;
}

/** What the report stage leaves for the action to report. */
export interface ReportStageResult {
  findings: Finding[];
  /** The head's open findings compared with the baseline. */
  view: PullRequestView;
  /** New unsuppressed findings at or above `fail-on-new`. */
  failing: Finding[];
  sarifPath: string;
  /** The code scanning upload's id, when SARIF was uploaded. */
  sarifId: string | undefined;
  /** The job summary, in Markdown, within `summaryMaxBytes`. */
  summary: string;
  /**
   * Reporting that was asked for and failed, for another reason than a
   * token's permissions (which only degrade the report).
   */
  problems: string[];
}

/**
 * The report stage as the report action and the pipeline run it: reads
 * the results, compares them with the baseline, writes SARIF, and
 * reports to GitHub as the inputs ask: code scanning, a check run with
 * annotations, the pull request comment and review, and a webhook. A
 * token that may not do something (a fork's) degrades the report to the
 * job summary with the reason; other failures are returned as problems
 * once everything else is done.
 */
export async function runReportStage(
  inputs: ReportStageInputs,
  options: ReportStageOptions,
): Promise<ReportStageResult> {
  const notes = new Notes();
  const report = await compareResults(inputs, options, notes);
  logGroups(report);
  // Limitation: past 20 categories buildSarif drops the least severe
  // runs from the log (with a warning); give matrix jobs their own
  // category-prefix rather than merging everything in one job.
  const log = buildSarif(report.runs, actionsLogger);
  const sarifPath = resolve(options.workspace, inputs.sarifFile);
  await writeSarif(log, sarifPath);
  const sarifId = await publish(report, log, sarifPath, options.env, notes);
  const budget = options.summaryMaxBytes ?? JOB_SUMMARY_MAX_BYTES;
  return {
    findings: report.findings,
    view: report.view,
    failing: report.failing,
    sarifPath,
    sarifId,
    summary: renderReportSummary(report, notes.lines, budget),
    problems: notes.problems,
  };
}

/** Reads the results and the baseline, and compares them. */
async function compareResults(
  inputs: ReportStageInputs,
  options: ReportStageOptions,
  notes: Notes,
): Promise<Report> {
  const runs = await loadResultRuns({
    patterns: inputs.results,
    workspace: options.workspace,
    categoryPrefix: inputs.categoryPrefix,
    ...(options.runs === undefined ? {} : { runs: options.runs }),
  });
  const findings = runs.flatMap((run) => run.findings);
  const base = await loadBaseline(inputs.baseline, options.workspace, notes);
  const view = comparePullRequestFindings({ head: findings, base });
  const { failOnNew } = inputs;
  const failing =
    failOnNew === 'none' ? [] : failingFindings(view.added, failOnNew);
  const runUrl = runUrlOf(options.env) ?? '';
  const title = reportTitle(inputs);
  return {
    inputs,
    title,
    failOnNew,
    runs,
    findings,
    base,
    view,
    failing,
    runUrl,
  };
}

/**
 * The baseline's findings; undefined without one. A baseline that does
 * not exist (the base branch has not been reported yet) is noted, and
 * every open finding counts as new.
 */
async function loadBaseline(
  baseline: string | undefined,
  workspace: string,
  notes: Notes,
): Promise<Finding[] | undefined> {
  if (baseline === undefined) return undefined;
  const findings = await loadBaselineFindings(baseline, workspace);
  if (findings !== 'missing') return findings;
  notes.skipped(
    'Baseline',
    `'${baseline}' does not exist, so every open finding counts as new`,
  );
  return undefined;
}

/** Reports to GitHub and the webhook, one call after the other. */
async function publish(
  report: Report,
  log: SarifLog,
  sarifPath: string,
  env: ActionsEnv,
  notes: Notes,
): Promise<string | undefined> {
  const target = await gitHubTarget(report.inputs, env, notes);
  const sarifId = await uploadStep(target, report, log, notes, sarifPath);
  await annotateStep(target, report, notes);
  await commentStep(target, report, notes);
  await reviewStep(target, report, notes);
  await webhookStep(report, env, notes);
  return sarifId;
}

/** The step's failure message when the gate fails. */
export function reportGateMessage(
  result: ReportStageResult,
  failOn: FailOn,
): string {
  const count = result.failing.length;
  const noun = count === 1 ? 'finding' : 'findings';
  return `${count} new unsuppressed ${noun} at or above ${failOn}; see the job summary`;
}

/** What every reporting step needs to know of the results. */
interface Report extends ReportFacts {
  inputs: ReportStageInputs;
  runs: SarifRunInput[];
  findings: Finding[];
  /** The baseline's findings; undefined without one. */
  base: Finding[] | undefined;
  failing: Finding[];
  /** The workflow run, for links; empty outside Actions. */
  runUrl: string;
}

async function writeSarif(log: SarifLog, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, sarifToJson(log));
}

/** One info line per tool and image; names are fenced by the logger. */
function logGroups(report: Report): void {
  const added = new Set(report.view.added);
  for (const [title, findings] of groupFindings(report.findings)) {
    const fresh = findings.filter((f) => added.has(f)).length;
    actionsLogger.info(
      `${title}: ${plural(findings.length, 'finding')}, ${fresh} new`,
    );
  }
}

// ---------------------------------------------------------------------------
// Where to report
// ---------------------------------------------------------------------------

function wantsGitHub(inputs: ReportStageInputs): boolean {
  return (
    inputs.uploadSarif ||
    inputs.prComment ||
    inputs.reviewComments ||
    inputs.annotations
  );
}

/**
 * The GitHub target, or undefined (with a note) when the inputs ask for
 * nothing there, or it cannot be reached.
 */
async function gitHubTarget(
  inputs: ReportStageInputs,
  env: ActionsEnv,
  notes: Notes,
): Promise<GitHubTarget | undefined> {
  if (!wantsGitHub(inputs)) return undefined;
  const target = await findGitHubTarget(inputs.githubToken, env);
  if ('client' in target) return target;
  notes.skipped('Reporting to GitHub', target.skipped);
  return undefined;
}

/**
 * The key of the comment and the name of the check run.
 * Limitation: two jobs with the same category-prefix share one comment,
 * and each overwrites the other's report.
 */
function reportKey(inputs: ReportStageInputs): string {
  return inputs.categoryPrefix.trim().replace(/\/+$/, '') || 'report';
}

function reportTitle(inputs: ReportStageInputs): string {
  const key = inputs.categoryPrefix.trim().replace(/\/+$/, '');
  return key === '' ? 'imagegate report' : `imagegate report (${key})`;
}

// ---------------------------------------------------------------------------
// Reporting steps
// ---------------------------------------------------------------------------

/** Why a step was skipped or failed, for the log and the summary. */
class Notes {
  readonly lines: string[] = [];
  readonly problems: string[] = [];

  /** A step left out on purpose or for want of permission: a warning. */
  skipped(step: string, reason: string, logged = false): void {
    if (!logged) core.warning(`${step} skipped: ${reason}`);
    this.lines.push(`**${step} skipped**: ${escapeMarkdown(reason)}`);
  }

  /** A step that should have worked: an error, and the step fails. */
  failed(step: string, reason: string): void {
    core.error(`${step} failed: ${reason}`);
    this.lines.push(`**${step} failed**: ${escapeMarkdown(reason)}`);
    this.problems.push(`${step} failed: ${reason}`);
  }

  /** A permission problem skips the step; anything else fails it. */
  fromError(step: string, error: GitHubError): void {
    const permission =
      error.code === 'forbidden' || error.code === 'code-scanning-disabled';
    if (permission) this.skipped(step, error.message);
    else this.failed(step, error.message);
  }
}

const SARIF_POLL_TIMEOUT_MS = 120_000;

/**
 * Uploads the SARIF log to code scanning.
 * Limitation: the wait for processing is fixed at two minutes; an upload
 * still pending then is a warning, never a failure.
 */
async function uploadStep(
  target: GitHubTarget | undefined,
  report: Report,
  log: SarifLog,
  notes: Notes,
  sarifPath: string,
): Promise<string | undefined> {
  if (target === undefined || !report.inputs.uploadSarif) return undefined;
  if (log.runs.length === 0) {
    notes.skipped('SARIF upload', 'the results name no tool to upload for');
    return undefined;
  }
  try {
    const result = await uploadSarif(target.client, {
      owner: target.owner,
      repo: target.repo,
      commitSha: target.commitSha,
      ref: target.ref,
      sarif: log,
      pollTimeoutMs: SARIF_POLL_TIMEOUT_MS,
      logger: actionsLogger,
    });
    return result.sarifId;
  } catch (error) {
    const failure = toGitHubError(error, 'uploading SARIF');
    const kept = `; the SARIF log is kept at ${sarifPath} for an artifact`;
    notes.fromError(
      'SARIF upload',
      withMessage(failure, failure.message + kept),
    );
    return undefined;
  }
}

function withMessage(error: GitHubError, message: string): GitHubError {
  return new GitHubError(error.code, message, { cause: error });
}

/**
 * Annotates the new findings (all open ones without a baseline): as a
 * check run in batches of 50 where the token may create one, else as
 * workflow commands, at most ten per level.
 * Limitation: every run creates a new check run (a re-run does not
 * update the last one), and its summary holds the tables without the
 * notes on skipped steps, which are known only later.
 */
async function annotateStep(
  target: GitHubTarget | undefined,
  report: Report,
  notes: Notes,
): Promise<void> {
  if (!report.inputs.annotations) return;
  const findings = report.view.added;
  if (target === undefined) {
    annotateFindings(findings);
    return;
  }
  try {
    const result = await publishCheckRun(target.client, {
      owner: target.owner,
      repo: target.repo,
      headSha: target.commitSha,
      name: report.title,
      title: verdictText(report, false),
      summary: renderFindingsMarkdown(report, 60_000),
      conclusion: report.failing.length > 0 ? 'failure' : 'success',
      findings,
      ...(report.runUrl === '' ? {} : { detailsUrl: report.runUrl }),
      logger: actionsLogger,
    });
    if (!result.useWorkflowCommands) return;
    notes.skipped(
      'Check run',
      'the token may not create check runs; the findings are annotated with workflow commands, ten per level',
      true,
    );
  } catch (error) {
    notes.fromError(
      'Check run',
      toGitHubError(error, 'publishing the check run'),
    );
  }
  annotateFindings(findings);
}

function forkHint(target: GitHubTarget): string {
  return target.isFork
    ? ' This pull request comes from a fork, whose token is read-only.'
    : '';
}

async function commentStep(
  target: GitHubTarget | undefined,
  report: Report,
  notes: Notes,
): Promise<void> {
  if (!report.inputs.prComment || target?.pullNumber === undefined) return;
  const body = renderPullRequestComment({
    key: reportKey(report.inputs),
    title: report.title,
    head: report.findings,
    base: report.base,
    reportUrl: report.runUrl === '' ? undefined : report.runUrl,
    notes: [verdictText(report, true)],
  });
  try {
    const result = await upsertStickyComment(target.client, {
      owner: target.owner,
      repo: target.repo,
      issueNumber: target.pullNumber,
      key: reportKey(report.inputs),
      body,
      logger: actionsLogger,
    });
    if (result.status === 'skipped')
      notes.skipped(
        'Pull request comment',
        result.reason + forkHint(target),
        true,
      );
  } catch (error) {
    notes.fromError('Pull request comment', toGitHubError(error, 'commenting'));
  }
}

async function reviewStep(
  target: GitHubTarget | undefined,
  report: Report,
  notes: Notes,
): Promise<void> {
  if (!report.inputs.reviewComments || target?.pullNumber === undefined) return;
  try {
    const result = await postReviewComments(target.client, {
      owner: target.owner,
      repo: target.repo,
      pullNumber: target.pullNumber,
      commitId: target.commitSha,
      key: reportKey(report.inputs),
      findings: report.view.added,
      logger: actionsLogger,
      ...(report.runUrl === '' ? {} : { reportUrl: report.runUrl }),
    });
    if (result.status === 'skipped')
      notes.skipped('Review comments', result.reason + forkHint(target), true);
    if (result.status === 'fallback')
      notes.skipped(
        'Review comments',
        `${result.reason}; the findings on changed lines are listed in one comment instead`,
        true,
      );
  } catch (error) {
    notes.fromError('Review comments', toGitHubError(error, 'reviewing'));
  }
}

/**
 * Sends the report to the webhook, signed with the secret.
 * Limitation: the payload counts every open finding of the head, not
 * only the new ones; `passed` is the fail-on-new verdict, and with
 * `fail-on-new: none` the threshold it names is `critical`.
 */
async function webhookStep(
  report: Report,
  env: ActionsEnv,
  notes: Notes,
): Promise<void> {
  const url = report.inputs.webhook;
  if (url === undefined) return;
  const { failOnNew } = report.inputs;
  const threshold: Severity = failOnNew === 'none' ? 'critical' : failOnNew;
  const payload = webhookPayload(report.findings, {
    threshold,
    passed: report.failing.length === 0,
    ...definedOnly({
      repository: env.GITHUB_REPOSITORY,
      ref: env.GITHUB_REF,
      commitSha: env.GITHUB_SHA,
      runUrl: report.runUrl === '' ? undefined : report.runUrl,
    }),
  });
  try {
    await sendWebhook({
      url,
      ...(report.inputs.webhookSecret === undefined
        ? {}
        : { secret: report.inputs.webhookSecret }),
      payload,
      timeoutMs: 10_000,
      retries: 2,
      logger: actionsLogger,
    });
  } catch (error) {
    notes.failed(
      'Webhook',
      toGitHubError(error, 'sending the webhook').message,
    );
  }
}

function definedOnly(
  values: Record<string, string | undefined>,
): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(values))
    if (value !== undefined && value !== '') defined[key] = value;
  return defined;
}
