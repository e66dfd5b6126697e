import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The `runs.using` every imagegate action declares. */
export const ACTION_RUNTIME = 'node24';

/** How to run an action's bundle. */
export interface RunActionOptions {
  /** The folder holding `action.yml`; `runs.main` resolves against it. */
  actionDir: string;
  /** The working tree, as `GITHUB_WORKSPACE` and the working directory. */
  workspace: string;
  /** The `with:` of the step; defaults from `action.yml` fill the rest. */
  inputs?: Record<string, string>;
  /** The webhook payload `GITHUB_EVENT_PATH` points at. */
  event?: unknown;
  /** More environment, applied last. */
  env?: Record<string, string>;
  /** Killed after this many milliseconds; 30 s by default. */
  timeoutMs?: number;
}

/** One workflow command the action printed, as the runner reads it. */
export interface WorkflowCommand {
  /** Lower-cased command name: `error`, `add-mask`, `stop-commands`... */
  name: string;
  properties: Record<string, string>;
  message: string;
}

/** What a run of the action left behind. */
export interface ActionRun {
  /** The exit status, or null when a signal ended the process. */
  exitCode: number | null;
  timedOut: boolean;
  outputs: Record<string, string>;
  summary: string;
  commands: WorkflowCommand[];
  stdout: string;
  stderr: string;
}

interface ActionMetadata {
  main: string;
  defaults: Map<string, string>;
}

/**
 * Runs an action's bundle the way the Actions runner does: inputs as
 * `INPUT_*` with `action.yml` defaults, the file commands and the event
 * payload in a scratch folder, `node <runs.main>` with a deadline. The
 * scratch folder is removed afterwards.
 *
 * Limitation: `${{ }}` expressions in input defaults are not evaluated
 * (a default that needs one must be given as an input), `pre`/`post`
 * scripts are not run, and the bundle runs on the Node that runs the
 * tests, not on the runner's Node 24.
 */
export async function runActionBundle(
  options: RunActionOptions,
): Promise<ActionRun> {
  const metadata = await readActionMetadata(options.actionDir);
  const scratch = await mkdtemp(join(tmpdir(), 'imagegate-action-'));
  try {
    const files = await prepareFiles(scratch, options.event ?? {});
    const env = actionEnv(options, metadata, files);
    const child = await runNode(metadata.main, options, env);
    return {
      ...child,
      outputs: parseOutputFile(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
      commands: parseWorkflowCommands(child.stdout),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The environment variable the runner sets for an input. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

async function readActionMetadata(actionDir: string): Promise<ActionMetadata> {
  const path = join(actionDir, 'action.yml');
  const document = parse(await readFile(path, 'utf8')) as {
    runs?: { using?: unknown; main?: unknown };
    inputs?: Record<string, { default?: unknown } | null>;
  };
  const { using, main } = document.runs ?? {};
  if (using !== ACTION_RUNTIME) {
    throw new Error(`${path}: runs.using is ${String(using)}, not node24`);
  }
  if (typeof main !== 'string') throw new Error(`${path}: no runs.main`);
  const bundle = resolve(actionDir, main);
  if (!existsSync(bundle)) {
    throw new Error(`${path}: runs.main ${main} is missing; build it first`);
  }
  const defaults = new Map<string, string>();
  for (const [name, input] of Object.entries(document.inputs ?? {})) {
    if (input?.default !== undefined)
      defaults.set(name.toLowerCase(), scalarText(input.default));
  }
  return { main: bundle, defaults: withDeclared(document, defaults) };
}

/** YAML scalars as the runner passes them: as strings. */
function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new Error(`an input default is not a scalar: ${JSON.stringify(value)}`);
}

/** Declared inputs without a default map to '' so unknown ones stand out. */
function withDeclared(
  document: { inputs?: Record<string, unknown> },
  defaults: Map<string, string>,
): Map<string, string> {
  for (const name of Object.keys(document.inputs ?? {})) {
    const key = name.toLowerCase();
    if (!defaults.has(key)) defaults.set(key, '');
  }
  return defaults;
}

const FILE_COMMANDS = [
  'GITHUB_OUTPUT',
  'GITHUB_STEP_SUMMARY',
  'GITHUB_ENV',
  'GITHUB_PATH',
  'GITHUB_STATE',
] as const;

type RunnerFiles = Record<
  (typeof FILE_COMMANDS)[number] | 'GITHUB_EVENT_PATH' | 'RUNNER_TEMP',
  string
>;

async function prepareFiles(
  scratch: string,
  event: unknown,
): Promise<RunnerFiles> {
  const files = {} as RunnerFiles;
  for (const name of FILE_COMMANDS) {
    files[name] = join(scratch, name.toLowerCase());
    await writeFile(files[name], '');
  }
  files.GITHUB_EVENT_PATH = join(scratch, 'event.json');
  await writeFile(files.GITHUB_EVENT_PATH, JSON.stringify(event));
  files.RUNNER_TEMP = scratch;
  return files;
}

function actionEnv(
  options: RunActionOptions,
  metadata: ActionMetadata,
  files: RunnerFiles,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_)/.test(name)) env[name] = value;
  }
  for (const [name, value] of inputValues(options.inputs ?? {}, metadata)) {
    env[inputVariable(name)] = value;
  }
  return {
    ...env,
    ...files,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    ...options.env,
  };
}

