import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

  it('config-publish.yml passes only inputs the config-publish Action declares, and every input and secret it takes', () => {
    const action = yaml('actions/config-publish/action.yml') as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    const workflow = yaml('.github/workflows/config-publish.yml') as {
      on: { workflow_call: { inputs: Record<string, unknown>; secrets: Record<string, unknown>; outputs: Record<string, { value: string }> } };
      jobs: { publish: { outputs: Record<string, string>; steps: Step[] } };
    };
    const step = workflow.jobs.publish.steps.find((candidate) => candidate.uses?.includes('actions/config-publish'));
    expect(step).toBeDefined();
    for (const input of Object.keys(step?.with ?? {})) expect(Object.keys(action.inputs)).toContain(input);
    const text = JSON.stringify(step?.with);
    for (const secret of Object.keys(workflow.on.workflow_call.secrets)) expect(text).toContain(`secrets.${secret}`);
    for (const input of Object.keys(workflow.on.workflow_call.inputs)) expect(text).toContain(`inputs.${input}`);
    for (const output of Object.keys(workflow.on.workflow_call.outputs)) {
      expect(Object.keys(action.outputs)).toContain(output);
      expect(workflow.jobs.publish.outputs[output]).toBe(`\${{ steps.publish.outputs.${output} }}`);
    }
  });
});

const WORKFLOWS_DIR = join(ROOT, '.github', 'workflows');
const WORKFLOW_TEMPLATES_DIR = join(ROOT, '.github', 'workflow-templates');
const REPO_TEMPLATES = ['repo-app', 'repo-service', 'repo-lib', 'repo-connector'];

interface ActionInput {
  description?: string;
  required?: boolean;
  default?: unknown;
}

interface WorkflowCallInput extends ActionInput {
  type?: string;
}

interface Job {
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, unknown> | 'inherit';
  steps?: Step[];
  permissions?: unknown;
}

interface Workflow {
  on?: { workflow_call?: { inputs?: Record<string, WorkflowCallInput>; secrets?: Record<string, ActionInput> } } | string | string[];
  permissions?: unknown;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();

function workflowCall(workflow: Workflow) {
  return typeof workflow.on === 'object' && !Array.isArray(workflow.on) ? workflow.on.workflow_call : undefined;
}

/** The action.yml of one of this project's Actions named by `uses:`, or null for anyone else's. */
function ourAction(uses: string): string | null {
  const match = /^platform-kit\/platform-kit(\/actions\/[\w-]+)?@[\w.-]+$/.exec(uses);
  if (!match) return null;
  return match[1] ? `${match[1].slice(1)}/action.yml` : 'action.yml';
}

/** The file of one of this project's reusable workflows named by a job's `uses:`, or null. */
function ourWorkflow(uses: string): string | null {
  const match = /^platform-kit\/platform-kit\/(\.github\/workflows\/[\w-]+\.ya?ml)@[\w.-]+$/.exec(uses);
  return match ? (match[1] as string) : null;
}

/** Problems with the inputs one `uses:` passes, as readable lines (empty when it is right). */
function callProblems(where: string, uses: string, passed: Record<string, unknown> | undefined, passedSecrets?: Record<string, unknown> | 'inherit'): string[] {
  const problems: string[] = [];
  const action = ourAction(uses);
  const called = ourWorkflow(uses);
  if (!action && !called) return problems;
  if (action) {
    const inputs = (yaml(action) as { inputs?: Record<string, ActionInput> }).inputs ?? {};
    for (const name of Object.keys(passed ?? {})) if (!(name in inputs)) problems.push(`${where}: ${uses} has no input "${name}" (${action} declares ${Object.keys(inputs).join(', ')})`);
    for (const [name, input] of Object.entries(inputs)) if (input.required && input.default === undefined && !(name in (passed ?? {}))) problems.push(`${where}: ${uses} needs input "${name}"`);
  }
  if (called) {
    if (!existsSync(join(ROOT, called))) return [`${where}: ${uses} names ${called}, which does not exist`];
    const call = workflowCall(yaml(called) as unknown as Workflow);
    if (!call) return [`${where}: ${called} is not a reusable workflow (no on.workflow_call)`];
    const inputs = call.inputs ?? {};
    const secrets = call.secrets ?? {};
    for (const name of Object.keys(passed ?? {})) if (!(name in inputs)) problems.push(`${where}: ${called} has no input "${name}"`);
    for (const [name, input] of Object.entries(inputs)) if (input.required && !(name in (passed ?? {}))) problems.push(`${where}: ${called} needs input "${name}"`);
    if (passedSecrets !== 'inherit') {
      for (const name of Object.keys(passedSecrets ?? {})) if (!(name in secrets)) problems.push(`${where}: ${called} has no secret "${name}"`);
      for (const [name, secret] of Object.entries(secrets)) if (secret.required && !(name in (passedSecrets ?? {}))) problems.push(`${where}: ${called} needs secret "${name}"`);
    }
  }
  return problems;
}

function callsIn(path: string): string[] {
  const workflow = yaml(path) as unknown as Workflow;
  const problems: string[] = [];
  for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
    if (job.uses) problems.push(...callProblems(`${path} jobs.${jobId}`, job.uses, job.with, job.secrets));
    (job.steps ?? []).forEach((step, index) => {
      if (step.uses) problems.push(...callProblems(`${path} jobs.${jobId}.steps[${index}]`, step.uses, step.with));
    });
  }
  return problems;
}

