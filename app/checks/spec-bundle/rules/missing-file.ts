import type { Finding } from '../../types.js';
import type { Bundle } from '../bundles.js';
import { defineRule, findingOf } from '../rule.js';

export const missingFile = defineRule(
  'missing-file',
  'error',
  "A linked spec bundle lacks one of its layout's required files, or the file is empty.",
);

/** The file does not exist on head; there is no line to point at, so the path alone names it. */
export function missingFileFinding(bundle: Bundle, file: string): Finding {
  return findingOf(missingFile, {
    path: `${bundle.dir}/${file}`,
    title: 'Required spec file missing',
    message: `The spec bundle ${bundle.dir}/ (${bundle.layout.name} layout) has no ${file}; the layout requires ${bundle.layout.required.join(', ')}.`,
  });
}

export function emptyFileFinding(bundle: Bundle, file: string): Finding {
  return findingOf(missingFile, {
    path: `${bundle.dir}/${file}`,
    startLine: 1,
    endLine: 1,
    title: 'Required spec file empty',
    message: `${bundle.dir}/${file} is empty; the ${bundle.layout.name} layout requires it to hold the bundle's ${file.replace(/\.md$/, '')}.`,
  });
}
