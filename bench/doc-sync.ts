/**
 * The doc-sync model over four 1 MB agent instruction files (about 2,000 sections each): parsing
 * into sections, matching sections across files (renamed headings included) and scoring drift
 * against the canonical file. The files differ the way real ones do: edited bullets, renamed
 * headings, reordered sections, per-tool sections. No other tool scores section-level drift; the
 * reference figure is the cost of decoding the four files, the floor for any comparison.
 */
import { applyAllowList, parseDocument, type InstructionDocument } from '../app/checks/doc-sync/document.js';
import { fileDrift } from '../app/checks/doc-sync/drift.js';
import { matchSections } from '../app/checks/doc-sync/match.js';

const TARGET_BYTES = 1_000_000;
const ITERATIONS = 3;

/** A deterministic pseudo-random sequence, so every run measures the same files. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const WORDS = 'agent test migration schema review commit branch policy build deploy cache token secret lint format module package release rollback index query'.split(' ');

function section(index: number, next: () => number): string {
  const words = (count: number) => Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
  const bullets = Array.from({ length: 6 }, () => `- ${words(10)}.`).join('\n');
  const code = index % 5 === 0 ? `\n\n\`\`\`sh\nnpm run ${WORDS[index % WORDS.length]} -- --filter ${index}\n\`\`\`` : '';
  const depth = index % 4 === 0 ? '##' : '###';
  return `${depth} Rule ${index}: ${words(2)}\n\n${words(25)}.\n\n${bullets}${code}\n`;
}

function canonicalFile(): { text: string; sections: string[] } {
  const next = random(7);
  const sections: string[] = [];
  let size = 0;
  for (let index = 0; size < TARGET_BYTES; index += 1) {
    const text = section(index, next);
    sections.push(text);
    size += Buffer.byteLength(text) + 1;
  }
  return { text: `# Instructions\n\n${sections.join('\n')}`, sections };
}

function variants(canonical: { sections: string[] }): Record<string, string> {
  const edited = canonical.sections.map((text, index) => (index % 50 === 0 ? text.replace(/- (\w+)/, '- changed $1') : text));
  const renamed = canonical.sections.map((text, index) => (index % 100 === 1 ? text.replace(/^(#+) Rule (\d+):/, '$1 Guideline $2:') : text));
  const withLocal = renamed.map((text, index) => (index % 200 === 0 ? `${text}\n## Gemini CLI ${index}\n\nGemini only.\n` : text));
  // Top-level sections in reverse order, each with its subsections, as a person reorders a file.
  const groups: string[][] = [];
  for (const text of canonical.sections) {
    if (text.startsWith('## ') || groups.length === 0) groups.push([text]);
    else groups[groups.length - 1]?.push(text);
  }
  const reordered = groups.reverse().flat();
  return {
    'CLAUDE.md': `# Instructions\n\n${edited.join('\n')}`,
    'GEMINI.md': `# Instructions\n\n${withLocal.join('\n')}`,
    'CODEX.md': `# Instructions\n\n${reordered.join('\n')}`,
  };
}

function best(times: number[]): string {
  return `${Math.min(...times).toFixed(0)} ms`;
}

export async function benchDocSync(): Promise<string> {
  const canonical = canonicalFile();
  const files: Record<string, string> = { 'AGENTS.md': canonical.text, ...variants(canonical) };
  const buffers = Object.entries(files).map(([path, text]) => [path, Buffer.from(text)] as const);
  const decode: number[] = [];
  const parse: number[] = [];
  const match: number[] = [];
  const score: number[] = [];
  let docs: InstructionDocument[] = [];
  let scores: string[] = [];
  for (let round = 0; round < ITERATIONS; round += 1) {
    let started = performance.now();
    const texts = buffers.map(([path, bytes]) => [path, bytes.toString('utf8')] as const);
    decode.push(performance.now() - started);

    started = performance.now();
    docs = texts.map(([path, text]) => parseDocument(path, text));
    for (const doc of docs) applyAllowList(doc, doc.path === 'GEMINI.md' ? ['Gemini CLI'] : []);
    parse.push(performance.now() - started);

    const [reference, ...others] = docs as [InstructionDocument, ...InstructionDocument[]];
    started = performance.now();
    for (const other of others) matchSections(reference, other);
    match.push(performance.now() - started);

    started = performance.now();
    scores = others.map((other) => `${other.path} ${(fileDrift(reference, other).score * 100).toFixed(2)}%`);
    score.push(performance.now() - started);
  }
  const sizes = buffers.map(([path, bytes]) => `${path} ${(bytes.byteLength / 1_000_000).toFixed(2)} MB`).join(', ');
  const sectionCount = docs.reduce((sum, doc) => sum + doc.sections.length, 0);
  return [
    `doc-sync over four instruction files (${sizes}; ${sectionCount.toLocaleString('en-US')} sections in all), best of ${ITERATIONS}:`,
    `  parse into sections       ${best(parse)}`,
    `  match sections (3 pairs)  ${best(match)}`,
    `  score drift (3 files)     ${best(score)}   (matching included)`,
    `  reference: decode bytes   ${best(decode)}`,
    `  scores: ${scores.join(', ')}`,
  ].join('\n');
}
