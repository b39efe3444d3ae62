#!/usr/bin/env bash
# Builds every libFuzzer target in tests/fuzz (clang-14, ASan + UBSan, as README.md
# describes) and runs each for a bounded time from a small seed corpus, so that a crash,
# a sanitizer report, a hang (one input over 10 s) or a failed invariant shows up in
# `./dev test`. Ends with "fuzz: N passed, M failed" (one per target).
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]     (default: 20 s each, every target)
#
# A failing input is kept as $NV_FUZZ_ARTIFACTS/<target>-crash-* (default: a directory
# that is printed), to reproduce with `<binary> <file>`.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SECS=${1:-20}
shift || true
CC=${NV_FUZZ_CC:-clang-14}
command -v "$CC" >/dev/null || { echo "fuzz: $CC is missing (apt-get install clang libclang-rt-14-dev)"; echo "fuzz: 0 passed, 1 failed"; exit 1; }

WORK=$(mktemp -d /tmp/nixvirt-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ART=${NV_FUZZ_ARTIFACTS:-/tmp/nixvirt-fuzz-artifacts}
mkdir -p "$ART" "$WORK/obj" "$WORK/empty"

# shellcheck disable=SC2054 # the commas are in one option's value
FLAGS=(-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -fno-strict-aliasing
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -I"$REPO/src")

targets=()
if [ "$#" -gt 0 ]; then targets=("$@"); else
    for f in "$REPO"/tests/fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi

# Every source but the command line's, compiled once (in parallel), linked into each target.
echo "building the library with $CC"
objs=()
pids=()
for f in $(cd "$REPO" && find src -name '*.c' ! -path 'src/cli/*' | sort); do
    o=$WORK/obj/$(echo "$f" | tr / _).o
    objs+=("$o")
    "$CC" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -c "$REPO/$f" -o "$o" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$(nproc)" ]; then wait "${pids[0]}" || { echo "fuzz: cannot compile"; echo "fuzz: 0 passed, ${#targets[@]} failed"; exit 1; }; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || { echo "fuzz: cannot compile"; echo "fuzz: 0 passed, ${#targets[@]} failed"; exit 1; }; done

# Seeds: well-formed inputs of each kind, so the fuzzer starts deep.
seeds() { # TARGET DIR
    local d=$2 f
    mkdir -p "$d"
    case $1 in
        reply) python3 "$REPO/tests/fuzz/make_seeds.py" "$d" >/dev/null ;;
        spec | saxlog)
            for f in "$REPO"/tests/data/xml/*.xml "$REPO"/tests/data/manifest/*.xml; do
                cp "$f" "$d/$(basename "$(dirname "$f")")-$(basename "$f")"
            done
            ;;
        keep)
            printf '%s\n' "$REPO"/tests/data/manifest/dom-*.xml >"$d/list"
            printf '  %s \r\n\n%s\n' "$REPO/tests/data/manifest/dom-a.xml" "$REPO/tests/data/manifest/net.xml" >"$d/mixed"
            ;;
        record)
            printf 'nixvirt-record 1\nuri qemu:///system\ndomain 0a0a0a0a-0000-4000-8000-000000000001 - -\n' >"$d/plain"
            printf 'nixvirt-record 1\nuri x\nnetwork %s %s %s\npool %s - -\n' 0a0a0a0a-0000-4000-8000-000000000002 \
                "$(printf '%064d' 1)" "$(printf 'ab%062d' 0)" 0a0a0a0a-0000-4000-8000-000000000003 >"$d/digests"
            ;;
        manifest)
            local m=$REPO/tests/data/manifest
            cat >"$d/full" <<XML
<?xml version="1.0"?>
<nixvirt version="1">
  <networks purge="managed"><network definition="$m/net.xml" active="true" restart="always"/></networks>
  <pools purge="none"><pool definition="$m/pool.xml" active="false">
    <volume definition="$m/vol.xml"/><volume name="old.qcow2" present="false"/></pool></pools>
  <domains><domain definition="$m/dom-a.xml" shutdown-timeout="5"/><domain definition="$m/dom-b.xml" restart="never"/></domains>
</nixvirt>
XML
            printf '<nixvirt version="1"><domains purge="undeclared"/></nixvirt>\n' >"$d/empty"
            ;;
    esac
}

passed=0
failed=0
for t in "${targets[@]}"; do
    src=$REPO/tests/fuzz/fuzz_$t.c
    bin=$WORK/fuzz_$t
    if ! "$CC" "${FLAGS[@]}" -fsanitize=fuzzer "$src" "${objs[@]}" -lexpat -o "$bin"; then
        echo "FAIL fuzz_$t: does not build"
        failed=$((failed + 1))
        continue
    fi
    seeds "$t" "$WORK/seeds-$t"
    mkdir -p "$WORK/corpus-$t"
    rc=0
    # An empty working directory: relative paths in inputs name nothing.
    (cd "$WORK/empty" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$ART/$t-" "$WORK/corpus-$t" "$WORK/seeds-$t") >"$WORK/$t.log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$t.log" | tail -n1)
    if [ "$rc" = 0 ]; then
        echo "ok   fuzz_$t (${SECS}s, ${runs:-?} inputs)"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz_$t (exit $rc; failing input in $ART/$t-*)"
        grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==|#[0-9]+ 0x' "$WORK/$t.log" | head -n 30 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
