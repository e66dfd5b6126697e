import { execFile, type ExecFileException } from 'node:child_process';
import { OciError } from '../errors';
import type { Credential } from '../source';
import { displayKey, helperServerUrl } from './host';

/** One question to a docker credential helper. */
export interface HelperRequest {
  /** The helper's name: `desktop` runs `docker-credential-desktop`. */
  helper: string;
  /** The canonical registry host. */
  host: string;
  /** Where the helper was configured, for messages. */
  origin: string;
  /** The helper's environment. */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
}

/** What a helper answers; `Username` `<token>` marks an identity token. */
interface HelperAnswer {
  Username: string;
  Secret: string;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const OUTPUT_MAX_BYTES = 1024 * 1024;
const TOKEN_USERNAME = '<token>';
const NOT_FOUND = /credentials not found/i;

/**
 * Runs `docker-credential-<helper> get` with the server URL on stdin, as
 * docker does: no shell, nothing secret on the command line, a deadline.
 * Undefined when the helper has no credentials for the host; any other
 * failure is an `OciError('credentials')` naming the helper and the host,
 * never a fall back to anonymous access.
 *
 * The helper's own output is never quoted in an error: on a failure it
 * may still hold a secret.
 */
export async function runCredentialHelper(
  request: HelperRequest,
): Promise<Credential | undefined> {
  const program = helperProgram(request);
  const result = await execHelper(program, request);
  if (result.error !== null) {
    if (isNotFound(result)) return undefined;
    throw helperError(program, request, failureReason(result.error, request));
  }
  return parseAnswer(program, request, result.stdout);
}

function helperProgram(request: HelperRequest): string {
  if (!HELPER_NAME.test(request.helper)) {
    throw new OciError(
      'credentials',
      `credential helper '${displayKey(request.helper)}' (${request.origin}) ` +
        `for registry '${request.host}' is not a valid helper name`,
    );
  }
  return `docker-credential-${request.helper}`;
}

interface RunResult {
  error: ExecFileException | null;
  stdout: string;
  stderr: string;
}

// Limitation: at the deadline only the helper process itself is killed;
// a helper script's own children (without `exec`) may outlive it.
function execHelper(
  program: string,
  request: HelperRequest,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      program,
      ['get'],
      {
        env: request.env,
        timeout: request.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: OUTPUT_MAX_BYTES,
        windowsHide: true,
        shell: false,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        resolve({ error, stdout, stderr });
      },
    );
    // A helper that exits without reading stdin must not crash us (EPIPE).
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(helperServerUrl(request.host));
  });
}

function isNotFound(result: RunResult): boolean {
  if (typeof result.error?.code !== 'number') return false;
  return NOT_FOUND.test(result.stdout) || NOT_FOUND.test(result.stderr);
}

function failureReason(
  error: ExecFileException,
  request: HelperRequest,
): string {
  const { code } = error;
  if (code === 'ENOENT') return 'was not found on PATH';
  if (code === 'EACCES') return 'is not executable';
  if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return 'wrote more than 1 MiB';
  }
  if (error.killed === true) {
    return `did not answer within ${request.timeoutMs} ms`;
  }
  if (typeof code === 'number') return `failed with exit status ${code}`;
  if (error.signal) return `was killed by ${error.signal}`;
  return `could not be run (${code ?? 'unknown error'})`;
}

function parseAnswer(
  program: string,
  request: HelperRequest,
  stdout: string,
): Credential | undefined {
  const answer = readAnswer(stdout);
  if (answer === undefined) {
    throw helperError(
      program,
      request,
      'answered with something other than credentials JSON',
    );
  }
  if (answer.Secret === '') return undefined;
  if (answer.Username === TOKEN_USERNAME) {
    return { identityToken: answer.Secret };
  }
  return {
    ...(answer.Username === '' ? {} : { username: answer.Username }),
    password: answer.Secret,
  };
}

function readAnswer(stdout: string): HelperAnswer | undefined {
  let document: unknown;
  try {
    document = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (typeof document !== 'object' || document === null) return undefined;
  const { Username, Secret } = document as Record<string, unknown>;
  if (typeof Secret !== 'string') return undefined;
  if (Username !== undefined && typeof Username !== 'string') return undefined;
  return { Username: Username ?? '', Secret };
}

function helperError(
  program: string,
  request: HelperRequest,
  reason: string,
): OciError {
  return new OciError(
    'credentials',
    `credential helper ${program} (${request.origin}) for registry ` +
      `'${request.host}' ${reason}; fix or remove it, or log in again`,
  );
}
