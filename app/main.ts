import { run } from 'probot';
import platformKitApp from './probot.js';

// With APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET set, Probot serves the App;
// without APP_ID it serves its setup page, which registers a new App from ./app.yml (read from
// the working directory, so run `npm start` at the repository root) and writes the credentials to .env.
await run(platformKitApp);
