#!/usr/bin/env bash
# corsscan throughput benchmark against the zlib ceiling.
#
#   Benchmarks/run.sh                      # 1 M and 5 M lines, rest-json / rest-clf / firehose, one file and 4 files each
#   SIZES=1000000 Benchmarks/run.sh        # quicker
#   VARIANTS="rest-json" MULTI=rest-clf SIZES=1000000 Benchmarks/run.sh
#   REPEAT=3 Benchmarks/run.sh             # corsscan and the ceiling timed 3 times per input, the fastest run kept
#   BASELINE=/path/to/old/corsscan Benchmarks/run.sh   # also time another build (before/after in one table)
#
# For every input it times (wall seconds, peak RSS of the largest process):
#   gzip -dc FILE > /dev/null              the everyday baseline
#   zlib_count FILE                        inflate + newline count in C: the ceiling for a zlib streaming reader
#                                          (4-file sets: two processes in parallel = the two-core ceiling)
#   corsscan --no-progress -q --out TMP FILE...   (n/a while corsscan is not built or writes no summary.json)
# and prints one table. Inputs are generated once into Benchmarks/work/ (git-ignored) and reused.
set -uo pipefail
cd "$(dirname "$0")/.."
WORK=Benchmarks/work
SIZES=${SIZES:-"1000000 5000000"}
VARIANTS=${VARIANTS:-"rest-json rest-clf firehose"}
MULTI=${MULTI:-"rest-json rest-clf firehose"}
REPEAT=${REPEAT:-1}
BASELINE=${BASELINE:-}
SEED=${SEED:-1}
mkdir -p "$WORK"

echo "== building release" >&2
swift build -c release --product corsscan-gen >&2 || { echo "corsscan-gen failed to build" >&2; exit 1; }
BIN=$(swift build -c release --show-bin-path)
CORSSCAN=""
if swift build -c release --product corsscan >/dev/null 2>&1 && [ -x "$BIN/corsscan" ]; then CORSSCAN="$BIN/corsscan"; fi
cc -O2 -o "$WORK/zlib_count" Benchmarks/zlib_count.c -lz || { echo "cannot compile zlib_count.c (zlib1g-dev?)" >&2; exit 1; }

# ---- timer: GNU time -v, else install it, else the getrusage wrapper
TIMER=""
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
  TIMER=gnu
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; }) \
    && [ -x /usr/bin/time ] && TIMER=gnu
fi
if [ -z "$TIMER" ]; then cc -O2 -o "$WORK/rusage" Benchmarks/rusage.c && TIMER=rusage; fi
echo "== timer: $TIMER" >&2

# measure STDOUT_FILE CMD...  → M_SEC, M_RSS (KiB), M_RC
measure() {
  local out=$1; shift
  local err="$WORK/.time.err"
  if [ "$TIMER" = gnu ]; then
    /usr/bin/time -v "$@" >"$out" 2>"$err"; M_RC=$?
    M_SEC=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$err")
    M_RSS=$(awk -F': ' '/Maximum resident set size/{print $2}' "$err")
  else
    "$WORK/rusage" "$@" >"$out" 2>"$err"; M_RC=$?
    M_SEC=$(awk '/^RUSAGE/{print $2}' "$err"); M_RSS=$(awk '/^RUSAGE/{print $3}' "$err")
  fi
  : "${M_SEC:=0}" "${M_RSS:=0}"
}

# gen NAME LINES FORMAT FILES → sets G_DIR, G_FILES (array), G_LINES
gen() {
  G_DIR="$WORK/$1"
  if [ ! -f "$G_DIR/.done" ]; then
    rm -rf "$G_DIR"
    echo "== generating $1" >&2
    "$BIN/corsscan-gen" --seed "$SEED" --lines "$2" --formats "$3" --files "$4" --browser-reports none \
      --out "$G_DIR/in" --truth-out "$G_DIR" -q || exit 1
    touch "$G_DIR/.done"
  fi
  mapfile -t G_FILES < <(find "$G_DIR/in" -type f ! -name custom.format | sort)
  G_LINES=$(awk -F': ' '/"lines"/{gsub(/[^0-9]/,"",$2); print $2; exit}' "$G_DIR/ground-truth-summary.json")
}

ROWS=()
row() { # input lines MB tool sec rss_kib ceiling_sec
  local input=$1 lines=$2 mb=$3 tool=$4 sec=$5 rss=$6 ceil=$7
  if [ "$sec" = n/a ]; then
    ROWS+=("$(printf '%-22s %10s %9s %-26s %8s %9s %12s %9s %9s' "$input" "$lines" "$mb" "$tool" n/a n/a n/a n/a n/a)")
    return
  fi
  ROWS+=("$(awk -v i="$input" -v l="$lines" -v m="$mb" -v t="$tool" -v s="$sec" -v r="$rss" -v c="$ceil" 'BEGIN{
      if (s <= 0) s = 0.001
      printf "%-22s %10d %9.1f %-26s %8.2f %9.1f %12.0f %9.2f %9.1f", i, l, m, t, s, m/s, l/s, c/s, r/1024 }')")
}

