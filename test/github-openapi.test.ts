import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { githubOpenApi } from './helpers/github/openapi.js';

describe('OpenAPI request validator', () => {
  const validator = githubOpenApi();

  it('matches a route template and decodes its parameters', () => {
    expect(validator.match('PATCH', '/repos/acme/shop/check-runs/42')).toEqual({
      operationId: 'checks/update',
      template: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
      params: { owner: 'acme', repo: 'shop', check_run_id: '42' },
    });
    // `path` may span folders (x-multi-segment), encoded or not.
    expect(validator.match('GET', '/repos/acme/shop/contents/spec%2Fcheckout%2Fprd.md')?.params.path).toBe('spec/checkout/prd.md');
    expect(validator.match('GET', '/repos/acme/shop/contents/spec/checkout/prd.md')?.params.path).toBe('spec/checkout/prd.md');
    // The most specific template wins over a multi-segment `{ref}`.
    expect(validator.match('GET', '/repos/acme/shop/commits/abc/check-runs')?.operationId).toBe('checks/list-for-ref');
  });

  it('accepts a well-formed check run', () => {
    const result = validator.validate({
      method: 'POST',
      url: '/repos/acme/shop/check-runs',
      body: {
        name: 'platform-kit/spec-bundle',
        head_sha: 'a'.repeat(40),
        status: 'completed',
        conclusion: 'failure',
        completed_at: '2025-01-01T00:00:00Z',
        output: { title: '1 error', summary: 'One problem.', annotations: [{ path: 'a.md', start_line: 1, end_line: 1, annotation_level: 'failure', message: 'm' }] },
      },
    });
    expect(result.errors).toEqual([]);
  });

  it('rejects a body that does not fit the operation', () => {
    const wrongValue = validator.validate({ method: 'POST', url: '/repos/acme/shop/check-runs', body: { name: 'x', head_sha: 'abc', conclusion: 'passed' } });
    expect(wrongValue.errors).toEqual([expect.stringContaining('body.conclusion must be equal to one of the allowed values')]);

    const missing = validator.validate({ method: 'POST', url: '/repos/acme/shop/check-runs', body: { name: 'x' } });
    expect(missing.errors).toEqual([expect.stringContaining("must have required property 'head_sha'")]);

    const tooMany = validator.validate({
      method: 'PATCH',
      url: '/repos/acme/shop/check-runs/1',
      body: { output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, () => ({ path: 'a', start_line: 1, end_line: 1, annotation_level: 'notice', message: 'm' })) } },
    });
    expect(tooMany.errors).toEqual([expect.stringContaining('body.output.annotations must NOT have more than 50 items')]);

    // GitHub would drop a misspelt key silently; the harness does not.
    const misspelt = validator.validate({ method: 'POST', url: '/repos/acme/shop/check-runs', body: { name: 'x', head_sha: 'abc', external_ids: 'k' } });
    expect(misspelt.errors).toEqual([expect.stringContaining('must NOT have additional properties "external_ids"')]);
  });

  it('rejects an unknown route, a wrong method and an undeclared query parameter', () => {
    expect(validator.validate({ method: 'GET', url: '/repos/acme/shop/check-suns' }).errors).toEqual([
      "GET /repos/acme/shop/check-suns: no such route in GitHub's REST API description",
    ]);
    expect(validator.validate({ method: 'DELETE', url: '/repos/acme/shop/check-runs/1' }).errors).toHaveLength(1);
    expect(validator.validate({ method: 'GET', url: '/repos/acme/shop/pulls/1/files?perpage=100' }).errors).toEqual([
      expect.stringContaining('unknown query parameter "perpage"'),
    ]);
    expect(validator.validate({ method: 'GET', url: '/repos/acme/shop/commits/abc/check-runs?filter=newest' }).errors).toEqual([
      expect.stringContaining('query.filter must be equal to one of the allowed values'),
    ]);
  });
});

describe('fake GitHub', () => {
  let fake: FakeGitHub;
  let octokit: Octokit;

  beforeEach(() => {
    fake = new FakeGitHub().start();
    fake.addRepo({ owner: 'acme', name: 'shop' });
    octokit = new Octokit({ auth: fake.issueToken() });
  });
  afterEach(() => fake.stop());

  it('records a request with a bad body as a violation and answers 422', async () => {
    await expect(octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'acme', repo: 'shop', name: 'x', head_sha: 'abc', conclusion: 'passed' } as never)).rejects.toMatchObject({ status: 422 });
    expect(fake.violations).toEqual([expect.stringContaining('POST /repos/acme/shop/check-runs (checks/create): body.conclusion')]);
  });

  it('records an unknown route as a violation and answers 404', async () => {
    await expect(octokit.request('GET /repos/{owner}/{repo}/check-suns', { owner: 'acme', repo: 'shop' })).rejects.toMatchObject({ status: 404 });
    expect(fake.violations).toEqual(["GET /repos/acme/shop/check-suns: no such route in GitHub's REST API description"]);
    expect(fake.requests).toEqual([expect.objectContaining({ method: 'GET', path: '/repos/acme/shop/check-suns', status: 404 })]);
  });

  it('refuses requests without a token it issued', async () => {
    const stranger = new Octokit({ auth: 'ghs_unknown' });
    await expect(stranger.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'acme', repo: 'shop', pull_number: 1 })).rejects.toMatchObject({ status: 401 });
    expect(fake.violations).toEqual([]);
  });
});
