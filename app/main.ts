import { run } from 'probot';
import { startupProblems, startWebProcess } from './app-runtime/web.js';
import { disposeDefaultServices } from './checks/services.js';
import platformKitApp from './probot.js';

const problems = startupProblems(process.env);
if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`platform-kit: ${problem}\n`);
  process.exit(2);
}

// With APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET set, the App serves its
// webhooks, /healthz, /readyz and /metrics (DATABASE_URL: the queue is ops.runs, for
// `platform-kit worker` processes). Without APP_ID Probot serves its setup page, which registers a
// new App from ./app.yml (read from the working directory, so run `npm start` at the repository
// root) and writes the credentials to .env.
const stop: () => Promise<unknown> = process.env.APP_ID
  ? await startWebProcess(process.env).then((web) => () => web.stop())
  : await run(platformKitApp).then((server) => () => server.stop());

// The warm diagram renderer (a headless Chromium) and the shadow databases outlive single events:
// release them on shutdown, or the browser process would be left behind.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void (async () => {
      await stop().catch(() => undefined);
      await disposeDefaultServices().catch(() => undefined);
      process.exit(0);
    })();
  });
}
