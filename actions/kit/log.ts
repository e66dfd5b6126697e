import { randomBytes } from 'node:crypto';
import * as core from '@actions/core';
import type { Logger } from '@imagegate/findings';

/**
 * Prints text that may hold workflow-command syntax (`::error::` at the
 * start of a line, `##[error]` anywhere) so the runner only shows it:
 * inside a `::stop-commands::` block whose token the text cannot guess.
 * Control characters are shown as `?`, so no escape sequence reaches
 * the log viewer.
 */
export function logUntrusted(text: string): void {
  const shown = printable(text);
  let token = randomToken();
  while (shown.includes(token)) token = randomToken();
  core.info(`::stop-commands::${token}`);
  core.info(shown);
  core.info(`::${token}::`);
}

/** Control characters (ANSI escapes, lone CRs) become `?`; lines stay. */
function printable(text: string): string {
  return (
    text
      .replace(/\r\n/g, '\n')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')
  );
}

function randomToken(): string {
  return `imagegate-${randomBytes(16).toString('hex')}`;
}

/** True when the runner could read part of `text` as a command. */
function looksLikeCommand(text: string): boolean {
  return text.includes('::') || text.includes('##[');
}

/**
 * The logger actions pass to libraries, backed by `@actions/core`. Library
 * messages may quote untrusted text: info lines that could read as a
 * command are fenced with {@link logUntrusted}; debug, warning and error
 * lines are safe because the whole message is a command's escaped data.
 */
export const actionsLogger: Logger = {
  debug: (message) => {
    core.debug(message);
  },
  info: (message) => {
    if (looksLikeCommand(message)) logUntrusted(message);
    else core.info(message);
  },
  warning: (message) => {
    core.warning(message);
  },
  error: (message) => {
    core.error(message);
  },
};
