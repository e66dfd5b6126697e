/**
 * Paths and globs a subscriber wants, matched against absolute paths of
 * the final view. `*` matches within one component, `?` one character,
 * `**` any number of components; everything else is literal. A pattern
 * without a leading `/` is read from the root all the same.
 */
export class PathMatcher {
  /** Patterns without wildcards, as absolute paths. */
  readonly literals: ReadonlySet<string>;
  private readonly globs: RegExp[];

  constructor(patterns: readonly string[]) {
    const literals = new Set<string>();
    this.globs = [];
    for (const pattern of patterns.map(normalisePattern)) {
      if (/[*?]/.test(pattern)) this.globs.push(globToRegExp(pattern));
      else literals.add(pattern);
    }
    this.literals = literals;
  }

  /** True when some pattern has wildcards. */
  get hasGlobs(): boolean {
    return this.globs.length > 0;
  }

  /** True when the absolute path matches a pattern. */
  matches(path: string): boolean {
    if (this.literals.has(path)) return true;
    return this.globs.some((glob) => glob.test(path));
  }
}

function normalisePattern(pattern: string): string {
  const parts = pattern.split('/').filter((part) => part !== '');
  return `/${parts.join('/')}`;
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (pattern.startsWith('/**/', i)) {
      source += '(?:/.*)?/';
      i += 3;
    } else if (pattern.startsWith('/**', i) && i + 3 === pattern.length) {
      source += '(?:/.*)?';
      i += 2;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[\\^$.+()[\]{}|]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}
