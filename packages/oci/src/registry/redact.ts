const MASK = '***';

/** Text patterns that carry secrets even when we never saw the value. */
const PATTERNS: [RegExp, string][] = [
  [
    /\b(authorization|proxy-authorization|cookie|set-cookie|x-registry-auth)(["']?\s*[:=]\s*["']?)[^\r\n"']+/gi,
    `$1$2${MASK}`,
  ],
  [/\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi, `$1$2${MASK}`],
  [
    /([?&;](?:access_token|refresh_token|id_token|token|password|_state|code|signature|sig)=)[^&\s"'<>]+/gi,
    `$1${MASK}`,
  ],
  [
    /("(?:token|access_token|refresh_token|id_token|password|identitytoken|registrytoken|auth)"\s*:\s*")[^"]*/gi,
    `$1${MASK}`,
  ],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, MASK],
];

/**
 * The secrets one client has seen (passwords, tokens) in every form they
 * may be echoed in, and a redactor over them. Every message built from
 * upstream text passes through `redact` before it leaves the client.
 */
export class SecretSet {
  private readonly values = new Set<string>();

  // Limitation: secrets shorter than 4 characters are not masked by value
  // (masking them would mangle ordinary text); patterns still apply.
  /** Adds a secret with its base64 and URL-encoded forms. */
  add(secret: string | undefined): void {
    if (secret === undefined || secret.length < 4) return;
    for (const form of formsOf(secret)) this.values.add(form);
  }

  /** Adds a username and password, including the Basic header form. */
  addCredential(username: string | undefined, password: string): void {
    this.add(password);
    this.add(`${username ?? ''}:${password}`);
  }

  /** The text with every known secret and secret-shaped span masked. */
  redact(text: string): string {
    let result = text;
    const known = [...this.values].sort((a, b) => b.length - a.length);
    for (const value of known) result = result.split(value).join(MASK);
    for (const [pattern, mask] of PATTERNS) {
      result = result.replace(pattern, mask);
    }
    return result;
  }
}

function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [
    secret,
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(secret),
  ];
}

/**
 * A copy of an error that is safe to keep as a `cause`: its name, code and
 * redacted message, and the same for its own causes, but none of the
 * objects (sockets, requests, headers) the original may reference.
 */
export function safeCause(
  error: unknown,
  secrets: SecretSet,
  depth = 0,
): Error {
  const source =
    error instanceof Error ? error : new Error(describe(error, secrets));
  const inner =
    depth < 4 && source.cause !== undefined
      ? { cause: safeCause(source.cause, secrets, depth + 1) }
      : undefined;
  const copy = new Error(secrets.redact(source.message), inner);
  copy.name = source.name;
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}

function describe(value: unknown, secrets: SecretSet): string {
  return secrets.redact(
    typeof value === 'string' ? value : 'non-error value thrown',
  );
}

/**
 * A cause for an error from code that may have seen secrets we have not
 * (a credential helper): an `OciError` is kept, as its messages are clean
 * by contract; anything else keeps only its name and code.
 */
export function opaqueCause(error: unknown, secrets: SecretSet): Error {
  if (error instanceof Error && error.name === 'OciError') {
    return safeCause(error, secrets);
  }
  const name = error instanceof Error ? error.name : 'Error';
  const code = (error as { code?: unknown } | null)?.code;
  const text = typeof code === 'string' ? `${name} (${code})` : name;
  const copy = new Error(`${text}; its message is withheld`);
  copy.stack = copy.message;
  return copy;
}
