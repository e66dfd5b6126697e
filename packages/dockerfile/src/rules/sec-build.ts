import { posix } from 'node:path';
import type { Instruction } from '../model';
import { hitOn, instructionsOf, type LintRule, type RuleHit } from '../rule';
import { runScript } from '../shell';
import {
  copySources,
  effectiveCommands,
  type EffectiveCommand,
} from './sec-commands';
import { urlCredentials } from './sec-secret-values';

/** `http(s)://`, `git://`, `ssh://`, or scp-like `git@host:repo`. */
function isRemoteSource(source: string): boolean {
  return /^(https?|git|ssh):\/\//i.test(source) || /^git@/i.test(source);
}

/** A Git source pinned to a full commit: `...#<40 or 64 hex digits>`. */
function isPinnedGitCommit(source: string): boolean {
  const hash = source.indexOf('#');
  if (hash === -1) return false;
  const ref = source.slice(hash + 1).split(':')[0] ?? '';
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(ref);
}

export const addUrlWithoutChecksum: LintRule = {
  id: 'add-url-without-checksum',
  title: 'ADD downloads without a checksum',
  severity: 'medium',
  rationale:
    'ADD with a URL or a Git repository fetches whatever the server returns at build time. Without a checksum nothing notices when the file is replaced, whether by the publisher, a compromised mirror or someone on the network path, so the image silently ships different code from the one reviewed.',
  fix: 'Pin the content: `ADD --checksum=sha256:<digest> https://example.com/tool.tar.gz /tmp/` (for Git sources, `--checksum=<commit>` or a `#<full commit sha>` ref). Or download in a RUN step and verify with `sha256sum -c` or a signature.',
  aliases: [],
  tags: ['security', 'supply-chain'],
  check: ({ dockerfile }) =>
    instructionsOf(dockerfile, 'ADD').flatMap((instruction) => {
      if (hasChecksum(instruction)) return [];
      const remote = copySources(instruction)
        .filter(isRemoteSource)
        .filter((source) => !isPinnedGitCommit(source));
      if (remote.length === 0) return [];
      const names = remote.map((source) => `'${source}'`).join(', ');
      return [
        hitOn(
          instruction,
          `ADD fetches ${names} without --checksum, so its content is never verified`,
          remote.flatMap(urlCredentials),
        ),
      ];
    }),
};

function hasChecksum(instruction: Instruction): boolean {
  return instruction.flags.some(
    (flag) => flag.name === 'checksum' && (flag.value ?? '') !== '',
  );
}

const DOWNLOADERS = new Set(['curl', 'wget']);

/** Programs that run code they read from standard input or an argument. */
const INTERPRETERS = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'ash',
  'ksh',
  'mksh',
  'fish',
  'eval',
  'source',
  '.',
  'python',
  'python2',
  'python3',
  'perl',
  'ruby',
  'node',
  'php',
]);

