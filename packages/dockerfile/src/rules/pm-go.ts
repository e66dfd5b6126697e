import type { LintRule } from '../rule';
import type { ShellCommand } from '../shell';
import { eachRun, isUnknowable, listWords } from './pm-shell';

/** Build flags of `go install`, `go get` and `go run` that take a value. */
const GO_VALUED = new Set([
  'o',
  'p',
  'C',
  'asmflags',
  'buildmode',
  'compiler',
  'coverpkg',
  'covermode',
  'exec',
  'gccgoflags',
  'gcflags',
  'installsuffix',
  'ldflags',
  'mod',
  'modfile',
  'overlay',
  'pgo',
  'pkgdir',
  'tags',
  'toolexec',
]);

/** Versions that move: `@latest` is no pin at all. */
const MOVING = new Set([
  'latest',
  'upgrade',
  'patch',
  'master',
  'main',
  'HEAD',
]);

const FETCHING = new Set(['install', 'get', 'run']);

/**
 * The packages a go command fetches. Go reads flags up to the first
 * package; `go run` passes every word after its package to the program.
 */
function goPackages(command: ShellCommand): string[] {
  const [action, ...words] = command.args;
  if (command.name !== 'go' || !FETCHING.has(action ?? '')) return [];
  let index = 0;
  while (index < words.length && (words[index] as string).startsWith('-')) {
    const flag = (words[index] as string).replace(/^--?/, '');
    const takesNext = !flag.includes('=') && GO_VALUED.has(flag);
    index += takesNext ? 2 : 1;
  }
  const packages = words.slice(index);
  if (action === 'run') return packages.slice(0, 1);
  return packages.filter((word) => !word.startsWith('-'));
}

function isGoPinned(path: string): boolean {
  if (isUnknowable(path) || path.startsWith('.') || path.startsWith('/')) {
    return true;
  }
  if (path.endsWith('.go')) return true;
  const at = path.lastIndexOf('@');
  return at !== -1 && !MOVING.has(path.slice(at + 1));
}

/** DL3062: `go install`, `go get` and `go run` name a fixed version. */
export const goPinVersions: LintRule = {
  id: 'go-pin-versions',
  title: 'go install, get or run without a pinned version',
  severity: 'medium',
  rationale:
    'Without a version, or with `@latest`, the go command resolves a module to whatever is newest at build time, so the tool built into the image changes from one build to the next and a compromised release reaches it unreviewed.',
  fix: 'Name a release or commit: `go install golang.org/x/tools/gopls@v0.16.2`.',
  aliases: ['DL3062'],
  tags: ['package-manager', 'reproducibility', 'supply-chain'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const command = commands.find((c) => goPackages(c).some(isUnpinned));
      if (command === undefined) return undefined;
      const unpinned = goPackages(command).filter(isUnpinned);
      const name = (unpinned[0] as string).split('@')[0] as string;
      return `go ${command.args[0] as string} fetches ${listWords(unpinned)} without a fixed version; write '${name}@<version>'`;
    }),
};

function isUnpinned(path: string): boolean {
  return !isGoPinned(path);
}

/** Rules for the go command. */
export const GO_RULES: LintRule[] = [goPinVersions];
