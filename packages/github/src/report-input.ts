import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { Finding } from '@imagegate/findings';
import { glob } from 'tinyglobby';
import type { SarifRunInput } from './sarif';
import { mergeResultRuns, readResults } from './sarif-read';

// The report stage's input, shared by the report action and
// `imagegate report`: results files named by paths and globs, read as
// findings JSON or SARIF.

/** The largest results file read. */
export const MAX_RESULTS_BYTES = 256 * 1024 * 1024;

/** Directories a glob never searches. */
const IGNORED = ['**/.git/**', '**/node_modules/**'];

/** What went wrong with the report's input. */
export type ReportInputErrorCode =
  'no-match' | 'no-results' | 'too-large' | 'unreadable';

/**
 * A results pattern or file the user has to fix. `subject` is the
 * pattern or file it names, so callers can say it in their own words.
 */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';

  constructor(
    readonly code: ReportInputErrorCode,
    readonly subject: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where the results are, and what to do with their categories. */
export interface ResultsRequest {
  /** Files or globs, relative to `root`. */
  patterns: readonly string[];
  /** The folder paths are relative to, and shown relative to. */
  root: string;
  /** Runs already in memory, merged with the files'. */
  runs?: readonly SarifRunInput[];
  /** Put before every category; a `/` is added when missing. */
  categoryPrefix?: string;
}

/**
 * The results of every file the patterns name, as SARIF runs: merged by
 * tool and category, repeated findings dropped, categories prefixed.
 * A pattern that matches nothing, an unreadable file, or no results at
 * all is a `ReportInputError` that names it.
 */
export async function loadResultRuns(
  request: ResultsRequest,
): Promise<SarifRunInput[]> {
  const { root } = request;
  const files = await expandResultPatterns(request.patterns, root);
  const runs = [...(request.runs ?? [])];
  for (const file of files) {
    const shown = relative(root, file) || file;
    const text = await readResultsFile(file, shown);
    runs.push(...readResults(text, shown, { root }));
  }
  if (runs.length === 0 && files.length === 0)
    throw new ReportInputError(
      'no-results',
      '',
      'no results to report; name the findings JSON or SARIF files',
    );
  const prefix = categoryPrefix(request.categoryPrefix ?? '');
  return mergeResultRuns(runs).map((run) => ({
    ...run,
    category: `${prefix}${run.category}`,
  }));
}

/**
 * The findings of the baseline file; `missing` when it does not exist
 * (the base branch may not have been reported yet). Any other problem
 * reading it is a `ReportInputError`.
 */
export async function loadBaselineFindings(
  baseline: string,
  root: string,
): Promise<Finding[] | 'missing'> {
  const path = resolve(root, baseline);
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) return 'missing';
  const text = await readResultsFile(path, baseline);
  return readResults(text, baseline, { root }).flatMap((run) => run.findings);
}

function categoryPrefix(prefix: string): string {
  const trimmed = prefix.trim();
  if (trimmed === '' || trimmed.endsWith('/')) return trimmed;
  return `${trimmed}/`;
}

/**
 * The files the patterns name, in order, each once. A pattern without
 * glob characters names one file; one with them is expanded under
 * `root`, dot folders included.
 * Limitation: a glob does not search `.git` or `node_modules`.
 */
async function expandResultPatterns(
  patterns: readonly string[],
  root: string,
): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    const found = /[*?[{]/.test(pattern)
      ? await matchGlob(pattern, root)
      : [resolve(root, pattern)];
    if (found.length === 0)
      throw new ReportInputError(
        'no-match',
        pattern,
        `'${pattern}' matches no file under ${root}; check the pattern`,
      );
    for (const file of found) if (!files.includes(file)) files.push(file);
  }
  return files;
}

async function matchGlob(pattern: string, root: string): Promise<string[]> {
  const found = await glob(pattern, {
    cwd: root,
    absolute: true,
    onlyFiles: true,
    dot: true,
    ignore: IGNORED,
  });
  return found.sort();
}

async function readResultsFile(path: string, shown: string): Promise<string> {
  const { size } = await stat(path).catch((error: unknown) => {
    throw unreadable(shown, error);
  });
  if (size > MAX_RESULTS_BYTES)
    throw new ReportInputError(
      'too-large',
      shown,
      `${shown}: ${size} bytes is more than the ${MAX_RESULTS_BYTES} a results file may hold`,
    );
  return readFile(path, 'utf8').catch((error: unknown) => {
    throw unreadable(shown, error);
  });
}

function unreadable(shown: string, error: unknown): ReportInputError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new ReportInputError(
    'unreadable',
    shown,
    `${shown}: cannot read the results file (${code}); check the path`,
    { cause: error },
  );
}
