#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx platform-kit` works from a clone without a build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli.ts');
await main();
