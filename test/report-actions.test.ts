import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import * as core from '@actions/core';
import type { AnnotationProperties } from '@actions/core';
import { JOB_SUMMARY_BUDGET_BYTES, reportToActions, type ActionsCoreLike } from '../app/report/index.js';
import { finding, LONE_SURROGATE, manyFindings, moreCount, result } from './report-helpers.js';

// The real module must fit the interface the reporter asks for.
const realCore: ActionsCoreLike = core;

type Call = { level: 'error' | 'warning' | 'notice'; message: string; properties?: AnnotationProperties };

function recordingCore(options: { failWrite?: boolean } = {}) {
  const calls: Call[] = [];
  const info: string[] = [];
  const written: string[] = [];
  let buffer = '';
  const fake: ActionsCoreLike = {
    error: (message, properties) => void calls.push({ level: 'error', message, properties }),
    warning: (message, properties) => void calls.push({ level: 'warning', message, properties }),
    notice: (message, properties) => void calls.push({ level: 'notice', message, properties }),
    info: (message) => void info.push(message),
    summary: {
      addRaw(text) {
        buffer += text;
        return this;
      },
      async write() {
        if (options.failWrite) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY.');
        written.push(buffer);
        buffer = '';
        return this;
      },
    },
  };
  return { fake, calls, info, written };
}

describe('reportToActions with a recording core', () => {
  it('emits one annotation per finding, errors first, with file, lines and columns', async () => {
    const { fake, calls, written } = recordingCore();
    const report = await reportToActions(
      [
        result([
          finding({ severity: 'notice', ruleId: 'n' }),
          finding({ startLine: 4, endLine: 4, startColumn: 2, endColumn: 6 }),
          finding({ severity: 'warning', startLine: 5, endLine: 9, startColumn: 2, ruleId: 'w' }),
          finding({ path: undefined, startLine: undefined, endLine: undefined, ruleId: 'link-spec', title: 'Link a spec' }),
        ]),
      ],
      fake,
    );
    expect(calls.map((c) => c.level)).toEqual(['error', 'error', 'warning', 'notice']);
    expect(calls[0]?.properties).toEqual({
      title: 'Missing required file (spec-bundle/required-file)',
      file: 'spec/login/plan.md',
      startLine: 4,
      endLine: 4,
      startColumn: 2,
      endColumn: 6,
    });
    expect(calls[0]?.message).toBe(
      'spec/login is missing tasks.md.\nDocs: https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/required-file.md',
    );
    // A finding about the whole change has no file: a job-level annotation.
    expect(calls[1]?.properties).toEqual({ title: 'Link a spec (spec-bundle/link-spec)' });
    expect(calls[2]?.properties).toEqual({ title: 'Missing required file (spec-bundle/w)', file: 'spec/login/plan.md', startLine: 5, endLine: 9 });
    expect(report.annotations).toEqual({ error: 2, warning: 1, notice: 1 });
    expect(report.hiddenAnnotations).toEqual({ error: 0, warning: 0, notice: 0 });
    expect(report.summaryWritten).toBe(true);
    expect(written).toEqual([report.summaryMarkdown]);
    expect(report.summaryMarkdown).toContain('## ❌ Platform Kit: 2 errors, 1 warning, 1 notice');
    expect(report.summaryMarkdown).toContain('| platform-kit/spec-bundle | ❌ failure | 2 | 1 | 1 |');
    expect(report.summaryMarkdown).toContain('| `spec/login/plan.md:4` | ❌ error |');
    expect(report.summaryMarkdown).toContain('| whole change | ❌ error |');
    expect(report.summaryMarkdown).not.toContain('will not be shown');
  });

  it('lists every finding in the summary and says how many annotations GitHub hides', async () => {
    const { fake, calls } = recordingCore();
    const findings = [
      ...Array.from({ length: 25 }, (_, i) => finding({ startLine: i + 1, message: `error ${i} | with a pipe` })),
      ...Array.from({ length: 12 }, (_, i) => finding({ severity: 'warning', startLine: i + 1 })),
      ...Array.from({ length: 3 }, (_, i) => finding({ severity: 'notice', startLine: i + 1 })),
    ];
    const report = await reportToActions([result(findings)], fake);
    expect(calls).toHaveLength(40);
    expect(report.hiddenAnnotations).toEqual({ error: 15, warning: 2, notice: 0 });
    expect(report.summaryMarkdown).toContain('17 annotations (15 error, 2 warning) will not be shown');
    const rows = report.summaryMarkdown.split('\n').filter((line) => line.startsWith('| `spec/login/plan.md:'));
    expect(rows).toHaveLength(40);
    expect(report.summaryMarkdown).toContain('error 0 \\| with a pipe');
  });

  it('keeps the summary under 1 MiB with 5,000 long multibyte findings and says how many are left out', async () => {
    const { fake } = recordingCore();
    const report = await reportToActions([result(manyFindings(5_000, { messageRepeat: 40 }))], fake);
    const bytes = Buffer.byteLength(report.summaryMarkdown, 'utf8');
    expect(bytes).toBeLessThanOrEqual(JOB_SUMMARY_BUDGET_BYTES);
    expect(bytes).toBeGreaterThan(900_000);
    expect(report.summaryMarkdown).not.toMatch(LONE_SURROGATE);
    const rows = report.summaryMarkdown.split('\n').filter((line) => line.startsWith('| `spec/'));
    expect(rows.length + (moreCount(report.summaryMarkdown) ?? 0)).toBe(5_000);
    expect(report.summaryMarkdown).toMatch(/… \d+ more findings not shown; the job summary is limited to 1 MiB\.\n$/);
  });

  it('does not throw when the job summary cannot be written', async () => {
    const { fake, info, calls } = recordingCore({ failWrite: true });
    const report = await reportToActions([result([finding()])], fake);
    expect(report.summaryWritten).toBe(false);
    expect(calls).toHaveLength(1);
    expect(info.join('\n')).toMatch(/^Job summary not written: Unable to find environment variable/);
  });
});

