import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { MAX_READ_BYTES, type FileRead } from '../checks/types.js';
import { GitError } from './git.js';

/** An idle git process is ended after this long, so a long-lived caller does not collect them. */
const IDLE_MS = 2_000;

interface Pending {
  resolve(read: FileRead): void;
  reject(error: Error): void;
}

interface Body {
  pending: Pending;
  type: string;
  size: number;
  /** Bytes still to come, including git's trailing newline. */
  remaining: number;
  /** Null when the content is not wanted (too large, not a file): it is drained, not kept. */
  chunks: Buffer[] | null;
}

/**
 * Reads blobs through one long-lived `git cat-file --batch`: a large change set reads hundreds of
 * files, and a process per file costs milliseconds each. Answers come back in request order.
 * Contents over MAX_READ_BYTES are drained from the pipe without being kept.
 */
export class BlobReader {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly queue: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private body: Body | null = null;
  private stderr = '';
  private failure: Error | null = null;
  private busy = false;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repoDir: string,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** `spec` is `<commit>:<path>`. */
  read(spec: string): Promise<FileRead> {
    if (spec.includes('\n')) return Promise.resolve({ kind: 'missing' });
    if (this.failure) return Promise.reject(this.failure);
    const child = this.start();
    return new Promise<FileRead>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.setBusy(true);
      child.stdin.write(`${spec}\n`);
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('git', ['-c', 'core.quotePath=true', 'cat-file', '--batch'], {
      cwd: this.repoDir,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => this.fail(new GitError(`git cat-file failed: ${error.message}`, ['cat-file', '--batch'], this.stderr, null)));
    child.on('exit', (code) => {
      // A reader retired while idle is no longer this.child; its exit is expected.
      if (this.child !== child) return;
      this.child = null;
      if (this.queue.length > 0 || this.body) {
        this.fail(new GitError(`git cat-file exited (${code ?? 'signal'}): ${this.stderr.trim()}`, ['cat-file', '--batch'], this.stderr, code));
      }
    });
    child.stdin.on('error', () => {
      // Reported through 'exit' / 'error' with git's own message.
    });
    this.child = child;
    this.busy = true;
    this.setBusy(false);
    return child;
  }

  /**
   * An idle reader must not keep the process alive (git exits when its stdin closes), but one
   * with reads outstanding must, or Node would exit while awaiting them.
   */
  private setBusy(busy: boolean): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (!this.child) return;
    if (!busy) {
      const child = this.child;
      this.idleTimer = setTimeout(() => this.retire(child), this.idleMs);
      this.idleTimer.unref();
    }
    if (busy === this.busy) return;
    this.busy = busy;
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as Array<Partial<Socket>>) {
      if (busy) handle.ref?.();
      else handle.unref?.();
    }
  }

  /** Ends an idle git process; the next read starts a fresh one. */
  private retire(child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child || this.queue.length > 0 || this.body) return;
    this.child = null;
    this.buffer = Buffer.alloc(0);
    child.stdin.end();
  }

  private fail(error: Error): void {
    this.failure = error;
    const waiting = [...(this.body ? [this.body.pending] : []), ...this.queue.splice(0)];
    this.body = null;
    for (const pending of waiting) pending.reject(error);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length > 0) {
      if (this.body) {
        const take = Math.min(this.body.remaining, this.buffer.length);
        this.body.chunks?.push(this.buffer.subarray(0, take));
        this.body.remaining -= take;
        this.buffer = this.buffer.subarray(take);
        if (this.body.remaining > 0) return;
        this.finishBody(this.body);
        this.body = null;
        if (this.queue.length === 0) this.setBusy(false);
        continue;
      }
      const newline = this.buffer.indexOf(0x0a);
      if (newline < 0) return;
      const header = this.buffer.subarray(0, newline).toString('utf8');
      this.buffer = this.buffer.subarray(newline + 1);
      const pending = this.queue.shift();
      if (!pending) continue;
      // `<oid> <type> <size>`, or `<name> missing` / `<name> ambiguous`.
      const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!match) {
        pending.resolve({ kind: 'missing' });
        if (this.queue.length === 0) this.setBusy(false);
        continue;
      }
      const type = match[1] as string;
      const size = Number(match[2]);
      const keep = type === 'blob' && size <= MAX_READ_BYTES;
      this.body = { pending, type, size, remaining: size + 1, chunks: keep ? [] : null };
    }
  }

  private finishBody(body: Body): void {
    if (body.type !== 'blob') {
      body.pending.resolve({ kind: 'missing' });
      return;
    }
    if (!body.chunks) {
      body.pending.resolve({ kind: 'too-large', size: body.size });
      return;
    }
    const content = Buffer.concat(body.chunks).subarray(0, body.size);
    body.pending.resolve(content.includes(0) ? { kind: 'binary', size: body.size } : { kind: 'text', text: content.toString('utf8') });
  }
}
