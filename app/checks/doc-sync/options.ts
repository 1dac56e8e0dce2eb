import { z } from 'zod';

/** The instruction files coding agents read, by the name each tool looks for. */
export const DEFAULT_FILES = [
  'AGENTS.md',
  'CLAUDE.md',
  'GEMINI.md',
  'CODEX.md',
  '.cursorrules',
  '.github/copilot-instructions.md',
  '.windsurfrules',
];

/** Files the canonical choice falls back to, in order, when `canonical` is not set. */
export const CANONICAL_FALLBACKS = ['AGENTS.md', 'CLAUDE.md'];

/** Codex reads at most 32 KiB of AGENTS.md (`project_doc_max_bytes`); the rest is silently dropped. */
export const DEFAULT_SIZE_BUDGETS: Record<string, number> = { 'AGENTS.md': 32 * 1024 };

export const docSyncOptions = {
  /** Repository-relative paths of the instruction files kept in sync; files that do not exist are ignored. */
  files: z.array(z.string().min(1)).min(1).default(DEFAULT_FILES),
  /** The reference file; default AGENTS.md when present, else CLAUDE.md, else the first file present. */
  canonical: z.string().min(1).optional(),
  /** A file whose drift score (percent) is above this fails the check. */
  threshold: z.number().min(0).max(100).default(10),
  /**
   * Sections each file may hold on its own, by heading (`Gemini CLI`, any level) or heading path
   * (`Tools > Gemini CLI`); their subsections are included. They never count as drift and sync leaves them alone.
   */
  allow: z.record(z.string(), z.array(z.string().min(1))).default({}),
  /** Bytes a tool reads of a file; a larger file is reported. Given per file, replacing the defaults. */
  sizeBudgets: z.record(z.string(), z.number().int().positive()).default(DEFAULT_SIZE_BUDGETS),
};

export const docSyncOptionsSchema = z.strictObject(docSyncOptions);
export type DocSyncOptions = z.infer<typeof docSyncOptionsSchema>;
