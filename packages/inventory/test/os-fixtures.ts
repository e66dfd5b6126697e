import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogFile } from '../src/types';

/**
 * The files of a directory laid out as an image root that match the
 * given absolute paths or globs (`*` within one component), as the layer
 * walk would deliver them: absolute paths, content, layer 0.
 */
export function filesFromRoot(
  root: string,
  patterns: readonly string[],
): CatalogFile[] {
  const paths = new Set<string>();
  for (const pattern of patterns) {
    const parts = pattern.split('/').filter((part) => part !== '');
    for (const path of expand(root, parts)) paths.add(path);
  }
  return [...paths].sort().map((path) => fileAt(root, path));
}

/** One file, given its content, as the walk would deliver it. */
export function catalogFile(
  path: string,
  content: string | Uint8Array,
  layerIndex = 0,
): CatalogFile {
  const bytes =
    typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return { path, content: bytes, layerIndex };
}

/** A corpus file's bytes delivered at an image path. */
export function fileFromCorpus(
  imagePath: string,
  corpusFile: string,
): CatalogFile {
  return catalogFile(imagePath, readFileSync(corpusFile));
}

function expand(root: string, parts: readonly string[], at = ''): string[] {
  const [head, ...rest] = parts;
  if (head === undefined) {
    const full = join(root, at);
    return existsSync(full) && statSync(full).isFile() ? [at] : [];
  }
  if (!head.includes('*')) return expand(root, rest, `${at}/${head}`);
  const dir = join(root, at);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const glob = new RegExp(`^${head.split('*').map(escape).join('[^/]*')}$`);
  return readdirSync(dir)
    .filter((name) => glob.test(name))
    .flatMap((name) => expand(root, rest, `${at}/${name}`));
}

function escape(text: string): string {
  return text.replace(/[\\^$.+?()[\]{}|]/g, '\\$&');
}

function fileAt(root: string, path: string): CatalogFile {
  return catalogFile(path, readFileSync(join(root, path)));
}
