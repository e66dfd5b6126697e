import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@imagegate/test-support';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/** Which workspace packages each package may import (ARCHITECTURE.md). */
const ALLOWED: Record<string, string[]> = {
  findings: [],
  dockerfile: ['findings'],
  github: ['findings'],
  oci: ['findings'],
  inventory: ['findings', 'oci'],
  'test-support': ['findings'],
  cli: ['findings', 'dockerfile', 'github', 'inventory', 'oci'],
};

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) files.push(path);
  }
  return files;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm),
  ].map((match) => match[1] as string);
}

const packages = readdirSync(join(repoRoot, 'packages'));
const actions = readdirSync(join(repoRoot, 'actions'));

describe('architecture', () => {
  it.each(packages)('keeps packages/%s within its allowed imports', (name) => {
    const allowed = ALLOWED[name];
    expect(
      allowed,
      `add packages/${name} to ALLOWED with its dependencies`,
    ).toBeDefined();
    const bad = sourceFiles(join(repoRoot, 'packages', name, 'src')).flatMap(
      (file) =>
        importsOf(file)
          .filter((spec) => {
            if (spec.startsWith('@actions/')) return true;
            const match = /^@imagegate\/(.+)$/.exec(spec);
            return (
              match !== null && !(allowed ?? []).includes(match[1] as string)
            );
          })
          .map((spec) => `${relative(repoRoot, file)} imports ${spec}`),
    );

    expect(bad).toEqual([]);
  });

  it.each(packages)('makes packages/%s/src/index.ts only re-export', (name) => {
    const text = readFileSync(
      join(repoRoot, 'packages', name, 'src/index.ts'),
      'utf8',
    );
    const statements = text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');

    expect(statements.filter((s) => !s.startsWith('export'))).toEqual([]);
  });

  it.each(actions)('keeps actions/%s from importing another action', (name) => {
    const files = sourceFiles(join(repoRoot, 'actions', name)).filter(
      (file) => !file.includes('/test/'),
    );
    const bad = files.flatMap((file) =>
      importsOf(file).filter(
        (spec) =>
          /^@imagegate\/action-(?!kit$)/.test(spec) || spec.startsWith('../'),
      ),
    );

    expect(bad).toEqual([]);
  });

  it('declares the same runs.using in every action.yml', () => {
    const files = [
      join(repoRoot, 'action.yml'),
      ...actions.map((a) => join(repoRoot, 'actions', a, 'action.yml')),
    ].filter((file) => {
      try {
        return statSync(file).isFile();
      } catch {
        return false;
      }
    });
    const using = files.map(
      (file) =>
        (parse(readFileSync(file, 'utf8')) as { runs: { using: string } }).runs
          .using,
    );

    expect(files.length).toBeGreaterThan(1);
    expect(new Set(using)).toEqual(new Set(['node24']));
  });
});