describe('every workflow', () => {
  const workflows = yamlFiles(WORKFLOWS_DIR).map((name) => `.github/workflows/${name}`);

  it.each(workflows)('%s parses and passes only inputs the Actions and reusable workflows it calls declare', (path) => {
    expect(() => yaml(path)).not.toThrow();
    expect(callsIn(path)).toEqual([]);
  });

  it('finds a wrong input (the check itself)', () => {
    expect(callProblems('x', 'platform-kit/platform-kit/actions/org-readme@v1', { org: 'a', 'github-token': 't', colour: 'blue' })).toEqual([
      expect.stringContaining('has no input "colour"'),
    ]);
    expect(callProblems('x', 'platform-kit/platform-kit/actions/org-readme@v1', {})).toEqual(['x: platform-kit/platform-kit/actions/org-readme@v1 needs input "github-token"']);
    expect(callProblems('x', 'platform-kit/platform-kit/.github/workflows/checks.yml@v1', { 'fail-on': 'error', colour: 'blue' })).toEqual(['x: .github/workflows/checks.yml has no input "colour"']);
    expect(callProblems('x', 'actions/checkout@v4', { anything: 1 })).toEqual([]);
  });
});

describe('the reusable workflows', () => {
  const reusable = ['checks.yml', 'schema-check.yml', 'diagrams.yml', 'doc-sync.yml', 'introspection.yml', 'org-readme.yml', 'platform-kit-check.yml'];

  it.each(reusable)('%s: documented typed inputs, least-privilege permissions, pinned actions, a concurrency group', (name) => {
    const path = `.github/workflows/${name}`;
    // Without comments: the usage examples at the top name the caller's own secrets.
    const text = readFileSync(join(ROOT, path), 'utf8').replace(/^\s*#.*$/gm, '');
    const workflow = yaml(path) as unknown as Workflow;
    const call = workflowCall(workflow);
    expect(call).toBeDefined();
    for (const [input, spec] of Object.entries(call?.inputs ?? {})) {
      expect([input, typeof spec.description === 'string' && spec.description.length > 10]).toEqual([input, true]);
      expect(['string', 'boolean', 'number']).toContain(spec.type);
    }
    for (const [secret, spec] of Object.entries(call?.secrets ?? {})) expect([secret, typeof spec.description]).toEqual([secret, 'string']);
    // Every expression names a declared input or secret.
    for (const match of text.matchAll(/\binputs\.([\w-]+)/g)) expect(Object.keys(call?.inputs ?? {})).toContain(match[1]);
    for (const match of text.matchAll(/\bsecrets\.([\w-]+)/g)) expect(Object.keys(call?.secrets ?? {})).toContain(match[1]);
    // Explicit permissions, never write-all; write only where a job needs it.
    expect(typeof workflow.permissions).toBe('object');
    expect(JSON.stringify(workflow.permissions)).not.toMatch(/write-all|"contents":"write"/);
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses || ourAction(step.uses)) continue;
        expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@v\d+$/);
      }
    }
    if (name !== 'introspection.yml' && name !== 'platform-kit-check.yml') expect(workflow.concurrency).toBeDefined();
  });
});

describe('workflow templates and repository templates', () => {
  const templates = yamlFiles(WORKFLOW_TEMPLATES_DIR);

  it.each(templates)('.github/workflow-templates/%s has its properties.json and calls real inputs', (name) => {
    const properties = JSON.parse(readFileSync(join(WORKFLOW_TEMPLATES_DIR, name.replace(/\.ya?ml$/, '.properties.json')), 'utf8')) as Record<string, unknown>;
    expect(typeof properties.name).toBe('string');
    expect(typeof properties.description).toBe('string');
    expect(Array.isArray(properties.categories)).toBe(true);
    expect(callsIn(`.github/workflow-templates/${name}`)).toEqual([]);
    const workflow = yaml(`.github/workflow-templates/${name}`) as unknown as Workflow;
    expect(Object.values(workflow.jobs).every((job) => job.uses && ourWorkflow(job.uses))).toBe(true);
  });

  it.each(REPO_TEMPLATES)('templates/%s calls real reusable workflows with real inputs', (template) => {
    const dir = `templates/${template}/.github/workflows`;
    const files = yamlFiles(join(ROOT, dir));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(callsIn(`${dir}/${file}`)).toEqual([]);
  });
});
