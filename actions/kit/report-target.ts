import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import {
  createGitHubClient,
  resolveCommitAndRef,
  toGitHubError,
  type CommitAndRef,
  type GitHubClient,
} from '@imagegate/github';
import { actionsLogger } from './log';

// Where the report stage reports on GitHub: read from the Actions
// environment and the event payload.

/** The Actions environment: `GITHUB_*` variables. */
export type ActionsEnv = Readonly<Record<string, string | undefined>>;

/** A repository, commit and pull request to report on, with a client. */
export interface GitHubTarget {
  client: GitHubClient;
  owner: string;
  repo: string;
  commitSha: string;
  ref: string;
  /** Set on `pull_request` and `pull_request_target` events only. */
  pullNumber: number | undefined;
  /** The pull request comes from a fork: its token is read-only. */
  isFork: boolean;
}

/**
 * What to report on from the Actions environment and event payload: the
 * repository, the commit (a pull request's head), the pull request, and
 * a client for `GITHUB_API_URL`; or why there is none.
 */
export async function findGitHubTarget(
  token: string | undefined,
  env: ActionsEnv,
): Promise<GitHubTarget | { skipped: string }> {
  const repository = /^([^/\s]+)\/([^/\s]+)$/.exec(env.GITHUB_REPOSITORY ?? '');
  if (token === undefined || repository === null) {
    const missing =
      token === undefined ? 'no github-token' : 'no GITHUB_REPOSITORY';
    return {
      skipped: `${missing}; only the job summary and workflow annotations are written`,
    };
  }
  const event = await readEvent(env);
  const commit = commitOf(env, event);
  if (typeof commit === 'string') return { skipped: commit };
  return {
    client: createGitHubClient({
      token,
      ...(env.GITHUB_API_URL === undefined
        ? {}
        : { apiUrl: env.GITHUB_API_URL }),
      logger: actionsLogger,
    }),
    owner: repository[1] ?? '',
    repo: repository[2] ?? '',
    ...commit,
    ...pullRequestOf(env, event),
  };
}

/** The commit and ref, or why they are unknown. */
function commitOf(env: ActionsEnv, event: unknown): CommitAndRef | string {
  try {
    return resolveCommitAndRef(env, event);
  } catch (error) {
    return toGitHubError(error, 'finding the commit to report on').message;
  }
}

/** The event payload at `GITHUB_EVENT_PATH`; undefined when unreadable. */
async function readEvent(env: ActionsEnv): Promise<unknown> {
  const path = env.GITHUB_EVENT_PATH;
  if (path === undefined || path === '') return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    core.debug(`the event payload at ${path} was not read: ${String(error)}`);
    return undefined;
  }
}

/**
 * The pull request of a `pull_request` or `pull_request_target` event.
 * Limitation: on `workflow_run` (the usual way to comment on pull
 * requests from forks with a write token) no pull request is known, so
 * no comment or review is written there.
 */
function pullRequestOf(
  env: ActionsEnv,
  event: unknown,
): { pullNumber: number | undefined; isFork: boolean } {
  const name = env.GITHUB_EVENT_NAME ?? '';
  const pull = recordOf(recordOf(event).pull_request);
  const isPullEvent = name === 'pull_request' || name === 'pull_request_target';
  if (!isPullEvent || typeof pull.number !== 'number')
    return { pullNumber: undefined, isFork: false };
  const head = recordOf(recordOf(pull.head).repo);
  const base = recordOf(recordOf(pull.base).repo);
  const isFork =
    head.fork === true ||
    (typeof head.full_name === 'string' && head.full_name !== base.full_name);
  return { pullNumber: pull.number, isFork };
}

/** The workflow run's page, for links; undefined outside Actions. */
export function runUrlOf(env: ActionsEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository } = env;
  const id = env.GITHUB_RUN_ID;
  if (server === undefined || repository === undefined || id === undefined)
    return undefined;
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${id}`;
}

function recordOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
