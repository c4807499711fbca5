#!/usr/bin/env bash
# The framework's own cost per blocking point-to-point call: C# against calls.c, one rank, sends to and receives
# from MPI_PROC_NULL (no network), alternately under the same mpiexec (see scripts/lib/bench.sh). The difference
# C# - C in nanoseconds is what the binding adds to every Send and Receive of a ping-pong (jobs/PingPong).
#   jobs/CallCost/run.sh [openmpi|mpich|both]      (default: both; BENCH_ROUNDS=5)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$REPO/scripts/lib/bench.sh"

BENCH_LOWER_IS_BETTER="send receive value"
bench_implementations "${1:-both}"
bench_build_dotnet "$REPO/jobs/CallCost/CallCost.csproj"
for implementation in "${IMPLEMENTATIONS[@]}"; do
  table=$(bench_compare "$implementation" 1 "$REPO/jobs/CallCost/calls.c")
  # The table's unit column says us; these figures are nanoseconds.
  sed 's/ us / ns /g' <<<"$table"
  awk -v implementation="$implementation" '
    $1 == "send" || $1 == "receive" || $1 == "value" { added = added sprintf(" %s %+.1f ns", $1, $3 - $5) }
    END { printf "%s: added by C# per call:%s\n", implementation, added }' <<<"$table"
done
