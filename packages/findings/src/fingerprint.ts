import { createHash } from 'node:crypto';

/**
 * A stable fingerprint over the parts that identify one problem.
 *
 * Callers pass what stays the same when the problem stays the same: the
 * rule, the file or image repository, the normalised text of the offending
 * instruction or the package and vulnerability. Line numbers, tags and
 * digests do not belong here, so a finding keeps its fingerprint when lines
 * move or the image is rebuilt.
 */
export function fingerprint(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    // Length-prefix each part so ['ab', 'c'] and ['a', 'bc'] differ.
    hash.update(`${part.length}:${part}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}

/** Collapses whitespace, so reformatting a line keeps its fingerprint. */
export function normaliseText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
