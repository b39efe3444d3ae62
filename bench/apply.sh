#!/usr/bin/env bash
# nixvirt apply at scale, against the daemon's floor.
#
#   bench/apply.sh [N...]          (default: 10 100 1000 10000)
#
# For each N: a manifest of N inactive domains, 5 active NAT networks and 5 active dir
# pools with one qcow2 volume each. The first apply is timed once (the domains of the
# previous N are removed first, so every first apply starts from nothing), then RUNS
# rounds alternate a no-op re-apply with bench/floor, a minimal client on our own rpc
# layer that opens the connection, lists every domain, network and pool and fetches each
# one's inactive XML, pipelined: what any client must do to know that nothing changed.
# Interleaving makes a busy machine weigh on both alike. Printed per N: medians of wall
# time, client CPU (user+sys) and peak RSS, and the no-op's ratio to the floor.
# Finally, reading and validating VALIDATE (20000) domain definitions alone (the apply
# fails to connect right after, as it connects only once everything is valid).
#
# Targets (issue 12): no-op <= 1.5x floor at N = 10 and 100, <= 1.3x at N >= 1000;
# client CPU <= 25 us per declared object; peak RSS <= 3 KiB per object beyond the
# definitions' size; reading + validating 20k definitions < 0.3 s.
#
# Root only: starts a private system-mode libvirtd (tests/sandbox/lib.sh) and stops it
# at the end. Environment: NIXVIRT_BIN, FLOOR_BIN and MEASURE_BIN (bench/measure.c, which
# runs each measured command) (default: a ReleaseSmall build made for the run, as the Nix
# package builds it), RUNS (10, at least 3; halved for
# N >= 10000), RUNNING (0: the first RUNNING domains are active, each on a volume of
# pool i and network i), VALIDATE (20000; 0 skips it), SEALED (1: the manifests carry
# sha256= for every definition, as the Nix modules write them, and a no-op opens no domain
# or network definition; 0: without, as a hand-written manifest, every definition read).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-10}
RUNNING=${RUNNING:-0}
VALIDATE=${VALIDATE:-20000}
SEALED=${SEALED:-1}
[ "$RUNS" -ge 3 ] || RUNS=3
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10 100 1000 10000)

BUILD_DIR=
if [ -z "${NIXVIRT_BIN:-}" ] || [ -z "${FLOOR_BIN:-}" ] || [ -z "${MEASURE_BIN:-}" ]; then
    BUILD_DIR=$(mktemp -d /tmp/nixvirt-bench-build.XXXXXX)
    (cd "$REPO" && zig build -Doptimize=ReleaseSmall --prefix "$BUILD_DIR") ||
        { echo "bench: zig build -Doptimize=ReleaseSmall failed" >&2; exit 1; }
    NIXVIRT_BIN=${NIXVIRT_BIN:-$BUILD_DIR/bin/nixvirt}
    FLOOR_BIN=${FLOOR_BIN:-$BUILD_DIR/bench/floor}
    MEASURE_BIN=${MEASURE_BIN:-$BUILD_DIR/bench/measure}
fi
for b in "$NIXVIRT_BIN" "$FLOOR_BIN" "$MEASURE_BIN"; do
    [ -x "$b" ] || { echo "bench: $b is not built" >&2; exit 1; }
done

# shellcheck source=tests/sandbox/lib.sh
. "$REPO/tests/sandbox/lib.sh"
nv_sandbox_system_start || exit 1
trap 'nv_sandbox_cleanup; [ -z "$BUILD_DIR" ] || rm -rf "$BUILD_DIR"' EXIT
URI=$NV_URI
export LIBVIRT_AUTOSTART=0
W=$NV_DATA_DIR/bench
mkdir -p "$W/defs" "$W/state"

uuid() { cat /proc/sys/kernel/random/uuid; }

# ---------------------------------------------------------------- definitions
# Networks and pools: made once, the same in every manifest.
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
done

