/** Parts of a variable name that say it holds a secret. */
const SECRET_NAME_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'api_key',
  'apikey',
  'private_key',
  'privatekey',
  'access_key',
  'accesskey',
  'client_key',
  'auth_key',
  'credential',
];

/** `token` not followed by a letter: `NPM_TOKEN`, not `TOKENIZERS_...`. */
const TOKEN_WORD = /token(?![a-z])/;

/** Names that point at a secret rather than hold one: `..._PASSWORD_FILE`. */
const POINTER_SUFFIXES = ['_file', '_path', '_dir', '_url', '_endpoint'];

/**
 * True when a variable name says it holds a secret. Matching ignores case.
 * Limitation: user names (`DOCKER_USERNAME`) are not treated as secrets,
 * unlike hadolint, and a secret under an innocent name is only caught when
 * its value has a well-known shape (see `secretShapeOf`).
 */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  if (POINTER_SUFFIXES.some((suffix) => lower.endsWith(suffix))) return false;
  return (
    SECRET_NAME_PARTS.some((part) => lower.includes(part)) ||
    TOKEN_WORD.test(lower)
  );
}

/** Anchored shapes of well-known credentials, tested on single tokens. */
const TOKEN_SHAPES: [RegExp, string][] = [
  [/^(AKIA|ASIA)[0-9A-Z]{16}$/, 'an AWS access key id'],
  [/^gh[pousr]_[A-Za-z0-9]{36,}$/, 'a GitHub token'],
  [/^github_pat_[A-Za-z0-9_]{22,}$/, 'a GitHub token'],
  [/^glpat-[A-Za-z0-9_-]{20,}$/, 'a GitLab token'],
  [/^xox[abposr]-[A-Za-z0-9-]{10,}$/, 'a Slack token'],
  [/^AIza[0-9A-Za-z_-]{35}$/, 'a Google API key'],
  [/^sk_live_[0-9A-Za-z]{16,}$/, 'a Stripe secret key'],
  [/^npm_[A-Za-z0-9]{36}$/, 'an npm token'],
  [
    /^eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$/,
    'a JSON Web Token',
  ],
];

/**
 * What kind of well-known credential a value looks like, or undefined.
 * The value is cut into tokens first and each token is tested against
 * anchored patterns, so the work stays proportional to the value's length.
 */
export function secretShapeOf(value: string): string | undefined {
  if (value.includes('-----BEGIN') && value.includes('PRIVATE KEY')) {
    return 'a private key';
  }
  for (const token of value.split(/[\s"'`,;=]+/)) {
    const shape = TOKEN_SHAPES.find(([pattern]) => pattern.test(token));
    if (shape !== undefined) return shape[1];
    if (hasUrlPassword(token)) return 'a URL with a password';
  }
  return undefined;
}

/** True for `scheme://user:password@host...` with a literal password. */
function hasUrlPassword(token: string): boolean {
  if (!token.includes('://') || !token.includes('@')) return false;
  const password = parseUrl(token)?.password ?? '';
  return password !== '' && !decoded(password).startsWith('$');
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    // Not a URL, so it carries no credentials.
    return undefined;
  }
}

/**
 * The user name and password a URL carries, as written and decoded, for
 * masking; empty when there are none or the text is not a URL.
 */
export function urlCredentials(text: string): string[] {
  if (!text.includes('@')) return [];
  const url = parseUrl(text);
  if (url === undefined) return [];
  return [url.username, url.password]
    .filter((part) => part !== '')
    .flatMap((part) => [part, decoded(part)]);
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    // A stray `%` is kept as written.
    return part;
  }
}

/** `$NAME` or `${NAME}`: a reference, not a literal value. */
export function isVariableReference(value: string): boolean {
  return /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value);
}
