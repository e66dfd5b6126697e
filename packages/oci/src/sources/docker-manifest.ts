import { checkedArray, isObject, parseJson } from '../documents';
import { OciError } from '../errors';
import type { SourceLimits } from './limits';

/** One image of a docker archive's `manifest.json`. */
export interface DockerArchiveEntry {
  /** Path of the config file in the archive. */
  config: string;
  repoTags: string[];
  /** Paths of the layer files, base layer first. */
  layers: string[];
}

/**
 * Parses `manifest.json` of a docker archive. An empty file, `null`, an
 * empty list or an entry without a config is refused as a bad archive.
 */
export function parseDockerArchiveManifest(
  bytes: Uint8Array,
  where: string,
  limits: SourceLimits,
): DockerArchiveEntry[] {
  if (bytes.length === 0) throw bad(where, 'is empty');
  const doc = parseJson(bytes, where);
  if (doc === null) throw bad(where, 'is null');
  const list = checkedArray(doc, 'images', limits.maxArchiveImages, where);
  if (list.length === 0) throw bad(where, 'lists no images');
  return list.map((item, i) => entry(item, `${where} image ${i}`, limits));
}

function entry(
  item: unknown,
  where: string,
  limits: SourceLimits,
): DockerArchiveEntry {
  if (!isObject(item)) throw bad(where, 'is not an object');
  const { Config, RepoTags } = item;
  if (typeof Config !== 'string' || Config === '') {
    throw bad(where, 'names no config file');
  }
  const layers = checkedArray(item.Layers, 'Layers', limits.maxLayers, where);
  if (!layers.every((layer) => typeof layer === 'string' && layer !== '')) {
    throw bad(where, 'has a layer that is not a path');
  }
  const tags = Array.isArray(RepoTags) ? RepoTags : [];
  return {
    config: Config,
    repoTags: tags.filter((tag): tag is string => typeof tag === 'string'),
    layers: layers as string[],
  };
}

/**
 * Chooses the image of a docker archive: the only one, the one at
 * `index`, or the one whose `RepoTags` holds `reference`. References are
 * compared in full form, so `alpine`, `alpine:latest` and
 * `docker.io/library/alpine:latest` are one name.
 */
export function selectDockerArchiveEntry(
  entries: readonly DockerArchiveEntry[],
  choice: { reference?: string; index?: number },
  where: string,
): DockerArchiveEntry {
  if (choice.index !== undefined) {
    const chosen = entries[choice.index];
    if (chosen === undefined) {
      throw new OciError(
        'not-found',
        `${where}: there is no image @${choice.index}`,
      );
    }
    return chosen;
  }
  if (choice.reference === undefined) {
    if (entries.length === 1 && entries[0] !== undefined) return entries[0];
    throw new OciError(
      'ambiguous',
      `${where} holds ${entries.length} images; choose one by tag (${tagList(entries)})`,
    );
  }
  const wanted = fullReference(choice.reference);
  const chosen = entries.find((item) =>
    item.repoTags.some((tag) => fullReference(tag) === wanted),
  );
  if (chosen === undefined) {
    throw new OciError(
      'not-found',
      `${where} has no image tagged '${choice.reference}' (${tagList(entries)})`,
    );
  }
  return chosen;
}

/**
 * A Docker reference in full form: registry, repository and tag
 * (`docker.io/library/alpine:latest`).
 */
export function fullReference(reference: string): string {
  const slash = reference.indexOf('/');
  const first = slash === -1 ? '' : reference.slice(0, slash);
  const hasRegistry = /[.:]/.test(first) || first === 'localhost';
  let registry = hasRegistry ? first : 'docker.io';
  let path = hasRegistry ? reference.slice(slash + 1) : reference;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') {
    registry = 'docker.io';
  }
  if (registry === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const lastSlash = path.lastIndexOf('/');
  const hasTag = path.slice(lastSlash + 1).includes(':') || path.includes('@');
  return `${registry}/${path}${hasTag ? '' : ':latest'}`;
}

function tagList(entries: readonly DockerArchiveEntry[]): string {
  const tags = entries.flatMap((item) => item.repoTags);
  return tags.length === 0
    ? 'none is tagged; use @INDEX'
    : `tags: ${tags.join(', ')}`;
}

function bad(where: string, what: string): OciError {
  return new OciError('bad-archive', `${where} ${what}`);
}
