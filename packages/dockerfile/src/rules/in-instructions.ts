import type { Instruction } from '../model';
import { hitOn, instructionsOf, type LintRule, type RuleHit } from '../rule';
import {
  copyPaths,
  isAbsolutePath,
  keyValues,
  lineRange,
  readJsonArray,
  referencedVariables,
  shorten,
  splitWords,
  stripQuotes,
} from './in-words';

/** Hits for the instructions a check returns a message for. */
function eachInstruction(
  instructions: readonly Instruction[],
  check: (instruction: Instruction) => string | undefined,
): RuleHit[] {
  return instructions.flatMap((instruction) => {
    const message = check(instruction);
    return message === undefined ? [] : [hitOn(instruction, message)];
  });
}

const HADOLINT_PRAGMA = /^\s*#\s*hadolint\s+(?:global\s+)?ignore\s*=\s*(\S*)/i;

export const noHadolintPragma: LintRule = {
  id: 'no-hadolint-pragma',
  title: 'hadolint ignore comment',
  severity: 'negligible',
  rationale:
    'A `# hadolint ignore=` comment silences a finding without saying why, and imagegate does not read it, so the finding it was meant to hide comes back anyway. Exceptions that carry a reason are easier to review and to remove once the cause is gone.',
  fix: 'Replace it with `# imagegate-ignore RULE -- reason`; hadolint ids such as DL3008 are accepted as rule names.',
  aliases: ['DL1001'],
  tags: ['maintainability'],
  check: ({ dockerfile }) => {
    const bodies = heredocBodyLines(dockerfile.instructions);
    return dockerfile.lines.flatMap((text, index) => {
      const line = index + 1;
      const match = HADOLINT_PRAGMA.exec(text);
      if (match === null || bodies.has(line)) return [];
      const rules = match[1] === '' ? 'RULE' : (match[1] as string);
      return [
        {
          range: lineRange(dockerfile, line),
          message: `imagegate ignores hadolint pragmas; write '# imagegate-ignore ${rules} -- <reason>' instead`,
        },
      ];
    });
  },
};

/** Lines inside heredoc bodies, where `#` is the script's, not ours. */
function heredocBodyLines(instructions: readonly Instruction[]): Set<number> {
  const lines = new Set<number>();
  for (const instruction of instructions) {
    if (instruction.heredocs.length === 0) continue;
    const { start, end } = instruction.range;
    for (let line = start.line + 1; line <= end.line; line += 1) {
      lines.add(line);
    }
  }
  return lines;
}