# measure, REPEAT times: M_SEC the fastest run, M_RSS the largest.
measure_best() {
  measure "$@"
  local best_sec=$M_SEC best_rss=$M_RSS best_rc=$M_RC r
  for (( r = 1; r < REPEAT; r++ )); do
    measure "$@"
    if awk -v a="$M_SEC" -v b="$best_sec" 'BEGIN{exit !(a < b)}'; then best_sec=$M_SEC; fi
    if [ "$M_RSS" -gt "$best_rss" ]; then best_rss=$M_RSS; fi
  done
  M_SEC=$best_sec M_RSS=$best_rss M_RC=$best_rc
}

bench() { # label lines files...
  local label=$1 lines=$2; shift 2
  local files=("$@") n=${#files[@]}
  # ceiling (also yields the decompressed size)
  if [ "$n" -ge 4 ]; then
    local half=$(( n / 2 ))
    local a=("${files[@]:0:$half}") b=("${files[@]:$half}")
    measure "$WORK/.zc.out" sh -c '"$0" "$@"' "$WORK/zlib_count" "${files[@]}" >/dev/null
    local bytes; bytes=$(awk '{print $2}' "$WORK/.zc.out")
    measure_best /dev/null sh -c 'z=$1; shift; n=$1; shift; i=0; set -- "$@"; A=""; B="";
        for f in "$@"; do if [ $i -lt $n ]; then A="$A $f"; else B="$B $f"; fi; i=$((i+1)); done;
        $z $A >/dev/null & $z $B >/dev/null & wait' x "$WORK/zlib_count" "$half" "${files[@]}"
    local csec=$M_SEC crss=$M_RSS ctool="zlib_count x2 (ceiling)"
  else
    measure_best "$WORK/.zc.out" "$WORK/zlib_count" "${files[@]}"
    local bytes; bytes=$(awk '{print $2}' "$WORK/.zc.out")
    local csec=$M_SEC crss=$M_RSS ctool="zlib_count (ceiling)"
  fi
  local mb; mb=$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}')
  measure /dev/null gzip -dc "${files[@]}"
  row "$label" "$lines" "$mb" "gzip -dc" "$M_SEC" "$M_RSS" "$csec"
  row "$label" "$lines" "$mb" "$ctool" "$csec" "$crss" "$csec"
  if [ -n "$CORSSCAN" ]; then
    local tmp; tmp=$(mktemp -d)
    measure_best /dev/null "$CORSSCAN" --no-progress -q --out "$tmp" "${files[@]}"
    if { [ "$M_RC" = 0 ] || [ "$M_RC" = 1 ] || [ "$M_RC" = 3 ]; } && [ -s "$tmp/summary.json" ]; then
      row "$label" "$lines" "$mb" "corsscan" "$M_SEC" "$M_RSS" "$csec"
    else
      row "$label" "$lines" "$mb" "corsscan (not ready)" n/a n/a n/a
    fi
    rm -rf "$tmp"
  else
    row "$label" "$lines" "$mb" "corsscan (not built)" n/a n/a n/a
  fi
  if [ -n "$BASELINE" ]; then
    local tmpb; tmpb=$(mktemp -d)
    measure_best /dev/null "$BASELINE" --no-progress -q --out "$tmpb" "${files[@]}"
    row "$label" "$lines" "$mb" "corsscan (baseline)" "$M_SEC" "$M_RSS" "$csec"
    rm -rf "$tmpb"
  fi
}

for N in $SIZES; do
  for V in $VARIANTS; do
    gen "$V-$N" "$N" "$V" 1
    bench "$V $(( N / 1000000 ))M" "$G_LINES" "${G_FILES[@]}"
  done
  for V in $MULTI; do
    gen "$V-4files-$N" "$N" "$V" 4
    bench "$V 4 files $(( N / 1000000 ))M" "$G_LINES" "${G_FILES[@]}"
  done
done

echo
printf '%-22s %10s %9s %-26s %8s %9s %12s %9s %9s\n' input lines "dec. MB" tool seconds "MB/s" "lines/s" "x ceiling" "RSS MiB"
printf '%s\n' "${ROWS[@]}"
echo
echo "x ceiling = ceiling seconds / tool seconds (1.00 = as fast as bare zlib inflate + newline count)."
echo "RSS = peak resident set of the largest process (corsscan: the highest of its runs). Timer: $TIMER. Cores: $(nproc)."
echo "4-file sets: the ceiling is zlib_count on two halves at once (one process per core). Runs per input of corsscan and of the ceiling: $REPEAT (fastest kept)."
echo "Load at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other processes share the cores; wall times vary with it)."