function inputValues(
  inputs: Record<string, string>,
  metadata: ActionMetadata,
): Map<string, string> {
  const values = new Map(metadata.defaults);
  for (const [name, value] of Object.entries(inputs)) {
    const key = name.toLowerCase();
    if (!metadata.defaults.has(key))
      throw new Error(`input '${name}' is not declared in action.yml`);
    values.set(key, value);
  }
  for (const [name, value] of values) {
    if (value.includes('${{'))
      throw new Error(`input '${name}': give it; its default is an expression`);
  }
  return values;
}

function runNode(
  bundle: string,
  options: RunActionOptions,
  env: NodeJS.ProcessEnv,
): Promise<Pick<ActionRun, 'exitCode' | 'timedOut' | 'stdout' | 'stderr'>> {
  const child = spawn(process.execPath, [bundle], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({
        exitCode: code,
        timedOut,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

const RUNNER_COMMANDS = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
];

/**
 * Reads the workflow commands in an action's stdout as the runner does:
 * `::name k=v,k=v::data` after leading blanks, and the legacy
 * `##[name k=v;k=v]data` anywhere in a line, for the commands the runner
 * knows. Between `::stop-commands::TOKEN` and a `TOKEN` command nothing
 * else is a command.
 */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  for (const line of stdout.split('\n')) {
    const known = new Set(RUNNER_COMMANDS);
    if (stopToken !== undefined) known.add(stopToken.toLowerCase());
    const command = parseCommandLine(line.replace(/\r$/, ''), known);
    if (command === undefined) continue;
    if (stopToken !== undefined) {
      // The runner never resumes after an empty token.
      const resumes =
        stopToken !== '' && command.name === stopToken.toLowerCase();
      if (resumes) stopToken = undefined;
      continue;
    }
    if (command.name === 'stop-commands') stopToken = command.message;
    commands.push(command);
  }
  return commands;
}

function parseCommandLine(
  line: string,
  known: ReadonlySet<string>,
): WorkflowCommand | undefined {
  return parseV2(line, known) ?? parseV1(line, known);
}

function parseV2(
  line: string,
  known: ReadonlySet<string>,
): WorkflowCommand | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return undefined;
  const end = text.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = text.slice(2, end);
  const space = info.indexOf(' ');
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!known.has(name)) return undefined;
  const properties =
    space > 0 ? parseProperties(info.slice(space + 1).trim(), ',') : {};
  const message = unescape(text.slice(end + 2), DATA_ESCAPES);
  return { name, properties, message };
}

function parseV1(
  line: string,
  known: ReadonlySet<string>,
): WorkflowCommand | undefined {
  const start = line.indexOf('##[');
  if (start < 0) return undefined;
  const end = line.indexOf(']', start);
  if (end < 0) return undefined;
  const info = line.slice(start + 3, end);
  const space = info.indexOf(' ');
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!known.has(name)) return undefined;
  const properties =
    space > 0 ? parseProperties(info.slice(space + 1), ';', V1_ESCAPES) : {};
  return {
    name,
    properties,
    message: unescape(line.slice(end + 1), V1_ESCAPES),
  };
}

function parseProperties(
  text: string,
  separator: string,
  escapes: readonly (readonly [string, string])[] = PROPERTY_ESCAPES,
): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const part of text.split(separator)) {
    const equals = part.indexOf('=');
    if (equals <= 0 || equals === part.length - 1) continue;
    properties[part.slice(0, equals)] = unescape(
      part.slice(equals + 1),
      escapes,
    );
  }
  return properties;
}

/** Escapes in the order the runner undoes them: `%25` last. */
const DATA_ESCAPES = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%25', '%'],
] as const;
const PROPERTY_ESCAPES = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%3A', ':'],
  ['%2C', ','],
  ['%25', '%'],
] as const;
const V1_ESCAPES = [
  ['%3B', ';'],
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%5D', ']'],
  ['%25', '%'],
] as const;

function unescape(
  text: string,
  escapes: readonly (readonly [string, string])[],
): string {
  return escapes.reduce((out, [from, to]) => out.split(from).join(to), text);
}

/**
 * Reads a `GITHUB_OUTPUT` file: `name=value` lines and
 * `name<<DELIMITER` ... `DELIMITER` blocks, as the runner does.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals > 0 && (heredoc < 0 || equals < heredoc)) {
      outputs[line.slice(0, equals)] = line.slice(equals + 1);
      continue;
    }
    if (heredoc <= 0)
      throw new Error(`GITHUB_OUTPUT line ${index + 1}: '${line}'`);
    const delimiter = line.slice(heredoc + 2);
    const close = lines.indexOf(delimiter, index + 1);
    if (delimiter === '' || close < 0)
      throw new Error(
        `GITHUB_OUTPUT line ${index + 1}: no closing ${delimiter}`,
      );
    outputs[line.slice(0, heredoc)] = lines.slice(index + 1, close).join('\n');
    index = close;
  }
  return outputs;
}
