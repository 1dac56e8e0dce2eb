/** Migration versions as the Supabase CLI writes them: UTC `YYYYMMDDHHMMSS` (Go layout `20060102150405`). */

const TIMESTAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** The instant a 14-digit version names, or null when it is not a valid UTC date and time. */
export function versionTime(version: string): Date | null {
  const match = TIMESTAMP.exec(version);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2024-02-30 over to March: a round trip tells a real date from a rolled one.
  return formatVersion(time) === version ? time : null;
}

export function formatVersion(time: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return (
    pad(time.getUTCFullYear(), 4) +
    pad(time.getUTCMonth() + 1) +
    pad(time.getUTCDate()) +
    pad(time.getUTCHours()) +
    pad(time.getUTCMinutes()) +
    pad(time.getUTCSeconds())
  );
}

/**
 * The first free 14-digit version that sorts after `after` (one second later, skipping versions in
 * `taken`). When `after` is not a timestamp the search starts at `fallback` (the clock); null when no
 * version within a few hours of the start qualifies (e.g. `after` is `99999999999999`).
 */
export function nextFreeVersion(after: string, taken: ReadonlySet<string>, fallback: Date): string | null {
  const start = versionTime(after);
  let time = start ? new Date(start.getTime() + 1000) : fallback;
  for (let attempt = 0; attempt < 10_000; attempt += 1) {
    const version = formatVersion(time);
    if (version > after && !taken.has(version)) return version;
    time = new Date(time.getTime() + 1000);
  }
  return null;
}
