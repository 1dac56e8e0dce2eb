import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface FileWrite {
  /** Shown in messages. */
  path: string;
  absolute: string;
  content: string;
  /** The content it replaces; null when the file is created. */
  previous: string | null;
}

/** Writing failed; no file was changed (or, if restoring failed too, the message says which). */
export class FixWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FixWriteError';
  }
}

function errorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

interface Staged {
  write: FileWrite;
  temp: string;
}

function tempPathFor(absolute: string): string {
  return join(dirname(absolute), `.${basename(absolute)}.platform-kit-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Creates the missing folders above `absolute`; returns the ones it created, deepest first. */
async function ensureFolder(absolute: string): Promise<string[]> {
  const created: string[] = [];
  const first = await mkdir(dirname(absolute), { recursive: true });
  if (first === undefined) return created;
  for (let folder = dirname(absolute); folder.length >= first.length; folder = dirname(folder)) {
    created.push(folder);
    if (folder === first) break;
  }
  return created;
}

async function stage(write: FileWrite): Promise<Staged> {
  let mode: number | undefined;
  if (write.previous !== null) {
    const info = await stat(write.absolute);
    // Renaming over a file ignores its permissions (and root ignores them anyway): honour them here.
    if ((info.mode & 0o222) === 0) throw new FixWriteError(`${write.path} is read-only`);
    mode = info.mode & 0o7777;
  }
  const temp = tempPathFor(write.absolute);
  await writeFile(temp, write.content, { encoding: 'utf8', flag: 'wx' });
  if (mode !== undefined) await chmod(temp, mode);
  return { write, temp };
}

/** Moves a staged file into place; a new file must not replace one that appeared meanwhile. */
async function commit(staged: Staged): Promise<void> {
  if (staged.write.previous === null) {
    try {
      await link(staged.temp, staged.write.absolute);
    } catch (error) {
      // Some file systems have no hard links; there the existence check has to do.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
      if (await stat(staged.write.absolute).then(() => true, () => false)) throw error;
      await rename(staged.temp, staged.write.absolute);
      return;
    }
    // The file is in place; a temporary name left behind is only litter.
    await unlink(staged.temp).catch(() => undefined);
  } else {
    await rename(staged.temp, staged.write.absolute);
  }
}

/**
 * Writes every file or none: all contents go to temporary files beside their targets first, and
 * only when each of those is written are they renamed into place. A failure while renaming puts
 * back the files already replaced.
 */
export async function writeAtomically(writes: readonly FileWrite[]): Promise<void> {
  const staged: Staged[] = [];
  const createdFolders: string[] = [];
  const cleanUp = async () => {
    await Promise.all(staged.map((entry) => rm(entry.temp, { force: true })));
    for (const folder of createdFolders) await rmdir(folder).catch(() => undefined);
  };
  try {
    for (const write of writes) {
      if (write.previous === null) createdFolders.unshift(...(await ensureFolder(write.absolute)));
      staged.push(await stage(write));
    }
  } catch (error) {
    await cleanUp();
    const failed = writes[staged.length];
    const reason = error instanceof FixWriteError ? error.message : `cannot write ${failed?.path ?? 'a file'}: ${errorText(error)}`;
    throw new FixWriteError(`${reason}; no file was changed`);
  }

  const done: Staged[] = [];
  for (const entry of staged) {
    try {
      await commit(entry);
      done.push(entry);
    } catch (error) {
      const reason = `cannot replace ${entry.write.path}: ${errorText(error)}`;
      const unrestored: string[] = [];
      for (const previous of done.reverse()) {
        try {
          if (previous.write.previous === null) await unlink(previous.write.absolute);
          else await writeFile(previous.write.absolute, previous.write.previous, 'utf8');
        } catch {
          unrestored.push(previous.write.path);
        }
      }
      staged.splice(0, staged.length, ...staged.filter((candidate) => !done.includes(candidate)));
      await cleanUp();
      throw new FixWriteError(
        unrestored.length === 0 ? `${reason}; no file was changed` : `${reason}; could not restore ${unrestored.join(', ')}`,
      );
    }
  }
}
