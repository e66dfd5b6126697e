import { copyDestination, parseCreatedBy, type CreatedBy } from './created-by';
import type { Dockerfile, Instruction, Stage } from './model';
import { parseJsonWords } from './parse';
import { runScript } from './shell';

/** One entry of an image config's `history`, as plain data. */
export interface ImageHistoryEntry {
  created_by?: string;
  empty_layer?: boolean;
}

/** A run of lines in a Dockerfile, 1-based and inclusive. */
export interface DockerfileLines {
  path: string;
  startLine: number;
  endLine: number;
}

/** Where a layer came from. */
export type LayerOrigin =
  /** An instruction of the Dockerfile made it. */
  | { kind: 'instruction'; keyword: string; lines: DockerfileLines }
  /** The base image brought it; `lines` is the FROM that names it. */
  | { kind: 'base-image'; image: string; lines: DockerfileLines }
  /** The history could not be matched; `reason` says why. */
  | { kind: 'unmatched'; reason: string };

/** One layer of the image and the instruction that made it. */
export interface LayerSource {
  layerDigest: string;
  /** Index of its entry in the config history, when there is one. */
  historyIndex: number | undefined;
  createdBy: string | undefined;
  origin: LayerOrigin;
}

/** The layer → Dockerfile line map of one image. */
export interface LayerLineMap {
  /** The Dockerfile's path, as given to the parser. */
  path: string;
  /** One per layer, in layer order. */
  layers: LayerSource[];
  /** Why some layers are unmatched, when matching stopped early. */
  problem: string | undefined;
}

/** A history entry with its parsed form and, if it made one, its layer. */
interface Step {
  index: number;
  createdBy: string | undefined;
  parsed: CreatedBy;
  layerDigest: string | undefined;
}

/** Keywords whose instructions can write files into a layer. */
const LAYER_KEYWORDS: ReadonlySet<string> = new Set([
  'RUN',
  'COPY',
  'ADD',
  'WORKDIR',
]);

/** Keywords whose instructions always write files. */
const CONTENT_KEYWORDS: ReadonlySet<string> = new Set(['RUN', 'COPY', 'ADD']);

/**
 * Maps each layer of an image to the Dockerfile instruction that made it.
 *
 * History entries are joined to layers by skipping `empty_layer` ones.
 * The tail of the history is then matched, backwards, to the instructions
 * of the final stage (and of the stages it builds `FROM`, in order). What
 * comes before them belongs to the base image and maps to its FROM line.
 * A layer that cannot be matched says why; nothing is guessed.
 *
 * Limitation: matching is greedy from the end. Metadata entries that do
 * not match are skipped on either side, but a layer entry that matches
 * no instruction stops the walk, and every earlier layer is unmatched.
 * Limitation: docker's `--squash` (one "merge" entry) and any image whose
 * history does not list one entry per layer leave every layer unmatched.
 */
export function mapLayersToDockerfile(
  dockerfile: Dockerfile,
  history: readonly ImageHistoryEntry[],
  layerDigests: readonly string[],
): LayerLineMap {
  const steps = joinLayers(history, layerDigests);
  if (typeof steps === 'string') {
    return unmatchedMap(dockerfile.path, layerDigests, steps);
  }
  const chain = stageChain(dockerfile);
  if (chain.length === 0) {
    const reason = `${dockerfile.path} has no FROM instruction`;
    return unmatchedMap(dockerfile.path, layerDigests, reason);
  }
  const alignment = align(
    steps,
    chain.flatMap((stage) => stage.instructions),
  );
  const squashed = squashedStages(alignment.matched, steps);
  const layers = steps
    .filter((step) => step.layerDigest !== undefined)
    .map((step) =>
      layerSource(step, originOf(step, dockerfile, chain, alignment, squashed)),
    );
  return { path: dockerfile.path, layers, problem: alignment.problem };
}

/** The source of one layer, if the map knows that layer. */
export function findLayerSource(
  map: LayerLineMap,
  layerDigest: string,
): LayerSource | undefined {
  return map.layers.find((layer) => layer.layerDigest === layerDigest);
}

/** Pairs history entries with layers; a string says why it cannot. */
function joinLayers(
  history: readonly ImageHistoryEntry[],
  layerDigests: readonly string[],
): Step[] | string {
  if (history.length === 0) return 'the image config has no history';
  const withLayers = history.filter((entry) => entry.empty_layer !== true);
  if (withLayers.length !== layerDigests.length) {
    return (
      `the image history lists ${withLayers.length} layers ` +
      `but the image has ${layerDigests.length}`
    );
  }
  let next = 0;
  return history.map((entry, index) => {
    const createdBy =
      typeof entry.created_by === 'string' ? entry.created_by : undefined;
    const hasLayer = entry.empty_layer !== true;
    const layerDigest = hasLayer ? layerDigests[next++] : undefined;
    return { index, createdBy, parsed: parseCreatedBy(createdBy), layerDigest };
  });
}

