#!/usr/bin/env bash
# Installs what is missing, builds, then runs every test (real mpiexec, Open MPI and MPICH) and prints the
# runner's summary. Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~PointToPoint").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/results.sh"

# What git sees before the build and the suite: they must add nothing to it (CI checks out clean, so there any
# path git shows afterwards fails the run).
checkout_before=$(checkout_status)
install_packages
build_solution

results="$REPO/tests/TestResults"
rm -rf "$results"
status=0
# -m:1: one test assembly at a time. They share the machine's two cores, the test hosts and the Slurm cluster.
dotnet test "$REPO/Mpi.sln" -c "$CONFIGURATION" --no-build -nologo -m:1 \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@" || status=$?

# One plain summary line over every test project's results.
echo
summarize_results "$results"

if ! report_checkout_changes "$checkout_before" "$(checkout_status)"; then
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