# domains DIR COUNT PREFIX: COUNT domain definitions DIR/dom<i>.xml (one awk, not a
# process per file; UUIDs from a per-run random prefix and the index).
domains() {
    mkdir -p "$1"
    awk -v dir="$1" -v n="$2" -v prefix="$3" -v running="$RUNNING" -v seed="$(uuid | tr -d - | cut -c1-20)" 'BEGIN {
        for (i = 1; i <= n; i++) {
            f = dir "/dom" i ".xml"; k = (i - 1) % 5 + 1
            u = sprintf("%s-%s-%s-%s-%012x", substr(seed, 1, 8), substr(seed, 9, 4), substr(seed, 13, 4), substr(seed, 17, 4), i)
            print "<domain type=\x27qemu\x27>" > f
            print "  <name>" prefix i "</name>" > f
            print "  <uuid>" u "</uuid>" > f
            print "  <memory unit=\x27MiB\x27>32</memory>" > f
            print "  <vcpu>1</vcpu>" > f
            print "  <os><type arch=\x27x86_64\x27 machine=\x27pc\x27>hvm</type></os>" > f
            print "  <features><acpi/></features>" > f
            print "  <devices>" > f
            print "    <emulator>/usr/bin/qemu-system-x86_64</emulator>" > f
            if (i <= running) {
                print "    <disk type=\x27volume\x27 device=\x27disk\x27>" > f
                print "      <driver name=\x27qemu\x27 type=\x27qcow2\x27/>" > f
                print "      <source pool=\x27bench-pool" k "\x27 volume=\x27disk" k ".qcow2\x27/>" > f
                print "      <target dev=\x27vda\x27 bus=\x27virtio\x27/>" > f
                print "    </disk>" > f
            }
            print "    <interface type=\x27network\x27><source network=\x27bench-net" k "\x27/><model type=\x27virtio\x27/></interface>" > f
            print "    <graphics type=\x27vnc\x27 port=\x27-1\x27 listen=\x27127.0.0.1\x27/>" > f
            print "  </devices>" > f
            print "</domain>" > f
            close(f)
        }
    }'
}

# manifest FILE DIR COUNT: networks, pools, and COUNT domains from DIR (0: none, which
# removes the domains an earlier manifest declared).
manifest() {
    {
        echo '<nixvirt version="1">'
        echo '  <networks purge="managed">'
        for i in 1 2 3 4 5; do echo "    <network definition=\"$W/defs/net$i.xml\" active=\"true\"/>"; done
        echo '  </networks>'
        echo '  <pools purge="managed">'
        for i in 1 2 3 4 5; do
            echo "    <pool definition=\"$W/defs/pool$i.xml\" active=\"true\">"
            echo "      <volume definition=\"$W/defs/vol$i.xml\"/>"
            echo "    </pool>"
        done
        echo '  </pools>'
        echo '  <domains purge="managed">'
        awk -v dir="$2" -v n="$3" -v running="$RUNNING" 'BEGIN {
            for (i = 1; i <= n; i++)
                printf "    <domain definition=\"%s/dom%d.xml\" active=\"%s\"/>\n", dir, i, i <= running ? "true" : "false"
        }'
        echo '  </domains>'
        echo '</nixvirt>'
    } >"$1"
    seal "$1"
}

# seal FILE: with SEALED=1, sha256= beside each definition, as the Nix modules write it
# for the definitions whose bytes evaluation knows (the library's, Nix paths).
seal() {
    [ "$SEALED" = 1 ] || return 0
    grep -o 'definition="[^"]*"' "$1" | cut -d'"' -f2 | xargs -d '\n' sha256sum >"$W/sums"
    awk 'NR == FNR { h[$2] = $1; next }
         match($0, /definition="[^"]*"/) { p = substr($0, RSTART + 12, RLENGTH - 13); sub(/definition="[^"]*"/, "& sha256=\"" h[p] "\"") }
         { print }' "$W/sums" "$1" >"$1.sealed"
    mv "$1.sealed" "$1"
}

# ---------------------------------------------------------------- measuring
# run_measured OUTFILE CMD...: one run; appends "wall_ms cpu_ms rss_kib" to OUTFILE
# (bench/measure.c: wall around the process, CPU = user + sys and peak RSS from wait4,
# CPU to the microsecond).
run_measured() {
    local out=$1
    shift
    "$MEASURE_BIN" "$out" "$W/last.out" "$W/last.err" "$@" || {
        echo "bench: failed: $*" >&2
        cat "$W/last.err" >&2
        return 1
    }
}

