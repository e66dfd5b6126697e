// Regenerates docs/rules and the README's rule list from the lint rules:
// `pnpm docs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_RULES } from '../packages/dockerfile/src/index';
import {
  renderReadmeRules,
  renderRuleDocs,
  replaceReadmeRules,
  writeRuleDocs,
} from './rule-docs-lib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const directory = join(root, 'docs', 'rules');

const drift = writeRuleDocs(directory, renderRuleDocs(ALL_RULES));
const written = drift.changed.length + drift.missing.length;
console.log(
  `docs/rules: ${ALL_RULES.length} rules, ${written} page(s) written, ${drift.stale.length} stale page(s) removed`,
);

const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = replaceReadmeRules(readme, renderReadmeRules(ALL_RULES));
if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log('README.md: rule list updated');
}
