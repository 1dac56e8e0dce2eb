#!/usr/bin/env bash
# Platform Kit pre-commit hook: refuses a commit that stages a diagram export (PNG) without a change
# to its draw.io source, so exports are never edited by hand.
#
# Install: cp templates/hooks/pre-commit-diagrams.sh .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit
# (or call it from your hook manager). Bypass once, deliberately: git commit --no-verify
#
# An export belongs to a source by name: docs/arch.png, docs/arch-2.png and docs/arch-overview.png
# export docs/arch.drawio (or docs/arch.drawio.xml). PNGs with no such source are left alone.
set -euo pipefail

staged="$(git diff --cached --name-only --diff-filter=ACMR -z | tr '\0' '\n')"
[ -n "$staged" ] || exit 0

is_staged() {
  printf '%s\n' "$staged" | grep -Fxq -- "$1"
}

is_tracked_or_staged() {
  is_staged "$1" || git ls-files --error-unmatch -- "$1" >/dev/null 2>&1
}

# Prints the source a PNG exports, if any: the same stem, else the stem without its last -suffix.
source_of() {
  local stem="${1%.[pP][nN][gG]}" dir base
  dir="$(dirname -- "$stem")"
  base="$(basename -- "$stem")"
  while :; do
    for ext in .drawio .drawio.xml; do
      local candidate="$base$ext"
      [ "$dir" != "." ] && candidate="$dir/$candidate"
      if is_tracked_or_staged "$candidate"; then
        printf '%s\n' "$candidate"
        return 0
      fi
    done
    case "$base" in
      *-*) base="${base%-*}" ;;
      *) return 1 ;;
    esac
  done
}

problems=0
while IFS= read -r path; do
  case "$path" in
    *.drawio.png | *.drawio.svg) continue ;;
    *.png | *.PNG) ;;
    *) continue ;;
  esac
  if src="$(source_of "$path")" && ! is_staged "$src"; then
    if [ "$problems" -eq 0 ]; then
      echo "platform-kit: diagram exports staged without their source:" >&2
    fi
    echo "  $path (source: $src, not staged)" >&2
    problems=$((problems + 1))
  fi
done <<< "$staged"

if [ "$problems" -gt 0 ]; then
  cat >&2 <<'MSG'

Exports are generated from their draw.io source; edit the source, then regenerate:
  npx platform-kit diagrams check --update <source>.drawio
and stage both. To drop the PNG change: git restore --staged --worktree <png>
MSG
  exit 1
fi
exit 0