function unmatchedMap(
  path: string,
  layerDigests: readonly string[],
  reason: string,
): LayerLineMap {
  const layers = layerDigests.map((layerDigest) => ({
    layerDigest,
    historyIndex: undefined,
    createdBy: undefined,
    origin: { kind: 'unmatched' as const, reason },
  }));
  return { path, layers, problem: reason };
}

/**
 * The final stage and the stages it is built `FROM`, oldest first.
 * Limitation: an image built with `--target` is matched against the last
 * stage all the same, since the target is not recorded in the image.
 */
function stageChain(dockerfile: Dockerfile): Stage[] {
  const chain: Stage[] = [];
  let stage = dockerfile.stages[dockerfile.stages.length - 1];
  while (stage !== undefined && !chain.includes(stage)) {
    chain.unshift(stage);
    stage = parentStage(dockerfile, stage);
  }
  return chain;
}

function parentStage(dockerfile: Dockerfile, stage: Stage): Stage | undefined {
  if (!stage.from.isStage) return undefined;
  const name = stage.from.resolved.toLowerCase();
  return dockerfile.stages
    .slice(0, stage.index)
    .reverse()
    .find((earlier) => earlier.name === name);
}

interface Alignment {
  /** History index → the instruction that wrote the entry. */
  matched: Map<number, Instruction>;
  /** Set when the walk stopped on a layer that matches nothing. */
  problem: string | undefined;
}

/** Walks history and instructions backwards, pairing what matches. */
function align(steps: readonly Step[], instructions: Instruction[]): Alignment {
  const matched = new Map<number, Instruction>();
  let h = steps.length - 1;
  let i = instructions.length - 1;
  while (h >= 0 && i >= 0) {
    const step = steps[h] as Step;
    const instruction = instructions[i] as Instruction;
    if (entryMatches(step.parsed, instruction)) {
      matched.set(step.index, instruction);
      h -= 1;
      i -= 1;
    } else if (step.layerDigest === undefined) {
      h -= 1;
    } else if (!canMakeLayer(instruction)) {
      i -= 1;
    } else {
      return { matched, problem: mismatch(step, instruction) };
    }
  }
  return { matched, problem: undefined };
}

function mismatch(step: Step, instruction: Instruction): string {
  const text = shorten(step.createdBy ?? '(no created_by)');
  return (
    `history entry ${step.index} ('${text}') does not match ` +
    `${keywordOf(instruction)} on line ${instruction.range.start.line}`
  );
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= 80 ? oneLine : `${oneLine.slice(0, 79)}…`;
}

/** The keyword a builder records: ONBUILD triggers are ONBUILD. */
function keywordOf(instruction: Instruction): string {
  return instruction.onbuild ? 'ONBUILD' : instruction.keyword;
}

function canMakeLayer(instruction: Instruction): boolean {
  return LAYER_KEYWORDS.has(keywordOf(instruction));
}

function isContent(instruction: Instruction): boolean {
  return CONTENT_KEYWORDS.has(keywordOf(instruction));
}

/** Whether a history entry could have been written by an instruction. */
function entryMatches(entry: CreatedBy, instruction: Instruction): boolean {
  const keyword = keywordOf(instruction);
  if (entry.keyword !== keyword) return false;
  if (keyword === 'RUN') return runMatches(entry.body, instruction);
  if (keyword === 'COPY' || keyword === 'ADD') {
    return destinationMatches(copyDestination(entry), instruction);
  }
  return true;
}

/**
 * True when the entry's command ends with the instruction's script.
 * RUN text is recorded before variable expansion by every builder, so
 * the two compare as written, whitespace collapsed.
 * Limitation: a heredoc RUN is compared by its body; a builder that
 * records it in another shape does not match.
 */
function runMatches(body: string, instruction: Instruction): boolean {
  const command = collapse(body);
  return scriptForms(instruction).some((script) =>
    endsWithWords(command, script),
  );
}

function scriptForms(instruction: Instruction): string[] {
  const forms = [runScript(instruction), instruction.text];
  if (instruction.execForm !== undefined) {
    forms.push(instruction.execForm.join(' '));
  }
  return forms
    .filter((form): form is string => form !== undefined)
    .map(collapse)
    .filter((form) => form !== '');
}

/**
 * `command` holds `script` as whole words at its end, or followed only by
 * a buildah suffix (`:<checksum>`, `|<metadata>`), so `make` does not
 * match `make install`.
 */
