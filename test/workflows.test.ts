import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..');
const yaml = (path: string) => parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

describe('reusable workflows', () => {
  it('introspection.yml passes only inputs the introspect Action declares, and every secret it takes', () => {
    const action = yaml('actions/introspect/action.yml') as { inputs: Record<string, unknown> };
    const workflow = yaml('.github/workflows/introspection.yml') as {
      on: { workflow_call: { inputs: Record<string, unknown>; secrets: Record<string, unknown> } };
      jobs: { introspect: { steps: Step[] } };
    };
    const step = workflow.jobs.introspect.steps.find((candidate) => candidate.uses?.includes('actions/introspect'));
    expect(step).toBeDefined();
    const passed = Object.keys(step?.with ?? {});
    for (const input of passed) expect(Object.keys(action.inputs)).toContain(input);
    const text = JSON.stringify(step?.with);
    for (const secret of Object.keys(workflow.on.workflow_call.secrets)) expect(text).toContain(`secrets.${secret}`);
    for (const input of Object.keys(workflow.on.workflow_call.inputs)) expect(text).toContain(`inputs.${input}`);
  });
});
