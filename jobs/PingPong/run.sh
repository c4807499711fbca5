#!/usr/bin/env bash
# Ping-pong benchmark between two ranks: the C# job against pingpong.c, alternately under the same mpiexec (see
# scripts/lib/bench.sh), then a table size by size and a summary line per implementation.
#   jobs/PingPong/run.sh [openmpi|mpich|both]      (default: both; BENCH_ROUNDS=5)
# Latency ratio = C# time / C time (target <= 1.10 at 8 B); bandwidth ratio = C# MB/s / C MB/s (target >= 0.95
# at 4 MiB).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$REPO/scripts/lib/bench.sh"

BENCH_LOWER_IS_BETTER="latency"
bench_implementations "${1:-both}"
bench_build_dotnet "$REPO/jobs/PingPong/PingPong.csproj"
for implementation in "${IMPLEMENTATIONS[@]}"; do
  table=$(bench_compare "$implementation" 2 "$REPO/jobs/PingPong/pingpong.c")
  echo "$table"
  awk -v implementation="$implementation" '
    $1 == "latency" && $2 == 8 { latency = $NF }
    $1 == "bandwidth" && $2 == 4194304 { bandwidth = $NF }
    END { printf "%s: 8 B latency C#/C %.3f (target <= 1.10), 4 MiB bandwidth C#/C %.3f (target >= 0.95)\n",
          implementation, latency, bandwidth }' <<<"$table"
done
