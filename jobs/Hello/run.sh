#!/usr/bin/env bash
# Start-up benchmark: the wall time of `mpiexec -n 4` running Hello as C (hello.c), as C# published Native AOT and as
# C# on the JIT (dotnet Hello.dll), alternately, BENCH_ROUNDS times each (default 10), best time per program, with
# the ratios against C.
#   jobs/Hello/run.sh [openmpi|mpich|both] [ranks]      (default: both, 4 ranks; target: AOT/C <= 1.2)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$REPO/scripts/lib/bench.sh"

bench_implementations "${1:-both}"
ranks="${2:-4}"
rounds="${BENCH_ROUNDS:-10}"
bench_build_dotnet "$REPO/jobs/Hello/Hello.csproj"
aot="$REPO/jobs/Hello/bin/aot"
dotnet publish "$REPO/jobs/Hello/Hello.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly -o "$aot" >/dev/null

wall_ms() { # implementation, program and its arguments -> milliseconds of the whole mpiexec run
  local implementation="$1" start end; shift
  start=$(date +%s%N)
  bench_launch "$implementation" "$ranks" "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}

for implementation in "${IMPLEMENTATIONS[@]}"; do
  native="$REPO/jobs/Hello/bin/c/$implementation/hello"
  mkdir -p "$(dirname "$native")"
  "mpicc.$implementation" -O2 -o "$native" "$REPO/jobs/Hello/hello.c"
  best_c="" best_aot="" best_jit=""
  for ((round = 1; round <= rounds; round++)); do
    c=$(wall_ms "$implementation" "$native")
    a=$(wall_ms "$implementation" "$aot/Hello")
    j=$(wall_ms "$implementation" dotnet "$DLL")
    [ -z "$best_c" ] || [ "$c" -lt "$best_c" ] && best_c=$c
    [ -z "$best_aot" ] || [ "$a" -lt "$best_aot" ] && best_aot=$a
    [ -z "$best_jit" ] || [ "$j" -lt "$best_jit" ] && best_jit=$j
  done
  echo
  echo "== $implementation ($(bench_version "$implementation")), $ranks ranks, best of $rounds alternating runs"
  awk -v c="$best_c" -v aot="$best_aot" -v jit="$best_jit" -v implementation="$implementation" 'BEGIN {
    printf "%-12s %10s %9s\n", "program", "wall ms", "vs C"
    printf "%-12s %10.1f %9.3f\n", "C", c / 1000, 1
    printf "%-12s %10.1f %9.3f\n", "C# AOT", aot / 1000, aot / c
    printf "%-12s %10.1f %9.3f\n", "C# JIT", jit / 1000, jit / c
    printf "%s: Native AOT hello %.3fx C (target <= 1.2), JIT %.3fx\n", implementation, aot / c, jit / c
  }'
done
