/** One `WWW-Authenticate` challenge: its scheme and auth-params. */
export interface Challenge {
  scheme: 'basic' | 'bearer';
  /** Parameters by lowercased name: realm, service, scope, error. */
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` headers (RFC 9110 syntax: a scheme, then
 * comma-separated `name=token` or `name="quoted"` params) and returns the
 * challenge to answer: Bearer before Basic; unknown schemes are ignored.
 */
export function parseChallenge(
  value: string | string[] | undefined,
): Challenge | undefined {
  const texts = Array.isArray(value) ? value : value ? [value] : [];
  const all = texts.flatMap((text) => new ChallengeParser(text).parse());
  return (
    all.find((c) => c.scheme === 'bearer') ??
    all.find((c) => c.scheme === 'basic')
  );
}

class ChallengeParser {
  private at = 0;

  constructor(private readonly text: string) {}

  parse(): Challenge[] {
    const found: RawChallenge[] = [];
    let current: RawChallenge | undefined;
    while (this.hasMore()) {
      const name = this.token();
      if (name === '') {
        this.at += 1;
      } else if (this.peek() === '=') {
        this.at += 1;
        const value = this.value();
        if (current) current.params[name.toLowerCase()] = value;
      } else {
        current = { scheme: name.toLowerCase(), params: noPrototype() };
        found.push(current);
      }
    }
    return found.filter(isKnown);
  }

  /** Skips separators; true while text remains. */
  private hasMore(): boolean {
    while (/[\s,]/.test(this.text[this.at] ?? '')) this.at += 1;
    return this.at < this.text.length;
  }

  private peek(): string | undefined {
    while (this.text[this.at] === ' ') this.at += 1;
    return this.text[this.at];
  }

  private token(): string {
    const start = this.at;
    while (/[A-Za-z0-9!#$%&'*+.^_`|~-]/.test(this.text[this.at] ?? '')) {
      this.at += 1;
    }
    return this.text.slice(start, this.at);
  }

  private value(): string {
    this.peek();
    if (this.text[this.at] !== '"') return this.plainValue();
    let value = '';
    for (this.at += 1; this.at < this.text.length; this.at += 1) {
      const char = this.text[this.at];
      if (char === '"') break;
      if (char === '\\') this.at += 1;
      value += this.text[this.at] ?? '';
    }
    this.at += 1;
    return value;
  }

  private plainValue(): string {
    const start = this.at;
    while (!/[\s,]/.test(this.text[this.at] ?? ',')) this.at += 1;
    return this.text.slice(start, this.at);
  }
}

interface RawChallenge {
  scheme: string;
  params: Record<string, string>;
}

function isKnown(challenge: RawChallenge): challenge is Challenge {
  return challenge.scheme === 'basic' || challenge.scheme === 'bearer';
}

function noPrototype(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}
