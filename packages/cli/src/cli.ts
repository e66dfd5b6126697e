import { Command, CommanderError, Option } from 'commander';
import { IMAGEGATE_VERSION } from '@imagegate/findings';
import { lintCommand } from './commands/lint';
import { type CliIo } from './io';

/** Exit statuses of ARCHITECTURE.md: passed, gate failed, bad input. */
export const EXIT_PASSED = 0;
export const EXIT_GATE_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/**
 * Runs the `imagegate` command line and returns its exit status. Every
 * error becomes one line on stderr: what failed, where, what to do.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  let status = EXIT_PASSED;
  const program = buildProgram(io, (code) => {
    status = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (error) {
    return reportError(error, io);
  }
}

function buildProgram(io: CliIo, setStatus: (code: number) => void): Command {
  const program = new Command('imagegate')
    .description('Guards container images from the Dockerfile to the cluster')
    .version(IMAGEGATE_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      // Help asked for by mistake goes to stderr; errors are ours to print.
      writeErr: io.stderr,
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true);
  program
    .command('lint')
    .description(
      'Lint Dockerfiles; with no file, find them in the working tree',
    )
    .argument('[dockerfile...]', 'Dockerfiles or globs')
    .addOption(
      new Option('--format <format>', 'text, json or sarif').default('text'),
    )
    .option('--output <file>', 'write the report here instead of stdout')
    .option(
      '--config <file>',
      'lint configuration (default: .imagegate.yaml if present)',
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 on findings at or above this severity, or none',
      ).default('high'),
    )
    .action(
      async (files: string[], options: Parameters<typeof lintCommand>[1]) => {
        setStatus(await lintCommand(files, options, io));
      },
    );
  return program;
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return EXIT_PASSED;
    if (error.code === 'commander.help') return EXIT_BAD_INPUT;
    io.stderr(
      `imagegate: ${error.message.replace(/^error: /, '')}; see 'imagegate --help'\n`,
    );
    return EXIT_BAD_INPUT;
  }
  if (isUserError(error)) {
    io.stderr(`imagegate: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(
    `imagegate: internal error: ${message}; please report it with the command you ran\n`,
  );
  if (io.env.IMAGEGATE_DEBUG === '1' && error instanceof Error && error.stack) {
    io.stderr(`${error.stack}\n`);
  }
  return EXIT_BAD_INPUT;
}

/** Errors of our packages carry a string `code` and a message for users. */
function isUserError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}
