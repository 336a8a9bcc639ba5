#!/usr/bin/env bash
# Fuzz one corsscan parser with libFuzzer.
#
#   Fuzz/run.sh TARGET SECONDS        run TARGET for SECONDS
#   Fuzz/run.sh TARGET --runs N       run TARGET for N executions
#   Fuzz/run.sh all SECONDS|--runs N  every target in turn
#   Fuzz/run.sh --build               only build (prints the binary path)
#   Fuzz/run.sh --list                the targets
#
# Builds `corsscan-fuzz` once with -sanitize=fuzzer,address (release, scratch path
# .build-fuzz, git-ignored), seeds .build-fuzz/corpus/TARGET from SampleLogs/, the
# test fixtures and Fuzz/seeds/TARGET, and saves crashers to Fuzz/crashers/TARGET/
# (replay one without libFuzzer: `swift run corsscan-fuzz TARGET FILE`; every file
# there is replayed by the FuzzRegressionTests test). Runs under `nice -n 19`.
# Exit status: 0 no crash, 1 a crash (or a broken invariant), 77 the toolchain
# cannot build with -sanitize=fuzzer.
# Extra libFuzzer flags: FUZZ_FLAGS="-max_len=65536".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/.build-fuzz
bin=$scratch/release/corsscan-fuzz

build() {
    mkdir -p "$scratch"
    if ! nice -n 19 swift build -c release --product corsscan-fuzz --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
        -Xswiftc -D -Xswiftc CORSSCAN_LIBFUZZER >"$scratch/build.log" 2>&1; then
        grep -v "ld.gold: warning" "$scratch/build.log" | tail -20 >&2
        echo "fuzz: cannot build with -sanitize=fuzzer on this toolchain" >&2
        exit 77
    fi
}

# Seeds: pieces (≤ 4 KB) of every decompressed sample, each prefixed with a control byte
# for the targets that read one.
seed() {
    local t=$1 dir=$scratch/corpus/$1
    [ -d "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ] && return 0
    mkdir -p "$dir"
    local tmp
    tmp=$(mktemp -d)
    local files
    files=$(find SampleLogs Tests/CorsscanCommandTests/Fixtures -type f | sort)
    local i=0
    for f in $files; do
        i=$((i + 1))
        case $t in
        gzip)
            head -c 65536 "$f" >"$dir/sample-$i" ;;
        har)
            case $f in *.har) cp "$f" "$dir/sample-$i" ;; esac ;;
        writers|console|fetch|json-value|container)
            zcat -f "$f" | head -n 8 >"$dir/sample-$i" ;;
        *)
            zcat -f "$f" | head -c 16384 | split -b 4096 - "$tmp/p-$i-"
            for p in "$tmp"/p-"$i"-*; do
                case $t in
                lines|json-objects|browser|gzip-roundtrip)
                    { printf "\\x$(printf %02x $((i * 37 % 256)))"; cat "$p"; } >"$dir/$(basename "$p")" ;;
                template)
                    { cat docs/sample-stage-format.txt; cat "$p"; } >"$dir/$(basename "$p")" ;;
                *)
                    cp "$p" "$dir/$(basename "$p")" ;;
                esac
            done
            rm -f "$tmp"/p-"$i"-* ;;
        esac
    done
    rm -rf "$tmp"
    if [ -d "Fuzz/seeds/$t" ]; then cp Fuzz/seeds/"$t"/* "$dir/" 2>/dev/null || true; fi
    find "$dir" -type f -empty -delete
    [ -n "$(ls -A "$dir")" ] || printf 'x' >"$dir/x"
}

run_one() {
    local t=$1 mode=$2 n=$3
    seed "$t"
    mkdir -p "Fuzz/crashers/$t"
    local limit maxlen=16384
    # Text classifiers cost per byte: shorter inputs, many more executions. Real console
    # messages stay under 2 KB; the line reader's limits (≤ 64-byte lines, ≤ 16-byte reads)
    # are all crossed within 4 KB. gzip, HAR and JSON objects keep 16 KB for structure.
    case $t in
    console) maxlen=2048 ;;
    lines|browser|access-auto|access-presets|template|writers) maxlen=4096 ;;
    esac
    if [ "$mode" = runs ]; then limit="-runs=$n"; else limit="-max_total_time=$n"; fi
    echo "== fuzz $t ($mode $n)"
    # shellcheck disable=SC2086
    # No allocation stacks in ASan reports (faster; replay a crasher with the plain build or
    # with ASAN_OPTIONS=malloc_context_size=30 for them); the caller's ASAN_OPTIONS win.
    # No leak check at exit either: class references packed into Swift enum payloads (spare
    # bits hold the case) and the runtime's one-time allocations look like leaks to LSan.
    ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-malloc_context_size=0}" CORSSCAN_FUZZ_TARGET=$t nice -n 19 "$bin" "$scratch/corpus/$t" $limit -max_len=$maxlen -timeout=10 \
        -rss_limit_mb=2048 -dict=Fuzz/corsscan.dict -detect_leaks=0 -print_final_stats=1 -artifact_prefix="Fuzz/crashers/$t/" ${FUZZ_FLAGS:-} \
        >"$scratch/$t.log" 2>&1 || { tail -40 "$scratch/$t.log" >&2; echo "fuzz: $t found a crash (see Fuzz/crashers/$t/)" >&2; return 1; }
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$scratch/$t.log" | tr '\n' ' '
    echo "$(grep -oE 'cov: [0-9]+' "$scratch/$t.log" | tail -1)"
}

# The names in Sources/corsscan-fuzz/Targets.swift (no build needed).
list_targets() { grep -oE 'FuzzTarget\(name: "[^"]+"' Sources/corsscan-fuzz/Targets.swift | cut -d'"' -f2; }

case ${1:-} in
--list) list_targets; exit 0 ;;
--build) build; echo "$bin"; exit 0 ;;
""|-h|--help) sed -n '2,19p' "$0"; exit 2 ;;
esac
target=$1
shift
if [ "${1:-}" = --runs ]; then mode=runs; n=${2:?--runs needs a number}; else mode=time; n=${1:?SECONDS or --runs N}; fi
build
if [ "$target" = all ]; then
    targets=$(list_targets)
else
    targets=$target
fi
status=0
for t in $targets; do run_one "$t" "$mode" "$n" || status=1; done
exit $status
