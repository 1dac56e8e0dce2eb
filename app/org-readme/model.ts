import type { RepositoryAttributes } from '../introspection/github-inventory.js';
import type { InventoryObject } from '../introspection/types.js';

/**
 * The organisation inventory as the profile README shows it: repositories grouped by category,
 * a maturity score per repository, org totals and a governance matrix. Pure: inventory in, view out.
 */

export const CATEGORY_IDS = ['apps', 'services', 'libs', 'connectors', 'other'] as const;

export interface CategoryRule {
  id: string;
  title: string;
  /** A repository with any of these topics belongs here (topics win over names). */
  topics: string[];
  /** Else a repository whose name matches this regular expression. */
  namePattern?: string;
}

export interface OrgReadmeOptions {
  /** Checked in order; the first match wins; unmatched repositories go to `other`. */
  categories?: CategoryRule[];
  /** Archived repositories are left out unless asked for. */
  includeArchived?: boolean;
  /** Categories with more repositories than this are collapsed in `<details>` (default 25). */
  collapseAfter?: number;
  /** Longest description shown, in characters (default 140). */
  descriptionLength?: number;
}

export const DEFAULT_CATEGORIES: CategoryRule[] = [
  { id: 'apps', title: 'Apps', topics: ['app', 'apps', 'frontend', 'web-app'], namePattern: '(^app-|-app$|-web$)' },
  { id: 'services', title: 'Services', topics: ['service', 'services', 'backend', 'api'], namePattern: '(-service$|-svc$|-api$|^svc-)' },
  { id: 'libs', title: 'Libraries', topics: ['lib', 'library', 'sdk', 'package'], namePattern: '(^lib-|-lib$|-sdk$|-js$)' },
  { id: 'connectors', title: 'Connectors', topics: ['connector', 'integration'], namePattern: '(-connector$|^connector-)' },
];

/**
 * The maturity score, 0–100: the sum of the weights of what is in place. A setting the token could
 * not read counts as not in place (the README cannot vouch for it) and is shown as `?`.
 */
export const MATURITY_WEIGHTS = {
  protection: 20,
  requiredChecks: 15,
  ciPassing: 15,
  secretScanning: 15,
  codeowners: 10,
  platformKit: 15,
  specBundles: 10,
} as const;
export type GovernanceKey = keyof typeof MATURITY_WEIGHTS;

export const GOVERNANCE_COLUMNS: Array<{ key: GovernanceKey; title: string }> = [
  { key: 'protection', title: 'Branch protection' },
  { key: 'requiredChecks', title: 'Required checks' },
  { key: 'ciPassing', title: 'CI green' },
  { key: 'secretScanning', title: 'Secret scanning' },
  { key: 'codeowners', title: 'CODEOWNERS' },
  { key: 'platformKit', title: 'Platform Kit' },
  { key: 'specBundles', title: 'Spec bundles' },
];

export const MATURITY_FORMULA = GOVERNANCE_COLUMNS.map((column) => `${column.title} ${MATURITY_WEIGHTS[column.key]}`).join(' + ');

export type Mark = '✓' | '✗' | '?';
type State = boolean | 'unknown';

export interface RepositoryView {
  name: string;
  identity: string;
  url: string;
  /** Escaped for Markdown, on one line, shortened. */
  description: string;
  language: string;
  ci: string;
  lastActivity: string;
  archived: boolean;
  score: number;
  governance: Array<{ key: GovernanceKey; mark: Mark }>;
}

export interface CategoryView {
  id: string;
  title: string;
  count: number;
  collapsed: boolean;
  averageScore: number;
  repositories: RepositoryView[];
  /** Repositories left out of a compacted list. */
  more: number;
}

export interface OrgReadmeView {
  org: string;
  /**
   * When the inventory was taken. The default template leaves it out: it changes on every run, and
   * a README that shows it would be committed every night even when nothing else changed.
   */
  scannedAt: string | null;
  totals: {
    repositories: number;
    archived: number;
    averageScore: number;
    /** Per governance column: how many repositories have it. */
    coverage: Array<{ key: GovernanceKey; title: string; count: number; percent: number }>;
    languages: Array<{ language: string; count: number }>;
  };
  categories: CategoryView[];
  columns: Array<{ key: GovernanceKey; title: string; weight: number }>;
  formula: string;
  /** Everything in one matrix, lowest score first (what needs attention reads first). */
  matrix: RepositoryView[];
  /** The matrix shows only the lowest-scoring repositories when the org is large. */
  matrixLimited: boolean;
  matrixTotal: number;
  /** Structure of the document: which categories exist and whether large-org compaction applies. */
  structure: string[];
  compact: boolean;
  empty: boolean;
}

/** One repository as the README needs it: from a scan (`repositories`) or from stored inventory objects. */
export interface ReadmeRepository {
  identity: string;
  name: string;
  attributes: RepositoryAttributes;
}

