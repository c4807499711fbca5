#!/usr/bin/env bash
# Collective benchmark: Allreduce (sum) of 1 Mi doubles, Broadcast of 1 MiB, Alltoall of 64 KiB per pair, the C#
# job against collbench.c, alternately under the same mpiexec (see scripts/lib/bench.sh).
#   jobs/CollectiveBench/run.sh [openmpi|mpich|both] [ranks]     (defaults: both, 2; BENCH_ROUNDS=5)
# Ratio = C# MB/s / C MB/s for each operation (target >= 0.95).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$REPO/scripts/lib/bench.sh"

ranks="${2:-2}"
bench_implementations "${1:-both}"
bench_build_dotnet "$REPO/jobs/CollectiveBench/CollectiveBench.csproj"
for implementation in "${IMPLEMENTATIONS[@]}"; do
  table=$(bench_compare "$implementation" "$ranks" "$REPO/jobs/CollectiveBench/collbench.c" "CollectiveBench")
  echo "$table"
  awk -v implementation="$implementation" '
    NR > 3 { ratios = ratios sprintf(" %s %.3f", $1, $NF); if (min == "" || $NF < min) min = $NF }
    END { printf "%s: C#/C%s; lowest %.3f (target >= 0.95)\n", implementation, ratios, min }' <<<"$table"
done
