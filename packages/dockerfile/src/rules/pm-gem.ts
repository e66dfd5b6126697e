import type { LintRule } from '../rule';
import {
  eachRun,
  grammar,
  hasOption,
  isUnknowable,
  listWords,
  toolCalls,
} from './pm-shell';

/** gem install options: those known to take a value or to take none. */
const GEM_OPTIONS = grammar(
  [
    'v',
    'version',
    'i',
    'install-dir',
    'n',
    'bindir',
    's',
    'source',
    'p',
    'http-proxy',
    'platform',
    'g',
    'file',
    'P',
    'trust-policy',
    'build-root',
    'config-file',
  ],
  {
    switches: [
      'force',
      'local',
      'remote',
      'both',
      'clear-sources',
      'verbose',
      'quiet',
      'silent',
      'backtrace',
      'debug',
      'norc',
      'user-install',
      'development',
      'development-all',
      'conservative',
      'minimal-deps',
      'post-install-message',
      'ignore-dependencies',
      'prerelease',
      'pre',
      'explain',
      'lock',
      'suggestions',
      'default',
      'env-shebang',
      'wrappers',
      'vendor',
      'format-executable',
      'update-sources',
      'document',
    ],
    // Limitation: an unknown `--name` followed by a plain word is read as an
    // option with a value, so a gem named right after an unlisted switch is
    // not checked.
    unknownLongTakesValue: true,
  },
);

function isGemPinned(name: string): boolean {
  return (
    name.includes(':') ||
    name.endsWith('.gem') ||
    name.includes('/') ||
    isUnknowable(name)
  );
}

/** DL3028: every `gem install` gem names its version. */
export const gemPinVersions: LintRule = {
  id: 'gem-pin-versions',
  title: 'gem install without pinned versions',
  severity: 'medium',
  rationale:
    'An unpinned `gem install` takes the newest release on rubygems.org at build time, so the image changes whenever a gem is released and a bad release reaches it unreviewed.',
  fix: 'Pin each gem with `name:version` (`gem install bundler:2.5.22`) or `-v` (`gem install bundler -v 2.5.22`), or install from a Gemfile.lock with `bundle install`.',
  aliases: ['DL3028'],
  tags: ['package-manager', 'reproducibility', 'supply-chain'],
  check: ({ dockerfile }) =>
    eachRun(dockerfile, ({ commands }) => {
      const unpinned = toolCalls(commands, ['gem'], GEM_OPTIONS)
        .filter((call) => call.action === 'install' || call.action === 'i')
        .filter((call) => !hasOption(call.line, 'v', 'version'))
        .flatMap((call) => call.targets.filter((name) => !isGemPinned(name)));
      if (unpinned.length === 0) return undefined;
      return `gem install leaves ${listWords(unpinned)} unpinned; write '${unpinned[0] as string}:<version>'`;
    }),
};

/** Rules for Ruby's gem. */
export const GEM_RULES: LintRule[] = [gemPinVersions];
