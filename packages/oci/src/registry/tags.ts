import { OciError } from '../errors';
import { checkTag, repositoryPath, type RepositoryRef } from './names';
import { readPages, type PagingDeps } from './pages';
import { pullScope } from './scopes';

/** How to list tags. */
export interface ListTagsOptions {
  /** Tags asked for per page (`n`); the registry's default when absent. */
  pageSize?: number;
  signal?: AbortSignal;
}

// Limitation: distribution 2.8 ignores `n` and returns every tag at once;
// the page size only helps on registries that paginate.
/**
 * Lists a repository's tags, following `Link` pagination. Tags that are
 * not valid tag strings are left out, so none can reach a URL or a path.
 */
export async function listTags(
  deps: PagingDeps,
  repo: RepositoryRef,
  options: ListTagsOptions & { signal: AbortSignal },
): Promise<string[]> {
  const query = options.pageSize ? `?n=${options.pageSize}` : '';
  const what = `listing the tags of ${repo.repository}`;
  const tags = await readPages(
    deps,
    {
      registry: repo.registry,
      method: 'GET',
      path: repositoryPath(repo, `tags/list${query}`),
      scopes: [pullScope(repo)],
      signal: options.signal,
    },
    { ok: [200], what, decode: (body) => decodeTags(body, what) },
  );
  return tags.filter(isTag);
}

function decodeTags(body: Buffer, what: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new OciError('registry', `${what}: the answer is not JSON`);
  }
  const tags = (parsed as { tags?: unknown } | null)?.tags;
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags)) {
    throw new OciError('registry', `${what}: 'tags' is not a list`);
  }
  return tags.filter((tag): tag is string => typeof tag === 'string');
}

function isTag(tag: string): boolean {
  try {
    checkTag(tag);
    return true;
  } catch {
    return false;
  }
}
