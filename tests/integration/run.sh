#!/usr/bin/env bash
# Runs the integration tests: every tests/integration/t_*.sh (see lib.sh for how one is
# written) against private libvirt daemons (tests/sandbox/lib.sh). Root only.
#
#   tests/integration/run.sh [REGEX]
#
# REGEX (extended) selects tests by "NAME.test_fn" for test_fn in t_NAME.sh. Environment:
#   NIXVIRT_BIN   binary under test (default: zig-out/bin/nixvirt)
#   NV_VERBOSE=1  show the output of passing tests too
#   NV_JOBS=N     test files run side by side (default: number of CPUs; each file has its
#                 own daemons). With N>1 a file's lines appear when the file is done.
#   NV_LABEL      word before the closing "N passed, M failed" line (default: integration)
# Exits non-zero when a test fails or a sandbox does not start.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export REPO
FILTER=${1:-}
LABEL=${NV_LABEL:-integration}
export NV_TEST_DATA=${NV_TEST_DATA:-$REPO/tests/data}
export NV_SANDBOX_NO_TRAP=1   # this script stops what it starts (trap below)

# shellcheck source=lib.sh
. "$HERE/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "run.sh: must run as root (private libvirt daemons need namespaces)" >&2
    echo "$LABEL: 0 passed, 1 failed"
    exit 1
fi

NIXVIRT_BIN=${NIXVIRT_BIN:-$REPO/zig-out/bin/nixvirt}
case $NIXVIRT_BIN in /*) ;; *) NIXVIRT_BIN=$PWD/$NIXVIRT_BIN ;; esac
export NIXVIRT_BIN

# Run directories of runs that were killed outright (their sandboxes go in nv_sandbox_gc).
for d in /tmp/nixvirt-it.*; do
    [ -d "$d" ] || continue
    owner=$(cat "$d/owner" 2>/dev/null) || owner=
    [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
    [ -z "$owner" ] && [ -n "$(find "$d" -maxdepth 0 -newermt '-60 seconds' 2>/dev/null)" ] && continue
    nv_sandbox_stop_registered "$d/sandboxes"
    rm -rf "$d"
done

RUN_DIR=$(mktemp -d /tmp/nixvirt-it.XXXXXX)
chmod 0755 "$RUN_DIR"
echo $$ >"$RUN_DIR/owner"
RESULTS=$RUN_DIR/results
: >"$RESULTS"
export NV_SANDBOX_REGISTRY=$RUN_DIR/sandboxes
: >"$NV_SANDBOX_REGISTRY"

# The background child we wait for: a file's subshell, or a test's `timeout`, which
# leads its own process group (so TERM goes to the whole test, `sleep` and all).
CHILD=
stop_child() {
    [ -n "${CHILD:-}" ] || return 0
    kill -TERM -- "-$CHILD" 2>/dev/null
    kill -TERM "$CHILD" 2>/dev/null
    wait "$CHILD" 2>/dev/null
    CHILD=
}

# NV_JOBS files at once (default: the number of CPUs; 1 streams the output as it comes).
# With more than one, a file's output is shown when the file is done.
JOBS=${NV_JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || JOBS=2
declare -A JOB_OUT=()
RUNNING=()

stop_jobs() {
    local p
    for p in "${RUNNING[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${RUNNING[@]}"; do wait "$p" 2>/dev/null || true; done
    RUNNING=()
}

on_exit() {
    stop_jobs
    nv_sandbox_cleanup
    nv_sandbox_stop_registered
    rm -rf "$RUN_DIR"
}

trap on_exit EXIT
trap 'echo "interrupted"; exit 130' INT
trap 'echo "terminated"; exit 143' TERM
trap 'exit 129' HUP

nv_sandbox_gc

if [ ! -x "$NIXVIRT_BIN" ]; then
    echo "FAIL NIXVIRT_BIN=$NIXVIRT_BIN is not an executable (run zig build)"
    echo "$LABEL: 0 passed, 1 failed"
    exit 1
fi

# The test_* functions of FILE, in the order they are written.
list_tests() {
    sed -nE 's/^[[:space:]]*(function[[:space:]]+)?(test_[A-Za-z0-9_]+)[[:space:]]*\(\).*/\2/p' "$1"
}

record() { printf '%s %s\n' "$1" "$2" >>"$RESULTS"; }

