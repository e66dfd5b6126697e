import { randomBytes } from 'node:crypto';
import {
  RecordingLogger,
  startGitHubApi,
  type GitHubApi,
} from '@imagegate/test-support';
import { afterEach, beforeEach, expect } from 'vitest';
import {
  createGitHubClient,
  GitHubError,
  type GitHubClient,
} from '../src/index';

/** A token that must appear in no request record and no log line. */
export const CANARY_TOKEN = `ghs_CANARY${randomBytes(16).toString('hex')}`;

/** The GitHub API double, a client of it and the client's log. */
export interface ApiContext {
  api: GitHubApi;
  client: GitHubClient;
  logger: RecordingLogger;
}

/**
 * Starts the GitHub API double before each test, with a fast client, and
 * after each checks that every request was valid against GitHub's OpenAPI
 * description and that the token reached no request record or log line.
 */
export function useGitHubApi(repositories?: string[]): ApiContext {
  const context = {} as ApiContext;
  beforeEach(async () => {
    context.api = await startGitHubApi({
      token: CANARY_TOKEN,
      ...(repositories === undefined ? {} : { repositories }),
    });
    context.logger = new RecordingLogger();
    context.client = createGitHubClient({
      token: CANARY_TOKEN,
      apiUrl: context.api.url,
      logger: context.logger,
      secondMs: 1,
      mutationIntervalMs: 0,
    });
  });
  afterEach(async () => {
    context.api.assertAllValid();
    expect(JSON.stringify(context.api.calls)).not.toContain(CANARY_TOKEN);
    expect(context.logger.text()).not.toContain(CANARY_TOKEN);
    await context.api.close();
  });
  return context;
}

/** The GitHubError a call fails with; fails the test if it succeeds. */
export async function gitHubFailure(
  promise: Promise<unknown>,
): Promise<GitHubError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GitHubError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
