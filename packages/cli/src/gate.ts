import {
  failingFindings,
  parseSeverity,
  type Finding,
  type Severity,
} from '@imagegate/findings';
import { CliError } from './io';

/** A `--fail-on` value: a severity, or `none` to never fail. */
export type FailOn = Severity | 'none';

/** Reads `--fail-on`, naming the allowed values when it is wrong. */
export function parseFailOn(text: string): FailOn {
  if (text.toLowerCase() === 'none') return 'none';
  const severity = parseSeverity(text);
  if (severity === undefined) {
    throw new CliError(
      `--fail-on '${text}': use one of critical, high, medium, low, negligible, unknown, none`,
    );
  }
  return severity;
}

/** Exit status 1 when unsuppressed findings reach the threshold, else 0. */
export function gateExitCode(
  findings: readonly Finding[],
  failOn: FailOn,
): 0 | 1 {
  if (failOn === 'none') return 0;
  return failingFindings(findings, failOn).length > 0 ? 1 : 0;
}
