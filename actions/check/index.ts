import * as core from '@actions/core';
import { publishDiagramImages } from '../../app/github/autofix-action.js';
import { runCheckAction } from './run.js';

const outcome = await runCheckAction(core);
if (outcome) {
  try {
    // Before/after/diff images of diagram exports, and with `diagrams-output: commit` the regenerated PNGs.
    await publishDiagramImages(core, outcome.results);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
