#!/usr/bin/env bash
# Ping-pong benchmark: the C# job and pingpong.c (built with the matching mpicc) run alternately under the same
# mpiexec, ROUNDS times each (default 3); each size keeps its best figure per program, so a burst of load from
# elsewhere on the machine does not decide the ratio. Then one table compares them size by size.
#   jobs/PingPong/run.sh [openmpi|mpich|both]      (default: both)
# Latency ratio = C# time / C time (lower is better, target <= 1.10 at 8 B);
# bandwidth ratio = C# MB/s / C MB/s (higher is better, target >= 0.95 at 4 MiB).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

here="$REPO/jobs/PingPong"
which="${1:-both}"
case "$which" in
  openmpi) implementations=(openmpi) ;;
  mpich) implementations=(mpich) ;;
  both) implementations=(openmpi mpich) ;;
  *) echo "usage: $0 [openmpi|mpich|both]" >&2; exit 2 ;;
esac

rounds="${ROUNDS:-3}"
dotnet build "$here/PingPong.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >/dev/null
dll="$here/bin/$CONFIGURATION/net10.0/PingPong.dll"

launch() { # implementation, then the program and its arguments
  local implementation="$1"; shift
  # Without TERM, .NET's console writes no terminal-mode escapes into the output.
  unset TERM
  # Each rank bound to its own core, as Open MPI does by default for two ranks. A .NET process bound to one core
  # sees a single processor and switches the runtime to its single-processor mode, which makes every managed
  # call measurably slower (about 50 ns per send/receive pair here); DOTNET_PROCESSOR_COUNT tells it the
  # machine's real size. The C program ignores the variable.
  local processors
  processors=$(nproc --all)
  if [ "$implementation" = openmpi ]; then
    mpiexec.openmpi -n 2 --bind-to core -x DOTNET_PROCESSOR_COUNT="$processors" "$@"
  else
    mpiexec.mpich -n 2 -bind-to core -genv DOTNET_PROCESSOR_COUNT "$processors" "$@"
  fi
}

for implementation in "${implementations[@]}"; do
  native="$here/bin/c/$implementation/pingpong"
  mkdir -p "$(dirname "$native")"
  "mpicc.$implementation" -O2 -o "$native" "$here/pingpong.c"
  csharp="" c=""
  for ((round = 1; round <= rounds; round++)); do
    csharp+=$(launch "$implementation" dotnet "$dll")$'\n'
    c+=$(launch "$implementation" "$native")$'\n'
  done
  echo
  echo "== $implementation ($(mpiexec."$implementation" --version 2>&1 | head -1)), best of $rounds alternating runs"
  awk -v implementation="$implementation" '
    FNR == 1 { file++ }
    NF == 3 {
      id = file SUBSEP $1 SUBSEP $2
      better = !(id in value) || ($1 == "latency" ? $3 < value[id] : $3 > value[id])
      if (better) value[id] = $3
      if (file == 1 && !(($1, $2) in seen)) { seen[$1, $2]; order[++n] = $1 " " $2 }
    }
    END {
      printf "%-9s %9s %14s %14s %7s\n", "kind", "bytes", "C#", "C", "ratio"
      for (i = 1; i <= n; i++) {
        split(order[i], key, " ")
        cs = value[1, key[1], key[2]]; c = value[2, key[1], key[2]]
        unit = key[1] == "latency" ? "us" : "MB/s"
        printf "%-9s %9d %9.3f %-4s %9.3f %-4s %7.3f\n", key[1], key[2], cs, unit, c, unit, (c > 0 ? cs / c : 0)
      }
      lat = value[1, "latency", 8] / value[2, "latency", 8]
      bw = value[1, "bandwidth", 4194304] / value[2, "bandwidth", 4194304]
      printf "%s: 8 B latency C#/C %.3f (target <= 1.10), 4 MiB bandwidth C#/C %.3f (target >= 0.95)\n",
             implementation, lat, bw
    }' <(echo "$csharp") <(echo "$c")
done
