import { posix } from 'node:path';
import { MAX_READ_BYTES, type FileRead } from '../types.js';
import { applyAllowList, parseDocument, type InstructionDocument } from './document.js';
import type { DocSyncOptions } from './options.js';

/** What a driver can tell about one path: the engine's FileRead, or a symbolic link and where it points. */
export type SourceRead = FileRead | { kind: 'symlink'; /** The link text; null when only known to leave the repository. */ target: string | null };

export type InstructionFile =
  | { path: string; kind: 'document'; doc: InstructionDocument; bytes: number; /** Read through a symlink to this path. */ via?: string }
  /**
   * A symlink to another instruction file, or a file that only imports one (`@AGENTS.md`, Claude
   * Code's import syntax): equal to it by construction.
   */
  | { path: string; kind: 'link'; target: string; via?: 'import' }
  /** A symlink whose target leaves the repository: what a tool reads there is not under review. */
  | { path: string; kind: 'outside-link'; target?: string }
  | { path: string; kind: 'unreadable'; reason: string };

/** Where a symlink at `path` with link text `target` points, repository-relative; null when it leaves the repository. */
export function resolveLink(path: string, target: string): string | null {
  if (target.startsWith('/') || /^[A-Za-z]:[\\/]/.test(target)) return null;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target.replace(/\\/g, '/')));
  if (resolved === '..' || resolved.startsWith('../') || resolved === '.') return null;
  return resolved;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** An import line of Claude Code's memory files: `@path`, alone on its line. */
const IMPORT_LINE = /^@(\S+)$/;

/**
 * The instruction file a file imports when that import is all it says (blank lines and HTML
 * comments aside): `@AGENTS.md` in CLAUDE.md makes Claude Code read AGENTS.md itself.
 */
export function soleImport(path: string, text: string): string | null {
  const lines = text
    .replace(/<!--[\s\S]*?-->/g, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length !== 1) return null;
  const match = IMPORT_LINE.exec(lines[0]!);
  if (!match) return null;
  const target = match[1]!.replace(/^~\//, '/');
  return resolveLink(path, target);
}

/** Why a read cannot be compared, or null for text. */
export function unreadableReason(read: FileRead): string | null {
  switch (read.kind) {
    case 'binary':
      return 'is binary';
    case 'too-large':
      return `is ${formatSize(read.size)}, over the ${formatSize(MAX_READ_BYTES)} limit for instruction files`;
    case 'text':
      // Node decodes invalid UTF-8 to U+FFFD; an instruction file has no reason to hold that character.
      return read.text.includes('\uFFFD') ? 'is not valid UTF-8 text' : null;
    default:
      return null;
  }
}

/**
 * Loads the configured instruction files that exist, through `read`. Links to another instruction
 * file are recorded as such; links to any other file in the repository are read through.
 */
export async function loadInstructionFiles(
  options: Pick<DocSyncOptions, 'files' | 'allow'>,
  read: (path: string) => Promise<SourceRead>,
): Promise<InstructionFile[]> {
  const files: InstructionFile[] = [];
  const configured = new Set(options.files);
  for (const path of options.files) {
    let result = await read(path);
    let via: string | undefined;
    if (result.kind === 'symlink') {
      const target = result.target === null ? null : resolveLink(path, result.target);
      if (target === null) {
        files.push({ path, kind: 'outside-link', ...(result.target !== null ? { target: result.target } : {}) });
        continue;
      }
      if (configured.has(target)) {
        files.push({ path, kind: 'link', target });
        continue;
      }
      via = target;
      result = await read(target);
      if (result.kind === 'symlink') {
        files.push({ path, kind: 'unreadable', reason: `is a symlink to ${target}, itself a symlink (links are followed once)` });
        continue;
      }
    }
    if (result.kind === 'missing') {
      if (via !== undefined) files.push({ path, kind: 'unreadable', reason: `is a symlink to ${via}, which does not exist` });
      continue;
    }
    const reason = unreadableReason(result);
    if (reason !== null || result.kind !== 'text') {
      files.push({ path, kind: 'unreadable', reason: reason ?? 'cannot be read' });
      continue;
    }
    const imported = via === undefined ? soleImport(path, result.text) : null;
    if (imported !== null && imported !== path && configured.has(imported)) {
      files.push({ path, kind: 'link', target: imported, via: 'import' });
      continue;
    }
    const doc = parseDocument(path, result.text);
    applyAllowList(doc, options.allow[path] ?? []);
    files.push({ path, kind: 'document', doc, bytes: Buffer.byteLength(result.text, 'utf8'), ...(via !== undefined ? { via } : {}) });
  }
  return files;
}

/** The reference file: the configured one when present, else AGENTS.md, else CLAUDE.md, else the first document. */
export function chooseCanonical(files: readonly InstructionFile[], configured: string | undefined, fallbacks: readonly string[]): InstructionDocument | undefined {
  const docs = files.flatMap((file) => (file.kind === 'document' ? [file.doc] : []));
  const byPath = (path: string) => {
    const file = files.find((candidate) => candidate.path === path);
    if (file?.kind === 'link') return docs.find((doc) => doc.path === file.target);
    return file?.kind === 'document' ? file.doc : undefined;
  };
  for (const path of [...(configured !== undefined ? [configured] : []), ...fallbacks]) {
    const found = byPath(path);
    if (found) return found;
  }
  return docs[0];
}
