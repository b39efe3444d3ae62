#!/usr/bin/env bash
# Connect + version query: nixvirt next to virsh, in the same run.
#
#   bench/version.sh [URI]
#
# Without URI (root only) it starts a private system-mode libvirtd (tests/sandbox/lib.sh)
# and stops it at the end. Prints:
#   1. wall time of `nixvirt version --connect URI` and `virsh -c URI version` (and of the
#      one-call pair `rpcprobe URI hostname` / `virsh -c URI hostname`): median, mean, min,
#      max over RUNS runs, with hyperfine (no shell in between) or, without it, a loop of
#      20 runs timed with date +%s%N;
#   2. client CPU time (user + sys, from getrusage of the children: bash's `times`) of
#      RUNS runs of each, total and per run.
# Environment: NIXVIRT_BIN (default zig-out/bin/nixvirt), RPCPROBE_BIN (default
# zig-out/test/rpcprobe), RUNS (100), WARMUP (5), BENCH_LOOP=1 (the date loop even when
# hyperfine is installed).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NIXVIRT_BIN=${NIXVIRT_BIN:-$REPO/zig-out/bin/nixvirt}
RPCPROBE_BIN=${RPCPROBE_BIN:-$REPO/zig-out/test/rpcprobe}
RUNS=${RUNS:-100}
WARMUP=${WARMUP:-5}

for b in "$NIXVIRT_BIN" "$RPCPROBE_BIN"; do
    [ -x "$b" ] || { echo "bench: $b is not built (run zig build)" >&2; exit 1; }
done
command -v virsh >/dev/null || { echo "bench: virsh is not installed" >&2; exit 1; }

URI=${1:-}
if [ -z "$URI" ]; then
    # shellcheck source=../tests/sandbox/lib.sh
    . "$REPO/tests/sandbox/lib.sh"
    nv_sandbox_system_start || exit 1
    URI=$NV_URI
fi
# Nothing may start or reach another daemon.
export LIBVIRT_AUTOSTART=0

# name|command (words split on spaces: paths and URI must have none)
cases=(
    "nixvirt version|$NIXVIRT_BIN version --connect $URI"
    "virsh version|virsh -c $URI version"
    "rpcprobe hostname|$RPCPROBE_BIN $URI hostname"
    "virsh hostname|virsh -c $URI hostname"
)
for c in "${cases[@]}"; do
    # shellcheck disable=SC2086
    ${c#*|} >/dev/null || { echo "bench: '${c#*|}' fails" >&2; exit 1; }
done

echo "URI: $URI"
echo "nixvirt: $NIXVIRT_BIN ($(stat -c %s "$NIXVIRT_BIN") bytes)"
echo "virsh: $(command -v virsh) ($(virsh -c "$URI" version | sed -n 's/^Using library: //p'))"
echo "host: $(nproc) cpus, $(uname -r)"
echo

echo "== wall time"
if [ "${BENCH_LOOP:-0}" != 1 ] && command -v hyperfine >/dev/null; then
    json=$(mktemp)
    args=()
    for c in "${cases[@]}"; do args+=(-n "${c%%|*}" "${c#*|}"); done
    # (its warnings about outliers on a busy machine go to stderr)
    hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" "${args[@]}" >/dev/null
    python3 - "$json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"{'command':<20}{'median':>10}{'mean':>10}{'min':>10}{'max':>10}{'user':>10}{'sys':>10}   (ms, hyperfine, {len(r[0]['times'])} runs)")
for x in r:
    ms = lambda v: f"{v * 1000:10.2f}"
    print(f"{x['command']:<20}{ms(x['median'])}{ms(x['mean'])}{ms(x['min'])}{ms(x['max'])}{ms(x['user'])}{ms(x['system'])}")
base = {x['command']: x['median'] for x in r}
for a, b in (("nixvirt version", "virsh version"), ("rpcprobe hostname", "virsh hostname")):
    print(f"{a} / {b}: median {base[a] / base[b]:.2f}x")
EOF
    rm -f "$json"
else
    n=20
    printf '%-20s%10s%10s%10s   (ms, %d runs timed with date +%%s%%N)\n' command median min max "$n"
    for c in "${cases[@]}"; do
        ts=()
        for _ in $(seq 1 "$n"); do
            t0=$(date +%s%N)
            # shellcheck disable=SC2086
            ${c#*|} >/dev/null
            t1=$(date +%s%N)
            ts+=($(((t1 - t0) / 1000)))
        done
        mapfile -t sorted < <(printf '%s\n' "${ts[@]}" | sort -n)
        med=$(((sorted[n / 2 - 1] + sorted[n / 2]) / 2))
        printf '%-20s%10s%10s%10s\n' "${c%%|*}" \
            "$(awk -v v="$med" 'BEGIN{printf "%.2f", v/1000}')" \
            "$(awk -v v="${sorted[0]}" 'BEGIN{printf "%.2f", v/1000}')" \
            "$(awk -v v="${sorted[n - 1]}" 'BEGIN{printf "%.2f", v/1000}')"
    done
fi
echo

# bash's `times`: the second line is the user and sys time of all waited-for children.
secs() { awk -v t="$1" 'BEGIN{ split(t, a, "m"); sub("s", "", a[2]); printf "%.3f", a[1] * 60 + a[2] }'; }
echo "== client CPU time (user + sys of the client process, $RUNS runs each)"
printf '%-20s%12s%12s%14s\n' command "user (s)" "sys (s)" "per run (ms)"
for c in "${cases[@]}"; do
    out=$(
        for ((i = 0; i < RUNS; i++)); do
            # shellcheck disable=SC2086
            ${c#*|} >/dev/null
        done
        times
    )
    read -r u s < <(sed -n 2p <<<"$out")
    u=$(secs "$u")
    s=$(secs "$s")
    printf '%-20s%12s%12s%14s\n' "${c%%|*}" "$u" "$s" \
        "$(awk -v u="$u" -v s="$s" -v n="$RUNS" 'BEGIN{printf "%.3f", (u + s) * 1000 / n}')"
done
