import * as core from '@actions/core';
import { runCheckAction } from './run.js';

await runCheckAction(core);
