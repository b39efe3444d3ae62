#!/usr/bin/env bash
# nixvirt apply at scale: the first apply and no-op re-applies of a manifest with
# 100 domains, 5 active NAT networks and 5 dir pools with one qcow2 volume each, next to
# one `virsh define` of a domain against the same daemon in the same run.
#
#   bench/apply.sh
#
# Root only: starts a private system-mode libvirtd (tests/sandbox/lib.sh) and stops it
# at the end. Prints, for the first apply, and as medians over RUNS no-op re-applies and
# RUNS `virsh define`s: wall time (ms, measured around the process) and peak RSS (KiB,
# /usr/bin/time -f %M). With hyperfine installed, also its median for the re-apply and
# virsh define. Targets: a no-op re-apply under 50 ms and 8 MiB.
# Environment: NIXVIRT_BIN (default: a ReleaseSmall build made for the run, as the Nix
# package builds it; zig-out/bin/nixvirt is a Debug build), DOMAINS (100), RUNNING (5: the
# first RUNNING domains are active, each on a volume of pool i and network i),
# RUNS (10, at least 5).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOMAINS=${DOMAINS:-100}
RUNNING=${RUNNING:-5}
RUNS=${RUNS:-10}
[ "$RUNS" -ge 5 ] || RUNS=5

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
mkdir -p "$W/defs" "$W/state"

uuid() { cat /proc/sys/kernel/random/uuid; }

# ---------------------------------------------------------------- the manifest
{
    echo '<nixvirt version="1">'
    echo '  <networks purge="managed">'
    for i in 1 2 3 4 5; do
        cat >"$W/defs/net$i.xml" <<EOF
<network>
  <name>bench-net$i</name>
  <uuid>$(uuid)</uuid>
  <forward mode='nat'/>
  <bridge name='benchbr$i' stp='on' delay='0'/>
  <ip address='192.168.$((100 + i)).1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.$((100 + i)).2' end='192.168.$((100 + i)).254'/></dhcp>
  </ip>
</network>
EOF
        echo "    <network definition=\"$W/defs/net$i.xml\" active=\"true\"/>"
    done
    echo '  </networks>'
    echo '  <pools purge="managed">'
    for i in 1 2 3 4 5; do
        mkdir -p "$W/pool$i"
        cat >"$W/defs/pool$i.xml" <<EOF
<pool type='dir'>
  <name>bench-pool$i</name>
  <uuid>$(uuid)</uuid>
  <target><path>$W/pool$i</path></target>
</pool>
EOF
        cat >"$W/defs/vol$i.xml" <<EOF
<volume>
  <name>disk$i.qcow2</name>
  <capacity unit='MiB'>64</capacity>
  <target><format type='qcow2'/></target>
</volume>
EOF
        echo "    <pool definition=\"$W/defs/pool$i.xml\" active=\"true\">"
        echo "      <volume definition=\"$W/defs/vol$i.xml\"/>"
        echo "    </pool>"
    done
    echo '  </pools>'
    echo '  <domains purge="managed">'
    for i in $(seq 1 "$DOMAINS"); do
        n=$(((i - 1) % 5 + 1))
        disk=
        active=false
        if [ "$i" -le "$RUNNING" ]; then
            active=true
            disk="
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='bench-pool$n' volume='disk$n.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>"
        fi
        cat >"$W/defs/dom$i.xml" <<EOF
<domain type='qemu'>
  <name>bench-dom$i</name>
  <uuid>$(uuid)</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>$disk
    <interface type='network'><source network='bench-net$n'/><model type='virtio'/></interface>
    <graphics type='vnc' port='-1' listen='127.0.0.1'/>
  </devices>
</domain>
EOF
        echo "    <domain definition=\"$W/defs/dom$i.xml\" active=\"$active\"/>"
    done
    echo '  </domains>'
    echo '</nixvirt>'
} >"$W/manifest.xml"

# A spare domain for virsh define (defined again and again: the same file each time).
sed -e 's/bench-dom1</bench-virsh</' -e "s|<uuid>[^<]*</uuid>|<uuid>$(uuid)</uuid>|" \
    -e '/<disk/,/<\/disk>/d' "$W/defs/dom1.xml" >"$W/virsh-dom.xml"

