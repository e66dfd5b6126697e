import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root, found from this file's place in it. */
export const repoRoot = resolve(here, '../../..');

/** The shared corpus beside the repository, as the workplace lays it. */
export const corpusRoot = resolve(repoRoot, '../shared/corpus');

/**
 * Whether tests that read the corpus can run. In a user's clone the corpus
 * is absent and those tests skip, saying why; under `CI=true` its absence
 * is a failure, so a broken checkout cannot pass by skipping.
 */
export function corpusAvailable(): boolean {
  if (existsSync(corpusRoot)) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `the test corpus is missing at ${corpusRoot}, and CI=true requires it`,
    );
  }
  console.warn(
    `skipping corpus tests: ${corpusRoot} is absent (it sits beside the repository in the workplace)`,
  );
  return false;
}

/** A path inside the corpus. */
export function corpusPath(...parts: string[]): string {
  return join(corpusRoot, ...parts);
}
