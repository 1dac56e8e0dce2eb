const tails = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every earlier task with the same key has settled. Events about one pull
 * request (a redelivery racing the original, a quick push after opening) then read and write its
 * check runs and comment one after the other instead of both creating them.
 */
export async function serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
