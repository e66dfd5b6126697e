/** What went wrong, as a closed set that tests and callers can match. */
export type OciErrorCode =
  | 'bad-reference'
  | 'bad-digest'
  | 'credentials'
  | 'unauthorized'
  | 'denied'
  | 'not-found'
  | 'rate-limited'
  | 'timeout'
  | 'aborted'
  | 'network'
  | 'tls'
  | 'insecure-refused'
  | 'redirect'
  | 'digest-mismatch'
  | 'truncated'
  | 'too-large'
  | 'bad-manifest'
  | 'unsupported'
  | 'no-platform'
  | 'registry'
  | 'bad-archive'
  | 'unsafe-path'
  | 'limit'
  | 'ambiguous'
  | 'io';

/**
 * A problem reading or writing an image. The message names the registry,
 * image or file and says what to do; `cause` keeps the underlying error.
 * Messages never contain credentials or tokens.
 */
export class OciError extends Error {
  override readonly name = 'OciError';

  constructor(
    readonly code: OciErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
