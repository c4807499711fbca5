#!/usr/bin/env bash
# Ranks x threads on this machine: jobs/Hybrid under several placements of ranks on cores, BENCH_ROUNDS rounds
# (default 3) over all placements, the best multiply time of each kept; speed-up against the first placement (1 rank
# x 1 thread bound to one core) of the same invocation. Shows what binding does to Environment.ProcessorCount (and
# so to Parallel.For). The load average is printed: on a shared machine the figures mean little when it is high.
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
  "1 rank, 1 thread, --bind-to core|1|mpiexec.openmpi -n 1 --bind-to core"
  "1 rank, default binding|-|mpiexec.openmpi -n 1"
  "1 rank, default binding, DOTNET_PROCESSOR_COUNT=$CORES|-|mpiexec.openmpi -n 1 -x DOTNET_PROCESSOR_COUNT=$CORES"
  "1 rank --bind-to none|-|mpiexec.openmpi -n 1 --bind-to none"
  "1 rank --map-by slot:PE=$CORES|-|mpiexec.openmpi -n 1 --map-by slot:PE=$CORES"
  "$CORES ranks, default binding|-|mpiexec.openmpi -n $CORES"
  "$CORES ranks --bind-to none|-|mpiexec.openmpi -n $CORES --bind-to none"
  "$CORES ranks --bind-to none, 1 thread|1|mpiexec.openmpi -n $CORES --bind-to none"
)
mpich_cases=(
  "1 rank, 1 thread, -bind-to core|1|mpiexec.mpich -n 1 -bind-to core"
  "1 rank, default (no binding)|-|mpiexec.mpich -n 1"
  "1 rank -bind-to core:$CORES|-|mpiexec.mpich -n 1 -bind-to core:$CORES"
  "$CORES ranks, default (no binding)|-|mpiexec.mpich -n $CORES"
  "$CORES ranks -bind-to core|-|mpiexec.mpich -n $CORES -bind-to core"
  "$CORES ranks, default, 1 thread|1|mpiexec.mpich -n $CORES"
)

# Rounds alternate over the cases, so that a change in the machine's load falls on all of them alike.
for implementation in "${IMPLEMENTATIONS[@]}"; do
  declare -n cases="${implementation}_cases"
  best=() seen=() shape=()
  for ((round = 0; round < ROUNDS; round++)); do
    for i in "${!cases[@]}"; do
      IFS='|' read -r _ threads launcher <<<"${cases[$i]}"
      args=("$ORDER" "$ITERATIONS")
      [ "$threads" = - ] || args+=("$threads")
      # shellcheck disable=SC2086 # the launcher's words are split on purpose
      output=$($launcher dotnet "$DLL" "${args[@]}")
      seconds=$(sed -n 's/.*; multiply \([0-9.]*\) s.*/\1/p' <<<"$output")
      seen[i]=$(sed -n 's/^rank 0: cpus allowed \([^,]*\), Environment.ProcessorCount \([0-9]*\), \([0-9]*\) threads$/cpus \1, PC \2, \3 thr/p' <<<"$output")
      shape[i]=$(sed -n 's/^Hybrid: \([0-9]*\) ranks x \([0-9]*\) threads.*/\1x\2/p' <<<"$output")
      best[i]=$(awk -v a="$seconds" -v b="${best[i]:-}" 'BEGIN { print (b == "" || a < b) ? a : b }')
    done
  done
  echo "== $(bench_version "$implementation"); order $ORDER, $ITERATIONS iterations, best of $ROUNDS; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  printf "%-60s %-26s %9s %8s\n" "placement (ranks x threads)" "rank 0 sees" "multiply" "speed-up"
  for i in "${!cases[@]}"; do
    printf "%-60s %-26s %8.3fs %7.2fx\n" "${cases[$i]%%|*} (${shape[i]})" "${seen[i]}" "${best[i]}" \
      "$(awk -v b="${best[0]}" -v t="${best[i]}" 'BEGIN { print b / t }')"
  done
done
