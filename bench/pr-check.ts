import { pathToFileURL } from 'node:url';
import platformKitApp from '../app/probot.js';
import { startAppServer } from '../test/helpers/github/app-server.js';
import { FakeGitHub } from '../test/helpers/github/fake-github.js';
import { pullRequestEvent } from '../test/helpers/github/webhook-payloads.js';

/**
 * A 50-file pull request opened, delivered as a signed webhook to Probot's HTTP server, answered by
 * a fake GitHub (every request validated against GitHub's OpenAPI description). Prints the GitHub
 * API calls the App makes and how long the webhook takes to answer, against GitHub's 10 s limit,
 * with Probot's write throttling (production: writes a second apart) and without it (our own cost).
 */

const FILES = 50;
const RUNS = 5;
const GITHUB_WEBHOOK_TIMEOUT_MS = 10_000;

interface Measurement {
  apiCalls: number;
  tokenRequests: number;
  medianMs: number;
  maxMs: number;
}

async function measure(throttle: boolean): Promise<Measurement> {
  const fake = new FakeGitHub().start();
  const server = await startAppServer({ fake, app: platformKitApp, throttle });
  try {
    const repo = fake.addRepo({ owner: 'acme', name: 'shop' });
    const main = fake.commit(null, { 'README.md': '# Shop\n' });
    fake.setBranch(repo, 'main', main);
    const times: number[] = [];
    let apiCalls = 0;
    let tokenRequests = 0;
    // Run 0 warms up (installation token, module loading) and is not timed.
    for (let run = 0; run <= RUNS; run++) {
      const files: Record<string, string> = {};
      for (let index = 0; index < FILES; index++) files[`src/run-${run}/module-${index}.ts`] = `export const value${index} = ${index};\n`;
      const head = fake.commit(main, files);
      fake.openPullRequest(repo, { number: run + 1, base: { sha: main }, head: { sha: head } });
      const mark = fake.requests.length;
      // The webhook is acknowledged before the checks run; deliver() waits until the App is idle, so
      // timing it whole gives the App's cost for the event.
      const started = performance.now();
      const delivery = await server.deliver('pull_request', pullRequestEvent(fake, repo, run + 1));
      const elapsed = performance.now() - started;
      if (delivery.status !== 200) throw new Error(`webhook answered ${delivery.status}: ${delivery.text}`);
      if (run === 0) continue;
      const requests = fake.requests.slice(mark);
      apiCalls = requests.filter((request) => request.operationId !== 'apps/create-installation-access-token').length;
      tokenRequests += requests.length - apiCalls;
      times.push(elapsed);
    }
    if (fake.violations.length > 0) throw new Error(`requests GitHub would reject:\n${fake.violations.join('\n')}`);
    times.sort((a, b) => a - b);
    return { apiCalls, tokenRequests, medianMs: times[Math.floor(times.length / 2)] ?? 0, maxMs: times.at(-1) ?? 0 };
  } finally {
    await server.stop();
    fake.stop();
  }
}

export async function benchPrCheck(): Promise<void> {
  const throttled = await measure(true);
  const unthrottled = await measure(false);
  console.log(`PR check: a ${FILES}-file pull request, webhook → check runs + sticky comment (${RUNS} runs, median)`);
  console.log(`  GitHub API calls per event:        ${throttled.apiCalls} (+1 installation token per hour, cached by Probot)`);
  console.log(
    `  webhook answered, Probot defaults: ${throttled.medianMs.toFixed(0)} ms (max ${throttled.maxMs.toFixed(0)} ms; back-to-back events, and Probot's throttling lets an installation write once a second and create a comment once every 3 s)`,
  );
  console.log(`  webhook answered, no throttling:   ${unthrottled.medianMs.toFixed(0)} ms (max ${unthrottled.maxMs.toFixed(0)} ms; the App's own cost)`);
  console.log(`  GitHub's limit:                    ${GITHUB_WEBHOOK_TIMEOUT_MS} ms`);
  if (throttled.apiCalls !== unthrottled.apiCalls) throw new Error('API call counts differ between runs');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchPrCheck().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
