#!/usr/bin/env bash
# Ping-pong benchmark between two ranks: the C# job against pingpong.c, alternately under the same mpiexec (see
# scripts/lib/bench.sh), then a table size by size and a summary line per implementation.
#   jobs/PingPong/run.sh [openmpi|mpich|both] [all|standard|large]     (defaults: both, all; BENCH_ROUNDS=5)
# standard: every size, C# (managed array) against C (malloc): latency ratio = C# time / C time (target <= 1.10 at
# 8 B); bandwidth ratio = C# MB/s / C MB/s (target >= 0.95 at 4 MiB). Then, 0 to 64 B, C# against C alone and against C
# that first duplicates MPI_COMM_WORLD, as the framework does at start-up (README, "Small-message latency").
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
  # The framework makes a private communicator of all ranks at start-up: C# against C alone, C that makes one the
  # same way and C that duplicates MPI_COMM_WORLD, alternately.
  native="$REPO/jobs/PingPong/bin/c/$implementation/pingpong"
  csharp="" plain="" grouped="" duplicated=""
  for ((round = 1; round <= ${BENCH_ROUNDS:-5}; round++)); do
    csharp+=$(bench_launch "$implementation" 2 dotnet "$DLL")$'\n'
    plain+=$(bench_launch "$implementation" 2 "$native")$'\n'
    grouped+=$(PINGPONG_PRIVATE_COMMUNICATOR=create_group bench_launch "$implementation" 2 "$native")$'\n'
    duplicated+=$(PINGPONG_PRIVATE_COMMUNICATOR=dup bench_launch "$implementation" 2 "$native")$'\n'
  done
  awk -v implementation="$implementation" '
    FNR == 1 { file++ }
    $1 == "latency" && $2 <= 64 { id = file SUBSEP $2; if (!(id in best) || $3 < best[id]) best[id] = $3; sizes[$2] }
    END {
      printf "%s, half round trip in us, best of alternating runs: C# / C alone (C#/C) / C with a communicator from MPI_Comm_create_group (C#/C) / C with MPI_COMM_WORLD duplicated (C#/C)\n",
        implementation
      for (size = 0; size <= 64; size = size ? size * 2 : 8)
        if (size in sizes)
          printf "  %2d B  %.3f / %.3f (%.3f) / %.3f (%.3f) / %.3f (%.3f)\n", size, best[1, size], best[2, size],
            best[1, size] / best[2, size], best[3, size], best[1, size] / best[3, size], best[4, size],
            best[1, size] / best[4, size]
    }' <(echo "$csharp") <(echo "$plain") <(echo "$grouped") <(echo "$duplicated")
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
