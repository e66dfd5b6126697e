import type { CatalogFile, Package } from '../types';
import { MetadataCataloger, registryPurl } from './metadata-cataloger';

const MiB = 1024 * 1024;

/** Longest gemspec line looked at; generated specs stay far below it. */
const MAX_LINE = 64 * 1024;

/** What an installed gemspec says. */
export interface GemSpec {
  name: string | undefined;
  version: string | undefined;
  /** `ruby` (pure Ruby) unless the gem is built for a platform. */
  platform: string | undefined;
  licenses: string[];
}

const ASSIGNMENT = /^\s*\w+\.(name|version|platform|licenses?)\s*=\s*(.*)$/;
const STUB = /^#\s*stub:\s*(\S+)\s+(\S+)(?:\s+(\S+))?/;

/**
 * Reads an installed gem's specification, the Ruby file RubyGems writes
 * under `specifications/` (`s.name = "rake".freeze`). It is never run:
 * string literals are taken from the `name`, `version`, `platform`,
 * `license` and `licenses` assignments, and the `# stub:` comment fills
 * what they leave out.
 *
 * Limitation: a gemspec that computes these values (a hand-written one
 * that reads a `VERSION` constant) yields no version.
 */
export function parseGemSpec(text: string): GemSpec {
  const spec: GemSpec = {
    name: undefined,
    version: undefined,
    platform: undefined,
    licenses: [],
  };
  for (const line of text.split('\n')) {
    if (line.length > MAX_LINE) continue;
    const assignment = ASSIGNMENT.exec(line);
    if (assignment !== null) {
      assign(spec, assignment[1] ?? '', stringLiterals(assignment[2] ?? ''));
      continue;
    }
    const stub = STUB.exec(line);
    if (stub !== null) {
      spec.name ??= stub[1];
      spec.version ??= stub[2];
      spec.platform ??= stub[3];
    }
  }
  return spec;
}

function assign(spec: GemSpec, field: string, values: string[]): void {
  const [first] = values;
  if (field === 'licenses' || field === 'license') {
    spec.licenses = [...new Set([...spec.licenses, ...values])];
  } else if (first !== undefined) {
    if (field === 'name') spec.name = first;
    if (field === 'version') spec.version = first;
    if (field === 'platform') spec.platform = first;
  }
}

/**
 * The string literals of an assignment's value, when the value is only
 * literals (`"a".freeze`, `["a", "b"]`, `Gem::Version.new("1")`); none
 * when Ruby would compute it (`File.read("VERSION")`).
 */
function stringLiterals(text: string): string[] {
  const { literals, rest } = scanLiterals(text);
  const code = rest
    .replace(/\.freeze|Gem::Version\.new|#.*$/g, '')
    .replace(/[\s[\](),]/g, '');
  return code === '' ? literals.filter((value) => value !== '') : [];
}

/**
 * Splits Ruby source into its `"…"`, `'…'` and `%q{…}` literals (escapes
 * resolved by dropping the backslash) and the code between them, in one
 * pass; an unterminated literal ends the scan.
 */
function scanLiterals(text: string): { literals: string[]; rest: string } {
  const literals: string[] = [];
  let rest = '';
  let at = 0;
  while (at < text.length) {
    const char = text.charAt(at);
    const opened = text.startsWith('%q{', at);
    const close = opened ? '}' : char;
    if (!opened && char !== '"' && char !== "'") {
      rest += char;
      at += 1;
      continue;
    }
    const literal = readLiteral(text, at + (opened ? 3 : 1), close);
    if (literal === undefined)
      return { literals, rest: `${rest}${text.slice(at)}` };
    literals.push(literal.value.trim());
    at = literal.end;
  }
  return { literals, rest };
}

function readLiteral(
  text: string,
  start: number,
  close: string,
): { value: string; end: number } | undefined {
  let value = '';
  for (let at = start; at < text.length; at++) {
    const char = text.charAt(at);
    if (char === close) return { value, end: at + 1 };
    if (char === '\\' && close !== '}') {
      at += 1;
      value += text.charAt(at);
    } else {
      value += char;
    }
  }
  return undefined;
}

/**
 * Ruby gems installed by RubyGems or Bundler, from the specifications
 * they leave in `…/specifications/*.gemspec`, default gems in
 * `…/specifications/default/` included.
 *
 * Limitation: `Gemfile.lock` is not read, and gems vendored without a
 * specification (plain `vendor/` copies) are not seen.
 */
export class RubyCataloger extends MetadataCataloger {
  readonly name = 'ruby';
  readonly paths = [
    '/**/specifications/*.gemspec',
    '/**/specifications/default/*.gemspec',
  ];
  readonly maxBytes = 1 * MiB;

  add(file: CatalogFile): void {
    if (file.content === undefined) {
      this.unread(file, 'gemspec not read');
      return;
    }
    const spec = parseGemSpec(new TextDecoder().decode(file.content));
    if (spec.name === undefined) {
      this.skipped(file.path, 'gemspec names no gem');
      return;
    }
    this.packages.push(this.gemPackage(file, spec.name, spec));
  }

  private gemPackage(file: CatalogFile, name: string, spec: GemSpec): Package {
    const version = spec.version ?? '';
    return this.packageIn(file, {
      name,
      version,
      type: 'gem',
      purl: gemPurl(name, version, spec.platform),
      licenses: spec.licenses,
    });
  }
}

/** `pkg:gem/<name>@<version>`, with `platform` for a native gem. */
export function gemPurl(
  name: string,
  version: string,
  platform: string | undefined,
): string {
  const native = platform !== undefined && platform !== 'ruby';
  return registryPurl({
    type: 'gem',
    name,
    version,
    qualifiers: { platform: native ? platform : undefined },
  });
}
