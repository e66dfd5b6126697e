import type { Instruction } from '../model';
import type { LintRule } from '../rule';
import type { ShellCommand } from '../shell';
import {
  eachRun,
  grammar,
  hasOption,
  isUnknowable,
  lastPosition,
  listWords,
  removesPath,
  scratchMounts,
  toolCall,
  toolCalls,
} from './pm-shell';
import { reachesImage } from './pm-stages';

/**
 * npm options: those known to take a value or to take none. As in npm's
 * own parser, an unknown `--name` followed by a plain word takes it as its
 * value.
 */
const NPM_OPTIONS = grammar(
  [
    'registry',
    'loglevel',
    'prefix',
    'C',
    'cache',
    'tag',
    'userconfig',
    'globalconfig',
    'w',
    'workspace',
    'omit',
    'include',
    'install-strategy',
    'before',
    'otp',
    'scope',
    'location',
    'save-prefix',
    'script-shell',
  ],
  {
    switches: [
      'global',
      'save',
      'save-dev',
      'save-optional',
      'save-peer',
      'save-exact',
      'save-bundle',
      'save-prod',
      'production',
      'ignore-scripts',
      'legacy-peer-deps',
      'strict-peer-deps',
      'force',
      'audit',
      'fund',
      'package-lock',
      'prefer-offline',
      'prefer-online',
      'offline',
      'dry-run',
      'unsafe-perm',
      'quiet',
      'silent',
      'verbose',
      'foreground-scripts',
      'install-links',
      'global-style',
      'legacy-bundling',
      'bin-links',
      'progress',
      'color',
      'json',
      'workspaces',
      'include-workspace-root',
    ],
    // Limitation: as in npm, an unknown `--name` followed by a plain word
    // takes it as its value, so a package right after an unlisted switch
    // is not checked.
    unknownLongTakesValue: true,
  },
);

const NPM_INSTALL = new Set(['install', 'i', 'add']);
const GIT_SOURCE = /^(git(\+(ssh|https?))?:\/\/|github:|gitlab:|bitbucket:)/;
const LOCAL_SOURCE = ['/', './', '../', '~/', 'file:'];

/** The version part of `name@version` or `@scope/name@version`. */
function npmVersion(spec: string): string | undefined {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return at === -1 ? undefined : spec.slice(at + 1);
}

function isNpmPinned(spec: string): boolean {
  if (isUnknowable(spec)) return true;
  if (GIT_SOURCE.test(spec)) return spec.includes('#');
  if (/\.(tar|tar\.gz|tgz)$/.test(spec)) return true;
  if (spec === '.' || LOCAL_SOURCE.some((start) => spec.startsWith(start))) {
    return true;
  }
  const isShorthand = !spec.startsWith('@') && spec.includes('/');
  if (isShorthand) return spec.includes('#');
  const version = npmVersion(spec);
  return version !== undefined && version !== '' && version !== 'latest';
}

/** DL3016: every `npm install` package names its version. */
export const npmPinVersions: LintRule = {
  id: 'npm-pin-versions',
  title: 'npm install without pinned versions',
  severity: 'medium',
  rationale:
    'Naming a package without a version makes npm resolve it at build time, so each build may install a different release, including a compromised one published minutes earlier. `@latest` is the same thing written out.',
  fix: 'Pin the version (`npm install -g typescript@5.6.3`), pin git sources to a commit or tag (`#v1.2.3`), or install from a lockfile with `npm ci`.',
  aliases: ['DL3016'],
  tags: ['package-manager', 'reproducibility', 'supply-chain'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const unpinned = toolCalls(commands, ['npm'], NPM_OPTIONS)
        .filter((call) => NPM_INSTALL.has(call.action ?? ''))
        .flatMap((call) => call.targets.filter((spec) => !isNpmPinned(spec)));
      if (unpinned.length === 0) return undefined;
      const name = (unpinned[0] as string).replace(/@latest$/, '');
      return `npm install leaves ${listWords(unpinned)} unpinned; write '${name}@<version>'`;
    }),
};

const YARN_OPTIONS = grammar([
  'cache-folder',
  'modules-folder',
  'mutex',
  'network-timeout',
  'registry',
  'global-folder',
  'link-folder',
]);

/** True for `yarn`, `yarn install`, `yarn add` and `yarn global add`. */
function isYarnInstall(command: ShellCommand): boolean {
  const call = toolCall(command, ['yarn'], YARN_OPTIONS);
  if (call === undefined) return false;
  const { action, targets } = call;
  if (action === undefined) {
    return !hasOption(call.line, 'v', 'version', 'h', 'help');
  }
  return (
    action === 'install' ||
    action === 'add' ||
    (action === 'global' && targets[0] === 'add')
  );
}

/** How a yarn install reads in a message: `yarn`, `yarn global add`. */
function yarnShown(command: ShellCommand): string {
  const call = toolCall(command, ['yarn'], YARN_OPTIONS);
  const words = call?.action === 'global' ? ['global', 'add'] : [call?.action];
  return ['yarn', ...words].filter((word) => word !== undefined).join(' ');
}

function isYarnCacheClean(command: ShellCommand): boolean {
  const call = toolCall(command, ['yarn'], YARN_OPTIONS);
  if (call?.action === 'cache' && call.targets[0] === 'clean') return true;
  return removesPath(
    command,
    '/usr/local/share/.cache/yarn',
    '/root/.cache/yarn',
  );
}

/** True when a cache or tmpfs mount holds yarn's cache. */
function mountsYarnCache(instruction: Instruction): boolean {
  // Limitation: a cache moved elsewhere (YARN_CACHE_FOLDER, --cache-folder)
  // is not recognised as mounted.
  return scratchMounts(instruction).some(
    (target) =>
      target.endsWith('/.cache/yarn') ||
      target.endsWith('/.cache') ||
      target.endsWith('/.yarn/cache'),
  );
}

/** DL3060: yarn installs leave no cache in a layer that reaches an image. */
export const yarnCacheClean: LintRule = {
  id: 'yarn-cache-clean',
  title: 'yarn install without yarn cache clean',
  severity: 'low',
  rationale:
    'yarn keeps a copy of every package it fetches in its global cache. Unless the same RUN cleans it, the layer ships all of node_modules twice. Stages that no image builds on are exempt, since their layers are thrown away.',
  fix: 'End the RUN with `yarn cache clean` (`yarn install --frozen-lockfile && yarn cache clean`), or mount the cache: `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install`.',
  aliases: ['DL3060'],
  tags: ['package-manager', 'size'],
  check: ({ dockerfile }) => {
    const reaches = reachesImage(dockerfile);
    return eachRun(dockerfile, ({ instruction, commands }) => {
      if (!reaches(instruction) || mountsYarnCache(instruction)) {
        return undefined;
      }
      const install = lastPosition(commands, isYarnInstall);
      if (install === -1) return undefined;
      if (lastPosition(commands, isYarnCacheClean) > install) return undefined;
      const shown = yarnShown(commands[install] as ShellCommand);
      return `'${shown}' leaves its downloads in the yarn cache; run 'yarn cache clean' after it in the same RUN`;
    });
  },
};

/** Rules for Node.js package managers. */
export const NODE_RULES: LintRule[] = [npmPinVersions, yarnCacheClean];
