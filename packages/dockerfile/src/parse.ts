import {
  DockerfileParser,
  type Instruction as AstInstruction,
} from 'dockerfile-ast';
import { DockerfileError } from './errors';
import { splitImageName } from './image-name';
import type {
  Argument,
  BaseImage,
  Comment,
  Dockerfile,
  Flag,
  Heredoc,
  Instruction,
  Range,
  Stage,
} from './model';
import { referencedNames, substitute } from './substitute';

/** dockerfile-ast's 0-based range (its type is not exported). */
interface AstRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** Parses Dockerfile text; `path` is used in positions and errors. */
export function parseDockerfile(text: string, path: string): Dockerfile {
  const ast = DockerfileParser.parse(text);
  const lines = text.split(/\r\n|\n|\r/);
  const instructions = ast
    .getInstructions()
    .map((node) => toInstruction(node, path, lines));
  const globalArgs = readGlobalArgs(instructions, path);
  const escape = ast.getEscapeCharacter();
  return {
    path,
    lines,
    directives: new Map(
      ast.getDirectives().map((d) => [d.getName().toLowerCase(), d.getValue()]),
    ),
    escapeChar: escape,
    comments: ast.getComments().map((c): Comment => ({
      text: c.getContent(),
      line: c.getRange().start.line + 1,
    })),
    instructions: assignStages(instructions),
    stages: buildStages(instructions, globalArgs, escape),
    globalArgs,
  };
}

function toInstruction(
  node: AstInstruction,
  path: string,
  lines: string[],
): Instruction {
  const trigger = isOnbuild(node) ? node.getTriggerInstruction() : null;
  const inner = trigger ?? node;
  const keyword = inner.getKeyword().toUpperCase();
  const text = inner.getArgumentsContent() ?? '';
  return {
    keyword,
    text,
    args: inner.getArguments().map((a): Argument => ({
      value: a.getValue(),
      range: toRange(a.getRange()),
    })),
    flags: readFlags(inner),
    range: toRange(node.getRange()),
    onbuild: trigger !== null,
    stageIndex: -1,
    execForm: readExecForm(keyword, text),
    heredocs: readHeredocs(inner, path, lines),
  };
}

interface OnbuildNode extends AstInstruction {
  getTriggerInstruction(): AstInstruction | null;
}

function isOnbuild(node: AstInstruction): node is OnbuildNode {
  return node.getKeyword().toUpperCase() === 'ONBUILD';
}

function readFlags(node: AstInstruction): Flag[] {
  const withFlags = node as Partial<{
    getFlags(): {
      getName(): string;
      getValue(): string | null;
      getRange(): AstRange;
    }[];
  }>;
  if (typeof withFlags.getFlags !== 'function') return [];
  return withFlags.getFlags().map((flag) => ({
    name: flag.getName().toLowerCase(),
    value: flag.getValue() ?? undefined,
    range: toRange(flag.getRange()),
  }));
}

const EXEC_FORM_KEYWORDS = new Set([
  'RUN',
  'CMD',
  'ENTRYPOINT',
  'SHELL',
  'HEALTHCHECK',
  'VOLUME',
]);

function readExecForm(keyword: string, text: string): string[] | undefined {
  return EXEC_FORM_KEYWORDS.has(keyword) ? parseJsonWords(text) : undefined;
}

/**
 * The words of a JSON-form argument list (`["a", "b"]`); undefined when the
 * text is not a JSON array of strings, which the frontend then reads as
 * shell-form words.
 */
export function parseJsonWords(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    const isStrings =
      Array.isArray(parsed) && parsed.every((item) => typeof item === 'string');
    return isStrings ? parsed : undefined;
  } catch {
    // Not JSON: BuildKit runs such text in shell form.
    return undefined;
  }
}

interface HeredocNode {
  getName(): string;
  getContentRange(): AstRange | null;
  getDelimiterRange(): AstRange | null;
  getStartRange(): AstRange;
}

function readHeredocs(
  node: AstInstruction,
  path: string,
  lines: string[],
): Heredoc[] {
  const withHeredocs = node as unknown as Partial<{
    getHeredocs(): HeredocNode[];
  }>;
  if (typeof withHeredocs.getHeredocs !== 'function') return [];
  return withHeredocs.getHeredocs().map((heredoc) => {
    if (heredoc.getDelimiterRange() === null) {
      const line = heredoc.getStartRange().start.line + 1;
      throw new DockerfileError(
        'unterminated-heredoc',
        `${path}:${line}: heredoc '${heredoc.getName()}' is never closed; add a line with just '${heredoc.getName()}'`,
      );
    }
    return { delimiter: heredoc.getName(), body: heredocBody(heredoc, lines) };
  });
}