export interface ReadmeInventory {
  org: string;
  scannedAt?: string | null;
  repositories: ReadmeRepository[];
}

/** Reads an inventory JSON: a scan result (`{org, repositories}`) or stored objects (`{org, objects}`). */
export function readmeInventoryFrom(value: unknown, where = 'inventory'): ReadmeInventory {
  if (typeof value !== 'object' || value === null) throw new Error(`${where}: expected a JSON object with org and repositories (or objects)`);
  const record = value as Record<string, unknown>;
  if (typeof record.org !== 'string' || record.org === '') throw new Error(`${where}: field "org" must be the organisation's login`);
  const list = Array.isArray(record.repositories) ? record.repositories : Array.isArray(record.objects) ? (record.objects as InventoryObject[]).filter((object) => object?.object_type === 'repository') : undefined;
  if (!list) throw new Error(`${where}: expected an array "repositories" (a scan) or "objects" (stored inventory objects)`);
  const repositories = list.map((item, index) => {
    const entry = item as Partial<ReadmeRepository>;
    const field = Array.isArray(record.repositories) ? 'repositories' : 'objects';
    if (typeof entry?.identity !== 'string' || typeof entry.name !== 'string') throw new Error(`${where}: ${field}[${index}] needs string fields identity and name`);
    if (typeof entry.attributes !== 'object' || entry.attributes === null) throw new Error(`${where}: ${field}[${index}] (${entry.identity}) has no attributes object`);
    return { identity: entry.identity, name: entry.name, attributes: entry.attributes };
  });
  const scannedAt = typeof record.scannedAt === 'string' ? record.scannedAt : typeof record.finished_at === 'string' ? record.finished_at : null;
  return { org: record.org, scannedAt, repositories };
}

