#!/usr/bin/env bash
# Ranks x threads on this machine: jobs/Hybrid under several placements of ranks on cores, each run BENCH_ROUNDS
# times (default 3), the best multiply time kept; speed-up against 1 rank x 1 thread bound to one core, measured
# in the same invocation. Shows what binding does to Environment.ProcessorCount (and so to Parallel.For).
#   jobs/Hybrid/run.sh [openmpi|mpich|both] [order] [iterations]   (defaults both, 3000, 30)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$REPO/scripts/lib/bench.sh"

bench_implementations "${1:-both}"
ORDER="${2:-3000}" ITERATIONS="${3:-30}" ROUNDS="${BENCH_ROUNDS:-3}"
bench_build_dotnet "$REPO/jobs/Hybrid/Hybrid.csproj"
unset TERM
CORES=$(nproc --all)

# label, threads ("" = Environment.ProcessorCount), then the launcher and its arguments up to the program.
openmpi_cases=(
  "1x1 --bind-to core|1|mpiexec.openmpi -n 1 --bind-to core"
  "1 rank, default binding|-|mpiexec.openmpi -n 1"
  "1 rank, default binding, DOTNET_PROCESSOR_COUNT=$CORES|-|mpiexec.openmpi -n 1 -x DOTNET_PROCESSOR_COUNT=$CORES"
  "1 rank --bind-to none|-|mpiexec.openmpi -n 1 --bind-to none"
  "1 rank --map-by slot:PE=$CORES|-|mpiexec.openmpi -n 1 --map-by slot:PE=$CORES"
  "$CORES ranks, default binding|-|mpiexec.openmpi -n $CORES"
  "$CORES ranks --bind-to none|-|mpiexec.openmpi -n $CORES --bind-to none"
  "$CORES ranks --bind-to none, 1 thread|1|mpiexec.openmpi -n $CORES --bind-to none"
)
mpich_cases=(
  "1x1 -bind-to core|1|mpiexec.mpich -n 1 -bind-to core"
  "1 rank, default (no binding)|-|mpiexec.mpich -n 1"
  "1 rank -bind-to core:$CORES|-|mpiexec.mpich -n 1 -bind-to core:$CORES"
  "$CORES ranks, default (no binding)|-|mpiexec.mpich -n $CORES"
  "$CORES ranks -bind-to core|-|mpiexec.mpich -n $CORES -bind-to core"
  "$CORES ranks, default, 1 thread|1|mpiexec.mpich -n $CORES"
)

for implementation in "${IMPLEMENTATIONS[@]}"; do
  echo "== $(bench_version "$implementation"); order $ORDER, $ITERATIONS iterations, best of $ROUNDS; speed-up against the first line"
  printf "%-52s %-28s %9s %8s\n" "placement" "rank 0 sees" "multiply" "speed-up"
  declare -n cases="${implementation}_cases"
  baseline=""
  for case in "${cases[@]}"; do
    IFS='|' read -r label threads launcher <<<"$case"
    args=("$ORDER" "$ITERATIONS")
    [ "$threads" = - ] || args+=("$threads")
    best="" seen=""
    for ((round = 0; round < ROUNDS; round++)); do
      # shellcheck disable=SC2086 # the launcher's words are split on purpose
      output=$($launcher dotnet "$DLL" "${args[@]}")
      seconds=$(sed -n 's/.*; multiply \([0-9.]*\) s.*/\1/p' <<<"$output")
      seen=$(sed -n 's/^rank 0: cpus allowed \([^,]*\), Environment.ProcessorCount \([0-9]*\), \([0-9]*\) threads$/cpus \1, PC \2, \3 thr/p' <<<"$output")
      ranks=$(sed -n 's/^Hybrid: \([0-9]*\) ranks x \([0-9]*\) threads.*/\1x\2/p' <<<"$output")
      best=$(awk -v a="$seconds" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
    done
    baseline=${baseline:-$best}
    printf "%-52s %-28s %8.3fs %7.2fx\n" "$label ($ranks)" "$seen" "$best" "$(awk -v b="$baseline" -v t="$best" 'BEGIN { print b / t }')"
  done
done