function heredocBody(heredoc: HeredocNode, lines: string[]): string {
  const range = heredoc.getContentRange();
  if (range === null) return '';
  return lines.slice(range.start.line, range.end.line + 1).join('\n');
}

function toRange(range: AstRange): Range {
  return {
    start: { line: range.start.line + 1, column: range.start.character + 1 },
    end: { line: range.end.line + 1, column: range.end.character + 1 },
  };
}

function readGlobalArgs(
  instructions: Instruction[],
  path: string,
): Map<string, string | undefined> {
  const declarations: {
    name: string;
    value: string | undefined;
    line: number;
  }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') break;
    if (instruction.keyword !== 'ARG') continue;
    for (const arg of instruction.args) {
      const [name, value] = splitAssignment(arg.value);
      declarations.push({ name, value, line: instruction.range.start.line });
    }
  }
  assertNoArgCycle(declarations, path);
  const args = new Map<string, string | undefined>();
  for (const { name, value } of declarations) {
    const expanded =
      value === undefined
        ? undefined
        : substitute(value, (n) => args.get(n)).value;
    args.set(name, expanded);
  }
  return args;
}

function splitAssignment(word: string): [string, string | undefined] {
  const equals = word.indexOf('=');
  if (equals === -1) return [word, undefined];
  return [word.slice(0, equals), unquote(word.slice(equals + 1))];
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/s.exec(value);
  return quoted ? (quoted[2] as string) : value;
}

/** Rejects ARGs whose defaults refer to each other in a loop. */
function assertNoArgCycle(
  declarations: { name: string; value: string | undefined; line: number }[],
  path: string,
): void {
  const edges = new Map<string, { refs: string[]; line: number }>();
  for (const { name, value, line } of declarations) {
    const refs = referencedNames(value ?? '').filter((ref) => ref !== name);
    edges.set(name, { refs, line });
  }
  const done = new Set<string>();
  const visit = (name: string, trail: string[]): void => {
    if (done.has(name)) return;
    const node = edges.get(name);
    if (node === undefined) return;
    if (trail.includes(name)) {
      const cycle = [...trail.slice(trail.indexOf(name)), name].join(' -> ');
      throw new DockerfileError(
        'arg-cycle',
        `${path}:${node.line}: ARG defaults refer to each other in a loop (${cycle}); give one of them a literal default`,
      );
    }
    for (const ref of node.refs) visit(ref, [...trail, name]);
    done.add(name);
  };
  for (const name of edges.keys()) visit(name, []);
}

function assignStages(instructions: Instruction[]): Instruction[] {
  let stage = -1;
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM' && !instruction.onbuild) stage += 1;
    instruction.stageIndex = stage;
  }
  return instructions;
}

function buildStages(
  instructions: Instruction[],
  globalArgs: Map<string, string | undefined>,
  escapeChar: string,
): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM' && !instruction.onbuild) {
      const from = readBaseImage(instruction, globalArgs, stages, escapeChar);
      const name = stageName(instruction);
      stages.push({
        index: stages.length,
        name,
        from,
        fromInstruction: instruction,
        instructions: [],
      });
    } else if (instruction.stageIndex >= 0) {
      stages[instruction.stageIndex]?.instructions.push(instruction);
    }
  }
  return stages;
}

function stageName(from: Instruction): string | undefined {
  const [, as, name] = from.args.map((a) => a.value);
  return as?.toLowerCase() === 'as' && name ? name.toLowerCase() : undefined;
}

function readBaseImage(
  from: Instruction,
  globalArgs: Map<string, string | undefined>,
  earlier: Stage[],
  escapeChar: string,
): BaseImage {
  const raw = from.args[0]?.value ?? '';
  const expansion = substitute(raw, (name) => globalArgs.get(name), escapeChar);
  const resolved = expansion.value;
  const lower = resolved.toLowerCase();
  const name = splitImageName(resolved);
  return {
    raw,
    resolved,
    isStage: earlier.some((stage) => stage.name === lower),
    isScratch: lower === 'scratch',
    hasUnresolvedVariable: expansion.unresolved.length > 0,
    ...name,
    platform: from.flags.find((flag) => flag.name === 'platform')?.value,
  };
}
