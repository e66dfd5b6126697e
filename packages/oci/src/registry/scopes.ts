import type { RepositoryRef } from './names';

/** The token scope to read a repository. */
export function pullScope(repo: RepositoryRef): string {
  return `repository:${repo.repository}:pull`;
}

/** The token scope to write a repository (uploads also read). */
export function pushScope(repo: RepositoryRef): string {
  return `repository:${repo.repository}:pull,push`;
}

// Limitation: deletes ask for the `delete` action, as the distribution
// registry does; token services that want `*` will refuse them.
/** The token scope to delete from a repository. */
export function deleteScope(repo: RepositoryRef): string {
  return `repository:${repo.repository}:delete`;
}
