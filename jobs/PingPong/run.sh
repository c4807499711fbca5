#!/usr/bin/env bash
# Ping-pong benchmark between two ranks: the C# job against pingpong.c, alternately under the same mpiexec (see
# scripts/lib/bench.sh), then a table size by size and a summary line per implementation.
#   jobs/PingPong/run.sh [openmpi|mpich|both] [all|standard|large]     (defaults: both, all; BENCH_ROUNDS=5)
# standard: every size, C# (managed array) against C (malloc): latency ratio = C# time / C time (target <= 1.10 at
# 8 B); bandwidth ratio = C# MB/s / C MB/s (target >= 0.95 at 4 MiB).
# large: 1 to 4 MiB in four buffer kinds (scripts/lib/bench_buffers.sh): C plain, C with transparent huge pages,
# C# from LargeBufferPool, C# managed array; ratios against C with huge pages (target >= 0.9 for C# pooled).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$REPO/scripts/lib/bench.sh"
source "$REPO/scripts/lib/bench_buffers.sh"

BENCH_LOWER_IS_BETTER="latency"
bench_implementations "${1:-both}"
parts="${2:-all}"
case "$parts" in
  all | standard | large) ;;
  *) echo "$0: unknown part '$parts' (expected all, standard or large)" >&2; exit 2 ;;
esac
bench_build_dotnet "$REPO/jobs/PingPong/PingPong.csproj"
for implementation in "${IMPLEMENTATIONS[@]}"; do
  [ "$parts" != large ] || continue
  table=$(bench_compare "$implementation" 2 "$REPO/jobs/PingPong/pingpong.c")
  echo "$table"
  awk -v implementation="$implementation" '
    $1 == "latency" && $2 == 8 { latency = $NF }
    $1 == "bandwidth" && $2 == 4194304 { bandwidth = $NF }
    END { printf "%s: 8 B latency C#/C %.3f (target <= 1.10), 4 MiB bandwidth C#/C %.3f (target >= 0.95)\n",
          implementation, latency, bandwidth }' <<<"$table"
done
for implementation in "${IMPLEMENTATIONS[@]}"; do
  [ "$parts" != standard ] || continue
  table=$(bench_buffers "$implementation" 2 "$REPO/jobs/PingPong/pingpong.c" pooled managed)
  echo "$table"
  awk -v implementation="$implementation" '
    $1 == "bandwidth" { if (lowest == "" || $(NF - 1) < lowest) lowest = $(NF - 1) }
    END { printf "%s: 1-4 MiB bandwidth C# pooled / C huge pages lowest %.3f, target >= 0.9 %s\n",
          implementation, lowest, (lowest >= 0.9 ? "met" : "NOT met") }' <<<"$table"
done
