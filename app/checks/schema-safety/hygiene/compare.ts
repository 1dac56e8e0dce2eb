import { scanSync, type ScanToken } from 'libpg-query';
import { ensureParser } from '../sql/parse.js';

export type Difference = 'identical' | 'comments-or-layout' | 'statements';

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/** Tokens that change what runs: comments dropped, keywords and unquoted names in lower case (Postgres folds them). */
function meaningfulTokens(text: string): string[] | null {
  try {
    const { tokens } = scanSync(text);
    return tokens
      .filter((token) => !COMMENT_TOKENS.has(token.tokenName))
      .map((token: ScanToken) => (token.keywordKind !== 0 || (token.tokenName === 'IDENT' && !token.text.startsWith('"')) ? token.text.toLowerCase() : token.text));
  } catch {
    return null;
  }
}

/** How two versions of a migration differ; text the scanner cannot read counts as a statement change. */
export async function compareMigrationText(before: string, after: string): Promise<Difference> {
  if (before === after) return 'identical';
  await ensureParser();
  const a = meaningfulTokens(before);
  const b = meaningfulTokens(after);
  if (a === null || b === null || a.length !== b.length) return 'statements';
  return a.every((token, index) => token === b[index]) ? 'comments-or-layout' : 'statements';
}
