import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Finding } from '@imagegate/findings';
import {
  mergeResultRuns,
  readResults,
  type SarifRunInput,
} from '@imagegate/github';
import { InputError } from './errors';

// The report stage's input: results files named by paths and globs in
// the workspace, read as findings JSON or SARIF.

/** The largest results file read. */
const MAX_RESULTS_BYTES = 256 * 1024 * 1024;

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
 * The results of every file the patterns name, as SARIF runs: merged by
 * tool and category, repeated findings dropped, categories prefixed.
 * A pattern that matches nothing, or an unreadable file, is an input
 * error that names it.
 */
export async function loadResultRuns(
  request: ResultsRequest,
): Promise<SarifRunInput[]> {
  const { workspace } = request;
  const files = await expandPatterns(request.patterns, workspace);
  const runs = [...(request.runs ?? [])];
  for (const file of files) {
    const shown = relative(workspace, file) || file;
    const text = await readResultsFile(file, shown);
    runs.push(...readResults(text, shown, { root: workspace }));
  }
  if (files.length === 0 && runs.length === 0)
    throw new InputError(
      "input 'results' is empty; name the findings JSON or SARIF files to report",
    );
  const prefix = categoryPrefix(request.categoryPrefix);
  return mergeResultRuns(runs).map((run) => ({
    ...run,
    category: `${prefix}${run.category}`,
  }));
}

function categoryPrefix(prefix: string): string {
  const trimmed = prefix.trim();
  if (trimmed === '' || trimmed.endsWith('/')) return trimmed;
  return `${trimmed}/`;
}

async function readResultsFile(path: string, shown: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > MAX_RESULTS_BYTES)
      throw new InputError(
        `${shown}: ${size} bytes is more than the ${MAX_RESULTS_BYTES} a results file may hold`,
      );
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`${shown}: cannot read the results file (${code})`, {
      cause: error,
    });
  }
}

/**
 * The findings of the baseline file; `missing` when it does not exist
 * (the base branch may not have been reported yet). Any other problem
 * reading it is an error.
 */
export async function loadBaselineFindings(
  baseline: string,
  workspace: string,
): Promise<Finding[] | 'missing'> {
  const path = resolve(workspace, baseline);
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) return 'missing';
  const text = await readResultsFile(path, baseline);
  return readResults(text, baseline, { root: workspace }).flatMap(
    (run) => run.findings,
  );
}

// ---------------------------------------------------------------------------
// Globs
// ---------------------------------------------------------------------------

/** Directories never searched by a glob. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);

/** The most directory entries one glob looks at. */
const MAX_GLOB_ENTRIES = 200_000;

/**
 * The files the patterns name, in order, each once. A pattern without
 * glob characters names one file; one with them (`*`, `**`, `?`, `[..]`)
 * is matched under its fixed leading folders.
 * Limitation: no braces (commas separate patterns in the input), no
 * negation (`!`) or extglobs; `.git` and `node_modules` are not searched;
 * a glob looks at 200,000 entries at most.
 */
async function expandPatterns(
  patterns: readonly string[],
  workspace: string,
): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    const found = hasGlob(pattern)
      ? await matchGlob(pattern, workspace)
      : [resolve(workspace, pattern)];
    if (found.length === 0)
      throw new InputError(
        `input 'results': '${pattern}' matches no file in the workspace`,
      );
    for (const file of found) if (!files.includes(file)) files.push(file);
  }
  return files;
}

function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

async function matchGlob(
  pattern: string,
  workspace: string,
): Promise<string[]> {
  const normal = pattern.replace(/\\/g, '/');
  const segments = normal.split('/');
  const fixed: string[] = [];
  while (segments.length > 1 && !hasGlob(segments[0] ?? '')) {
    fixed.push(segments.shift() ?? '');
  }
  const start = fixed.join('/');
  const root = isAbsolute(normal)
    ? start === ''
      ? '/'
      : start
    : resolve(workspace, start);
  const matcher = globRegExp(segments.join('/'));
  const found: string[] = [];
  await walk(root, '', matcher, found, { entries: 0 });
  return found.sort();
}

async function walk(
  directory: string,
  prefix: string,
  matcher: RegExp,
  found: string[],
  seen: { entries: number },
): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(
    () => [],
  );
  for (const entry of entries) {
    seen.entries += 1;
    if (seen.entries > MAX_GLOB_ENTRIES) return;
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name))
      await walk(join(directory, entry.name), `${path}/`, matcher, found, seen);
    else if (entry.isFile() && matcher.test(path))
      found.push(join(directory, entry.name));
  }
}

/** A glob as a regular expression over `/`-separated relative paths. */
function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const character = glob.charAt(i);
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (character === '*') source += '[^/]*';
    else if (character === '?') source += '[^/]';
    else if (character === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) source += '\\[';
      else {
        const set = glob.slice(i + 1, close).replace(/^!/, '^');
        source += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else source += character.replace(/[.+^$(){}|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
