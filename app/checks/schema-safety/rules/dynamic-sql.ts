import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { doBlocks, embeddedMigration, enclosingStatement, functionBody, type PlpgsqlBody } from './schema-support/embedded.js';
import { excerpt, lineSpan } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'dynamic-sql',
  defaultSeverity: 'notice',
  description: 'SQL the static rules cannot read: EXECUTE of SQL built at run time in DO blocks and functions, and DO blocks that cannot be parsed.',
  fixable: false,
  embedded: false,
  check(file) {
    const hits: RuleHit[] = [];
    // A function body is only parsed when it can hold dynamic SQL at all.
    const functions = file.statements.flatMap((statement): PlpgsqlBody[] => {
      if (statement.kind !== 'CreateFunctionStmt' || !/\bexecute\b/i.test(statement.text)) return [];
      const body = functionBody(file, statement);
      return body ? [body] : [];
    });
    for (const body of [...doBlocks(file), ...functions].sort((a, b) => a.statement.start - b.statement.start)) {
      const { statement } = body;
      if (body.unreadable !== undefined) {
        hits.push({
          statement,
          title: body.kind === 'do' ? 'DO block not analysed' : 'Function body does not parse',
          message:
            body.kind === 'do'
              ? `The DO block at line ${statement.line} could not be analysed (${body.unreadable}); none of its statements were checked.`
              : `The body of ${body.label} could not be parsed (${body.unreadable}); PostgreSQL will reject it too when the migration runs.`,
        });
        continue;
      }
      if (body.kind === 'do') {
        for (const dynamic of body.dynamic) {
          hits.push({
            statement,
            location: dynamic.offset,
            title: 'Dynamic SQL not checked',
            message: dynamic.constant
              ? `The DO block at line ${statement.line} runs a constant string through ${dynamic.form} (line ${dynamic.line}) that could not be mapped back to the file (escaped quotes); its statements were not checked. Write them as plain statements, or dollar-quote the string.`
              : `The DO block at line ${statement.line} runs SQL built at run time (${dynamic.form} \`${excerpt(dynamic.expression)}\`, line ${dynamic.line}); the statements it builds were not checked. Review them by hand, or write them as plain statements so every rule sees them.`,
          });
        }
        for (const unlocated of body.unlocated) {
          hits.push({
            statement,
            location: lineSpan(file, unlocated.line).start,
            title: 'Statement in DO block not checked',
            message: `\`${excerpt(unlocated.text)}\` in the DO block at line ${statement.line} could not be mapped back to the file (a single-quoted body with escaped quotes, most likely) and was not checked. Use a dollar-quoted body: \`do $$ ... $$\`.`,
          });
        }
      } else if (body.dynamic.length > 0) {
        const first = body.dynamic[0];
        hits.push({
          statement,
          location: first?.offset,
          title: 'Dynamic SQL not checked',
          message:
            `${body.label[0]?.toUpperCase()}${body.label.slice(1)} runs SQL built at run time (${body.dynamic.map((dynamic) => `${dynamic.form} at line ${dynamic.line}`).join(', ')}); what it executes is not checked by the migration rules. ` +
            'Build identifiers with `format(\'%I\', ...)` and pass values with `USING`, never by concatenation.',
        });
      }
    }
    const embedded = embeddedMigration(file);
    if (embedded?.syntaxError) {
      const { line, message } = embedded.syntaxError;
      const offset = lineSpan(file, line).start + embedded.syntaxError.column - 1;
      const statement = enclosingStatement(file, offset);
      if (statement) {
        hits.push({
          statement,
          location: offset,
          title: 'Statement in DO block does not parse',
          message: `A statement in the DO block at line ${statement.line} does not parse (${message}), so it and the block's later statements were not checked; PostgreSQL will reject it when the block runs.`,
        });
      }
    }
    return hits;
  },
});
