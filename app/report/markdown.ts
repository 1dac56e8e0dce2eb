import type { Finding, Fix } from '../checks/types.js';
import { artifactList, clipUtf16, codeSpan, fencedBlock, hasPath, isArtifactUrl, locationLabel, markdownText, SEVERITY_EMOJI } from './common.js';

/** One finding may not crowd out the others: long messages and suggestions are cut. */
const MESSAGE_LIMIT = 4_000;
const SUGGESTION_LIMIT = 8_000;

export interface FindingMarkdownOptions {
  /** Show `path:line` (off when the finding sits under a heading naming its file). */
  showPath: boolean;
  /** Info string of the suggestion fence: `suggestion` renders GitHub's suggested-change block. */
  suggestionFence: string;
}

function indentContinuation(text: string, indent: string): string {
  return text.replace(/\r?\n/g, `\n${indent}`);
}

export function describeFix(fix: Fix): string {
  if (fix.kind === 'write-file') return `${markdownText(fix.description)} (writes ${codeSpan(fix.path)})`;
  const lines = fix.startLine === fix.endLine ? `line ${fix.startLine}` : `lines ${fix.startLine}–${fix.endLine}`;
  return `${markdownText(fix.description)} (replaces ${lines} of ${codeSpan(fix.path)})`;
}

function ruleLink(finding: Finding): string {
  const rule = codeSpan(`${finding.checkId}/${finding.ruleId}`);
  return finding.docsUrl ? `[${rule}](${finding.docsUrl})` : rule;
}

/** A Markdown list item: severity, location, rule (linked to its docs), title and message, then suggestion and fix. */
export function findingMarkdown(finding: Finding, options: FindingMarkdownOptions): string {
  const indent = '  ';
  const head = [`${SEVERITY_EMOJI[finding.severity]} **${finding.severity}**`];
  if (options.showPath) head.push(codeSpan(locationLabel(finding)));
  else if (finding.startLine !== undefined) head.push(`line ${finding.startLine}`);
  head.push(ruleLink(finding));
  const title = markdownText(clipUtf16(finding.title, 255));
  const message = markdownText(clipUtf16(finding.message, MESSAGE_LIMIT));
  const lines = [`- ${head.join(' · ')} — **${title}**${message ? `: ${indentContinuation(message, indent)}` : ''}`];
  if (finding.suggestion !== undefined) {
    const where =
      !hasPath(finding)
        ? 'Suggested change:'
        : `Suggested change for ${codeSpan(locationLabel(finding))}:`;
    const block = fencedBlock(options.suggestionFence, clipUtf16(finding.suggestion, SUGGESTION_LIMIT));
    lines.push('', `${indent}${where}`, '', indent + indentContinuation(block, indent));
  }
  if (finding.fix !== undefined) lines.push('', `${indent}Fix available: ${describeFix(finding.fix)}`);
  if (finding.artifacts !== undefined && finding.artifacts.length > 0) {
    const uploaded = finding.artifacts.every((artifact) => isArtifactUrl(artifact.path));
    lines.push('', `${indent}Images${uploaded ? '' : ' (files where the check ran)'}: ${artifactList(finding.artifacts)}`);
    const diff = finding.artifacts.find((artifact) => artifact.kind === 'diff');
    if (uploaded && diff) lines.push('', `${indent}![diff of ${markdownText(finding.path ?? 'the image')}](${diff.path})`);
  }
  return `${lines.join('\n')}\n`;
}
