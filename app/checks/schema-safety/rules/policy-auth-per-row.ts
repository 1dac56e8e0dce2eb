import { nodeKind, stringValue } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { policyOf } from './schema-support/policies.js';
import { charOffset, editsToHit, matchingParen, tokenIndexAt, tokensOf, type TextEdit } from './schema-support/text.js';

const AUTH_FUNCTIONS = new Set(['auth.uid', 'auth.jwt', 'auth.role', 'auth.email', 'current_setting', 'pg_catalog.current_setting']);

interface Call {
  name: string;
  location: number;
}

/**
 * Calls not evaluated once per statement: PostgreSQL turns `(select auth.uid())` into an initPlan
 * run once, but calls a bare `auth.uid()` (or one inside a subquery with a FROM) for every row.
 */
function perRowCalls(expression: unknown): Call[] {
  const calls: Call[] = [];
  const stack: Array<{ kind: string; body: Record<string, unknown> }> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const kind = nodeKind(node);
    if (!kind) {
      for (const value of Object.values(node)) visit(value);
      return;
    }
    const body = (node as Record<string, Record<string, unknown>>)[kind] ?? {};
    if (kind === 'FuncCall') {
      const name = ((body.funcname as unknown[] | undefined) ?? []).map((part) => stringValue(part) ?? '').join('.');
      let select: { kind: string; body: Record<string, unknown> } | undefined;
      for (let index = stack.length - 1; index >= 0 && !select; index -= 1) if (stack[index]?.kind === 'SelectStmt') select = stack[index];
      const wrapped = select !== undefined && !select.body.fromClause;
      if (AUTH_FUNCTIONS.has(name) && !wrapped && typeof body.location === 'number') {
        calls.push({ name, location: body.location });
        return;
      }
    }
    stack.push({ kind, body });
    for (const value of Object.values(body)) visit(value);
    stack.pop();
  };
  visit(expression);
  return calls;
}

export const rule = defineSchemaRule({
  id: 'policy-auth-per-row',
  defaultSeverity: 'warning',
  description: 'An RLS policy calls `auth.uid()`, `auth.jwt()`, `auth.role()` or `current_setting()` directly: it runs once per row instead of once per query.',
  fixable: true,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const policy = policyOf(file, ctx, statement);
      if (!policy) continue;
      const calls = [...perRowCalls(policy.qual), ...perRowCalls(policy.withCheck)].sort((a, b) => a.location - b.location);
      const first = calls[0];
      if (!first) continue;
      const tokens = tokensOf(statement);
      const edits: TextEdit[] = [];
      for (const call of calls) {
        const start = charOffset(file, call.location);
        const from = tokenIndexAt(tokens, start);
        const open = tokens.findIndex((token, index) => index >= from && token.text === '(');
        const close = open < 0 ? -1 : matchingParen(tokens, open);
        const end = tokens[close]?.end;
        if (end === undefined) continue;
        edits.push({ start, end: start, text: '(select ' }, { start: end, end, text: ')' });
      }
      const names = [...new Set(calls.map((call) => `\`${call.name}()\``))].join(', ');
      hits.push({
        statement,
        location: charOffset(file, first.location),
        title: 'Auth function evaluated per row',
        message:
          `${policy.label} calls ${names} directly, so PostgreSQL evaluates ${calls.length > 1 ? 'them' : 'it'} for every row it checks; on large tables that makes queries through the policy many times slower. ` +
          `Wrap each call in a subquery, \`(select ${first.name}())\`: it is then evaluated once per statement (an initPlan) with the same result.`,
        ...editsToHit(file, statement, edits, 'Wrap the calls in `(select ...)`'),
      });
    }
    return hits;
  },
});
