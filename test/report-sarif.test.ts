import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { RuleMeta } from '../app/checks/types.js';
import { formatSarif, MAX_SARIF_RESULTS, pathToUri, type SarifLog } from '../app/report/index.js';
import { finding, manyFindings, result } from './report-helpers.js';

/*
 * No SARIF 2.1.0 schema package is installed, so this is the subset of the schema GitHub code
 * scanning relies on, written from GitHub's "SARIF support for code scanning" reference and the
 * errors its ingestion reports: version 2.1.0, a driver name, unique rule ids, every result with a
 * ruleId, a non-empty message.text and at least one physical location (GitHub rejects the whole
 * upload with "locationFromSarifResult: expected at least one location" otherwise), a relative
 * artifact URI, region.startLine ≥ 1, and GitHub's per-run caps (25,000 results, 20 tags per rule).
 * Objects are closed to the property names SARIF defines for them, so a misspelt key fails too.
 */
const githubSarifSubset = {
  type: 'object',
  required: ['$schema', 'version', 'runs'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { const: '2.1.0' },
    runs: { type: 'array', minItems: 1, maxItems: 20, items: { $ref: '#/definitions/run' } },
  },
  definitions: {
    level: { enum: ['none', 'note', 'warning', 'error'] },
    message: {
      type: 'object',
      required: ['text'],
      additionalProperties: false,
      properties: { text: { type: 'string', minLength: 1 }, markdown: { type: 'string' } },
    },
    run: {
      type: 'object',
      required: ['tool', 'results'],
      additionalProperties: false,
      properties: {
        tool: {
          type: 'object',
          required: ['driver'],
          additionalProperties: false,
          properties: {
            driver: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: {
                name: { type: 'string', minLength: 1 },
                version: { type: 'string', minLength: 1 },
                informationUri: { type: 'string', format: 'uri' },
                rules: { type: 'array', items: { $ref: '#/definitions/rule' } },
              },
            },
          },
        },
        invocations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['executionSuccessful'],
            additionalProperties: false,
            properties: {
              executionSuccessful: { type: 'boolean' },
              toolExecutionNotifications: { type: 'array', items: { $ref: '#/definitions/notification' } },
            },
          },
        },
        columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
        results: { type: 'array', maxItems: 25_000, items: { $ref: '#/definitions/result' } },
      },
    },
    rule: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', minLength: 1 },
        shortDescription: { $ref: '#/definitions/message' },
        fullDescription: { $ref: '#/definitions/message' },
        help: { $ref: '#/definitions/message' },
        helpUri: { type: 'string', format: 'uri' },
        defaultConfiguration: {
          type: 'object',
          additionalProperties: false,
          properties: { level: { $ref: '#/definitions/level' } },
        },
        properties: {
          type: 'object',
          properties: { tags: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string' } } },
        },
      },
    },
    notification: {
      type: 'object',
      required: ['message'],
      additionalProperties: false,
      properties: {
        level: { $ref: '#/definitions/level' },
        message: { $ref: '#/definitions/message' },
        associatedRule: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string' }, index: { type: 'integer', minimum: 0 } },
        },
      },
    },
    result: {
      type: 'object',
      required: ['ruleId', 'message', 'locations'],
      additionalProperties: false,
      properties: {
        ruleId: { type: 'string', minLength: 1 },
        ruleIndex: { type: 'integer', minimum: 0 },
        level: { $ref: '#/definitions/level' },
        message: { $ref: '#/definitions/message' },
        locations: { type: 'array', minItems: 1, maxItems: 1_000, items: { $ref: '#/definitions/location' } },
        partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    location: {
      type: 'object',
      required: ['physicalLocation'],
      additionalProperties: false,
      properties: {
        physicalLocation: {
          type: 'object',
          required: ['artifactLocation', 'region'],
          additionalProperties: false,
          properties: {
            artifactLocation: {
              type: 'object',
              required: ['uri'],
              additionalProperties: false,
              properties: {
                // Relative to the checkout: no scheme, no leading slash.
                uri: { type: 'string', minLength: 1, format: 'uri-reference', pattern: '^(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?!/)' },
                uriBaseId: { const: '%SRCROOT%' },
              },
            },
            region: {
              type: 'object',
              required: ['startLine'],
              additionalProperties: false,
              properties: {
                startLine: { type: 'integer', minimum: 1 },
                endLine: { type: 'integer', minimum: 1 },
                startColumn: { type: 'integer', minimum: 1 },
                endColumn: { type: 'integer', minimum: 1 },
              },
            },
          },
        },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: true });
addFormatsModule.default(ajv);
const validateSchema = ajv.compile(githubSarifSubset);

/** Schema validation plus the cross-references a schema cannot express. */
function validateForGitHub(log: SarifLog): string[] {
  const problems: string[] = [];
  if (!validateSchema(log)) problems.push(ajv.errorsText(validateSchema.errors, { separator: '\n' }));
  for (const run of log.runs) {
    const ids = run.tool.driver.rules.map((rule) => rule.id);
    if (new Set(ids).size !== ids.length) problems.push('rule ids are not unique');
    for (const [i, res] of run.results.entries()) {
      if (ids[res.ruleIndex] !== res.ruleId) problems.push(`results[${i}].ruleIndex does not point at ${res.ruleId}`);
      for (const location of res.locations) {
        const region = location.physicalLocation.region;
        if (region.endLine !== undefined && region.endLine < region.startLine) problems.push(`results[${i}] ends before it starts`);
      }
    }
    for (const note of run.invocations.flatMap((inv) => inv.toolExecutionNotifications ?? [])) {
      if (note.associatedRule && ids[note.associatedRule.index] !== note.associatedRule.id) {
        problems.push(`notification rule ${note.associatedRule.id} has a wrong index`);
      }
    }
  }
  return problems;
}

const registryRules: Array<RuleMeta & { checkId: string }> = [
  {
    checkId: 'spec-bundle',
    id: 'required-file',
    defaultSeverity: 'error',
    description: 'A linked spec bundle holds every required file.',
    fixable: false,
    docsUrl: 'https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/required-file.md',
  },
  {
    checkId: 'spec-bundle',
    id: 'link-spec',
    defaultSeverity: 'warning',
    description: 'A significant change links a spec bundle.',
    fixable: false,
    docsUrl: 'https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/link-spec.md',
  },
];

function parse(text: string): SarifLog {
  return JSON.parse(text) as SarifLog;
}

describe('formatSarif', () => {
  const results = [
    result([
      finding({ startLine: 4, endLine: 6, startColumn: 2, endColumn: 5 }),
      finding({ severity: 'notice', path: 'docs/ä b#1.md', startLine: undefined, endLine: undefined, ruleId: 'unregistered', title: 'Not in the registry', docsUrl: undefined }),
      finding({ severity: 'warning', path: undefined, startLine: undefined, endLine: undefined, ruleId: 'link-spec', title: 'Link a spec', message: 'This PR adds 812 lines.' }),
    ]),
  ];

  it('is valid for GitHub code scanning', () => {
    const log = parse(formatSarif(results, { toolVersion: '0.1.0', rules: registryRules }));
    expect(validateForGitHub(log)).toEqual([]);
  });

  it('the validator rejects what GitHub rejects', () => {
    const log = parse(formatSarif(results, { toolVersion: '0.1.0', rules: registryRules }));
    const [run] = log.runs;
    const first = run?.results[0];
    if (!run || !first) throw new Error('expected a result');
    const locationless = structuredClone(log);
    (locationless.runs[0]?.results[0] as { locations: unknown[] }).locations = [];
    expect(validateForGitHub(locationless).join()).toMatch(/locations/);
    const absolute = structuredClone(log);
    absolute.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri = 'file:///abs/path.md';
    expect(validateForGitHub(absolute).join()).toMatch(/pattern/);
    const badIndex = structuredClone(log);
    badIndex.runs[0]!.results[0]!.ruleIndex = 1;
    expect(validateForGitHub(badIndex).join()).toMatch(/ruleIndex/);
  });

  it('describes the tool and its rules, registry rules first', () => {
    const log = parse(formatSarif(results, { toolVersion: '1.2.3', rules: registryRules }));
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const driver = log.runs[0]?.tool.driver;
    expect(driver).toMatchObject({ name: 'Platform Kit', version: '1.2.3', informationUri: 'https://github.com/platform-kit/platform-kit' });
    expect(driver?.rules.map((rule) => rule.id)).toEqual(['spec-bundle/required-file', 'spec-bundle/link-spec', 'spec-bundle/unregistered']);
    expect(driver?.rules[0]).toEqual({
      id: 'spec-bundle/required-file',
      shortDescription: { text: 'A linked spec bundle holds every required file.' },
      helpUri: registryRules[0]?.docsUrl,
      help: {
        text: `A linked spec bundle holds every required file. Documentation: ${registryRules[0]?.docsUrl}`,
        markdown: `A linked spec bundle holds every required file.\n\n[Documentation](${registryRules[0]?.docsUrl})`,
      },
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['platform-kit', 'spec-bundle'] },
    });
    expect(driver?.rules[1]?.defaultConfiguration.level).toBe('warning');
    expect(driver?.rules[2]).toMatchObject({ shortDescription: { text: 'Not in the registry' }, defaultConfiguration: { level: 'note' } });
    expect(driver?.rules[2]).not.toHaveProperty('helpUri');
  });

  it('maps levels and locations, encoding the path as a relative URI', () => {
    const log = parse(formatSarif(results, { toolVersion: '0.1.0', rules: registryRules }));
    const [located, noLine] = log.runs[0]?.results ?? [];
    expect(located).toMatchObject({
      ruleId: 'spec-bundle/required-file',
      ruleIndex: 0,
      level: 'error',
      message: { text: 'spec/login is missing tasks.md.' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'spec/login/plan.md', uriBaseId: '%SRCROOT%' },
            region: { startLine: 4, endLine: 6, startColumn: 2, endColumn: 5 },
          },
        },
      ],
    });
    expect(noLine?.level).toBe('note');
    expect(noLine?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'docs/%C3%A4%20b%231.md', uriBaseId: '%SRCROOT%' },
      region: { startLine: 1 },
    });
    expect(decodeURIComponent(pathToUri('a:b/c d.md'))).toBe('a:b/c d.md');
    expect(pathToUri('./x/y.md')).toBe('x/y.md');
  });

  it('reports findings without a path as notifications, or at the anchor file when one is given', () => {
    const plain = parse(formatSarif(results, { toolVersion: '0.1.0', rules: registryRules }));
    expect(plain.runs[0]?.results).toHaveLength(2);
    expect(plain.runs[0]?.invocations).toEqual([
      {
        executionSuccessful: true,
        toolExecutionNotifications: [
          { level: 'warning', message: { text: 'Link a spec: This PR adds 812 lines.' }, associatedRule: { id: 'spec-bundle/link-spec', index: 1 } },
        ],
      },
    ]);
    const anchored = parse(formatSarif(results, { toolVersion: '0.1.0', rules: registryRules, pathlessAnchor: '.github/platform-kit.yml' }));
    expect(validateForGitHub(anchored)).toEqual([]);
    expect(anchored.runs[0]?.invocations).toEqual([{ executionSuccessful: true }]);
    expect(anchored.runs[0]?.results[2]).toMatchObject({
      ruleId: 'spec-bundle/link-spec',
      ruleIndex: 1,
      level: 'warning',
      locations: [{ physicalLocation: { artifactLocation: { uri: '.github/platform-kit.yml' }, region: { startLine: 1 } } }],
    });
  });

  it('fingerprints results stably by check, rule, path and message, numbering repeats', () => {
    const twice = [result([finding({ startLine: 1 }), finding({ startLine: 40 }), finding({ message: 'other' })])];
    const first = parse(formatSarif(twice, { toolVersion: '0.1.0', rules: registryRules }));
    const again = parse(formatSarif(twice, { toolVersion: '0.2.0', rules: [] }));
    const prints = first.runs[0]?.results.map((res) => res.partialFingerprints['platformKit/v1']);
    expect(again.runs[0]?.results.map((res) => res.partialFingerprints['platformKit/v1'])).toEqual(prints);
    const expected = createHash('sha256')
      .update(['spec-bundle/required-file', 'spec/login/plan.md', 'spec/login is missing tasks.md.'].join('\0'))
      .digest('hex');
    expect(prints?.[0]).toBe(`${expected}:1`);
    expect(prints?.[1]).toBe(`${expected}:2`);
    expect(prints?.[2]).not.toContain(expected);
  });

  it(`caps a run at ${MAX_SARIF_RESULTS} results, keeping the most severe, and says so`, () => {
    const many = manyFindings(MAX_SARIF_RESULTS + 300);
    const log = parse(formatSarif([result(many)], { toolVersion: '0.1.0', rules: [] }));
    const run = log.runs[0];
    expect(run?.results).toHaveLength(MAX_SARIF_RESULTS);
    expect(run?.results.filter((res) => res.level === 'error')).toHaveLength(many.filter((f) => f.severity === 'error').length);
    expect(run?.invocations[0]?.toolExecutionNotifications?.at(-1)?.message.text).toBe(
      `300 more results not included: GitHub accepts at most ${MAX_SARIF_RESULTS} per run.`,
    );
    expect(validateForGitHub(log)).toEqual([]);
  });

  it('produces an empty but valid run when nothing was found', () => {
    const log = parse(formatSarif([result([])], { toolVersion: '0.1.0', rules: registryRules }));
    expect(log.runs[0]?.results).toEqual([]);
    expect(validateForGitHub(log)).toEqual([]);
  });
});