median() { # FILE COLUMN
    sort -n -k"$2","$2" "$1" | awk -v c="$2" '{v[NR]=$c} END{if (NR % 2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}

# anything but "0 <verb>" for a change means the re-apply was not a no-op
is_noop() { ! grep -Eq '(^|[^0-9])[1-9][0-9]* (defined|changed|started|stopped|removed)' "$1"; }

APPLY=("$NIXVIRT_BIN" apply --state-dir "$W/state" --connect "$URI")

echo "URI: $URI"
echo "nixvirt: $NIXVIRT_BIN ($(stat -c %s "$NIXVIRT_BIN") bytes)"
echo "floor: $FLOOR_BIN"
echo "host: $(nproc) cpus, $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each N: N inactive domains (RUNNING=$RUNNING active), 5 active NAT networks, 5 dir pools with a qcow2 volume each"
echo "manifests: $([ "$SEALED" = 1 ] && echo "with sha256= (SEALED=1, as the Nix modules write them)" || echo "without sha256= (SEALED=0, as hand-written ones)")"
echo

RESULTS=$W/results
: >"$RESULTS"
prev=
for n in "${SIZES[@]}"; do
    dir=$W/defs/n$n
    domains "$dir" "$n" "bench-n$n-"
    manifest "$W/manifest-$n.xml" "$dir" "$n"
    if [ -n "$prev" ]; then # the previous size's domains go, so that this first apply starts from nothing
        manifest "$W/manifest-clear.xml" "$dir" 0
        "${APPLY[@]}" "$W/manifest-clear.xml" >/dev/null
    fi
    prev=$n
    objs=$((n + 10))
    defs_bytes=$(cat "$dir"/dom*.xml "$W"/defs/net*.xml "$W"/defs/pool*.xml "$W"/defs/vol*.xml | wc -c)
    : >"$W/first"
    run_measured "$W/first" "${APPLY[@]}" "$W/manifest-$n.xml"
    first=$(cut -d' ' -f1 "$W/first")
    rounds=$RUNS
    [ "$n" -lt 10000 ] || rounds=$(((RUNS + 1) / 2))
    [ "$rounds" -ge 3 ] || rounds=3
    : >"$W/noop"
    : >"$W/floor"
    run_measured /dev/null "$FLOOR_BIN" "$URI" # warm both up once
    run_measured /dev/null "${APPLY[@]}" "$W/manifest-$n.xml"
    for _ in $(seq 1 "$rounds"); do
        run_measured "$W/noop" "${APPLY[@]}" "$W/manifest-$n.xml"
        is_noop "$W/last.out" || { echo "bench: the re-apply was not a no-op: $(cat "$W/last.out")" >&2; exit 1; }
        run_measured "$W/floor" "$FLOOR_BIN" "$URI"
    done
    printf '%s %s %s %s %s %s %s %s %s %s %s\n' "$n" "$objs" "$defs_bytes" "$first" \
        "$(median "$W/noop" 1)" "$(median "$W/noop" 2)" "$(median "$W/noop" 3)" \
        "$(median "$W/floor" 1)" "$(median "$W/floor" 2)" "$(median "$W/floor" 3)" \
        "$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)" >>"$RESULTS"
    echo "N=$n: first apply $first ms; $rounds rounds done (load $(cut -d' ' -f1-3 /proc/loadavg))"
done

echo
printf '%7s %9s %9s %9s %7s %8s %11s %11s %9s %10s  %s\n' N "first ms" "no-op ms" "floor ms" ratio target \
    "cpu us/obj" "floor us/obj" "rss KiB" "B/obj>defs" "load"
awk '{
    n = $1; objs = $2; defs = $3; first = $4; wall = $5; cpu = $6; rss = $7; fwall = $8; fcpu = $9
    ratio = wall / fwall; target = n >= 1000 ? 1.3 : 1.5; per = cpu * 1000 / objs
    beyond = (rss * 1024 - defs) / objs
    printf "%7d %9.0f %9.2f %9.2f %6.2fx %7s%s %10.1f%s %11.1f %9d %10.0f  %s\n", n, first, wall, fwall, ratio, \
        "<=" target "x", (ratio <= target ? " " : "!"), per, (per <= 25 || n < 1000 ? " " : "!"), fcpu * 1000 / objs, rss, beyond, $11
}' "$RESULTS"
echo "(medians of the rounds; no-op and floor interleaved; cpu = user+sys of the apply per declared"
echo " object (wait4, microseconds); floor cpu = the same for bench/floor; B/obj>defs = (peak RSS -"
echo " size of all definitions) / declared objects; ! marks a ratio or CPU over its target; the"
echo " CPU target is for N >= 1000: below, a process's start and handshake are most of it)"

if [ "$VALIDATE" -gt 0 ]; then
    vdir=$W/defs/validate
    domains "$vdir" "$VALIDATE" "bench-v-"
    manifest "$W/manifest-validate.xml" "$vdir" "$VALIDATE"
    : >"$W/validate"
    for _ in 1 2 3; do
        t0=$EPOCHREALTIME
        # no daemon at this socket: the apply reads and validates everything, then fails to connect
        if "$NIXVIRT_BIN" apply --state-dir "$W/state" --connect "qemu+unix:///system?socket=$W/none.sock" \
            "$W/manifest-validate.xml" >/dev/null 2>"$W/last.err"; then
            echo "bench: the validation run connected" >&2
            exit 1
        fi
        t1=$EPOCHREALTIME
        grep -q 'none.sock' "$W/last.err" || { echo "bench: the validation run failed early: $(head -n3 "$W/last.err")" >&2; exit 1; }
        awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f\n", (b - a) * 1000}' >>"$W/validate"
    done
    echo
    awk -v n="$VALIDATE" -v ms="$(median "$W/validate" 1)" \
        'BEGIN{printf "reading and validating %d domain definitions: %.0f ms (median of 3; target < 300 ms for 20000)\n", n, ms}'
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
