import { CODE_LINE } from './normalize.js';

/** A run of words both sides share, or that only one side has. */
export interface DiffPart {
  kind: 'same' | 'removed' | 'added';
  words: string[];
}

export interface WordDiff {
  /** Normalised characters both sides share (each word and the space after it). */
  common: number;
  /** Absent when the sides were too large to align word by word (`common` is then a bag-of-words estimate). */
  parts?: DiffPart[];
}

/** Past this many cells (words × words of the differing middle), an alignment costs too much: estimate instead. */
const MAX_CELLS = 4_000_000;

const weight = (word: string) => word.length + 1;

/**
 * A word diff: common prefix and suffix, then a longest common subsequence (weighted by word length)
 * of the middle. Bounded: a middle larger than MAX_CELLS is compared as bags of words.
 */
export function wordDiff(before: readonly string[], after: readonly string[]): WordDiff {
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  const a = before.slice(prefix, before.length - suffix);
  const b = after.slice(prefix, after.length - suffix);
  const edges = [...before.slice(0, prefix), ...before.slice(before.length - suffix)];
  const edgeWeight = edges.reduce((sum, word) => sum + weight(word), 0);

  if (a.length === 0 || b.length === 0) {
    const parts: DiffPart[] = [];
    push(parts, 'same', before.slice(0, prefix));
    push(parts, 'removed', a);
    push(parts, 'added', b);
    push(parts, 'same', before.slice(before.length - suffix));
    return { common: edgeWeight, parts };
  }
  if (a.length * b.length > MAX_CELLS) return { common: edgeWeight + bagOverlap(a, b) };

  const width = b.length + 1;
  const table = new Float64Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    const word = a[i] as string;
    for (let j = b.length - 1; j >= 0; j -= 1) {
      const down = table[(i + 1) * width + j] as number;
      const right = table[i * width + j + 1] as number;
      const best = down > right ? down : right;
      if (word === b[j]) {
        const diagonal = (table[(i + 1) * width + j + 1] as number) + weight(word);
        table[i * width + j] = diagonal > best ? diagonal : best;
      } else {
        table[i * width + j] = best;
      }
    }
  }
  const parts: DiffPart[] = [];
  push(parts, 'same', before.slice(0, prefix));
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const here = table[i * width + j] as number;
    if (a[i] === b[j] && here === (table[(i + 1) * width + j + 1] as number) + weight(a[i] as string)) {
      push(parts, 'same', [a[i] as string]);
      i += 1;
      j += 1;
    } else if ((table[(i + 1) * width + j] as number) >= (table[i * width + j + 1] as number)) {
      push(parts, 'removed', [a[i] as string]);
      i += 1;
    } else {
      push(parts, 'added', [b[j] as string]);
      j += 1;
    }
  }
  push(parts, 'removed', a.slice(i));
  push(parts, 'added', b.slice(j));
  push(parts, 'same', before.slice(before.length - suffix));
  return { common: edgeWeight + (table[0] as number), parts };
}

function push(parts: DiffPart[], kind: DiffPart['kind'], words: readonly string[]): void {
  if (words.length === 0) return;
  const last = parts[parts.length - 1];
  if (last && last.kind === kind) last.words.push(...words);
  else parts.push({ kind, words: [...words] });
}

/** Characters of the words both sides hold, ignoring order. */
export function bagOverlap(a: readonly string[], b: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const word of a) counts.set(word, (counts.get(word) ?? 0) + 1);
  let common = 0;
  for (const word of b) {
    const left = counts.get(word) ?? 0;
    if (left > 0) {
      counts.set(word, left - 1);
      common += weight(word);
    }
  }
  return common;
}

/**
 * `… run [-npm test-]{+npm run test:unit+} before …` (git's --word-diff=plain markers): the
 * changes with a few words of context, cut at `maxChars`.
 */
export function formatWordDiff(diff: WordDiff, maxChars = 240, context = 4): string {
  if (!diff.parts) return '(too large to show word by word)';
  const pieces: string[] = [];
  const parts = diff.parts;
  parts.forEach((part, index) => {
    if (part.kind === 'removed') pieces.push(`[-${display(part.words)}-]`);
    else if (part.kind === 'added') pieces.push(`{+${display(part.words)}+}`);
    else {
      const words = part.words;
      const first = index === 0;
      const last = index === parts.length - 1;
      if (first && last) pieces.push(display(words));
      else if (first) pieces.push(`${words.length > context ? '… ' : ''}${display(words.slice(-context))}`);
      else if (last) pieces.push(`${display(words.slice(0, context))}${words.length > context ? ' …' : ''}`);
      else if (words.length <= context * 2) pieces.push(display(words));
      else pieces.push(`${display(words.slice(0, context))} … ${display(words.slice(-context))}`);
    }
  });
  const text = pieces.filter((piece) => piece.trim() !== '').join(' ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/** Code lines carry a marker in the token stream; structure tokens read as Markdown. */
function display(words: readonly string[]): string {
  return words
    .map((word) => (word.startsWith(CODE_LINE) ? word.slice(CODE_LINE.length) : word))
    .filter((word) => !/^\/(?:-|1\.|>)$/.test(word))
    .join(' ');
}
