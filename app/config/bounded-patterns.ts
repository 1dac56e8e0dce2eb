import { z } from 'zod';

/**
 * Bounds on the globs and regular expressions a config may hold. They run against every path of
 * every pull request in the App, so a pattern must not be able to take super-linear time.
 */

export const MAX_GLOB_LENGTH = 512;
/** `**` segments and brace groups per glob: each becomes a backtracking point in the compiled regex. */
export const MAX_GLOB_EXPANSIONS = 8;
export const MAX_REGEX_LENGTH = 256;

/** Why a glob is refused, or undefined. */
export function globProblem(glob: string): string | undefined {
  if (glob.length > MAX_GLOB_LENGTH) return `is ${glob.length} characters long; the limit is ${MAX_GLOB_LENGTH}`;
  const globstars = glob.match(/\*\*/g)?.length ?? 0;
  const braces = glob.match(/\{/g)?.length ?? 0;
  if (globstars > MAX_GLOB_EXPANSIONS) return `has ${globstars} "**"; the limit is ${MAX_GLOB_EXPANSIONS}`;
  if (braces > MAX_GLOB_EXPANSIONS) return `has ${braces} brace groups; the limit is ${MAX_GLOB_EXPANSIONS}`;
  if (/\*{3,}/.test(glob)) return 'has "***" (use "**" for any depth)';
  return undefined;
}

/**
 * Why a regular expression is refused, or undefined: too long, invalid, a back-reference, or a
 * quantified group that itself holds a quantifier (`(a+)+`, `(\w*x?)*`: the shape that backtracks
 * exponentially). Alternations under a quantifier whose branches can match the same text are not
 * detected; the length bound keeps them small.
 */
export function regexProblem(source: string): string | undefined {
  if (source.length > MAX_REGEX_LENGTH) return `is ${source.length} characters long; the limit is ${MAX_REGEX_LENGTH}`;
  try {
    new RegExp(source);
  } catch (error) {
    return `is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`;
  }
  if (/\\[1-9]|\\k</.test(source)) return 'uses a back-reference';
  // A stack of groups: whether each holds a quantifier so far.
  const groups: boolean[] = [];
  let quantifiedInside = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index];
    if (char === '\\') {
      index++;
      continue;
    }
    if (char === '[') {
      // Skip the class: quantifier characters inside it are literals.
      index++;
      while (index < source.length && source[index] !== ']') index += source[index] === '\\' ? 2 : 1;
      continue;
    }
    if (char === '(') {
      groups.push(quantifiedInside);
      quantifiedInside = false;
      continue;
    }
    if (char === ')') {
      const inner: boolean = quantifiedInside;
      quantifiedInside = groups.pop() ?? false;
      const next = source[index + 1];
      const quantified = next === '*' || next === '+' || next === '?' || next === '{';
      if (quantified && inner && next !== '?') return 'repeats a group that holds a repetition (nested quantifiers can take exponential time)';
      quantifiedInside ||= inner || quantified;
      continue;
    }
    if (char === '*' || char === '+' || char === '{' || (char === '?' && source[index - 1] !== '(')) quantifiedInside = true;
  }
  return undefined;
}

export const boundedGlob = z.string().min(1).superRefine((glob, ctx) => {
  const problem = globProblem(glob);
  if (problem) ctx.addIssue({ code: 'custom', message: `glob ${JSON.stringify(glob.slice(0, 80))} ${problem}` });
});

export const boundedRegex = z.string().min(1).superRefine((source, ctx) => {
  const problem = regexProblem(source);
  if (problem) ctx.addIssue({ code: 'custom', message: `pattern ${JSON.stringify(source.slice(0, 80))} ${problem}` });
});
