import type { Finding } from '@imagegate/findings';
import {
  loadBaselineFindings as loadBaseline,
  loadResultRuns as loadRuns,
  ReportInputError,
  type SarifRunInput,
} from '@imagegate/github';
import { InputError } from './errors';

// The report stage's input, as the action names it: the library reads
// the files; this says what went wrong in terms of the `with:` block.

/** Where the results are, and what to do with their categories. */
export interface ResultsRequest {
  /** Files or globs, relative to `workspace`. */
  patterns: readonly string[];
  workspace: string;
  /** Runs already in memory, merged with the files'. */
  runs?: readonly SarifRunInput[];
  /** Put before every category; a `/` is added when missing. */
  categoryPrefix: string;
}

/**
 * The results of every file the patterns name, as SARIF runs (see the
 * library's `loadResultRuns`). A pattern that matches nothing, or an
 * unreadable file, is an input error that names it.
 */
export async function loadResultRuns(
  request: ResultsRequest,
): Promise<SarifRunInput[]> {
  const { workspace, ...rest } = request;
  return loadRuns({ ...rest, root: workspace }).catch(rethrowAsInput);
}

/**
 * The findings of the baseline file; `missing` when it does not exist.
 * Any other problem reading it is an input error.
 */
export async function loadBaselineFindings(
  baseline: string,
  workspace: string,
): Promise<Finding[] | 'missing'> {
  return loadBaseline(baseline, workspace).catch(rethrowAsInput);
}

function rethrowAsInput(error: unknown): never {
  if (!(error instanceof ReportInputError)) throw error;
  throw new InputError(inputMessage(error), { cause: error });
}

function inputMessage(error: ReportInputError): string {
  switch (error.code) {
    case 'no-match':
      return `input 'results': '${error.subject}' matches no file in the workspace`;
    case 'no-results':
      return "input 'results' is empty; name the findings JSON or SARIF files to report";
    default:
      return error.message;
  }
}
