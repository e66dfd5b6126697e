import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import { parseImageLocation, parseReference } from '../src/index';

/**
 * The corpus holds no reference-grammar vectors, but its images carry
 * names that real tools wrote: `RepoTags` in docker-archive manifests
 * (docker writes the familiar form) and `io.containerd.image.name` in OCI
 * indexes (containerd writes the normalised form), plus OCI
 * `org.opencontainers.image.ref.name` values written by several tools.
 */
interface Names {
  repoTags: { file: string; tag: string }[];
  containerdNames: { file: string; name: string }[];
  ociRefNames: { file: string; name: string }[];
}

const available = corpusAvailable();

describe.skipIf(!available)('image names in the corpus', () => {
  const names = available ? collectNames() : emptyNames();

  it('finds names to check', () => {
    expect(names.repoTags.length).toBeGreaterThanOrEqual(8);
    expect(names.containerdNames.length).toBeGreaterThanOrEqual(1);
    expect(names.ociRefNames.length).toBeGreaterThanOrEqual(10);
  });

  it('reads every RepoTag back to the familiar form it was written in', () => {
    const mismatches = names.repoTags.filter(
      ({ tag }) => parseReference(tag).familiar !== withDefaultTag(tag),
    );

    expect(mismatches).toEqual([]);
  });

  it('keeps every containerd image name as it is already normalised', () => {
    const mismatches = names.containerdNames.filter(
      ({ name }) => parseReference(name).toString() !== name,
    );

    expect(mismatches).toEqual([]);
  });

  it('accepts every OCI ref.name as the tag of an oci: location', () => {
    const tags = names.ociRefNames.map(({ name }) =>
      parseImageLocation(`oci:layout:${name}`),
    );

    expect(tags).toEqual(
      names.ociRefNames.map(({ name }) => ({
        kind: 'oci',
        dir: 'layout',
        tag: name,
      })),
    );
  });
});

/** Docker always writes a tag; some test archives leave it out. */
function withDefaultTag(text: string): string {
  return text.lastIndexOf(':') > text.lastIndexOf('/')
    ? text
    : `${text}:latest`;
}

function emptyNames(): Names {
  return { repoTags: [], containerdNames: [], ociRefNames: [] };
}

function collectNames(): Names {
  const names = emptyNames();
  const root = corpusPath('images');
  for (const relative of listFiles(root)) {
    const file = join(root, relative);
    if (relative.endsWith('.tar')) addFromTar(names, file);
    else if (relative.endsWith('.json')) addFromJson(names, file);
  }
  for (const relative of listFiles(corpusPath('malicious'))) {
    const file = corpusPath('malicious', relative);
    if (relative.endsWith('.tar')) addFromTar(names, file);
  }
  return names;
}

function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

function addFromJson(names: Names, file: string): void {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return;
  }
  walk(document, (key, value) => {
    if (key === 'RepoTags' && Array.isArray(value)) {
      for (const tag of value) {
        if (typeof tag === 'string') names.repoTags.push({ file, tag });
      }
    }
    if (typeof value !== 'string') return;
    if (key === 'io.containerd.image.name') {
      names.containerdNames.push({ file, name: value });
    }
    if (key === 'org.opencontainers.image.ref.name') {
      names.ociRefNames.push({ file, name: value });
    }
  });
}

function walk(
  value: unknown,
  visit: (key: string, value: unknown) => void,
): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    visit(key, child);
    walk(child, visit);
  }
}

/** Reads `manifest.json` from a plain ustar archive, if it has one. */
function addFromTar(names: Names, file: string): void {
  const bytes = readFileSync(file);
  for (let offset = 0; offset + 512 <= bytes.length;) {
    const header = bytes.subarray(offset, offset + 512);
    const name = field(header, 0, 100);
    if (name === '') return;
    const size = parseInt(field(header, 124, 12) || '0', 8);
    const body = bytes.subarray(offset + 512, offset + 512 + size);
    if (name.replace(/^\.\//, '') === 'manifest.json') {
      const manifest: unknown = JSON.parse(body.toString('utf8'));
      addFromJsonValue(names, file, manifest);
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

function addFromJsonValue(names: Names, file: string, value: unknown): void {
  walk({ root: value }, (key, child) => {
    if (key !== 'RepoTags' || !Array.isArray(child)) return;
    for (const tag of child) {
      if (typeof tag === 'string') names.repoTags.push({ file, tag });
    }
  });
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length).toString('latin1');
  return raw.replace(/\0.*$/s, '').trim();
}
