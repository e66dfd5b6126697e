import {
  formatLintText,
  lintReportRuns,
  runLint,
  type LintRun,
} from '@imagegate/dockerfile';
import { findingsToJson } from '@imagegate/findings';
import { buildSarif, sarifToJson } from '@imagegate/github';
import { gateExitCode, parseFailOn } from '../gate';
import { CliError, writeReport, type CliIo } from '../io';

/** The options `imagegate lint` takes, as commander parses them. */
export interface LintOptions {
  format: string;
  output?: string;
  config?: string;
  failOn: string;
}

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

/** `imagegate lint [DOCKERFILE...]`: returns the exit status. */
export async function lintCommand(
  files: string[],
  options: LintOptions,
  io: CliIo,
): Promise<number> {
  const format = parseFormat(options.format);
  const failOn = parseFailOn(options.failOn);
  const run = await runLint({
    patterns: files,
    cwd: io.cwd,
    configPath: options.config,
  });
  await writeReport(io, options.output, render(run, format));
  return gateExitCode(run.findings, failOn);
}

function parseFormat(text: string): Format {
  const format = FORMATS.find((name) => name === text);
  if (format === undefined) {
    throw new CliError(`--format '${text}': use one of ${FORMATS.join(', ')}`);
  }
  return format;
}

function render(run: LintRun, format: Format): string {
  switch (format) {
    case 'text':
      return formatLintText(run.reports);
    case 'json':
      return findingsToJson(run.findings);
    case 'sarif':
      return sarifToJson(buildSarif(lintReportRuns(run)));
  }
}