/** Escapes text for a Markdown table cell: no markup, no HTML, no line breaks, no column breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1')
    .replace(/^([-=])/, '\\$1')
    .replace(/(https?):\/\//gi, '$1:&#47;&#47;')
    .replace(/@/g, '&#64;');
}

function shorten(text: string, length: number): string {
  const characters = [...text];
  return characters.length <= length ? text : `${characters.slice(0, length - 1).join('').trimEnd()}…`;
}

function mark(state: State): Mark {
  return state === 'unknown' ? '?' : state ? '✓' : '✗';
}

function governanceOf(attributes: RepositoryAttributes): Record<GovernanceKey, State> {
  const unknown = attributes.unknown ?? {};
  const readable = attributes.readable !== false;
  const protectionSource = attributes.protection?.source ?? 'unknown';
  const protection: State = !readable || protectionSource === 'unknown' ? 'unknown' : protectionSource !== 'none';
  const checks = attributes.protection?.required_status_checks ?? [];
  const ci = attributes.default_branch_ci;
  const ciKnown = readable && !unknown.default_branch_ci && !unknown.workflows;
  return {
    protection,
    requiredChecks: checks.length > 0 ? true : protection === 'unknown' ? 'unknown' : false,
    ciPassing: ci ? ci.conclusion === 'success' : ciKnown ? false : 'unknown',
    secretScanning: readable ? (attributes.security?.secret_scanning ?? 'unknown') : 'unknown',
    codeowners: attributes.codeowners ? true : readable && !unknown.files ? false : 'unknown',
    platformKit: attributes.platform_kit_config ? true : readable && !unknown.files ? false : 'unknown',
    specBundles: attributes.spec_bundles ? true : readable && !unknown.files ? false : 'unknown',
  };
}

export function maturityScore(governance: Record<GovernanceKey, State>): number {
  return GOVERNANCE_COLUMNS.reduce((sum, column) => sum + (governance[column.key] === true ? MATURITY_WEIGHTS[column.key] : 0), 0);
}

function compileCategories(rules: CategoryRule[]): Array<CategoryRule & { regex?: RegExp }> {
  return rules.map((rule, index) => {
    if (!rule.namePattern) return rule;
    try {
      return { ...rule, regex: new RegExp(rule.namePattern, 'i') };
    } catch (error) {
      throw new Error(`categories[${index}] (${rule.id}): namePattern is not a regular expression: ${(error as Error).message}`);
    }
  });
}

export function categoryOf(repository: ReadmeRepository, rules: Array<CategoryRule & { regex?: RegExp }>): string {
  const topics = new Set((repository.attributes.topics ?? []).map((topic) => topic.toLowerCase()));
  for (const rule of rules) if (rule.topics.some((topic) => topics.has(topic.toLowerCase()))) return rule.id;
  for (const rule of rules) if (rule.regex?.test(repository.name)) return rule.id;
  return 'other';
}

function ciText(attributes: RepositoryAttributes): string {
  const ci = attributes.default_branch_ci;
  if (ci) return ci.conclusion === 'success' ? '✓ passing' : `✗ ${escapeMarkdown(ci.conclusion)}`;
  if (attributes.readable === false || attributes.unknown?.default_branch_ci) return '?';
  return (attributes.workflows ?? []).length === 0 ? 'no CI' : 'no runs';
}

const average = (values: number[]) => (values.length === 0 ? 0 : Math.round(values.reduce((a, b) => a + b, 0) / values.length));

export function buildOrgReadmeView(inventory: ReadmeInventory, options: OrgReadmeOptions = {}): OrgReadmeView {
  const rules = compileCategories(options.categories ?? DEFAULT_CATEGORIES);
  const collapseAfter = options.collapseAfter ?? 25;
  const descriptionLength = options.descriptionLength ?? 140;
  const all = [...inventory.repositories].sort((a, b) => a.name.localeCompare(b.name, 'en'));
  // The org's `.github` repository holds the README itself: every publication moves its last push,
  // which would make the next run publish again.
  const shown = all.filter((repository) => repository.name !== '.github' && (options.includeArchived || !repository.attributes.archived));

  const views = shown.map((repository) => {
    const governance = governanceOf(repository.attributes);
    const view: RepositoryView = {
      name: escapeMarkdown(repository.name),
      identity: repository.identity,
      url: `https://github.com/${repository.identity.split('/').map(encodeURIComponent).join('/')}`,
      description: repository.attributes.description?.trim() ? escapeMarkdown(shorten(repository.attributes.description, descriptionLength)) : '—',
      language: escapeMarkdown(repository.attributes.language ?? '—'),
      ci: ciText(repository.attributes),
      lastActivity: repository.attributes.pushed_at ? repository.attributes.pushed_at.slice(0, 10) : '—',
      archived: repository.attributes.archived === true,
      score: maturityScore(governance),
      governance: GOVERNANCE_COLUMNS.map((column) => ({ key: column.key, mark: mark(governance[column.key]) })),
    };
    return { view, category: categoryOf(repository, rules) };
  });

  const titles = new Map<string, string>([...rules.map((rule) => [rule.id, rule.title] as const), ['other', 'Other']]);
  const order = [...rules.map((rule) => rule.id), 'other'];
  const categories: CategoryView[] = [];
  for (const id of [...new Set(order)]) {
    const repositories = views.filter((entry) => entry.category === id).map((entry) => entry.view);
    if (repositories.length === 0) continue;
    categories.push({ id, title: escapeMarkdown(titles.get(id) ?? id), count: repositories.length, collapsed: repositories.length > collapseAfter, averageScore: average(repositories.map((r) => r.score)), repositories, more: 0 });
  }

  const repositoryViews = views.map((entry) => entry.view);
  const languages = new Map<string, number>();
  for (const repository of shown) {
    const language = repository.attributes.language;
    if (language) languages.set(language, (languages.get(language) ?? 0) + 1);
  }
  const matrix = [...repositoryViews].sort((a, b) => a.score - b.score || a.identity.localeCompare(b.identity, 'en'));
  return {
    org: escapeMarkdown(inventory.org),
    scannedAt: inventory.scannedAt ?? null,
    totals: {
      repositories: shown.length,
      archived: all.filter((repository) => repository.attributes.archived).length,
      averageScore: average(repositoryViews.map((view) => view.score)),
      coverage: GOVERNANCE_COLUMNS.map((column) => {
        const count = repositoryViews.filter((view) => view.governance.find((cell) => cell.key === column.key)?.mark === '✓').length;
        return { key: column.key, title: column.title, count, percent: shown.length === 0 ? 0 : Math.round((count * 100) / shown.length) };
      }),
      languages: [...languages.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'en')).slice(0, 8).map(([language, count]) => ({ language: escapeMarkdown(language), count })),
    },
    categories,
    columns: GOVERNANCE_COLUMNS.map((column) => ({ ...column, weight: MATURITY_WEIGHTS[column.key] })),
    formula: MATURITY_FORMULA,
    matrix,
    matrixLimited: false,
    matrixTotal: matrix.length,
    structure: categories.map((category) => `${category.id}${category.collapsed ? ':collapsed' : ''}`),
    compact: false,
    empty: shown.length === 0,
  };
}

/**
 * The same view for a README that must stay small: no descriptions or languages in the category
 * lists, and a governance matrix of the `matrixLimit` lowest-scoring repositories only.
 */
export function compactView(view: OrgReadmeView, matrixLimit: number, listLimit = Number.POSITIVE_INFINITY): OrgReadmeView {
  return {
    ...view,
    compact: true,
    categories: view.categories.map((category) => ({
      ...category,
      collapsed: true,
      repositories: category.repositories.slice(0, listLimit),
      more: Math.max(0, category.repositories.length - listLimit),
    })),
    matrix: view.matrix.slice(0, matrixLimit),
    matrixLimited: view.matrix.length > matrixLimit,
    structure: [...view.categories.map((category) => `${category.id}:collapsed`), 'compact'],
  };
}
