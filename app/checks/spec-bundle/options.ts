import { z } from 'zod';

/** What a file of a bundle must contain. Headings match case-insensitively, ignoring trailing `*(...)*` notes. */
export const bundleFileRules = z.strictObject({
  /** The file must start with a YAML frontmatter block holding these keys (empty: frontmatter optional). */
  frontmatterKeys: z.array(z.string().min(1)).default([]),
  /** Headings that must appear (any level). */
  headings: z.array(z.string().min(1)).default([]),
  /** The file must hold at least one Markdown task list item (`- [ ] ...`). */
  checklist: z.boolean().default(false),
});
export type BundleFileRules = z.infer<typeof bundleFileRules>;

export const bundleLayout = z.strictObject({
  /** Shown in findings, e.g. "platform-kit" or "spec-kit". */
  name: z.string().min(1),
  /** Folder holding one sub-folder per bundle, e.g. `spec` → `spec/<feature>/`. */
  root: z.string().min(1),
  /** Files each bundle must contain, relative to the bundle folder. */
  required: z.array(z.string().min(1)).min(1),
  /** A repository-wide constitution file the layout requires, e.g. `.specify/memory/constitution.md`. */
  constitution: z.string().min(1).optional(),
  /** Content rules per file name (relative to the bundle folder, or the constitution path). */
  files: z.record(z.string(), bundleFileRules).default({}),
});
export type BundleLayout = z.infer<typeof bundleLayout>;

export const DEFAULT_COUNT_EXCLUDE = [
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/bun.lockb',
  '**/Cargo.lock',
  '**/go.sum',
  '**/poetry.lock',
  '**/Gemfile.lock',
  '**/composer.lock',
  '**/*.lock',
  '**/dist/**',
  '**/build/**',
  '**/vendor/**',
  '**/third_party/**',
  '**/node_modules/**',
  '**/__generated__/**',
  '**/generated/**',
  '**/*.generated.*',
  '**/*.gen.*',
  '**/*.min.js',
  '**/*.min.css',
  '**/*.snap',
];

export const DEFAULT_LAYOUTS: BundleLayout[] = [
  {
    name: 'platform-kit',
    root: 'spec',
    required: ['constitution.md', 'prd.md', 'plan.md', 'tasks.md'],
    files: {
      'prd.md': { frontmatterKeys: ['title', 'status', 'owner'], headings: ['Problem', 'Goals'], checklist: false },
      'plan.md': { frontmatterKeys: [], headings: ['Approach'], checklist: false },
      'tasks.md': { frontmatterKeys: [], headings: [], checklist: true },
    },
  },
  {
    name: 'spec-kit',
    root: 'specs',
    required: ['spec.md', 'plan.md', 'tasks.md'],
    constitution: '.specify/memory/constitution.md',
    files: {
      'spec.md': { frontmatterKeys: [], headings: ['User Scenarios & Testing', 'Requirements'], checklist: false },
      'plan.md': { frontmatterKeys: [], headings: ['Summary', 'Technical Context'], checklist: false },
      'tasks.md': { frontmatterKeys: [], headings: [], checklist: true },
    },
  },
];

export const specBundleOptions = {
  /** A PR adding more lines than this (outside `countExclude`) must link a spec bundle. */
  significantLines: z.number().int().min(0).default(500),
  /** Globs whose added lines do not count towards `significantLines` (lock files, generated, vendored). */
  countExclude: z.array(z.string()).default(DEFAULT_COUNT_EXCLUDE),
  layouts: z.array(bundleLayout).min(1).default(DEFAULT_LAYOUTS),
  /** Label that waives the spec requirement; the PR body must say why. */
  waiverLabel: z.string().min(1).default('no-spec'),
  /** A label `<prefix><feature>` links the bundle of that feature. */
  linkLabelPrefix: z.string().min(1).default('spec:'),
};

export const specBundleOptionsSchema = z.strictObject(specBundleOptions);
export type SpecBundleOptions = z.infer<typeof specBundleOptionsSchema>;
