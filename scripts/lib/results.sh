# Sourced by test.sh (after common.sh, which sets REPO): the summary of the runner's result files, and the check
# that the suite left nothing in the checkout. Safe under `set -euo pipefail`: a result file without counters
# (a runner that crashed mid-write) is named, not fatal.

# One counter attribute of a TRX <Counters> element, 0 when absent.
trx_counter() {
  local name=$1 counters=$2 value
  value=$(grep -oE " $name=\"[0-9]+\"" <<<"$counters" | grep -oE '[0-9]+' || true)
  echo "${value:-0}"
}

# Prints "N passed, N failed, N skipped" over the .trx files of a directory (NUnit) and its pester.xml (Pester).
summarize_results() {
  local dir=$1 passed=0 failed=0 skipped=0 trx counters total p f pester
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
  pester=$(summarize_pester "$dir/pester.xml")
  if [ -n "$pester" ]; then
    local pester_passed pester_failed pester_skipped
    read -r pester_passed pester_failed pester_skipped <<<"$pester"
    echo "$((passed + pester_passed)) passed, $((failed + pester_failed)) failed, $((skipped + pester_skipped)) skipped" \
      "(NUnit: $passed passed, $failed failed, $skipped skipped;" \
      "Pester: $pester_passed passed, $pester_failed failed, $pester_skipped skipped)"
  else
    echo "$passed passed, $failed failed, $skipped skipped"
  fi
}

# "passed failed skipped" of a Pester NUnit 3 result file (its <test-run> element); nothing when it is absent.
summarize_pester() {
  local file=$1 run
  [ -f "$file" ] || return 0
  run=$(grep -oE '<test-run [^>]*>' "$file" | head -1 || true)
  if [ -z "$run" ]; then
    echo "Pester's result file has no <test-run> element (not counted): $file" >&2
    return 0
  fi
  echo "$(trx_counter passed "$run") $(trx_counter failed "$run") $(trx_counter skipped "$run")"
}

# Names each failed test (a TRX testName, a Pester test's full name) with the first lines of its message, above the
# summary, so a log that keeps only its tail still says which and why.
list_failed_tests() {
  python3 "$REPO/scripts/lib/failed_tests.py" "$1" || true
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
