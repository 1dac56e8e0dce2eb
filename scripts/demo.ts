/**
 * `npm run demo`: a throw-away repository with a feature branch that breaks every check, checked
 * the way the GitHub App checks a pull request, printed the way each driver publishes it.
 * No network, no credentials: git and the engine only.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configErrorResult, overallConclusion, runChecks } from '../app/checks/engine.js';
import { withDefaultServices } from '../app/checks/services.js';
import type { CheckResult } from '../app/checks/types.js';
import { CONFIG_PATH, loadConfigFile } from '../app/config/load.js';
import { loadLocalChangeSet, type PullRequestMetadata } from '../app/git/local-changeset.js';
import { checkRunOutput, formatText, renderComment } from '../app/report/index.js';
import { createTempRepo } from './lib/temp-repo.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'demo');

interface DemoPullRequest extends PullRequestMetadata {
  headBranch: string;
  baseBranch: string;
}

function heading(text: string): void {
  console.log(`\n${'═'.repeat(78)}\n${text}\n${'═'.repeat(78)}\n`);
}

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const pr = JSON.parse(await readFile(join(FIXTURES, 'pull-request.json'), 'utf8')) as DemoPullRequest;

  const repo = await createTempRepo('platform-kit-demo-');
  try {
    heading('Building the demo repository');
    console.log(`repository:     ${repo.dir}`);
    await repo.copyFrom(join(FIXTURES, 'base'));
    const baseSha = await repo.commit('acme-shop: product search');
    const width = Math.max(pr.baseBranch.length, pr.headBranch.length) + 2;
    console.log(`branch ${`${pr.baseBranch}:`.padEnd(width)} ${baseSha.slice(0, 7)}  test/fixtures/demo/base/`);
    await repo.git('checkout', '--quiet', '-b', pr.headBranch);
    await repo.copyFrom(join(FIXTURES, 'feature'));
    const headSha = await repo.commit(pr.title ?? 'feature');
    console.log(`branch ${`${pr.headBranch}:`.padEnd(width)} ${headSha.slice(0, 7)}  test/fixtures/demo/feature/ on top (checked out)`);
    console.log(`pull request:   #${pr.number} "${pr.title}", labels [${(pr.labels ?? []).join(', ')}]`);
    console.log(`body:\n${(pr.body ?? '').replace(/^/gm, '  │ ')}`);

    // As the App does on pull_request.opened: config from the repository, the change set, the engine.
    const configText = await readFile(join(repo.dir, CONFIG_PATH), 'utf8');
    const loaded = loadConfigFile(configText, CONFIG_PATH);
    let results: CheckResult[];
    if (loaded.ok) {
      console.log(`config:         ${CONFIG_PATH} (loaded, valid)`);
      const changeSet = await loadLocalChangeSet({ repoDir: repo.dir, base: pr.baseBranch, head: pr.headBranch, pullRequest: pr });
      const added = changeSet.files.reduce((sum, file) => sum + file.additions, 0);
      console.log(`change:         ${changeSet.files.length} files, +${added} lines (merge-base ${changeSet.base.sha.slice(0, 7)}..${changeSet.head.sha.slice(0, 7)})`);
      results = await withDefaultServices((services) => runChecks({ changeSet, config: loaded.config, services }));
    } else {
      console.log(`config:         ${CONFIG_PATH} is invalid; the App reports it as platform-kit/config`);
      results = [configErrorResult(loaded.errors)];
    }

    heading('1. CLI report  (platform-kit check --base main --format text)');
    process.stdout.write(formatText(results));
    const cliExit = results.some((result) => result.findings.some((finding) => finding.severity === 'error')) ? 1 : 0;
    console.log(`\n(exit code ${cliExit})`);

    heading('2. Check runs, as the App publishes them');
    for (const result of results) {
      const output = checkRunOutput(result);
      console.log(`▶ ${output.name}: ${output.conclusion} — ${output.title}\n`);
      console.log(output.summary.replace(/^/gm, '  '));
      if (output.annotations.length > 0) {
        console.log(`\n  annotations (${output.annotations.length}):`);
        for (const annotation of output.annotations) {
          console.log(`    ${annotation.path}:${annotation.start_line}  ${annotation.annotation_level}  ${annotation.title ?? annotation.message}`);
        }
      }
      console.log('');
    }

    heading('3. Sticky pull request comment (Markdown)');
    console.log(renderComment(results, { headSha }));

    heading('Done');
    console.log(`overall conclusion: ${overallConclusion(results)} (a demo: this script exits 0 anyway)`);
    console.log(keep ? `kept the repository: ${repo.dir}` : 'removed the demo repository (pass --keep to keep it)');
  } finally {
    if (!keep) await repo.remove();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
});
