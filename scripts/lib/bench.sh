# Shared by the benchmarks under jobs/: a C# job and its C twin (built with the matching mpicc) run alternately
# under the same mpiexec, BENCH_ROUNDS times each; both print lines "<kind> <size> <value>"; each (kind, size)
# keeps its best value per program, so a burst of load from elsewhere on the machine does not decide the ratio.
# Sourced after common.sh. A benchmark script sets BENCH_LOWER_IS_BETTER (space-separated kinds measured in time;
# all others are rates), optionally BENCH_RATIO=speed (below), and calls bench_implementations, bench_build_dotnet,
# then bench_compare per implementation.

bench_implementations() { # [openmpi|mpich|both] -> IMPLEMENTATIONS
  case "${1:-both}" in
    openmpi) IMPLEMENTATIONS=(openmpi) ;;
    mpich) IMPLEMENTATIONS=(mpich) ;;
    both) IMPLEMENTATIONS=(openmpi mpich) ;;
    *) echo "$0: unknown implementation '$1' (expected openmpi, mpich or both)" >&2; exit 2 ;;
  esac
}

bench_build_dotnet() { # project file -> DLL; a failed build prints its errors and ends the script
  local log
  if ! log=$(dotnet build "$1" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly 2>&1); then
    printf '%s\n' "$log" >&2
    echo "$0: building $1 failed (errors above)" >&2
    exit 1
  fi
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

bench_version() { # implementation -> the library's name and version, one line
  if [ "$1" = openmpi ]; then
    mpiexec.openmpi --version 2>&1 | head -1
  else
    # Hydra's first line is a heading ("HYDRA build details:"); the version is on a later line.
    echo "MPICH $(mpiexec.mpich --version 2>&1 | awk '$1 == "Version:" { print $2 }')"
  fi
}

# implementation, ranks, C source, [detail for the title]: builds the C twin, runs both BENCH_ROUNDS times, prints
# the table "kind size C# C ratio". The ratio is C#/C of the values (above 1 is slower for times, faster for rates),
# or with BENCH_RATIO=speed C/C# for times, so that above 1 always means C# is faster.
bench_compare() {
  local implementation="$1" ranks="$2" source="$3" detail="${4:-}"
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
  echo "== $implementation ($(bench_version "$implementation"))${detail:+, $detail}, best of ${BENCH_ROUNDS:-5} alternating runs"
  awk -v lower=" ${BENCH_LOWER_IS_BETTER:-} " -v ratio_of="${BENCH_RATIO:-value}" '
    FNR == 1 { file++ }
    NF == 3 {
      id = file SUBSEP $1 SUBSEP $2
      smaller = index(lower, " " $1 " ") > 0
      if (!(id in value) || (smaller ? $3 < value[id] : $3 > value[id])) value[id] = $3
      if (file == 1 && !(($1, $2) in seen)) { seen[$1, $2]; order[++n] = $1 " " $2 }
    }
    END {
      printf "%-9s %9s %14s %14s %7s\n", "kind", "bytes", "C#", "C", "ratio"
      for (i = 1; i <= n; i++) {
        split(order[i], key, " ")
        cs = value[1, key[1], key[2]]; c = value[2, key[1], key[2]]
        timed = index(lower, " " key[1] " ") > 0
        unit = timed ? "us" : "MB/s"
        ratio = (timed && ratio_of == "speed") ? (cs > 0 ? c / cs : 0) : (c > 0 ? cs / c : 0)
        printf "%-9s %9d %9.3f %-4s %9.3f %-4s %7.3f\n", key[1], key[2], cs, unit, c, unit, ratio
      }
    }' <(echo "$csharp") <(echo "$c")
}
