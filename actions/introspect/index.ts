import * as core from '@actions/core';
import { runIntrospectAction } from './run.js';

await runIntrospectAction(core);
