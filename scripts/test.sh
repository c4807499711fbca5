#!/usr/bin/env bash
# Installs what is missing, builds, then runs every test (real mpiexec, Open MPI and MPICH) and prints the
# runner's summary. Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~PointToPoint").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

install_packages
build_solution

results="$REPO/tests/TestResults"
rm -rf "$results"
status=0
# -m:1: one test assembly at a time. They share the machine's two cores, the test hosts and the Slurm cluster.
dotnet test "$REPO/Mpi.sln" -c "$CONFIGURATION" --no-build -nologo -m:1 \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@" || status=$?

# One plain summary line over every test project's results.
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
  p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - p - f))
done
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
