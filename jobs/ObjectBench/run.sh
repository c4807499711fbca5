#!/usr/bin/env bash
# The object (serialized) path against mpi4py's pickle path: the C# job (Program.cs) and its mpi4py twin
# (object_mpi4py.py, Debian's python3-mpi4py, built for Open MPI) run alternately on two ranks under the same
# mpiexec.openmpi, BENCH_ROUNDS times each (default 3); each case keeps its best time per program.
#   jobs/ObjectBench/run.sh
# speed = mpi4py time / C# time (above 1: C# is faster). Targets: >= 2 for small objects (record, short string and
# collections of up to 128 elements, whose time is mostly latency), >= 10 for collections of 8,192 elements and more
# (bare, inside objects, Allreduce with a user operation, Broadcast). byte[] and string sent as objects are also held
# to the raw path of the same values in the same program (spans into a buffer the receiver has: the array's bytes, the
# string's UTF-16 characters): raw = object's speed relative to raw, target >= 0.95 ("as fast as the raw path").
# "new us" is the same raw path received into a new array each time, as a received object must be: the part of the
# gap that is the new memory rather than the object path.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$REPO/scripts/lib/bench.sh"

bench_build_dotnet "$REPO/jobs/ObjectBench/ObjectBench.csproj"
script="$REPO/jobs/ObjectBench/object_mpi4py.py"
csharp="" python=""
for ((round = 1; round <= ${BENCH_ROUNDS:-3}; round++)); do
  csharp+=$(bench_launch openmpi 2 dotnet "$DLL")$'\n'
  python+=$(bench_launch openmpi 2 /usr/bin/python3 "$script")$'\n'
done
echo
echo "== openmpi ($(bench_version openmpi)), mpi4py $(/usr/bin/python3 -c 'import mpi4py; print(mpi4py.__version__)'), best of ${BENCH_ROUNDS:-3} alternating runs"
awk '
  FNR == 1 { file++ }
  NF == 3 {
    id = file SUBSEP $1 SUBSEP $2
    if (!(id in best) || $3 < best[id]) best[id] = $3
    if (file == 1 && !(($1, $2) in seen) && $1 !~ /-(raw|new)$/) { seen[$1, $2]; order[++n] = $1 " " $2 }
  }
  END {
    printf "%-10s %8s %12s %12s %8s %6s %10s %7s %10s %s\n", "case", "elements", "C# us", "mpi4py us", "speed", "target",
      "C# raw us", "raw", "new us", "met"
    missed = 0
    for (i = 1; i <= n; i++) {
      split(order[i], key, " ")
      cs = best[1, key[1], key[2]]; py = best[2, key[1], key[2]]
      speed = cs > 0 ? py / cs : 0
      target = (key[1] == "bytes" || key[1] == "text") ? 1 : (key[2] >= 8192 ? 10 : 2)
      met = speed >= target
      rawtext = "-"; rawratio = "-"; newtext = "-"
      if ((1, key[1] "-new", key[2]) in best) newtext = sprintf("%.3f", best[1, key[1] "-new", key[2]])
      if ((1, key[1] "-raw", key[2]) in best) {
        raw = best[1, key[1] "-raw", key[2]]
        rawtext = sprintf("%.3f", raw); rawratio = sprintf("%.3f", raw / cs)
        met = met && raw / cs >= 0.95
      }
      if (!met) missed++
      printf "%-10s %8d %12.3f %12.3f %8.2f %6s %10s %7s %10s %s\n", key[1], key[2], cs, py, speed, target "x",
        rawtext, rawratio, newtext, (met ? "yes" : "NO")
    }
    printf "%d of %d cases meet their target\n", n - missed, n
  }' <(echo "$csharp") <(echo "$python")
