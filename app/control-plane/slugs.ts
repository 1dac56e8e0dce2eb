/**
 * The slugs commands store under. The control plane checks them (ops.orgs.slug, ops.projects.slug),
 * so names from flags and the environment are folded into those shapes here, in one place.
 */

type Env = Record<string, string | undefined>;

/** The org of a run that names none: a local checkout's scans and config versions. */
export const FALLBACK_ORG_SLUG = 'local';

/** An org slug as ops.orgs accepts it: lower case letters, digits and hyphens, at most 63 characters. */
export function orgSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || FALLBACK_ORG_SLUG;
}

/** A project slug as ops.projects accepts it (dots and underscores allowed); `fallback` when nothing is left of `name`. */
export function projectSlug(name: string, fallback: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63);
  return cleaned || fallback;
}

/** The org a command works in: `--org`, else $PLATFORM_KIT_ORG, else $GITHUB_REPOSITORY_OWNER, else `local`. */
export function orgSlugOf(flag: string | undefined, env: Env): string {
  return orgSlug(flag ?? env.PLATFORM_KIT_ORG ?? env.GITHUB_REPOSITORY_OWNER ?? FALLBACK_ORG_SLUG);
}
