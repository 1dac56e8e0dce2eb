import type { Definition, Nodes, PhrasingContent, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';

/** Marks a token that is one exact line of code (so it never equals a prose word). */
export const CODE_LINE = '\u0001';

/** Link reference definitions of a file by identifier, so `[text][ref]` compares equal to `[text](url)`. */
export type Definitions = ReadonlyMap<string, Definition>;

/**
 * A block's content as the words that are compared. Prose is normalised: whitespace collapsed,
 * every bullet marker written `-`, ordered list numbers as `1.`, emphasis as `_x_` and strong as
 * `**x**`, reference links resolved to inline ones. Code (fenced, indented, frontmatter) is compared
 * exactly: one token per line, leading spaces included.
 */
export function blockTokens(node: RootContent, definitions: Definitions): string[] {
  const out: string[] = [];
  pushBlock(node, definitions, out, '');
  return out;
}

function pushBlock(node: RootContent | Nodes, definitions: Definitions, out: string[], prefix: string): void {
  switch (node.type) {
    case 'code': {
      out.push(`${prefix}\`\`\`${node.lang ?? ''}${node.meta ? ` ${node.meta}` : ''}`);
      for (const line of node.value.split(/\r?\n/)) out.push(`${CODE_LINE}${line}`);
      out.push('```');
      return;
    }
    case 'yaml': {
      out.push('---');
      for (const line of node.value.split(/\r?\n/)) out.push(`${CODE_LINE}${line}`);
      out.push('---');
      return;
    }
    case 'definition':
      // Counted where it is used, as the link's URL.
      return;
    case 'thematicBreak':
      out.push(`${prefix}---`);
      return;
    case 'list': {
      const marker = node.ordered ? '1.' : '-';
      for (const item of node.children) {
        out.push(`${prefix}${marker}`);
        if (item.checked === true || item.checked === false) out.push(item.checked ? '[x]' : '[ ]');
        for (const child of item.children) pushBlock(child, definitions, out, '');
        out.push(`${prefix}/${marker}`);
      }
      return;
    }
    case 'blockquote':
      out.push(`${prefix}>`);
      for (const child of node.children) pushBlock(child, definitions, out, '');
      out.push(`${prefix}/>`);
      return;
    case 'html':
      pushWords(node.value, out);
      return;
    case 'paragraph':
    case 'heading':
    case 'tableCell':
      pushWords(inline(node.children, definitions), out);
      return;
    default:
      if ('children' in node && Array.isArray(node.children)) {
        for (const child of node.children as RootContent[]) pushBlock(child, definitions, out, prefix);
      } else {
        pushWords(toString(node), out);
      }
  }
}

function pushWords(text: string, out: string[]): void {
  for (const word of text.split(/\s+/)) if (word !== '') out.push(word);
}

/** Inline content in one canonical spelling. */
export function inline(nodes: readonly PhrasingContent[], definitions: Definitions): string {
  return nodes.map((node) => inlineNode(node, definitions)).join('');
}

function inlineNode(node: PhrasingContent, definitions: Definitions): string {
  switch (node.type) {
    case 'text':
      return node.value;
    case 'emphasis':
      return `_${inline(node.children, definitions)}_`;
    case 'strong':
      return `**${inline(node.children, definitions)}**`;
    case 'delete':
      return `~~${inline(node.children, definitions)}~~`;
    case 'inlineCode':
      return `\`${node.value}\``;
    case 'break':
      return ' ';
    case 'link':
      return `[${inline(node.children, definitions)}](${node.url})`;
    case 'linkReference': {
      const definition = definitions.get(node.identifier);
      const text = inline(node.children, definitions);
      return definition ? `[${text}](${definition.url})` : `[${text}]`;
    }
    case 'image':
      return `![${node.alt ?? ''}](${node.url})`;
    case 'imageReference': {
      const definition = definitions.get(node.identifier);
      return definition ? `![${node.alt ?? ''}](${definition.url})` : `![${node.alt ?? ''}]`;
    }
    case 'html':
      return node.value;
    default:
      return toString(node);
  }
}

/** Normalised characters of a token list: each token and the space after it. */
export function tokensSize(tokens: readonly string[]): number {
  let size = 0;
  for (const token of tokens) size += token.length + 1;
  return size;
}
