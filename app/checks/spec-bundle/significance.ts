import picomatch from 'picomatch';
import type { ChangedFile } from '../types.js';

export interface AddedLines {
  /** Lines added in files that count: in scope and not matched by `countExclude`. */
  counted: number;
  countedFiles: number;
  /** Lines added in lock, generated or vendored files (`countExclude`). */
  excluded: number;
  threshold: number;
  /** More than `threshold` lines counted: the change must link a spec bundle. */
  significant: boolean;
}

export function countAddedLines(
  files: ChangedFile[],
  options: { significantLines: number; countExclude: string[] },
  inScope: (path: string) => boolean,
): AddedLines {
  const excludedPath = options.countExclude.length > 0 ? picomatch(options.countExclude, { dot: true }) : () => false;
  let counted = 0;
  let countedFiles = 0;
  let excluded = 0;
  for (const file of files) {
    if (!inScope(file.path) || file.additions <= 0) continue;
    if (excludedPath(file.path)) {
      excluded += file.additions;
    } else {
      counted += file.additions;
      countedFiles += 1;
    }
  }
  return { counted, countedFiles, excluded, threshold: options.significantLines, significant: counted > options.significantLines };
}

export function describeAddedLines(added: AddedLines): string {
  const lines = `${added.counted.toLocaleString('en-US')} line${added.counted === 1 ? '' : 's'} added`;
  return `${lines} outside lock, generated and vendored files`;
}
