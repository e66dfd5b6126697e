import { Command, CommanderError, Option } from 'commander';
import { IMAGEGATE_VERSION } from '@imagegate/findings';
import { copyCommand, type CopyFlags } from './commands/copy';
import { inspectCommand, type InspectFlags } from './commands/inspect';
import { lintCommand } from './commands/lint';
import { reportCommand, type ReportFlags } from './commands/report';
import { sbomCommand, type SbomFlags } from './commands/sbom';
import { collect } from './image-access';
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
  withRegistryFlags(
    program
      .command('inspect')
      .description(
        'Describe an image: digest, platform, config, history and layers, as JSON',
      )
      .argument(
        '<image>',
        'registry reference, oci:DIR, oci-archive:FILE or docker-archive:FILE',
      )
      .option(
        '--platform <platform>',
        "os/arch[/variant], or 'all' for every platform",
      )
      .option('--output <file>', 'write the JSON here instead of stdout'),
  ).action(async (image: string, options: InspectFlags) => {
    setStatus(await inspectCommand(image, options, io));
  });
  withRegistryFlags(
    program
      .command('copy')
      .description(
        'Copy an image between registries, OCI layouts and OCI archives, keeping its digest',
      )
      .argument(
        '<source>',
        'registry reference, oci:DIR, oci-archive:FILE or docker-archive:FILE',
      )
      .argument(
        '<destination>',
        'registry reference, oci:DIR[:TAG] or oci-archive:FILE[:TAG]',
      )
      .option(
        '--platform <platform>',
        "os/arch[/variant], or 'all' for every platform and the index",
      )
      .option('--digest-file <file>', 'write the digest copied here'),
  ).action(async (from: string, to: string, options: CopyFlags) => {
    setStatus(await copyCommand(from, to, options, io));
  });
  withRegistryFlags(
    program
      .command('sbom')
      .description(
        'Write the software bill of materials of an image: its OS and packages, by layer',
      )
      .argument(
        '<image>',
        'registry reference, oci:DIR, oci-archive:FILE or docker-archive:FILE',
      )
      .addOption(
        new Option('--format <format>', 'the document format')
          .choices(['cyclonedx-json', 'spdx-json', 'json'])
          .default('cyclonedx-json'),
      )
      .option('--output <file>', 'write the SBOM here instead of stdout')
      .option('--platform <platform>', 'os/arch[/variant] of an index to read'),
  ).action(async (image: string, options: SbomFlags) => {
    setStatus(await sbomCommand(image, options, io));
  });
  program
    .command('report')
    .description(
      'Merge findings JSON and SARIF files, compare them with a baseline and print the report; calls no GitHub API (the report action does)',
    )
    .requiredOption(
      '--results <file...>',
      'findings JSON or SARIF files, or globs',
    )
    .option('--baseline <file>', 'findings JSON or SARIF of the base branch')
    .addOption(
      new Option('--format <format>', 'text, json, sarif or markdown').default(
        'text',
      ),
    )
    .option('--output <file>', 'write the report here instead of stdout')
    .addOption(
      new Option(
        '--fail-on-new <severity>',
        'exit 1 on new findings at or above this severity, or none',
      ).default('high'),
    )
    .option('--category-prefix <prefix>', 'put before every SARIF category')
    .action(async (options: ReportFlags) => {
      setStatus(await reportCommand(options, io));
    });
  return program;
}

/** Adds the flags every command that reaches a registry takes. */
function withRegistryFlags(command: Command): Command {
  return command
    .option(
      '--insecure-registry <host>',
      'a registry (host[:port]) to reach without TLS verification; repeatable',
      collect,
      [],
    )
    .option(
      '--ca-file <file>',
      'PEM file of extra CAs to trust for registries',
    );
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