export const workdirAbsolute: LintRule = {
  id: 'workdir-absolute',
  title: 'WORKDIR is a relative path',
  severity: 'high',
  rationale:
    'A relative WORKDIR is resolved against whatever the previous working directory was, which may be set by the base image and change with it. An absolute path says where files land no matter what came before.',
  fix: 'Write the full path: `WORKDIR /app` rather than `WORKDIR app`.',
  aliases: ['DL3000'],
  tags: ['correctness', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachInstruction(instructionsOf(dockerfile, 'WORKDIR'), (workdir) => {
      const path = stripQuotes(workdir.text.trim());
      if (path === '' || path.startsWith('$') || isAbsolutePath(path)) {
        return undefined;
      }
      return `WORKDIR '${path}' is relative, so it depends on the directory set before it; write '/${path}' or another absolute path`;
    }),
};

const MAX_PORT = 65535;

export const exposeValidPort: LintRule = {
  id: 'expose-valid-port',
  title: 'EXPOSE names an impossible port',
  severity: 'high',
  rationale:
    'TCP and UDP ports run from 0 to 65535. A larger number, or a range that runs backwards, is a typo that the builder may reject or that documents a port nothing can listen on.',
  fix: 'Fix the number or range: `EXPOSE 8080` or `EXPOSE 8000-8010/tcp`.',
  aliases: ['DL3011'],
  tags: ['correctness'],
  check: ({ dockerfile }) =>
    eachInstruction(instructionsOf(dockerfile, 'EXPOSE'), (expose) => {
      const problems = splitWords(expose.text, dockerfile.escapeChar)
        .map((word) => portProblem(word.value))
        .filter((problem) => problem !== undefined);
      return problems.length === 0 ? undefined : problems.join('; ');
    }),
};

function portProblem(spec: string): string | undefined {
  if (spec.includes('$')) return undefined;
  const [ports = ''] = spec.split('/');
  const bounds = ports.split('-');
  if (bounds.length > 2 || bounds.some((bound) => !/^\d+$/.test(bound))) {
    return `'${shorten(spec)}' is not a port or port range`;
  }
  const numbers = bounds.map(Number);
  const tooHigh = numbers.find((port) => port > MAX_PORT);
  if (tooHigh !== undefined) {
    return `port ${tooHigh} in '${spec}' is above ${MAX_PORT}`;
  }
  const [low = 0, high = low] = numbers;
  return low > high ? `range '${spec}' runs backwards` : undefined;
}

/** Extensions of the archives that ADD unpacks (hadolint's list). */
const ARCHIVE_EXTENSIONS = [
  '.tar',
  '.Z',
  '.bz2',
  '.gz',
  '.lz',
  '.lzma',
  '.tZ',
  '.tb2',
  '.tbz',
  '.tbz2',
  '.tgz',
  '.tlz',
  '.tpz',
  '.txz',
  '.xz',
];

/** True when ADD would unpack a file with this name. */
export function isArchive(path: string): boolean {
  const plain = stripQuotes(path);
  return ARCHIVE_EXTENSIONS.some((extension) => plain.endsWith(extension));
}

function isRemote(path: string): boolean {
  return /^(?:https?:\/\/|git@)/.test(stripQuotes(path));
}

export const copyNotAdd: LintRule = {
  id: 'copy-not-add',
  title: 'ADD used to copy local files',
  severity: 'high',
  rationale:
    'ADD also fetches URLs and unpacks archives, so a reader cannot tell what an ADD line will do without knowing the file, and a renamed file can silently start or stop being unpacked. COPY does only what it says.',
  fix: 'Use `COPY` for local files and folders; keep `ADD` for remote URLs or for tar archives you mean to unpack.',
  aliases: ['DL3020', 'CIS-DI-0009'],
  tags: ['security', 'maintainability'],
  check: ({ dockerfile }) =>
    eachInstruction(instructionsOf(dockerfile, 'ADD'), (add) => {
      const local = copyPaths(add, dockerfile.escapeChar)
        .sources.map((source) => source.value)
        .filter((source) => !isArchive(source) && !isRemote(source));
      if (local.length === 0) return undefined;
      const names = local.map((source) => `'${shorten(source)}'`).join(', ');
      return `ADD copies ${names} as plain local content; use COPY`;
    }),
};

export const copyMultipleToDirectory: LintRule = {
  id: 'copy-dest-directory',
  title: 'Several sources copied to a destination without a trailing slash',
  severity: 'high',
  rationale:
    'When COPY or ADD has more than one source the destination must be a directory, and the builder only takes it for one when it ends with `/` (a bare `.` also counts). Without the slash the build fails.',
  fix: 'End the destination with a slash: `COPY a.txt b.txt /data/`.',
  aliases: ['DL3021'],
  tags: ['correctness'],
  check: ({ dockerfile }) =>
    eachInstruction(instructionsOf(dockerfile, 'COPY', 'ADD'), (copy) => {
      const { sources, destination } = copyPaths(copy, dockerfile.escapeChar);
      if (sources.length < 2 || destination === undefined) return undefined;
      const target = stripQuotes(destination.value);
      // BuildKit takes a bare `.` (the working directory) as a directory.
      if (target.endsWith('/') || target === '.') return undefined;
      // Limitation: a destination held in a variable is not expanded.
      if (target.includes('$')) return undefined;
      return `${copy.keyword} has ${sources.length} sources, so '${shorten(target)}' must be a directory ending in '/': write '${shorten(target)}/'`;
    }),
};

export const execFormCommand: LintRule = {
  id: 'exec-form-command',
  title: 'CMD or ENTRYPOINT in shell form',
  severity: 'medium',
  rationale:
    'In shell form the command runs as a child of `/bin/sh -c`, so the shell, not your program, is process 1 and receives SIGTERM: the program is killed hard when the container stops instead of shutting down cleanly. Arguments passed to `docker run` are also lost with a shell-form ENTRYPOINT.',
  fix: 'Write the command as a JSON array: `CMD ["nginx", "-g", "daemon off;"]`. If you need a shell, say so: `CMD ["sh", "-c", "exec my-app"]`.',
  aliases: ['DL3025'],
  tags: ['correctness', 'signals'],
  check: ({ dockerfile }) =>
    eachInstruction(
      instructionsOf(dockerfile, 'CMD', 'ENTRYPOINT', 'HEALTHCHECK'),
      shellFormProblem,
    ),
};

function shellFormProblem(instruction: Instruction): string | undefined {
  const what =
    instruction.keyword === 'HEALTHCHECK'
      ? 'HEALTHCHECK CMD'
      : instruction.keyword;
  const command = commandText(instruction);
  if (command === undefined || readJsonArray(command) !== undefined) {
    return undefined;
  }
  if (command.startsWith('[')) {
    return `${what} looks like a JSON array but is not valid JSON (strings need double quotes), so it runs through /bin/sh -c`;
  }
  return `${what} '${shorten(command)}' runs through /bin/sh -c; write it as a JSON array such as ${suggestJson(command)}`;
}

/** The command text of CMD, ENTRYPOINT or `HEALTHCHECK CMD`. */
function commandText(instruction: Instruction): string | undefined {
  const text = instruction.text.trim();
  if (instruction.keyword !== 'HEALTHCHECK') return text;
  const match = /^cmd\s/i.exec(text);
  return match === null ? undefined : text.slice(match[0].length).trim();
}

function suggestJson(command: string): string {
  const words = splitWords(command).map((word) => word.value);
  return shorten(JSON.stringify(words), 70);
}

const FORBIDDEN_TRIGGERS = new Set(['ONBUILD', 'FROM', 'MAINTAINER']);

export const onbuildTrigger: LintRule = {
  id: 'onbuild-trigger-allowed',
  title: 'ONBUILD triggers ONBUILD, FROM or MAINTAINER',
  severity: 'high',
  rationale:
    'The builder refuses `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`: a trigger cannot chain another trigger or start a new stage. The image builds, but every image built on it fails.',
  fix: 'Remove the trigger, or move the instruction into the child Dockerfile that needs it.',
  aliases: ['DL3043'],
  tags: ['correctness'],
  check: ({ dockerfile }) =>
    eachInstruction(dockerfile.instructions, (instruction) =>
      instruction.onbuild && FORBIDDEN_TRIGGERS.has(instruction.keyword)
        ? `ONBUILD ${instruction.keyword} is not allowed; every image built FROM this one will fail`
        : undefined,
    ),
};

export const envSelfReference: LintRule = {
  id: 'env-same-statement-reference',
  title: 'ENV uses a variable it sets in the same statement',
  severity: 'high',
  rationale:
    'All variables in one ENV line are expanded before any of them is set, so `ENV A=1 B=$A` gives B the value A had before the line (often empty), not 1. The result looks right on the page and is wrong in the image.',
  fix: 'Split the line: `ENV A=1` then `ENV B=$A`.',
  aliases: ['DL3044'],
  tags: ['correctness'],
  check: ({ dockerfile }) =>
    instructionsOf(dockerfile, 'ENV').flatMap((env) =>
      earlierPairReferences(env, dockerfile.escapeChar).map((message) =>
        hitOn(env, message),
      ),
    ),
};

function earlierPairReferences(env: Instruction, escapeChar: string): string[] {
  const assigned = new Map<string, string>();
  const messages: string[] = [];
  for (const pair of keyValues(env, escapeChar)) {
    const names = new Set(referencedVariables(pair.rawValue, escapeChar));
    for (const name of names) {
      const value = assigned.get(name);
      if (value === undefined) continue;
      messages.push(
        `${pair.key} uses $${name}, which this ENV also sets; it expands to ${name}'s earlier value, not '${shorten(value, 40)}'. Set ${name} in an earlier ENV`,
      );
    }
    assigned.set(pair.key, pair.value);
  }
  return messages;
}

export const noMaintainer: LintRule = {
  id: 'no-maintainer',
  title: 'MAINTAINER is deprecated',
  severity: 'high',
  rationale:
    'MAINTAINER has been deprecated since Docker 1.13 and only sets a field that tools no longer read. A label is where registries and scanners look for the author.',
  fix: 'Use `LABEL org.opencontainers.image.authors="Name <email>"`.',
  aliases: ['DL4000'],
  tags: ['deprecated', 'labels'],
  check: ({ dockerfile }) =>
    eachInstruction(instructionsOf(dockerfile, 'MAINTAINER'), (maintainer) => {
      if (maintainer.onbuild) return undefined;
      const author = JSON.stringify(
        shorten(stripQuotes(maintainer.text.trim())),
      );
      return `MAINTAINER is deprecated; write LABEL org.opencontainers.image.authors=${author}`;
    }),
};

export const fromFirst: LintRule = {
  id: 'from-first',
  title: 'Instruction before the first FROM',
  severity: 'high',
  rationale:
    'Only ARG (and comments or parser directives) may come before the first FROM; anything else has no stage to belong to and the builder rejects the file.',
  fix: 'Move the instruction below the FROM line of the stage it belongs to.',
  aliases: ['DL3061'],
  tags: ['correctness'],
  check: ({ dockerfile }) =>
    eachInstruction(dockerfile.instructions, (instruction) => {
      if (instruction.stageIndex >= 0) return undefined;
      if (instruction.keyword === 'ARG' && !instruction.onbuild) {
        return undefined;
      }
      const what = instruction.onbuild
        ? `ONBUILD ${instruction.keyword}`
        : instruction.keyword;
      return `${what} comes before the first FROM, where only ARG is allowed; move it into a stage`;
    }),
};

export const INSTRUCTION_LEVEL_RULES: LintRule[] = [
  noHadolintPragma,
  workdirAbsolute,
  exposeValidPort,
  copyNotAdd,
  copyMultipleToDirectory,
  execFormCommand,
  onbuildTrigger,
  envSelfReference,
  noMaintainer,
  fromFirst,
];
