#!/usr/bin/env bash
# Installs what is missing, builds, then runs every test (real mpiexec, Open MPI and MPICH): the NUnit suites, then
# the module's behaviour tests in pwsh (Pester), and prints one summary line over both.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~PointToPoint"). TESTS=nunit or TESTS=pester
# runs only one kind; PESTER_FILTER='*Confirm*' runs the Pester tests whose full name matches.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/results.sh"

# The module's behaviour tests: Pester (the build downloads it and leaves the path of its manifest beside the
# PowerShell tests) in the pinned pwsh. PESTER_FILTER selects tests by full name.
run_pester() {
  local result=$1 pester
  pester=$(cat "$REPO/tests/PowerShell.Tests/bin/$CONFIGURATION/net10.0/Pester.path")
  "$PWSH" -NoProfile -NonInteractive -File "$REPO/tests/Module.Tests/Invoke-ModuleTests.ps1" \
    -PesterManifest "$pester" -ResultFile "$result" ${PESTER_FILTER:+-FullNameFilter "$PESTER_FILTER"}
}

# What git sees before the build and the suite: they must add nothing to it (CI checks out clean, so there any
# path git shows afterwards fails the run).
checkout_before=$(checkout_status)
install_packages
build_solution

results="$REPO/tests/TestResults"
rm -rf "$results"
status=0
kinds=${TESTS:-all}
if [ "$kinds" = all ] || [ "$kinds" = nunit ]; then
  # -m:1: one test assembly at a time. They share the machine's two cores, the test hosts and the Slurm cluster.
  dotnet test "$REPO/Mpi.sln" -c "$CONFIGURATION" --no-build -nologo -m:1 \
    --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@" || status=$?
fi
if [ "$kinds" = all ] || [ "$kinds" = pester ]; then
  run_pester "$results/pester.xml" || status=$?
fi

# One plain summary line over every test project's results.
echo
summarize_results "$results"

if ! report_checkout_changes "$checkout_before" "$(checkout_status)"; then
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