/** `$(curl` or a backquoted `curl`, inside an argument. */
const DOWNLOAD_SUBSTITUTION = /(\$\(|`)\s*(curl|wget)\b/;

/** `bash <(curl ...)`: process substitution, which the splitter drops. */
const DOWNLOAD_PROCESS_SUBSTITUTION =
  /(^|[\s;&|(])(bash|sh|zsh|source|\.)\s+<\(\s*(curl|wget)\b/;

export const curlPipeShell: LintRule = {
  id: 'curl-pipe-shell',
  title: 'Downloaded script run without verification',
  severity: 'high',
  rationale:
    "Piping curl or wget into a shell runs whatever the server sends, with the build's privileges, and nothing records what that was. A compromised or hijacked download site, a DNS or TLS failure upstream, or even a truncated transfer turns into arbitrary code in the image.",
  fix: 'Download to a file, verify it against a pinned checksum or signature, then run it: `curl -fsSLo install.sh https://example.com/install.sh && echo "<sha256>  install.sh" | sha256sum -c - && sh install.sh`. Better still, install from a package repository with signed metadata.',
  aliases: [],
  tags: ['security', 'supply-chain'],
  check: ({ dockerfile }) =>
    instructionsOf(dockerfile, 'RUN').flatMap((instruction) => {
      const found = pipedDownload(instruction);
      return found === undefined ? [] : [hitOn(instruction, found)];
    }),
};

/**
 * Describes the first download run as code in a RUN, if any.
 * Limitation: only curl and wget are known downloaders, and a script saved
 * to a file and run later without a check (`curl -o i.sh && sh i.sh`) is
 * not reported, because a verification step may sit between the two.
 */
function pipedDownload(instruction: Instruction): string | undefined {
  const commands = effectiveCommands(instruction);
  const piped = pipedIntoInterpreter(commands) ?? substituted(commands);
  if (piped !== undefined) return piped;
  const script = runScript(instruction) ?? '';
  const process = DOWNLOAD_PROCESS_SUBSTITUTION.exec(script);
  if (process === null) return undefined;
  return `runs '${process[3] ?? ''}' output with '${process[2] ?? ''}' without verifying it`;
}

/** `curl ... | sh`, also through `tee` or `sudo`, within one pipeline. */
function pipedIntoInterpreter(
  commands: readonly EffectiveCommand[],
): string | undefined {
  let downloader: string | undefined;
  for (const { program, command } of commands) {
    if (!command.isPipedInto) downloader = undefined;
    if (downloader !== undefined && INTERPRETERS.has(program)) {
      return `pipes '${downloader}' output into '${program}' without verifying it`;
    }
    if (DOWNLOADERS.has(program) && command.isPipedFrom) downloader = program;
  }
  return undefined;
}

/** `sh -c "$(curl ...)"` or ``eval `wget -O- ...` ``. */
function substituted(
  commands: readonly EffectiveCommand[],
): string | undefined {
  for (const { program, args } of commands) {
    if (!INTERPRETERS.has(program)) continue;
    const match = args
      .map((arg) => DOWNLOAD_SUBSTITUTION.exec(arg))
      .find((found) => found !== null);
    if (match) {
      return `runs '${match[2] ?? ''}' output with '${program}' without verifying it`;
    }
  }
  return undefined;
}

export const workdirProcFd: LintRule = {
  id: 'workdir-proc-fd',
  title: 'WORKDIR inside /proc',
  severity: 'high',
  rationale:
    'A working directory such as `/proc/self/fd/7` can point at a file descriptor that runc leaked from the host. With runc before 1.1.12 (CVE-2024-21626) a build or container started there gets a handle on the host filesystem and can escape. No legitimate image needs a working directory under /proc, so such a line is either a mistake or an attack.',
  fix: 'Set WORKDIR to a normal absolute path such as `/app`, and update runc (and Docker, containerd or BuildKit that bundle it) to a fixed release.',
  aliases: [],
  tags: ['security', 'container-escape'],
  check: ({ dockerfile }) =>
    dockerfile.stages.flatMap((stage) => procWorkdirHits(stage.instructions)),
};

/**
 * Follows WORKDIR through one stage, so relative paths are resolved too.
 * Limitation: a stage starts from `/` rather than the base image's working
 * directory, `$VARIABLE` paths are not expanded, and ONBUILD triggers are
 * judged on their own absolute paths.
 */
function procWorkdirHits(instructions: readonly Instruction[]): RuleHit[] {
  let current = '/';
  const hits: RuleHit[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword !== 'WORKDIR') continue;
    const written = unquoted(instruction.text.trim());
    const base = instruction.onbuild ? '/' : current;
    const path = posix.resolve(base, written);
    if (!instruction.onbuild) current = path;
    if (path === '/proc' || path.startsWith('/proc/')) {
      hits.push(
        hitOn(
          instruction,
          `WORKDIR '${written}' is inside /proc, the pattern of the runc escape CVE-2024-21626`,
        ),
      );
    }
  }
  return hits;
}

function unquoted(text: string): string {
  const first = text[0];
  const isQuoted =
    text.length >= 2 &&
    (first === '"' || first === "'") &&
    text.endsWith(first);
  return isQuoted ? text.slice(1, -1) : text;
}
