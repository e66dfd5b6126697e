import { inspect } from 'node:util';
import * as core from '@actions/core';

/** An error the user can fix: it carries a string `code`. */
interface UserError extends Error {
  code: string;
}

function isUserError(error: unknown): error is UserError {
  return (
    error instanceof Error &&
    typeof (error as Partial<UserError>).code === 'string'
  );
}

/**
 * Runs an action's main function. A user error (an Error with a string
 * `code`, such as `DockerfileError` or `InputError`) fails the step with
 * its message alone; anything else fails it with its message and leaves
 * the stack and causes in the debug log. Either way the exit status is 1.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (isUserError(error)) {
      core.setFailed(error.message);
      return;
    }
    core.debug(describeInternal(error));
    core.setFailed(`internal error: ${messageOf(error)}`);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : inspect(error);
}

/** The stack, then each cause's, for the debug log. */
function describeInternal(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth += 1) {
    parts.push(
      current instanceof Error
        ? (current.stack ?? current.message)
        : messageOf(current),
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\ncaused by: ');
}
