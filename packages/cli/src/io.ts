import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The real process's streams. */
export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}

/**
 * Writes a report to `--output`, or to stdout when there is none. The file
 * is written beside its target and renamed into place, so a failure never
 * leaves a partial report where a later step would read it.
 */
export async function writeReport(
  io: CliIo,
  output: string | undefined,
  text: string,
): Promise<void> {
  if (output === undefined || output === '-') {
    io.stdout(text);
    return;
  }
  const target = resolve(io.cwd, output);
  const temporary = join(
    dirname(target),
    `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, text, { mode: 0o644 });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError(
      `${output}: cannot write the report (${code}); check that the directory exists and is writable`,
      { cause: error },
    );
  }
}

/** A usage or environment problem the user can fix; exit status 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code = 'usage';
}
