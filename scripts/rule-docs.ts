// Regenerates docs/rules from the lint rules: `pnpm docs`.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_RULES } from '../packages/dockerfile/src/index';
import { renderRuleDocs, writeRuleDocs } from './rule-docs-lib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const directory = join(root, 'docs', 'rules');

const drift = writeRuleDocs(directory, renderRuleDocs(ALL_RULES));
const written = drift.changed.length + drift.missing.length;
console.log(
  `docs/rules: ${ALL_RULES.length} rules, ${written} page(s) written, ${drift.stale.length} stale page(s) removed`,
);
