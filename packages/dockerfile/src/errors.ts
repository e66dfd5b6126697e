/** What went wrong, as a closed set that tests and callers can match. */
export type DockerfileErrorCode =
  | 'not-found'
  | 'not-a-file'
  | 'unreadable'
  | 'binary'
  | 'encoding'
  | 'too-large'
  | 'line-too-long'
  | 'unterminated-heredoc'
  | 'arg-cycle'
  | 'config'
  | 'unknown-rule';

/**
 * A problem with a Dockerfile or lint configuration that the user can fix.
 * The message names the file and, where there is one, the line.
 */
export class DockerfileError extends Error {
  override readonly name = 'DockerfileError';

  constructor(
    readonly code: DockerfileErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
