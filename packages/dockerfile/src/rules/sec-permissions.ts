import type { Instruction } from '../model';
import { hitOn, type LintRule } from '../rule';
import { positionalArgs } from '../shell';
import { effectiveCommands, type EffectiveCommand } from './sec-commands';
import { finalImage } from './sec-stages';

/**
 * True when a chmod mode grants write to everyone: an octal mode whose
 * last digit has the write bit, or a symbolic clause such as `o+w` or
 * `a=rwx`. Modes with the sticky bit (`1777`, as for /tmp) are accepted:
 * everyone may create files there, but not replace other users' files.
 */
export function isWorldWritable(mode: string): boolean {
  if (/^[0-7]{1,5}$/.test(mode)) {
    const digits = mode.padStart(4, '0');
    const others = Number(digits.at(-1));
    const special = Number(digits.at(-4));
    return (others & 2) !== 0 && (special & 1) === 0;
  }
  return mode.split(',').some(isWorldWritableClause);
}

function isWorldWritableClause(clause: string): boolean {
  const match = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
  if (match === null) return false;
  const [, who = '', operator, permissions = ''] = match;
  const reachesOthers = who.includes('o') || who.includes('a');
  return reachesOthers && operator !== '-' && permissions.includes('w');
}

/** The mode a `mkdir` or `install` command sets with `-m`/`--mode`. */
function modeOption(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg.startsWith('--mode=')) return arg.slice('--mode='.length);
    if (/^-[A-Za-z]*m$/.test(arg)) return args[index + 1];
    if (/^-m./.test(arg)) return arg.slice(2);
  }
  return undefined;
}

/** The modes a command sets, as written. */
function modesSetBy(command: EffectiveCommand): string[] {
  if (command.program === 'chmod') {
    const mode = positionalArgs(command.args)[0];
    return mode === undefined ? [] : [mode];
  }
  if (command.program === 'mkdir' || command.program === 'install') {
    const mode = modeOption(command.args);
    return mode === undefined ? [] : [mode];
  }
  return [];
}

/** World-writable modes an instruction sets, by command or `--chmod`. */
function worldWritableModes(instruction: Instruction): string[] {
  const flagModes = instruction.flags
    .filter((flag) => flag.name === 'chmod')
    .map((flag) => flag.value ?? '');
  const commandModes = effectiveCommands(instruction).flatMap(modesSetBy);
  return [...flagModes, ...commandModes].filter(isWorldWritable);
}

export const chmod777: LintRule = {
  id: 'chmod-777',
  title: 'World-writable files in the image',
  severity: 'medium',
  rationale:
    'A file or directory everyone may write lets any process in the container, whatever user it runs as, change programs, configuration or libraries that others then run. That turns a foothold as an unprivileged user into control of the application, and it usually hides a permissions problem that a proper owner would have solved.',
  fix: 'Give files to the user that needs them instead: `COPY --chown=app:app . /app` or `chown -R app:app /app`, then use modes such as 755 for directories and 644 for files. For scratch space use a sticky directory (`chmod 1777`) or a volume.',
  aliases: [],
  tags: ['security', 'permissions'],
  check: ({ dockerfile }) => {
    // Limitation: only the final image's own stages are read. A file made
    // world-writable in a build stage keeps its mode when `COPY --from`
    // brings it over, and that is not traced.
    const image = finalImage(dockerfile);
    if (image === undefined) return [];
    return image.instructions.flatMap((instruction) => {
      const modes = worldWritableModes(instruction);
      if (modes.length === 0) return [];
      const written = modes.map((mode) => `'${mode}'`).join(', ');
      return [
        hitOn(
          instruction,
          `sets world-writable mode ${written} in the final image`,
        ),
      ];
    });
  },
};
