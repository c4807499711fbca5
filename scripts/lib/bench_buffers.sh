# Large-message buffers: the same benchmark in four buffer kinds, C from malloc'd (plain) and from transparent huge
# page (huge) memory, C# from a pooled LargeBuffer (huge pages) and from a managed array, alternated under the same
# mpiexec BENCH_ROUNDS times, best value per kind. Sourced after bench.sh (uses bench_launch, bench_version and
# DLL from bench_build_dotnet, and BENCH_LOWER_IS_BETTER / BENCH_RATIO as bench_compare does). The C program and
# the C# job take the buffer kind as their first argument.

# implementation, ranks, C source, C# argument for pooled buffers, C# argument for managed arrays, [detail]: prints
# the table "kind bytes C-plain C-huge C#-pooled C#-managed" and each one's ratio against C with huge pages (above 1
# is faster than it, for times as well as rates).
bench_buffers() {
  local implementation="$1" ranks="$2" source="$3" pooled="$4" managed="$5" detail="${6:-}"
  local native
  native="$(dirname "$source")/bin/c/$implementation/$(basename "$source" .c)"
  mkdir -p "$(dirname "$native")"
  "mpicc.$implementation" -O2 -o "$native" "$source"
  local plain_out="" huge_out="" pooled_out="" managed_out="" round
  for ((round = 1; round <= ${BENCH_ROUNDS:-5}; round++)); do
    plain_out+=$(bench_launch "$implementation" "$ranks" "$native" plain)$'\n'
    huge_out+=$(bench_launch "$implementation" "$ranks" "$native" huge)$'\n'
    pooled_out+=$(bench_launch "$implementation" "$ranks" dotnet "$DLL" "$pooled")$'\n'
    managed_out+=$(bench_launch "$implementation" "$ranks" dotnet "$DLL" "$managed")$'\n'
  done
  echo
  echo "== $implementation ($(bench_version "$implementation")), large-message buffers${detail:+, $detail}, best of ${BENCH_ROUNDS:-5} alternating runs"
  echo "   ratios against C with huge pages, above 1 = faster"
  awk -v lower=" ${BENCH_LOWER_IS_BETTER:-} " '
    FNR == 1 { file++ }
    NF == 3 {
      id = file SUBSEP $1 SUBSEP $2
      smaller = index(lower, " " $1 " ") > 0
      if (!(id in value) || (smaller ? $3 < value[id] : $3 > value[id])) value[id] = $3
      if (file == 1 && !(($1, $2) in seen)) { seen[$1, $2]; order[++n] = $1 " " $2 }
    }
    function ratio(v, base, timed) { return timed ? (v > 0 ? base / v : 0) : (base > 0 ? v / base : 0) }
    END {
      printf "%-9s %8s %10s %10s %10s %10s %5s %8s %8s %8s\n", "kind", "bytes", "C plain", "C huge", "C# pooled",
             "C# array", "unit", "C plain", "C# pool", "C# array"
      for (i = 1; i <= n; i++) {
        split(order[i], key, " ")
        timed = index(lower, " " key[1] " ") > 0
        for (f = 1; f <= 4; f++) v[f] = value[f, key[1], key[2]]
        printf "%-9s %8d %10.2f %10.2f %10.2f %10.2f %5s %8.3f %8.3f %8.3f\n", key[1], key[2], v[1], v[2], v[3], v[4],
               (timed ? "us" : "MB/s"), ratio(v[1], v[2], timed), ratio(v[3], v[2], timed), ratio(v[4], v[2], timed)
      }
    }' <(echo "$plain_out") <(echo "$huge_out") <(echo "$pooled_out") <(echo "$managed_out")
}
