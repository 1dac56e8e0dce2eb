import type { InstructionDocument } from './document.js';
import { fileDrift, type FileDrift } from './drift.js';
import { chooseCanonical, type InstructionFile } from './files.js';
import { CANONICAL_FALLBACKS, type DocSyncOptions } from './options.js';

/** One row of the drift table. */
export interface DriftRow {
  path: string;
  /** 0..1; null when the file could not be compared. */
  score: number | null;
  status: 'canonical' | 'compared' | 'link' | 'outside-link' | 'unreadable';
  /** For links: the file it points to; for unreadable files: why. */
  note?: string;
  drift?: FileDrift;
}

export interface DriftReport {
  canonical?: InstructionDocument;
  /** Documents other than the canonical one, in configured order. */
  others: InstructionDocument[];
  rows: DriftRow[];
  /** Percent. */
  threshold: number;
}

/** Scores every instruction file against the canonical one. */
export function driftReport(files: readonly InstructionFile[], options: Pick<DocSyncOptions, 'canonical' | 'threshold'>): DriftReport {
  const canonical = chooseCanonical(files, options.canonical, CANONICAL_FALLBACKS);
  const others: InstructionDocument[] = [];
  const rows: DriftRow[] = [];
  for (const file of files) {
    switch (file.kind) {
      case 'document': {
        if (file.doc === canonical) {
          rows.push({ path: file.path, score: 0, status: 'canonical' });
          break;
        }
        others.push(file.doc);
        const drift = canonical ? fileDrift(canonical, file.doc) : undefined;
        rows.push({ path: file.path, score: drift?.score ?? 0, status: 'compared', ...(drift ? { drift } : {}), ...(file.via ? { note: `symlink to ${file.via}` } : {}) });
        break;
      }
      case 'link':
        rows.push({ path: file.path, score: 0, status: 'link', note: file.via === 'import' ? `imports ${file.target}` : `symlink to ${file.target}` });
        break;
      case 'outside-link':
        rows.push({ path: file.path, score: null, status: 'outside-link', note: file.target !== undefined ? `symlink to ${file.target}` : 'unreadable symlink' });
        break;
      case 'unreadable':
        rows.push({ path: file.path, score: null, status: 'unreadable', note: file.reason });
        break;
    }
  }
  return { ...(canonical ? { canonical } : {}), others, rows, threshold: options.threshold };
}

/** Whether a row's score is over the threshold (percent). */
export function overThreshold(row: DriftRow, threshold: number): boolean {
  return row.score !== null && row.score * 100 > threshold + 1e-9;
}
