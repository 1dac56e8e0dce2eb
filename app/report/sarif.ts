import { createHash } from 'node:crypto';
import type { CheckResult, Finding, RuleMeta, Severity } from '../checks/types.js';
import { clipUtf16, compareBySeverity, hasPath, singleLine } from './common.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_NAME = 'Platform Kit';
export const TOOL_INFORMATION_URI = 'https://github.com/platform-kit/platform-kit';
/** GitHub code scanning rejects a run with more results than this. */
export const MAX_SARIF_RESULTS = 25_000;
export const FINGERPRINT_KEY = 'platformKit/v1';
const SHORT_DESCRIPTION_LIMIT = 1_000;

export type SarifLevel = 'error' | 'warning' | 'note';

export const SARIF_LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', notice: 'note' };

export interface SarifOptions {
  toolVersion: string;
  rules: ReadonlyArray<RuleMeta & { checkId: string }>;
  /**
   * A repository file to locate findings about the whole change at (line 1), e.g. the config file.
   * Without it they are reported as tool notifications: GitHub rejects the whole upload when a
   * result has no location.
   */
  pathlessAnchor?: string;
}

interface SarifMessage {
  text: string;
  markdown?: string;
}

interface SarifRule {
  id: string;
  shortDescription: SarifMessage;
  helpUri?: string;
  help?: SarifMessage;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[] };
}

interface SarifRegion {
  startLine: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: '%SRCROOT%' };
      region: SarifRegion;
    };
  }>;
  partialFingerprints: Record<string, string>;
}

interface SarifNotification {
  level: SarifLevel;
  message: SarifMessage;
  associatedRule?: { id: string; index: number };
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: string; version: string; informationUri: string; rules: SarifRule[] } };
    invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications?: SarifNotification[] }>;
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
  }>;
}

function positiveInteger(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
}

/** A relative URI reference: each segment percent-encoded (spaces, `#`, `%`, non-ASCII, `:`). */
export function pathToUri(path: string): string {
  return path
    .replace(/^\.\//, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

function region(finding: Finding): SarifRegion {
  const startLine = positiveInteger(finding.startLine) ?? 1;
  const result: SarifRegion = { startLine };
  const endLine = positiveInteger(finding.endLine);
  if (endLine !== undefined && endLine > startLine) result.endLine = endLine;
  const startColumn = positiveInteger(finding.startColumn);
  if (startColumn !== undefined) {
    result.startColumn = startColumn;
    const endColumn = positiveInteger(finding.endColumn);
    if (endColumn !== undefined && (result.endLine !== undefined || endColumn >= startColumn)) {
      result.endColumn = endColumn;
    }
  }
  return result;
}

function ruleDescriptor(id: string, checkId: string, description: string, level: SarifLevel, docsUrl?: string): SarifRule {
  const text = clipUtf16(singleLine(description) || id, SHORT_DESCRIPTION_LIMIT);
  const rule: SarifRule = {
    id,
    shortDescription: { text },
    defaultConfiguration: { level },
    properties: { tags: ['platform-kit', checkId] },
  };
  if (docsUrl) {
    rule.helpUri = docsUrl;
    rule.help = { text: `${text} Documentation: ${docsUrl}`, markdown: `${text}\n\n[Documentation](${docsUrl})` };
  }
  return rule;
}

function fingerprint(finding: Finding, occurrences: Map<string, number>): string {
  const hash = createHash('sha256')
    .update([`${finding.checkId}/${finding.ruleId}`, finding.path ?? '', finding.message].join('\0'))
    .digest('hex');
  // Identical findings (same rule, file and message on other lines) stay distinct alerts.
  const occurrence = (occurrences.get(hash) ?? 0) + 1;
  occurrences.set(hash, occurrence);
  return `${hash}:${occurrence}`;
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, rules `<check>/<rule>` from the registry (plus any
 * rule a finding uses that the registry lacks), one located result per finding with a path.
 */
export function toSarif(results: readonly CheckResult[], opts: SarifOptions): SarifLog {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const addRule = (rule: SarifRule): number => {
    const existing = ruleIndex.get(rule.id);
    if (existing !== undefined) return existing;
    ruleIndex.set(rule.id, rules.length);
    rules.push(rule);
    return rules.length - 1;
  };
  for (const meta of opts.rules) {
    addRule(
      ruleDescriptor(`${meta.checkId}/${meta.id}`, meta.checkId, meta.description, SARIF_LEVEL[meta.defaultSeverity], meta.docsUrl),
    );
  }
  const indexFor = (finding: Finding): number =>
    addRule(
      ruleDescriptor(
        `${finding.checkId}/${finding.ruleId}`,
        finding.checkId,
        finding.title,
        SARIF_LEVEL[finding.severity],
        finding.docsUrl,
      ),
    );

  const findings = results.flatMap((result) => result.findings);
  const anchor = opts.pathlessAnchor;
  const locatable = findings.filter((finding) => hasPath(finding) || anchor !== undefined);
  const kept = locatable.length > MAX_SARIF_RESULTS ? [...locatable].sort(compareBySeverity).slice(0, MAX_SARIF_RESULTS) : locatable;
  const occurrences = new Map<string, number>();
  const sarifResults: SarifResult[] = kept.map((finding) => {
    const index = indexFor(finding);
    return {
      ruleId: `${finding.checkId}/${finding.ruleId}`,
      ruleIndex: index,
      level: SARIF_LEVEL[finding.severity],
      message: { text: finding.message || finding.title || `${finding.checkId}/${finding.ruleId}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathToUri(hasPath(finding) ? finding.path : (anchor ?? '')), uriBaseId: '%SRCROOT%' },
            region: hasPath(finding) ? region(finding) : { startLine: 1 },
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(finding, occurrences) },
    };
  });

  const notifications: SarifNotification[] = findings
    .filter((finding) => !hasPath(finding) && anchor === undefined)
    .map((finding) => ({
      level: SARIF_LEVEL[finding.severity],
      message: { text: `${finding.title}: ${finding.message}` },
      associatedRule: { id: `${finding.checkId}/${finding.ruleId}`, index: indexFor(finding) },
    }));
  const dropped = locatable.length - kept.length;
  if (dropped > 0) {
    notifications.push({
      level: 'warning',
      message: { text: `${dropped} more results not included: GitHub accepts at most ${MAX_SARIF_RESULTS} per run.` },
    });
  }

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version: opts.toolVersion, informationUri: TOOL_INFORMATION_URI, rules } },
        invocations: [
          notifications.length > 0
            ? { executionSuccessful: true, toolExecutionNotifications: notifications }
            : { executionSuccessful: true },
        ],
        columnKind: 'utf16CodeUnits',
        results: sarifResults,
      },
    ],
  };
}

/** SARIF text, pretty-printed with two spaces, without a trailing newline. */
export function formatSarif(results: readonly CheckResult[], opts: SarifOptions): string {
  return JSON.stringify(toSarif(results, opts), null, 2);
}