describe('reportToActions with the real @actions/core', () => {
  let dir: string | undefined;
  const savedSummary = process.env.GITHUB_STEP_SUMMARY;

  afterEach(async () => {
    jest.restoreAllMocks();
    if (savedSummary === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = savedSummary;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints workflow commands to stdout and appends the summary to GITHUB_STEP_SUMMARY', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pk-report-'));
    const summaryFile = join(dir, 'step-summary.md');
    await writeFile(summaryFile, 'earlier content\n');
    process.env.GITHUB_STEP_SUMMARY = summaryFile;
    const stdout: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });

    const report = await reportToActions(
      [
        result([
          finding({ path: 'supabase/migrations/2024 01,init.sql', startLine: 7, endLine: 7, startColumn: 3, endColumn: 12, message: 'Line one\nLine two: 100%' }),
          finding({ severity: 'warning', path: undefined, startLine: undefined, endLine: undefined, ruleId: 'link-spec', title: 'Link a spec' }),
        ]),
      ],
      realCore,
    );
    jest.restoreAllMocks();

    const commands = stdout.join('').split(/\r?\n/).filter((line) => line.startsWith('::'));
    expect(commands).toEqual([
      '::error title=Missing required file (spec-bundle/required-file),file=supabase/migrations/2024 01%2Cinit.sql,line=7,endLine=7,col=3,endColumn=12::' +
        'Line one%0ALine two: 100%25%0ADocs: https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/required-file.md',
      '::warning title=Link a spec (spec-bundle/link-spec)::spec/login is missing tasks.md.%0ADocs: https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/required-file.md',
    ]);
    const written = await readFile(summaryFile, 'utf8');
    expect(report.summaryWritten).toBe(true);
    expect(written).toBe(`earlier content\n${report.summaryMarkdown}`);
    expect(written).toContain('| `supabase/migrations/2024 01,init.sql:7` | ❌ error |');
  });
});
