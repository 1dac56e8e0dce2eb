import type { ChangeSet, Finding, Side } from '../types.js';
import type { Bundle, BundleTree } from './bundles.js';
import { parseMarkdown } from './markdown.js';
import type { BundleFileRules, BundleLayout } from './options.js';
import { checkFrontmatter } from './rules/invalid-frontmatter.js';
import { checkChecklist } from './rules/missing-checklist.js';
import { missingConstitutionFinding } from './rules/missing-constitution.js';
import { emptyFileFinding, missingFileFinding } from './rules/missing-file.js';
import { checkFrontmatterKeys } from './rules/missing-frontmatter-key.js';
import { checkHeadings } from './rules/missing-heading.js';

export type ReadText = (side: Side, path: string) => Promise<string | null>;

const MARKDOWN = /\.(?:md|markdown|mdx)$/i;

/**
 * A linked bundle's required files exist and are not empty; Markdown files have readable frontmatter
 * and the keys, headings and checklist their layout asks for. Files the layout describes but does
 * not require are checked when present.
 */
export async function checkBundle(bundle: Bundle, head: BundleTree, readText: ReadText): Promise<Finding[]> {
  const { layout } = bundle;
  const present = new Set(await head.files(bundle));
  const names = [...new Set([...layout.required, ...Object.keys(layout.files)])].filter((name) => name !== layout.constitution);
  const findings: Finding[] = [];
  for (const name of names) {
    const required = layout.required.includes(name);
    if (!present.has(name)) {
      if (required) findings.push(missingFileFinding(bundle, name));
      continue;
    }
    const path = `${bundle.dir}/${name}`;
    // null: binary or over the size limit; the engine reports the skipped file.
    const text = await readText('head', path);
    if (text === null) continue;
    if (required && text.trim() === '') {
      findings.push(emptyFileFinding(bundle, name));
      continue;
    }
    findings.push(...checkFileContent(path, text, layout.files[name]));
  }
  return findings;
}

export function checkFileContent(path: string, text: string, rules: BundleFileRules | undefined): Finding[] {
  if (!MARKDOWN.test(path)) return [];
  const markdown = parseMarkdown(text);
  const frontmatter = checkFrontmatter(path, markdown);
  if (!rules) return frontmatter.findings;
  return [
    ...frontmatter.findings,
    // Keys cannot be judged in frontmatter that does not parse; that error comes first.
    ...(frontmatter.findings.length === 0 ? checkFrontmatterKeys(path, markdown, frontmatter.parsed, rules.frontmatterKeys) : []),
    ...checkHeadings(path, markdown, rules.headings),
    ...(rules.checklist ? checkChecklist(path, markdown) : []),
  ];
}

/** The layout's repository-wide constitution, checked once however many of its bundles are linked. */
export async function checkConstitution(
  layout: BundleLayout,
  linked: Bundle[],
  changeSet: ChangeSet,
  readText: ReadText,
): Promise<Finding[]> {
  const path = layout.constitution?.replace(/^(\.\/)+/, '');
  if (!path) return [];
  const dirs = linked.map((bundle) => `${bundle.dir}/`);
  const exists = (await changeSet.listFiles('head', escapeGlob(path))).includes(path);
  if (!exists) return [missingConstitutionFinding(layout, path, dirs, false)];
  const text = await readText('head', path);
  if (text === null) return [];
  if (text.trim() === '') return [missingConstitutionFinding(layout, path, dirs, true)];
  return checkFileContent(path, text, layout.files[path] ?? layout.files[layout.constitution ?? '']);
}

function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}()!+@\\]/g, '\\$&');
}
