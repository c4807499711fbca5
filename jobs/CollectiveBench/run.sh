#!/usr/bin/env bash
# Collective benchmark: Allreduce (sum) of 1 Mi doubles, Broadcast of 1 MiB from rank 0, Alltoall of 64 KiB per
# peer, the C# job against collbench.c, alternately under the same mpiexec (see scripts/lib/bench.sh).
#   jobs/CollectiveBench/run.sh [openmpi|mpich|both] [ranks] [all|standard|large]   (defaults: both, 2, all;
#                                                                                    BENCH_ROUNDS=5)
# standard: each row microseconds per operation for C# and C (page-aligned buffers), ratio = C time / C# time (the
# throughput ratio: 1.0 is equal, target >= 0.95).
# large: the same plus Broadcast of 4 MiB in four buffer kinds (scripts/lib/bench_buffers.sh): C page-aligned, C with
# transparent huge pages, C# from LargeBufferPool, C# managed arrays; ratios against C with huge pages (C time /
# time; target >= 0.9 for C# pooled on the 1 and 4 MiB Broadcasts).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$REPO/scripts/lib/bench.sh"
source "$REPO/scripts/lib/bench_buffers.sh"

ranks="${2:-2}"
if ! [[ "$ranks" =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: the rank count must be a positive integer, not '$ranks'" >&2
  exit 2
fi
BENCH_LOWER_IS_BETTER="allreduce broadcast alltoall"
BENCH_RATIO=speed
bench_implementations "${1:-both}"
parts="${3:-all}"
case "$parts" in
  all | standard | large) ;;
  *) echo "$0: unknown part '$parts' (expected all, standard or large)" >&2; exit 2 ;;
esac
bench_build_dotnet "$REPO/jobs/CollectiveBench/CollectiveBench.csproj"
for implementation in "${IMPLEMENTATIONS[@]}"; do
  [ "$parts" != large ] || continue
  table=$(bench_compare "$implementation" "$ranks" "$REPO/jobs/CollectiveBench/collbench.c" \
    "$ranks ranks, alltoall bytes = block per peer, ratio = C time / C# time")
  echo "$table"
  awk -v implementation="$implementation" '
    NR > 3 {
      ratios = ratios sprintf("%s %s %.3f", (NR > 4 ? "," : ""), $1, $NF)
      if (lowest == "" || $NF < lowest) lowest = $NF
    }
    END {
      printf "%s: C time / C# time%s; lowest %.3f, target >= 0.95 %s\n",
             implementation, ratios, lowest, (lowest >= 0.95 ? "met" : "NOT met")
    }' <<<"$table"
done
for implementation in "${IMPLEMENTATIONS[@]}"; do
  [ "$parts" != standard ] || continue
  table=$(bench_buffers "$implementation" "$ranks" "$REPO/jobs/CollectiveBench/collbench.c" pooled managed \
    "$ranks ranks")
  echo "$table"
  awk -v implementation="$implementation" '
    $1 == "broadcast" { if (lowest == "" || $(NF - 1) < lowest) lowest = $(NF - 1) }
    END { printf "%s: 1 and 4 MiB Broadcast C# pooled / C huge pages (speed) lowest %.3f, target >= 0.9 %s\n",
          implementation, lowest, (lowest >= 0.9 ? "met" : "NOT met") }' <<<"$table"
done
