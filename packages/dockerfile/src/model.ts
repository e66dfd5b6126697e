/** A 1-based position, as editors and SARIF count lines and columns. */
export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A `--name=value` flag of an instruction. */
export interface Flag {
  name: string;
  value: string | undefined;
  range: Range;
}

/** One word of an instruction's arguments, flags excluded. */
export interface Argument {
  value: string;
  range: Range;
}

/** A heredoc (`<<EOF ... EOF`) attached to RUN, COPY or ADD. */
export interface Heredoc {
  delimiter: string;
  body: string;
}

/** One instruction; an ONBUILD trigger appears as its inner instruction. */
export interface Instruction {
  /** Upper-case keyword: `RUN`, `FROM`, ... */
  keyword: string;
  /** Arguments with flags removed and line continuations joined. */
  text: string;
  args: Argument[];
  flags: Flag[];
  range: Range;
  /** True when the instruction is the trigger of an `ONBUILD`. */
  onbuild: boolean;
  /** The stage it belongs to; -1 for ARGs before the first FROM. */
  stageIndex: number;
  /** The JSON array of an exec-form RUN, CMD, ENTRYPOINT or SHELL. */
  execForm: string[] | undefined;
  heredocs: Heredoc[];
}

/** The image a stage starts from. */
export interface BaseImage {
  /** As written, before ARG substitution. */
  raw: string;
  /** After substituting the ARGs declared before the first FROM. */
  resolved: string;
  /** True when the reference names an earlier stage. */
  isStage: boolean;
  /** True for `scratch`. */
  isScratch: boolean;
  /** True when ARG substitution left a variable unresolved. */
  hasUnresolvedVariable: boolean;
  registry: string | undefined;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
  platform: string | undefined;
}

export interface Stage {
  index: number;
  /** The `AS name`, lower-cased as BuildKit compares it. */
  name: string | undefined;
  from: BaseImage;
  fromInstruction: Instruction;
  instructions: Instruction[];
}

/** A comment line, with its position. */
export interface Comment {
  text: string;
  line: number;
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  path: string;
  lines: string[];
  directives: Map<string, string>;
  escapeChar: string;
  comments: Comment[];
  /** Every instruction in file order, ONBUILD triggers included. */
  instructions: Instruction[];
  stages: Stage[];
  /** ARG defaults declared before the first FROM. */
  globalArgs: Map<string, string | undefined>;
}
