import { sortFindings, type Finding, type Logger } from '@imagegate/findings';
import { annotationLevel } from './annotations';
import { toGitHubError, type GitHubClient } from './client';
import { cutToBytes, SUMMARY_MAX_BYTES } from './summary';

/** The Checks API takes at most this many annotations per request. */
export const CHECK_ANNOTATIONS_PER_REQUEST = 50;

/** The most annotations imagegate sends to one check run; 20 requests. */
export const CHECK_ANNOTATIONS_MAX = 1000;

/** A check-run annotation, in the Checks API's own terms. */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

/** The check run to create and what it reports. */
export interface CheckRunRequest {
  owner: string;
  repo: string;
  headSha: string;
  /** The check's name, such as `imagegate / scan`. */
  name: string;
  /** The output title and Markdown summary (cut to 65,535 bytes). */
  title: string;
  summary: string;
  conclusion: 'success' | 'failure' | 'neutral';
  findings: readonly Finding[];
  detailsUrl?: string;
  /** At most this many annotations; {@link CHECK_ANNOTATIONS_MAX}. */
  maxAnnotations?: number;
  logger: Logger;
}

/** What was published. */
export interface CheckRunResult {
  /**
   * True when the token may not create check runs (403): nothing was
   * published, and the caller should annotate with workflow commands.
   */
  useWorkflowCommands: boolean;
  checkRunId: number | undefined;
  htmlUrl: string | undefined;
  /** Annotations sent, and findings left without one. */
  annotated: number;
  omitted: number;
  /** Update requests made after the create. */
  updates: number;
}

/**
 * Publishes findings as a check run: creates it in progress, then sends
 * the annotations, most severe first, in updates of at most 50, the last
 * one completing the run with its conclusion. A token that cannot create
 * check runs gives `useWorkflowCommands` instead of an error.
 */
export async function publishCheckRun(
  client: GitHubClient,
  request: CheckRunRequest,
): Promise<CheckRunResult> {
  const chosen = checkAnnotations(request.findings, request.maxAnnotations);
  const created = await createRun(client, request);
  if (created === undefined)
    return fallback(chosen.omitted + chosen.annotations.length);
  const batches = inBatches(chosen.annotations);
  await sendBatches(client, request, created.id, batches);
  request.logger.info(
    `check run '${request.name}': ${chosen.annotations.length} annotations ` +
      `in ${batches.length} updates, ${request.conclusion}`,
  );
  return {
    useWorkflowCommands: false,
    checkRunId: created.id,
    htmlUrl: created.htmlUrl,
    annotated: chosen.annotations.length,
    omitted: chosen.omitted,
    updates: batches.length,
  };
}

/**
 * Annotations for the unsuppressed findings that have a file, most
 * severe first, at most `max`; the rest are counted as omitted.
 * Limitation: findings on an image with no Dockerfile line have no file
 * to annotate; they are counted, and only the summary shows them.
 */
export function checkAnnotations(
  findings: readonly Finding[],
  max: number = CHECK_ANNOTATIONS_MAX,
): { annotations: CheckAnnotation[]; omitted: number } {
  const open = sortFindings(findings).filter(
    (f) => f.suppression === undefined,
  );
  const onFiles = open.filter((f) => f.location.path !== undefined);
  const annotations = onFiles.slice(0, max).map(toCheckAnnotation);
  return { annotations, omitted: open.length - annotations.length };
}

const LEVELS = {
  error: 'failure',
  warning: 'warning',
  notice: 'notice',
} as const;

function toCheckAnnotation(finding: Finding): CheckAnnotation {
  const { path = '', line = 1, endLine, column, endColumn } = finding.location;
  const annotation: CheckAnnotation = {
    path,
    start_line: line,
    end_line: Math.max(endLine ?? line, line),
    annotation_level: LEVELS[annotationLevel(finding.severity)],
    title: cutCharacters(
      `${finding.severity}: ${finding.title} (${finding.ruleId})`,
      255,
    ),
    message: cutToBytes(finding.message, 64 * 1024 - 1),
  };
  // GitHub takes columns only on an annotation within one line.
  if (annotation.end_line === line && column !== undefined) {
    annotation.start_column = column;
    if (endColumn !== undefined && endColumn >= column)
      annotation.end_column = endColumn;
  }
  return annotation;
}

