# Sourced by test.sh (after common.sh, which sets REPO): the summary of the runner's result files, and the check
# that the suite left nothing in the checkout. Safe under `set -euo pipefail`: a result file without counters
# (a runner that crashed mid-write) is named, not fatal.

# One counter attribute of a TRX <Counters> element, 0 when absent.
trx_counter() {
  local name=$1 counters=$2 value
  value=$(grep -oE " $name=\"[0-9]+\"" <<<"$counters" | grep -oE '[0-9]+' || true)
  echo "${value:-0}"
}

# Prints "N passed, N failed, N skipped" over the .trx files of a directory.
summarize_results() {
  local dir=$1 passed=0 failed=0 skipped=0 trx counters total p f
  local without=()
  for trx in "$dir"/*.trx; do
    [ -f "$trx" ] || continue
    counters=$(grep -oE '<Counters [^>]*>' "$trx" || true)
    if [ -z "$counters" ]; then
      without+=("$(basename "$trx")")
      continue
    fi
    total=$(trx_counter total "$counters"); p=$(trx_counter passed "$counters"); f=$(trx_counter failed "$counters")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - p - f))
  done
  if [ "${#without[@]}" -gt 0 ]; then
    echo "result files without counters (not counted): ${without[*]}"
  fi
  list_failed_tests "$dir"
  echo "$passed passed, $failed failed, $skipped skipped"
}

# Names each failed test (its TRX testName) above the summary, so a log that keeps only its tail still says which.
list_failed_tests() {
  local dir=$1 trx name
  for trx in "$dir"/*.trx; do
    [ -f "$trx" ] || continue
    grep -oE '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | grep -oE ' testName="[^"]*"' |
      sed -E 's/^ testName="(.*)"$/\1/' | while IFS= read -r name; do
        echo "FAILED: $name ($(basename "$trx"))"
      done || true
  done
}

# `git status --porcelain` of the checkout (ignored files, e.g. bin/ obj/ TestResults/ artifacts/, left out);
# nothing when REPO is not a git checkout.
checkout_status() {
  if command -v git >/dev/null && git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$REPO" status --porcelain --untracked-files=all
  fi
  return 0
}

# Lists the status lines present after the suite and not before; returns 1 when there are any.
report_checkout_changes() {
  local before=$1 after=$2 added
  added=$(comm -13 <(sort <<<"$before") <(sort <<<"$after") | sed '/^$/d')
  [ -z "$added" ] && return 0
  echo "The tests left these paths in the checkout (git status --porcelain); tests must write elsewhere:" >&2
  sed 's/^/  /' <<<"$added" >&2
  return 1
}
