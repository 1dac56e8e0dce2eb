import type { Finding } from '../../types.js';
import type { MarkdownFile } from '../markdown.js';
import { defineRule, findingOf } from '../rule.js';

export const missingChecklist = defineRule(
  'missing-checklist',
  'error',
  'A spec file that must track work (tasks.md) holds no Markdown task list item (`- [ ] ...`).',
);

export function checkChecklist(path: string, markdown: MarkdownFile): Finding[] {
  if (markdown.firstTaskLine !== undefined) return [];
  const line = markdown.bodyLine;
  return [
    findingOf(missingChecklist, {
      path,
      startLine: line,
      endLine: line,
      title: 'No task checklist',
      message: `${path} holds no task list; write the tasks as \`- [ ] task\` items (\`- [x]\` when done).`,
    }),
  ];
}
