import * as core from '@actions/core';
import { runConfigPublishAction } from './run.js';

await runConfigPublishAction(core);
