# Shared by the benchmarks under jobs/: a C# job and its C twin (built with the matching mpicc) run alternately
# under the same mpiexec, BENCH_ROUNDS times each; both print lines "<kind> <size> <value>"; each (kind, size)
# keeps its best value per program, so a burst of load from elsewhere on the machine does not decide the ratio.
# Sourced after common.sh. A benchmark script sets BENCH_LOWER_IS_BETTER (space-separated kinds measured in time;
# all others are rates) and calls bench_implementations, bench_build_dotnet, then bench_compare per implementation.

bench_implementations() { # [openmpi|mpich|both] -> IMPLEMENTATIONS
  case "${1:-both}" in
    openmpi) IMPLEMENTATIONS=(openmpi) ;;
    mpich) IMPLEMENTATIONS=(mpich) ;;
    both) IMPLEMENTATIONS=(openmpi mpich) ;;
    *) echo "usage: $0 [openmpi|mpich|both] [ranks]" >&2; exit 2 ;;
  esac
}

bench_build_dotnet() { # project file -> DLL
  dotnet build "$1" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >/dev/null
  DLL="$(dirname "$1")/bin/$CONFIGURATION/net10.0/$(basename "$1" .csproj).dll"
}

bench_launch() { # implementation, ranks, then the program and its arguments
  local implementation="$1" ranks="$2"; shift 2
  # Without TERM, .NET's console writes no terminal-mode escapes into the output.
  unset TERM
  # Ranks bound to cores, as Open MPI does by default for two ranks. A .NET process bound to one core sees a
  # single processor and switches the runtime to its single-processor mode, which makes every managed call
  # measurably slower (about 50 ns per send/receive pair here); DOTNET_PROCESSOR_COUNT tells it the machine's
  # real size. C programs ignore the variable.
  # More ranks than cores cannot be bound one per core; they float, and the figures mostly measure the ranks
  # waiting for one another.
  local processors binding=core
  processors=$(nproc --all)
  [ "$ranks" -le "$processors" ] || binding=none
  if [ "$implementation" = openmpi ]; then
    mpiexec.openmpi -n "$ranks" --bind-to "$binding" --oversubscribe -x DOTNET_PROCESSOR_COUNT="$processors" "$@"
  else
    mpiexec.mpich -n "$ranks" -bind-to "$binding" -genv DOTNET_PROCESSOR_COUNT "$processors" "$@"
  fi
}

# implementation, ranks, C source, title: builds the C twin, runs both BENCH_ROUNDS times, prints the table
# "kind size C# C ratio" (ratio = C#/C of the values: above 1 is slower for times, faster for rates).
bench_compare() {
  local implementation="$1" ranks="$2" source="$3" title="$4"
  local native
  native="$(dirname "$source")/bin/c/$implementation/$(basename "$source" .c)"
  mkdir -p "$(dirname "$native")"
  "mpicc.$implementation" -O2 -o "$native" "$source"
  local csharp="" c="" round
  for ((round = 1; round <= ${BENCH_ROUNDS:-5}; round++)); do
    csharp+=$(bench_launch "$implementation" "$ranks" dotnet "$DLL")$'\n'
    c+=$(bench_launch "$implementation" "$ranks" "$native")$'\n'
  done
  echo
  echo "== $title, $implementation ($(mpiexec."$implementation" --version 2>&1 | head -1)), $ranks ranks, best of ${BENCH_ROUNDS:-5} alternating runs"
  awk -v lower=" ${BENCH_LOWER_IS_BETTER:-} " '
    FNR == 1 { file++ }
    NF == 3 {
      id = file SUBSEP $1 SUBSEP $2
      smaller = index(lower, " " $1 " ") > 0
      if (!(id in value) || (smaller ? $3 < value[id] : $3 > value[id])) value[id] = $3
      if (file == 1 && !(($1, $2) in seen)) { seen[$1, $2]; order[++n] = $1 " " $2 }
    }
    END {
      printf "%-10s %9s %14s %14s %7s\n", "kind", "bytes", "C#", "C", "C#/C"
      for (i = 1; i <= n; i++) {
        split(order[i], key, " ")
        cs = value[1, key[1], key[2]]; c = value[2, key[1], key[2]]
        unit = index(lower, " " key[1] " ") > 0 ? "us" : "MB/s"
        printf "%-10s %9d %9.3f %-4s %9.3f %-4s %7.3f\n", key[1], key[2], cs, unit, c, unit, (c > 0 ? cs / c : 0)
      }
    }' <(echo "$csharp") <(echo "$c")
}