function cutCharacters(text: string, max: number): string {
  const characters = Array.from(text);
  if (characters.length <= max) return text;
  return `${characters.slice(0, max - 1).join('')}…`;
}

function inBatches(
  annotations: readonly CheckAnnotation[],
): CheckAnnotation[][] {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < annotations.length; i += CHECK_ANNOTATIONS_PER_REQUEST)
    batches.push(annotations.slice(i, i + CHECK_ANNOTATIONS_PER_REQUEST));
  return batches.length === 0 ? [[]] : batches;
}

/** The created run, or undefined when the token may not create one. */
async function createRun(
  client: GitHubClient,
  request: CheckRunRequest,
): Promise<{ id: number; htmlUrl: string | undefined } | undefined> {
  try {
    const response = await client.rest.checks.create({
      owner: request.owner,
      repo: request.repo,
      name: request.name,
      head_sha: request.headSha,
      status: 'in_progress',
      started_at: new Date().toISOString(),
      output: outputOf(request),
      ...(request.detailsUrl === undefined
        ? {}
        : { details_url: request.detailsUrl }),
    });
    return {
      id: response.data.id,
      htmlUrl: response.data.html_url ?? undefined,
    };
  } catch (error) {
    const failure = toGitHubError(
      error,
      `creating check run '${request.name}'`,
    );
    if (failure.code !== 'forbidden') throw failure;
    request.logger.warning(
      `${failure.message}; annotating with workflow commands instead`,
    );
    return undefined;
  }
}

function fallback(omitted: number): CheckRunResult {
  return {
    useWorkflowCommands: true,
    checkRunId: undefined,
    htmlUrl: undefined,
    annotated: 0,
    omitted,
    updates: 0,
  };
}

function outputOf(request: CheckRunRequest): {
  title: string;
  summary: string;
} {
  return {
    title: cutCharacters(request.title, 255),
    summary: cutToBytes(request.summary, SUMMARY_MAX_BYTES),
  };
}

/**
 * One update per batch, one after the other; the last completes the run.
 * When an update fails, the run is still completed, with a note that
 * annotations are missing, before the error is thrown.
 * Limitation: a 5xx on an update that GitHub had applied is retried by
 * the client and appends that batch twice.
 */
async function sendBatches(
  client: GitHubClient,
  request: CheckRunRequest,
  id: number,
  batches: readonly CheckAnnotation[][],
): Promise<void> {
  for (const [index, annotations] of batches.entries()) {
    const isLast = index === batches.length - 1;
    try {
      await client.rest.checks.update({
        owner: request.owner,
        repo: request.repo,
        check_run_id: id,
        output: { ...outputOf(request), annotations },
        ...(isLast ? completion(request.conclusion) : {}),
      });
    } catch (error) {
      await completeAfterFailure(client, request, id);
      throw toGitHubError(
        error,
        `annotating check run '${request.name}' (update ${index + 1} of ${batches.length})`,
      );
    }
  }
}

function completion(conclusion: CheckRunRequest['conclusion']): {
  status: 'completed';
  conclusion: CheckRunRequest['conclusion'];
  completed_at: string;
} {
  return {
    status: 'completed',
    conclusion,
    completed_at: new Date().toISOString(),
  };
}

async function completeAfterFailure(
  client: GitHubClient,
  request: CheckRunRequest,
  id: number,
): Promise<void> {
  const note = '\n\n**Some annotations could not be sent; see the job log.**';
  try {
    await client.rest.checks.update({
      owner: request.owner,
      repo: request.repo,
      check_run_id: id,
      output: {
        title: outputOf(request).title,
        summary:
          cutToBytes(request.summary, SUMMARY_MAX_BYTES - note.length) + note,
      },
      ...completion(request.conclusion),
    });
  } catch (error) {
    request.logger.debug(
      toGitHubError(error, `completing check run '${request.name}'`).message,
    );
  }
}
