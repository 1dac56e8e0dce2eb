import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { githubClientForAction, scanGitHubOrg } from '../introspection/github-inventory.js';
import { buildOrgReadmeView, readmeInventoryFrom, type OrgReadmeOptions, type ReadmeInventory } from '../org-readme/model.js';
import { parseOrgReadmeOptions } from '../org-readme/options.js';
import { DEFAULT_TEMPLATE_PATH, renderOrgReadme } from '../org-readme/render.js';

export const ORG_README_USAGE = `Usage:
  platform-kit org-readme render (--inventory FILE | --org ORG) [options]

  Renders the organisation's profile README (profile/README.md of its .github repository) from an
  inventory, locally; nothing is written to GitHub.

  --inventory FILE  an inventory JSON: {"org", "repositories": [...]} as a GitHub org scan returns it,
                    or {"org", "objects": [...]} as the control plane stores it
  --org ORG         scan the organisation now instead (needs GITHUB_TOKEN)
  --template FILE   the Handlebars template (default ${DEFAULT_TEMPLATE_PATH} of Platform Kit)
  --options FILE    YAML or JSON: categories [{id, title, topics, namePattern}], includeArchived,
                    collapseAfter, descriptionLength
  --out FILE        write the README there (default: stdout); left untouched when rendering fails
`;

export class OrgReadmeUsageError extends Error {}

/** The template shipped with Platform Kit, next to the sources (and copied next to the Action bundle). */
export function bundledTemplatePath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', DEFAULT_TEMPLATE_PATH);
}

interface OrgReadmeIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new OrgReadmeUsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export async function readInventoryFile(path: string): Promise<ReadmeInventory> {
  const text = await readText(path, '--inventory');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OrgReadmeUsageError(`${path}: not JSON: ${(error as Error).message}`);
  }
  try {
    return readmeInventoryFrom(value, path);
  } catch (error) {
    throw new OrgReadmeUsageError((error as Error).message);
  }
}

/** Writes through a temporary file and a rename: a reader never sees half a README. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

export async function runOrgReadmeCommand(args: string[], io: OrgReadmeIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    (sub === undefined ? io.stderr : io.stdout)(ORG_README_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'render') throw new OrgReadmeUsageError(`unknown command "org-readme ${sub}" (did you mean "org-readme render"?)`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { inventory: { type: 'string' }, org: { type: 'string' }, template: { type: 'string' }, options: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    throw new OrgReadmeUsageError(`${((error as Error).message.split('\n')[0] ?? '').replace(/\.$/, '')} (see platform-kit org-readme --help)`);
  }
  if (values.help) {
    io.stdout(ORG_README_USAGE);
    return 0;
  }
  if ((values.inventory === undefined) === (values.org === undefined)) throw new OrgReadmeUsageError('give exactly one of --inventory FILE or --org ORG');

  let options: OrgReadmeOptions = {};
  if (values.options !== undefined) {
    const file = resolve(io.cwd, values.options);
    try {
      options = parseOrgReadmeOptions(await readText(file, '--options'), values.options);
    } catch (error) {
      throw new OrgReadmeUsageError((error as Error).message);
    }
  }
  const templatePath = values.template !== undefined ? resolve(io.cwd, values.template) : bundledTemplatePath();
  const template = await readText(templatePath, '--template');

  let inventory: ReadmeInventory;
  if (values.inventory !== undefined) {
    inventory = await readInventoryFile(resolve(io.cwd, values.inventory));
  } else {
    const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
    if (!token) throw new OrgReadmeUsageError('--org needs GITHUB_TOKEN (or GH_TOKEN) to scan the organisation');
    const org = values.org as string;
    const scan = await scanGitHubOrg(githubClientForAction(token), org, { teams: false, onProgress: (done, total) => done % 50 === 0 && io.stderr(`platform-kit: ${done}/${total} repositories read\n`) });
    inventory = { org, scannedAt: new Date().toISOString(), repositories: scan.repositories };
  }

  const rendered = renderOrgReadme({ view: buildOrgReadmeView(inventory, options), template, templatePath: values.template ?? DEFAULT_TEMPLATE_PATH });
  if (values.out === undefined) io.stdout(rendered.markdown);
  else {
    await writeAtomically(resolve(io.cwd, values.out), rendered.markdown);
    io.stderr(`platform-kit: wrote ${values.out} (${Buffer.byteLength(rendered.markdown)} bytes${rendered.compact ? ', compacted for a large organisation' : ''})\n`);
  }
  return 0;
}