# ---------------------------------------------------------------- measuring
# run_measured OUTFILE CMD...: one run; appends "wall_ms rss_kib" to OUTFILE; the
# command's stdout goes to $W/last.out.
run_measured() {
    local out=$1 t0 t1 rss
    shift
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$W/time.out" "$@" >"$W/last.out" 2>"$W/last.err" || {
        echo "bench: failed: $*" >&2
        cat "$W/last.err" >&2
        return 1
    }
    t1=$EPOCHREALTIME
    rss=$(tail -n1 "$W/time.out")
    awk -v a="$t0" -v b="$t1" -v r="$rss" 'BEGIN{printf "%.2f %d\n", (b - a) * 1000, r}' >>"$out"
}

median() { # FILE COLUMN
    sort -n -k"$2","$2" "$1" | awk -v c="$2" '{v[NR]=$c} END{if (NR % 2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}

apply_cmd=("$NIXVIRT_BIN" apply --state-dir "$W/state" --connect "$URI" "$W/manifest.xml")

echo "URI: $URI"
echo "nixvirt: $NIXVIRT_BIN ($(stat -c %s "$NIXVIRT_BIN") bytes; $(file -b "$NIXVIRT_BIN" | cut -d, -f1,2,5-7))"
echo "virsh: $(command -v virsh) ($(virsh -c "$URI" version | sed -n 's/^Using library: //p'))"
echo "host: $(nproc) cpus, $(uname -r)"
echo "manifest: $DOMAINS domains ($RUNNING running), 5 active NAT networks, 5 dir pools with one qcow2 volume each"
echo

: >"$W/first"
run_measured "$W/first" "${apply_cmd[@]}"
echo "first apply:        $(cat "$W/last.out")"
: >"$W/noop"
: >"$W/virsh"
# interleaved, so that a busy machine weighs on both alike
for _ in $(seq 1 "$RUNS"); do
    run_measured "$W/noop" "${apply_cmd[@]}"
    noop_summary=$(cat "$W/last.out")
    case $noop_summary in
    *" 0 defined, 0 changed, 0 started, 0 stopped, 0 removed, "*) ;;
    *) echo "bench: the re-apply was not a no-op: $noop_summary" >&2; exit 1 ;;
    esac
    run_measured "$W/virsh" virsh -q -c "$URI" define "$W/virsh-dom.xml"
done
echo "no-op re-apply:     $noop_summary"

printf '\n%-28s%14s%16s\n' "" "wall (ms)" "peak RSS (KiB)"
printf '%-28s%14s%16s\n' "first apply" "$(cut -d' ' -f1 "$W/first")" "$(cut -d' ' -f2 "$W/first")"
printf '%-28s%14s%16s\n' "no-op re-apply (median)" "$(median "$W/noop" 1)" "$(median "$W/noop" 2)"
printf '%-28s%14s%16s\n' "virsh define (median)" "$(median "$W/virsh" 1)" "$(median "$W/virsh" 2)"
echo "($RUNS runs each, interleaved; wall measured around /usr/bin/time)"

if command -v hyperfine >/dev/null; then
    echo
    json=$W/hf.json
    hyperfine -N --style none --warmup 2 --runs "$((RUNS * 2))" --export-json "$json" \
        -n "no-op re-apply" "${apply_cmd[*]}" \
        -n "virsh define" "virsh -q -c $URI define $W/virsh-dom.xml" >/dev/null
    python3 - "$json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"{'hyperfine':<28}{'median':>10}{'mean':>10}{'min':>10}{'max':>10}   (ms, {len(r[0]['times'])} runs)")
for x in r:
    ms = lambda v: f"{v * 1000:10.2f}"
    print(f"{x['command']:<28}{ms(x['median'])}{ms(x['mean'])}{ms(x['min'])}{ms(x['max'])}")
EOF
fi

wall=$(median "$W/noop" 1)
rss=$(median "$W/noop" 2)
echo
awk -v w="$wall" -v r="$rss" 'BEGIN{
    printf "target no-op re-apply < 50 ms: %s (%.2f ms)\n", (w < 50 ? "met" : "MISSED"), w
    printf "target no-op re-apply < 8 MiB: %s (%.2f MiB)\n", (r < 8192 ? "met" : "MISSED"), r / 1024
}'