function endsWithWords(command: string, script: string): boolean {
  let at = command.lastIndexOf(script);
  while (at !== -1) {
    const before = at === 0 ? ' ' : command.charAt(at - 1);
    const after = command.charAt(at + script.length);
    if (/\s/.test(before) && (after === '' || after === ':' || after === '|')) {
      return true;
    }
    at = at === 0 ? -1 : command.lastIndexOf(script, at - 1);
  }
  return false;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Compares COPY and ADD destinations. Builders record them after
 * expanding variables, so a destination with a variable matches any.
 * Limitation: a relative destination (`.`, `app/`) matches any, since
 * the builder may have resolved it against WORKDIR.
 */
function destinationMatches(
  recorded: string | undefined,
  instruction: Instruction,
): boolean {
  const written = instructionDestination(instruction);
  if (recorded === undefined || written === undefined) return false;
  if (written.includes('$') || !written.startsWith('/')) return true;
  return trimSlashes(recorded) === trimSlashes(written);
}

function instructionDestination(instruction: Instruction): string | undefined {
  const json = parseJsonWords(instruction.text);
  if (json !== undefined) return json[json.length - 1];
  const startLine = instruction.range.start.line;
  const args =
    instruction.heredocs.length === 0
      ? instruction.args
      : instruction.args.filter((arg) => arg.range.start.line === startLine);
  return args[args.length - 1]?.value;
}

function trimSlashes(path: string): string {
  return path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

/**
 * Stages that buildah committed as one layer (`buildah bud` without
 * `--layers`): it records every instruction as an empty entry and puts
 * all files in the last one. Seen as a classic-form RUN, COPY or ADD
 * entry without a layer, or a layer on an instruction that writes none.
 * docker's classic builder also leaves a RUN that changed nothing without
 * a layer, but it writes metadata as `#(nop)  ` (two spaces, buildah one),
 * so stages with such an entry are not taken as squashed.
 * Limitation: a classic-builder stage with no metadata instruction and a
 * RUN that changed nothing looks squashed; its layers are then unmatched
 * rather than attributed.
 */
function squashedStages(
  matched: ReadonlyMap<number, Instruction>,
  steps: readonly Step[],
): Set<number> {
  const squashed = new Set<number>();
  const classic = new Set<number>();
  for (const step of steps) {
    const instruction = matched.get(step.index);
    if (instruction === undefined) continue;
    if (CLASSIC_METADATA.test(step.createdBy ?? '')) {
      classic.add(instruction.stageIndex);
    }
    if (looksSquashed(step, instruction)) squashed.add(instruction.stageIndex);
  }
  for (const stage of classic) squashed.delete(stage);
  return squashed;
}

const CLASSIC_METADATA = /#\(nop\) {2}\S/;

function looksSquashed(step: Step, instruction: Instruction): boolean {
  const contentWithoutLayer =
    isContent(instruction) &&
    step.layerDigest === undefined &&
    step.parsed.form === 'shell';
  const layerWithoutContent =
    step.layerDigest !== undefined && !canMakeLayer(instruction);
  return contentWithoutLayer || layerWithoutContent;
}

function originOf(
  step: Step,
  dockerfile: Dockerfile,
  chain: readonly Stage[],
  alignment: Alignment,
  squashed: ReadonlySet<number>,
): LayerOrigin {
  const instruction = alignment.matched.get(step.index);
  if (instruction !== undefined) {
    if (!squashed.has(instruction.stageIndex)) {
      return instructionOrigin(dockerfile.path, instruction);
    }
    return squashedOrigin(dockerfile, instruction.stageIndex);
  }
  if (alignment.problem !== undefined) {
    return { kind: 'unmatched', reason: alignment.problem };
  }
  return baseOrigin(dockerfile.path, chain[0] as Stage);
}

function instructionOrigin(
  path: string,
  instruction: Instruction,
): LayerOrigin {
  return {
    kind: 'instruction',
    keyword: keywordOf(instruction),
    lines: linesOf(path, instruction),
  };
}

/** A one-layer stage maps to a line only if one instruction wrote files. */
function squashedOrigin(
  dockerfile: Dockerfile,
  stageIndex: number,
): LayerOrigin {
  const stage = dockerfile.stages[stageIndex] as Stage;
  const writers = stage.instructions.filter(isContent);
  const [only] = writers;
  if (writers.length === 1 && only !== undefined) {
    return instructionOrigin(dockerfile.path, only);
  }
  const lines = writers.map((w) => w.range.start.line).join(', ');
  return {
    kind: 'unmatched',
    reason:
      `the stage on line ${stage.fromInstruction.range.start.line} was ` +
      `committed as one layer (buildah without --layers); ` +
      (writers.length === 0
        ? 'no instruction in it writes files'
        : `lines ${lines} all wrote to it`),
  };
}

function baseOrigin(path: string, root: Stage): LayerOrigin {
  const line = root.fromInstruction.range.start.line;
  if (root.from.isScratch) {
    return {
      kind: 'unmatched',
      reason:
        `the history has layers before the Dockerfile's own, ` +
        `but the stage on line ${line} starts FROM scratch`,
    };
  }
  return {
    kind: 'base-image',
    image: root.from.resolved,
    lines: linesOf(path, root.fromInstruction),
  };
}

function linesOf(path: string, instruction: Instruction): DockerfileLines {
  return {
    path,
    startLine: instruction.range.start.line,
    endLine: instruction.range.end.line,
  };
}

function layerSource(step: Step, origin: LayerOrigin): LayerSource {
  return {
    layerDigest: step.layerDigest as string,
    historyIndex: step.index,
    createdBy: step.createdBy,
    origin,
  };
}
