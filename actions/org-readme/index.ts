import * as core from '@actions/core';
import { runOrgReadmeAction } from './run.js';

await runOrgReadmeAction(core);
