/**
 * The engine's vocabulary. A check receives a ChangeSet and returns findings; it never touches
 * the network. Drivers (GitHub App, Action, CLI) build the ChangeSet and publish the result.
 */

export type Severity = 'error' | 'warning' | 'notice';
export type SeveritySetting = Severity | 'off';
export type Conclusion = 'success' | 'failure' | 'neutral';

/** A text edit (replace a line range) or a whole file to write. */
export type Fix =
  | {
      kind: 'edit';
      path: string;
      /** 1-based, inclusive. */
      startLine: number;
      endLine: number;
      replacement: string;
      description: string;
    }
  | { kind: 'write-file'; path: string; content: string; description: string };

/**
 * A file a check produced to show a finding (the committed image, a fresh render, their diff).
 * `path` is where the driver's sink put it: a local file path, or a URL when it was uploaded.
 */
export interface FindingArtifact {
  kind: 'before' | 'after' | 'diff';
  path: string;
  contentType: string;
}

/** One finding, the same shape for every check (like an ESLint message). */
export interface Finding {
  checkId: string;
  ruleId: string;
  severity: Severity;
  /** Repository-relative path with forward slashes; omitted for findings about the whole change. */
  path?: string;
  /** 1-based. */
  startLine?: number;
  endLine?: number;
  /** 1-based. */
  startColumn?: number;
  endColumn?: number;
  title: string;
  message: string;
  docsUrl?: string;
  fix?: Fix;
  /** Replacement text for [startLine, endLine], shown as a suggested change. */
  suggestion?: string;
  /** Images that show the finding; reporters list or link them, the Action uploads them. */
  artifacts?: FindingArtifact[];
}

export type FileStatus = 'added' | 'modified' | 'removed' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export interface Hunk {
  /** 1-based line in the head file where the hunk starts, and its length there. */
  headStart: number;
  headLines: number;
  baseStart: number;
  baseLines: number;
}

export interface ChangedFile {
  path: string;
  /** For renames and copies. */
  previousPath?: string;
  status: FileStatus;
  additions: number;
  deletions: number;
  /** Absent when the driver could not get a patch (binary files, very large diffs). */
  hunks?: Hunk[];
  binary?: boolean;
}

export interface PullRequestInfo {
  number: number;
  title: string;
  body: string;
  labels: string[];
  headBranch: string;
  baseBranch: string;
  draft: boolean;
  author: string;
  /** The head lives in a fork: only read-only work is allowed. */
  fromFork: boolean;
  /** Total changed files as GitHub reports it (may exceed files.length when truncated). */
  changedFiles?: number;
}

export type Side = 'base' | 'head';

/** Result of reading a file from one side of the change. */
export type FileRead =
  | { kind: 'text'; text: string }
  | { kind: 'missing' }
  | { kind: 'binary'; size: number }
  | { kind: 'too-large'; size: number };

export interface ChangeSet {
  base: { ref: string; sha: string };
  head: { ref: string; sha: string };
  files: ChangedFile[];
  pullRequest?: PullRequestInfo;
  /**
   * True when the driver could not list every changed file (GitHub lists at most 3,000 per PR).
   * Checks then conclude `neutral` instead of passing a change they could not see.
   */
  truncated?: { reason: string };
  /** Lazy, cached by the driver. */
  readFile(side: Side, path: string): Promise<FileRead>;
  /** Paths on one side matching a glob (picomatch syntax, `**` crosses folders), sorted. */
  listFiles(side: Side, glob: string): Promise<string[]>;
  /**
   * Paths at the base branch's tip matching a glob. The base side is the merge base, as in GitHub's
   * diff; rules about what the change merges into (a new migration must sort after every one on the
   * branch) also need what landed there since. Absent: the base side is the tip.
   */
  listBaseTipFiles?(glob: string): Promise<string[]>;
  /**
   * The raw bytes of a file, for checks that compare binary content (PNG exports of diagrams).
   * Null when the file is missing on that side (or is a folder, a submodule or a symlink). Files
   * over MAX_BYTES_READ are refused with a FileTooLargeError rather than loaded. Absent: the driver
   * can only give text (`readFile`).
   */
  readBytes?(side: Side, path: string): Promise<Uint8Array | null>;
}

/** Files larger than this are not read by checks (reported as a notice instead). */
export const MAX_READ_BYTES = 1024 * 1024;

/** `ChangeSet.readBytes` refuses files larger than this (20 MB): a check holds them in memory whole. */
export const MAX_BYTES_READ = 20 * 1024 * 1024;

/** Thrown by `ChangeSet.readBytes` for a file over MAX_BYTES_READ; `size` is the file's size in bytes. */
export class FileTooLargeError extends Error {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly limit: number = MAX_BYTES_READ,
  ) {
    super(`${path} is ${(size / (1024 * 1024)).toFixed(1)} MB, over the ${Math.round(limit / (1024 * 1024))} MB limit for binary reads`);
    this.name = 'FileTooLargeError';
  }
}

/** Static description of a rule: docs and `platform-kit rules` come from this. */
export interface RuleMeta {
  id: string;
  defaultSeverity: Severity;
  description: string;
  fixable: boolean;
  docsUrl: string;
  /**
   * Other spellings accepted in config and waivers: another tool's id for the same rule (squawk's
   * `prefer-timestamp-tz`), so a team can carry its settings over.
   */
  aliases?: string[];
}

export interface CheckResult {
  checkId: string;
  title: string;
  conclusion: Conclusion;
  /** One or two sentences, Markdown allowed. */
  summary: string;
  findings: Finding[];
}

/** Services injected by drivers (later: shadow database, diagram renderer). */
export type CheckServices = Record<string, unknown>;

export interface CheckContext<Options = unknown> {
  changeSet: ChangeSet;
  /** This check's resolved options (defaults applied, validated). */
  options: Options;
  /** Whether a path is inside this check's configured `paths` include/exclude. */
  inScope(path: string): boolean;
  /**
   * Reads a text file; returns null when it is missing, binary or too large. Binary and too-large
   * files are reported once as `notice` findings (rule `file-skipped`) by the engine.
   */
  readText(side: Side, path: string): Promise<string | null>;
  services: CheckServices;
  /** Aborted when the job runs out of its time or memory budget (app/checks/budget.ts). */
  signal?: AbortSignal;
}

export interface CheckOutput {
  findings: Finding[];
  /** Optional override of the engine's generated summary. */
  summary?: string;
}

export interface Check<Options = unknown> {
  id: string;
  title: string;
  description: string;
  rules: RuleMeta[];
  run(ctx: CheckContext<Options>): Promise<CheckOutput>;
}