# One test in its own bash process, with a time limit.
run_test() {
    local file=$1 fn=$2 id=$3 timeout=$4 log rc=0 t0 t1
    export TEST_TMP=$RUN_DIR/tmp/$id
    mkdir -p "$TEST_TMP"
    chmod 0755 "$TEST_TMP"
    log=$RUN_DIR/$id.log
    t0=$(date +%s.%N)
    # In the background and waited for, so that a signal reaches our trap at once.
    (cd "$TEST_TMP" && exec timeout -k 10 "$timeout" bash -c '
        set -eEuo pipefail
        . "$1"
        trap '\''rc=$?; echo "  at ${BASH_SOURCE[0]##*/}:$LINENO:$(sed -n "${LINENO}p" "${BASH_SOURCE[0]}") (exit $rc)" >&2'\'' ERR
        trap nv_sandbox_cleanup EXIT
        trap "exit 143" TERM
        trap "exit 130" INT
        . "$2"
        "$3"
    ' nv-test "$HERE/lib.sh" "$file" "$fn") </dev/null >"$log" 2>&1 &
    CHILD=$!
    wait "$CHILD" || rc=$?
    CHILD=
    t1=$(date +%s.%N)
    local took
    took=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1fs", b-a}')
    if [ "$rc" = 0 ]; then
        record PASS "$id"
        printf 'ok   %s (%s)\n' "$id" "$took"
        [ "${NV_VERBOSE:-0}" = 1 ] && sed 's/^/    /' "$log"
    else
        record FAIL "$id"
        [ "$rc" = 124 ] && echo "  timed out after ${timeout}s" >>"$log"
        printf 'FAIL %s (%s, exit %s)\n' "$id" "$took" "$rc"
        tail -n 80 "$log" | sed 's/^/    /'
    fi
}

# Everything for one file happens in a subshell (a background job), so nothing it defines
# reaches the next file; each file has its own daemons, so files can run side by side.
# Starts the job and sets JOB_PID, or returns 1 when no test of FILE is selected.
start_file() {
    local file=$1 name fn id tests=() selected=()
    name=$(basename "$file" .sh)
    name=${name#t_}
    mapfile -t tests < <(list_tests "$file")
    for fn in "${tests[@]}"; do
        id=$name.$fn
        if [ -z "$FILTER" ] || [[ $id =~ $FILTER ]]; then selected+=("$fn"); fi
    done
    [ "${#selected[@]}" -gt 0 ] || return 1
    (
        CHILD=
        trap 'stop_child; nv_sandbox_cleanup; exit 143' TERM
        trap 'stop_child; nv_sandbox_cleanup; exit 130' INT
        trap 'stop_child; nv_sandbox_cleanup; exit 129' HUP
        SANDBOX_SYSTEM=1
        SANDBOX_SESSION=0
        TEST_TIMEOUT=120
        # shellcheck disable=SC1090
        if ! . "$file"; then
            for fn in "${selected[@]}"; do record FAIL "$name.$fn"; echo "FAIL $name.$fn ($file does not source)"; done
            exit 0
        fi
        ok=1
        if [ "$SANDBOX_SYSTEM" = 1 ] && ! nv_sandbox_system_start; then ok=0; fi
        if [ "$ok" = 1 ] && [ "$SANDBOX_SESSION" = 1 ]; then
            if nv_sandbox_session_start; then _nv_stage_session_bin; else ok=0; fi
        fi
        if [ "$ok" = 0 ]; then
            for fn in "${selected[@]}"; do record FAIL "$name.$fn"; echo "FAIL $name.$fn (sandbox did not start)"; done
            nv_sandbox_cleanup
            exit 0
        fi
        for fn in "${selected[@]}"; do
            if ! declare -F "$fn" >/dev/null; then
                record FAIL "$name.$fn"
                echo "FAIL $name.$fn (not a function after sourcing $file)"
                continue
            fi
            run_test "$file" "$fn" "$name.$fn" "$TEST_TIMEOUT"
        done
        nv_sandbox_cleanup
    ) </dev/null >"$RUN_DIR/out.$name" 2>&1 &
    JOB_PID=$!
    JOB_OUT[$JOB_PID]=$RUN_DIR/out.$name
}

# Wait for one job to end and show its output.
reap_one() {
    local done_pid='' p keep=()
    if [ "$JOBS" = 1 ]; then
        done_pid=${RUNNING[0]}
        tail -n +1 -s 0.2 -f --pid="$done_pid" "${JOB_OUT[$done_pid]}" &
        local shown=$!
        wait "$done_pid" 2>/dev/null || true
        wait "$shown" 2>/dev/null || true
    else
        wait -n -p done_pid "${RUNNING[@]}" 2>/dev/null || true
        [ -n "$done_pid" ] || done_pid=${RUNNING[0]}
        cat "${JOB_OUT[$done_pid]}"
    fi
    for p in "${RUNNING[@]}"; do [ "$p" = "$done_pid" ] || keep+=("$p"); done
    RUNNING=("${keep[@]}")
}

shopt -s nullglob
for f in "$HERE"/t_*.sh; do
    while [ "${#RUNNING[@]}" -ge "$JOBS" ]; do reap_one; done
    if start_file "$f"; then RUNNING+=("$JOB_PID"); fi
done
while [ "${#RUNNING[@]}" -gt 0 ]; do reap_one; done
# Whatever a killed test left behind.
nv_sandbox_stop_registered

passed=$(grep -c '^PASS ' "$RESULTS")
failed=$(grep -c '^FAIL ' "$RESULTS")
if [ "$failed" != 0 ]; then
    echo "failed:"
    sed -n 's/^FAIL /  /p' "$RESULTS"
fi
echo "$LABEL: $passed passed, $failed failed"
[ "$failed" = 0 ]
