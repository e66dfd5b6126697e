/**
 * What an image history entry's `created_by` says about the instruction
 * that wrote it. Builders write it in a few known forms:
 *
 * - BuildKit: the keyword first (`RUN /bin/sh -c make # buildkit`,
 *   `COPY --chown=app /src /app # buildkit`, `ENV A=b`, `WORKDIR /app`),
 *   with ` # buildkit` after RUN, COPY and ADD.
 * - docker's classic builder: `/bin/sh -c #(nop)  ENV A=b` for metadata,
 *   `/bin/sh -c #(nop) COPY file:<hex> in /app ` for COPY and ADD, and the
 *   bare command for RUN (`/bin/sh -c apt-get update`, or the words of an
 *   exec-form RUN).
 * - buildah and podman: the classic forms with one space after `#(nop)`,
 *   `COPY --link <summary> in <dest>`, and the RUN text as written, flags
 *   included (`/bin/sh -c --mount=type=cache,target=/x make`).
 * - Any RUN may start with the build arguments it saw: `|2 A=1 B=2 ...`.
 */
export interface CreatedBy {
  /** Upper-case keyword; undefined when the text is empty. */
  keyword: string | undefined;
  /**
   * The rest: for RUN the command (build-argument prefix and marker
   * removed, shell kept); for other keywords their arguments.
   */
  body: string;
  /** `buildkit` for the keyword-first form, `shell` for the classic ones. */
  form: 'buildkit' | 'shell' | 'none';
}

/** Every keyword a Dockerfile may use, as BuildKit writes them first. */
const KEYWORDS: ReadonlySet<string> = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

const BUILDKIT_MARKER = / # buildkit$/;

/** `<shell words> #(nop) <instruction>`, the classic metadata form. */
const NOP_FORM = /^(?:[^#\s][^#]*\s)?#\(nop\)\s+(\S+)\s*([\s\S]*)$/;

/** `|2 A=1 B=2 `: the count, then that many assignments. */
const BUILD_ARGS_PREFIX = /^\|(\d+)\s+/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=\S*\s+/;

/** Reads one `created_by` text; see {@link CreatedBy} for the forms. */
export function parseCreatedBy(text: string | undefined): CreatedBy {
  const trimmed = (text ?? '').trim().replace(BUILDKIT_MARKER, '');
  if (trimmed === '') return { keyword: undefined, body: '', form: 'none' };
  return (
    readBuildkitForm(trimmed) ??
    readNopForm(trimmed) ?? {
      keyword: 'RUN',
      body: stripBuildArgs(trimmed),
      form: 'shell',
    }
  );
}

function readBuildkitForm(text: string): CreatedBy | undefined {
  const keyword = /^[A-Z]+(?=\s|$)/.exec(text)?.[0];
  if (keyword === undefined || !KEYWORDS.has(keyword)) return undefined;
  const rest = text.slice(keyword.length).trim();
  const body = keyword === 'RUN' ? stripBuildArgs(rest) : rest;
  return { keyword, body, form: 'buildkit' };
}

function readNopForm(text: string): CreatedBy | undefined {
  const match = NOP_FORM.exec(text);
  if (match === null) return undefined;
  const keyword = (match[1] as string).toUpperCase();
  if (!KEYWORDS.has(keyword)) return undefined;
  return { keyword, body: (match[2] as string).trim(), form: 'shell' };
}

/**
 * Drops a `|N K=V ...` prefix.
 * Limitation: builders do not quote the values, so a value with a space
 * in it leaves part of itself in front of the command. RUN matching looks
 * for the script at the end of the body, which that does not disturb.
 */
function stripBuildArgs(text: string): string {
  const prefix = BUILD_ARGS_PREFIX.exec(text);
  if (prefix === null) return text;
  let rest = text.slice(prefix[0].length);
  for (let count = Number(prefix[1]); count > 0; count -= 1) {
    const assignment = ASSIGNMENT.exec(rest);
    if (assignment === null) break;
    rest = rest.slice(assignment[0].length);
  }
  return rest;
}

/**
 * The destination of a COPY or ADD history entry: the word after the
 * last ` in ` of the classic form, else the last word (BuildKit).
 */
export function copyDestination(entry: CreatedBy): string | undefined {
  if (entry.form === 'shell') {
    const at = entry.body.lastIndexOf(' in ');
    return at === -1 ? undefined : entry.body.slice(at + 4).trim();
  }
  const words = entry.body.split(/\s+/);
  return words.length < 2 ? undefined : words[words.length - 1];
}
