// `npm run docs`: rewrites the README's rule list from the rule registry.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replaceRulesBlock } from '../app/checks/rules-table.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = replaceRulesBlock(before);
if (after !== before) writeFileSync(readmePath, after);
console.log(after === before ? 'README.md rule list is up to date' : 'README.md rule list updated');
