import type { CliIo } from '../src/index';

/** A CLI IO that keeps what the command printed, for assertions. */
export interface CapturedIo extends CliIo {
  out: string[];
  err: string[];
}

/** An IO rooted at `cwd`, with only the environment given. */
export function captureIo(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    cwd,
    env,
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
}
