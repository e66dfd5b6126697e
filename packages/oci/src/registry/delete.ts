import { parseDigest, type Digest } from '../digest';
import { discard } from './body';
import { repositoryPath, type RepositoryRef } from './names';
import { deleteScope } from './scopes';
import type { RegistrySession } from './session';

/** What a registry deletes by digest: `manifests/…` or `blobs/…`. */
export type DeletableKind = 'manifest' | 'blob';

/** Deletes a manifest or a blob by digest; 202 and 200 both mean done. */
export async function deleteByDigest(
  session: RegistrySession,
  repo: RepositoryRef,
  kind: DeletableKind,
  digest: Digest,
  signal: AbortSignal,
): Promise<void> {
  const res = await session.expect(
    {
      registry: repo.registry,
      method: 'DELETE',
      path: repositoryPath(repo, `${kind}s/${parseDigest(digest)}`),
      scopes: [deleteScope(repo)],
      signal,
    },
    [202, 200],
    `deleting ${kind} ${digest} of ${repo.repository}`,
  );
  await discard(res.body);
}
