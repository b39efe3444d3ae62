#!/usr/bin/env bash
# Idempotent re-declare: `virtdeclare --define` of a domain that is already defined
# exactly so (the daemon is asked to define it, nothing changes), next to `virsh define`
# of the same file against the same daemon.
#
#   bench/declare.sh
#
# Root only: starts a private system-mode libvirtd (tests/sandbox/lib.sh) and stops it at
# the end. Prints medians over RUNS runs of each: wall time (ms, measured around the
# process) and peak RSS (KiB, /usr/bin/time -f %M); with hyperfine installed, also its
# median, mean, min and max. Targets: a re-declare under half of one virsh define, and
# under 4 MiB.
# Environment: NIXVIRT_BIN (default: a ReleaseSmall build made for the run, as the Nix
# package builds it; zig-out/bin/nixvirt is a Debug build), RUNS (20, at least 10).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-20}
[ "$RUNS" -ge 10 ] || RUNS=10
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
command -v virsh >/dev/null || { echo "bench: virsh is not installed" >&2; exit 1; }

BUILD_DIR=
if [ -z "${NIXVIRT_BIN:-}" ]; then
    BUILD_DIR=$(mktemp -d /tmp/nixvirt-bench-build.XXXXXX)
    (cd "$REPO" && zig build -Doptimize=ReleaseSmall --prefix "$BUILD_DIR") ||
        { echo "bench: zig build -Doptimize=ReleaseSmall failed" >&2; exit 1; }
    NIXVIRT_BIN=$BUILD_DIR/bin/nixvirt
fi
[ -x "$NIXVIRT_BIN" ] || { echo "bench: $NIXVIRT_BIN is not built (run zig build)" >&2; exit 1; }

# shellcheck source=tests/sandbox/lib.sh
. "$REPO/tests/sandbox/lib.sh"
nv_sandbox_system_start || exit 1
trap 'nv_sandbox_cleanup; [ -z "$BUILD_DIR" ] || rm -rf "$BUILD_DIR"' EXIT
URI=$NV_URI
export LIBVIRT_AUTOSTART=0
W=$NV_DATA_DIR/bench
mkdir -p "$W/bin"
# the multi-call binary acts as virtdeclare by that name
ln -sf "$NIXVIRT_BIN" "$W/bin/virtdeclare"

cat >"$W/dom.xml" <<EOF
<domain type='qemu'>
  <name>bench-declare</name>
  <uuid>$(cat /proc/sys/kernel/random/uuid)</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='user'><model type='virtio'/></interface>
    <graphics type='vnc' port='-1' listen='127.0.0.1'/>
  </devices>
</domain>
EOF

run_measured() { # OUTFILE CMD...: appends "wall_ms rss_kib"
    local out=$1 t0 t1
    shift
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$W/time.out" "$@" >"$W/last.out" 2>"$W/last.err" || {
        echo "bench: failed: $*" >&2
        cat "$W/last.err" >&2
        return 1
    }
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" -v r="$(tail -n1 "$W/time.out")" 'BEGIN{printf "%.2f %d\n", (b - a) * 1000, r}' >>"$out"
}

median() { # FILE COLUMN
    sort -n -k"$2","$2" "$1" | awk -v c="$2" '{v[NR]=$c} END{if (NR % 2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}

declare_cmd=("$W/bin/virtdeclare" --connect "$URI" --type domain --define "$W/dom.xml")
virsh_cmd=(virsh -q -c "$URI" define "$W/dom.xml")

echo "URI: $URI"
echo "nixvirt: $NIXVIRT_BIN ($(stat -c %s "$NIXVIRT_BIN") bytes; $(file -b "$NIXVIRT_BIN" | cut -d, -f1,2,5-7))"
echo "virsh: $(command -v virsh) ($(virsh -c "$URI" version | sed -n 's/^Using library: //p'))"
echo "host: $(nproc) cpus, $(uname -r)"
echo

# first declare defines it; every later one is a no-op re-declare
"${declare_cmd[@]}" -v 2>&1 | sed 's/^/first: /'
"${declare_cmd[@]}" -v 2>"$W/v.err"
sed 's/^/again: /' "$W/v.err"
grep -q ': unchanged$' "$W/v.err" || { echo "bench: the re-declare was not unchanged" >&2; exit 1; }

: >"$W/declare"
: >"$W/virsh"
for _ in $(seq 1 "$RUNS"); do
    run_measured "$W/declare" "${declare_cmd[@]}"
    run_measured "$W/virsh" "${virsh_cmd[@]}"
done

printf '\n%-28s%14s%16s\n' "" "wall (ms)" "peak RSS (KiB)"
printf '%-28s%14s%16s\n' "re-declare (median)" "$(median "$W/declare" 1)" "$(median "$W/declare" 2)"
printf '%-28s%14s%16s\n' "virsh define (median)" "$(median "$W/virsh" 1)" "$(median "$W/virsh" 2)"
echo "($RUNS runs each, interleaved; wall measured around /usr/bin/time)"

if command -v hyperfine >/dev/null; then
    echo
    json=$W/hf.json
    hyperfine -N --style none --warmup 3 --runs "$((RUNS * 2))" --export-json "$json" \
        -n "re-declare" "${declare_cmd[*]}" -n "virsh define" "${virsh_cmd[*]}" >/dev/null
    python3 - "$json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"{'hyperfine':<28}{'median':>10}{'mean':>10}{'min':>10}{'max':>10}{'user':>10}{'sys':>10}   (ms, {len(r[0]['times'])} runs)")
for x in r:
    ms = lambda v: f"{v * 1000:10.2f}"
    print(f"{x['command']:<28}{ms(x['median'])}{ms(x['mean'])}{ms(x['min'])}{ms(x['max'])}{ms(x['user'])}{ms(x['system'])}")
EOF
fi

echo
awk -v d="$(median "$W/declare" 1)" -v v="$(median "$W/virsh" 1)" -v r="$(median "$W/declare" 2)" 'BEGIN{
    printf "target re-declare < half of virsh define: %s (%.2f ms vs %.2f ms: %.2fx)\n", (d < v / 2 ? "met" : "MISSED"), d, v, d / v
    printf "target re-declare < 4 MiB: %s (%.2f MiB)\n", (r < 4096 ? "met" : "MISSED"), r / 1024
}'
