import { run } from 'probot';
import { disposeDefaultServices } from './checks/services.js';
import platformKitApp from './probot.js';

// With APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET set, Probot serves the App;
// without APP_ID it serves its setup page, which registers a new App from ./app.yml (read from
// the working directory, so run `npm start` at the repository root) and writes the credentials to .env.
const server = await run(platformKitApp);

// The warm diagram renderer (a headless Chromium) and the shadow databases outlive single events:
// release them on shutdown, or the browser process would be left behind.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void (async () => {
      await server.stop().catch(() => undefined);
      await disposeDefaultServices().catch(() => undefined);
      process.exit(0);
    })();
  });
}
