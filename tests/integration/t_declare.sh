# shellcheck shell=bash
# virtdeclare (nixvirt declare) against the private daemon. Every outcome is checked
# through virsh (state, ids, qemu pids, dnsmasq pids, definitions, autostart), not only
# through our exit code and messages.

# ---------------------------------------------------------------------------- helpers

DECL_DATA=$REPO/tests/integration/data/declare
NOSOCK_URI='qemu:///system?socket=/nonexistent/nixvirt-test.sock'

# The binary under test by the name virtdeclare (it dispatches on argv[0]); when it is a
# wrapper script (the aarch64 smoke run under qemu-user), which loses argv[0], as
# `nixvirt declare`.
vd() {
    if [ "$(head -c 4 "$NIXVIRT_BIN" | od -An -c | tr -d ' ')" != '177ELF' ]; then
        "$NIXVIRT_BIN" declare "$@"
        return
    fi
    if [ ! -L "$TEST_TMP/bin/virtdeclare" ]; then
        mkdir -p "$TEST_TMP/bin"
        ln -sf "$NIXVIRT_BIN" "$TEST_TMP/bin/virtdeclare"
    fi
    "$TEST_TMP/bin/virtdeclare" "$@"
}

# vd against the file's system daemon.
vdc() { vd --connect "$NV_URI" "$@"; }

new_uuid() { cat /proc/sys/kernel/random/uuid; }

# The MAC NixVirt assigns, computed independently of the C code:
# 52:54:00 + SHA-256(16 UUID bytes ‖ index as 4-byte big-endian)[0..3].
mac_for() {
    python3 - "$1" "$2" <<'EOF'
import hashlib, sys, uuid
d = hashlib.sha256(uuid.UUID(sys.argv[1]).bytes + int(sys.argv[2]).to_bytes(4, "big")).digest()
print("52:54:00:%02x:%02x:%02x" % (d[0], d[1], d[2]))
EOF
}

# write_dom FILE NAME UUID [MEM_MIB] [DEVICES_XML] [OS_XML]: a TCG domain without disk (it
# starts in about half a second and sits in the BIOS, which ignores ACPI).
write_dom() {
    local file=$1 name=$2 uuid=$3 mem=${4:-32} devs=${5:-} os=${6:-}
    cat >"$file" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>$os</os>
  <features><acpi/></features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>$devs
  </devices>
</domain>
EOF
}

# write_net FILE NAME UUID BRIDGE N [FORWARD_XML] [DHCP_END]
write_net() {
    local file=$1 name=$2 uuid=$3 bridge=$4 n=$5 fwd=${6-<forward mode=\'nat\'/>} end=${7:-254}
    cat >"$file" <<EOF
<network>
  <name>$name</name>
  <uuid>$uuid</uuid>$fwd
  <bridge name='$bridge' stp='on' delay='0'/>
  <ip address='192.168.$n.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.$n.2' end='192.168.$n.$end'/></dhcp>
  </ip>
</network>
EOF
}

# write_pool FILE NAME UUID DIR [TARGET_EXTRA_XML]
write_pool() {
    cat >"$1" <<EOF
<pool type='dir'>
  <name>$2</name>
  <uuid>$3</uuid>
  <target><path>$4</path>${5:-}</target>
</pool>
EOF
}

domstate() { virsh_sys domstate "$1"; }
domid() { virsh_sys domid "$1"; }
# Host pids of the processes of the file's daemon (its pid namespace only: other
# sandboxes may run domains and networks of the same names).
sandbox_pgrep() { pgrep --ns "$NV_DAEMON_PID" --nslist pid -f "$1"; }
qemu_pid() { sandbox_pgrep "guest=$1," | head -n1; }
dnsmasq_pid() { sandbox_pgrep "dnsmasq/$1.conf" | head -n1; }
net_active() { virsh_sys net-info "$1" | sed -n 's/^Active:[[:space:]]*//p'; }
pool_state() { virsh_sys pool-info "$1" | sed -n 's/^State:[[:space:]]*//p'; }
# every <mac address> of a domain's or network's XML, one a line, in document order
macs_of() { { grep -o "<mac address='[^']*'" || true; } | sed "s/<mac address='//; s/'//"; }

now_ms() {
    local t=$EPOCHREALTIME
    t=${t//[.,]/}
    echo $((t / 1000))
}

# Lines of $ERR (the -v log) for one object, to check the order of steps.
log_lines() { printf '%s\n' "$ERR" | grep -n "$1" | cut -d: -f1 | head -n1; }

# The daemon's objects and definitions, to prove that a failed declare changed nothing.
daemon_snapshot() {
    local n
    virsh_sys list --all --uuid | sort
    virsh_sys list --all --name | sort
    virsh_sys net-list --all --uuid | sort
    virsh_sys pool-list --all --uuid | sort
    for n in $(virsh_sys list --all --name); do
        virsh_sys dumpxml --inactive "$n"
        virsh_sys domstate "$n"
        virsh_sys domid "$n"
    done
}

# ---------------------------------------------------------------------------- command line

test_smoke_usage() {
    assert_exit 0 vd -h
    assert_contains "$OUT" "usage: virtdeclare [-h] [-v] [--json] [--wait SECONDS] [--timeout SECONDS] --connect URI"
    assert_contains "$OUT" "(--define PATH | --uuid ID | --name ID)"
    assert_contains "$OUT" "[--state {active,inactive}] [--restart {always,never,ifchanged,live}] [--auto]"
    assert_contains "$OUT" "[--shutdown-timeout SECONDS]"
    assert_eq "" "$ERR" "stderr of -h"
    assert_exit 0 vd --connect "$NOSOCK_URI" --type domain --help
    assert_contains "$OUT" "usage: virtdeclare"
    # the subcommand form is the same command
    assert_exit 0 nixvirt declare -h
    assert_contains "$OUT" "usage: virtdeclare"
}

# usage_error EXPECTED_REASON ARGS...: exit 2, usage and the reason on stderr, nothing on stdout
usage_error() {
    local why=$1
    shift
    assert_exit 2 vd "$@"
    assert_contains "$ERR" "usage: virtdeclare" "usage for: $*"
    assert_contains "$ERR" "virtdeclare: error: $why" "reason for: $*"
    assert_eq "" "$OUT" "stdout for: $*"
}

test_smoke_bad_options() {
    local u=$NOSOCK_URI f=$DECL_DATA/no-uuid.xml
    usage_error "the following arguments are required: --connect, --type"
    usage_error "the following arguments are required: --connect" --type domain --define "$f"
    usage_error "the following arguments are required: --type" --connect "$u" --define "$f"
    usage_error "one of the arguments --define --uuid --name is required" --connect "$u" --type domain
    usage_error "only one of the arguments" --connect "$u" --type domain --define "$f" --name x
    usage_error "only one of the arguments" --connect "$u" --type pool --uuid 0b7c3a52-6a0e-4d7e-9a51-4c1f00000001 --name x
    usage_error "argument --type: invalid choice: 'volume'" --connect "$u" --type volume --name x
    usage_error "argument --state: invalid choice: 'running'" --connect "$u" --type domain --name x --state running
    usage_error "argument --restart: invalid choice: 'sometimes'" --connect "$u" --type domain --name x --restart sometimes
    usage_error "argument --shutdown-timeout" --connect "$u" --type domain --name x --shutdown-timeout soon
    usage_error "argument --wait: invalid number of seconds: 'soon'" --connect "$u" --type domain --name x --wait soon
    usage_error "argument --wait: invalid number of seconds: '-3'" --connect "$u" --type domain --name x --wait=-3
    usage_error "argument --uuid: invalid UUID 'not-a-uuid'" --connect "$u" --type domain --uuid not-a-uuid
    usage_error "unrecognized argument: --frobnicate" --connect "$u" --type domain --name x --frobnicate
    usage_error "unrecognized argument: extra" --connect "$u" --type domain --name x extra
    usage_error "argument --define: expected one argument" --connect "$u" --type domain --define
    usage_error "argument --auto: ignored explicit argument 'yes'" --connect "$u" --type domain --name x --auto=yes
    # abbreviations, as argparse: --def/--sta are fine (the daemon is then unreachable: exit 1)
    assert_exit 1 vd --conn "$u" --ty domain --def "$DECL_DATA/no-uuid.xml"
    assert_contains "$ERR" "no-uuid.xml:1: missing <uuid>"
}

# ---------------------------------------------------------------------------- bad definitions

test_bad_definitions_change_nothing() {
    # An object exists with the UUID of malformed.xml, running: it must stay as it is.
    local u=0b7c3a52-6a0e-4d7e-9a51-4c1f00000001 f=$TEST_TMP/keep.xml before
    write_dom "$f" nv-bad-keep "$u" 32
    assert_exit 0 vdc --type domain --define "$f" --state active
    before=$(daemon_snapshot)
    local -a cases=(
        "domain|malformed.xml|malformed.xml:9: mismatched tag"
        "domain|no-uuid.xml|no-uuid.xml:1: missing <uuid>"
        "domain|bad-uuid.xml|bad-uuid.xml:5: invalid UUID '0b7c3a52-6a0e-4d7e-9a51-not-a-uuid'"
        "domain|no-name.xml|no-name.xml:1: missing <name>"
        "domain|empty-name.xml|empty-name.xml:4: empty <name>"
        "domain|wrong-root.xml|wrong-root.xml:1: expected <domain> as the root element, found <network>"
        "network|no-uuid.xml|no-uuid.xml:1: expected <network> as the root element, found <domain>"
        "pool|truncated.xml|truncated.xml:6: no element found"
        "domain|empty.xml|empty.xml:1: no element found"
    )
    local c kind file want
    for c in "${cases[@]}"; do
        IFS='|' read -r kind file want <<<"$c"
        assert_exit 1 vdc -v --type "$kind" --define "$DECL_DATA/$file" --state active --auto
        assert_eq "virtdeclare: $DECL_DATA/$want" "$ERR" "$kind $file"
        assert_eq "" "$OUT"
    done
    # unreadable files: a missing one and a directory (there is no line to name)
    assert_exit 1 vdc --type domain --define "$TEST_TMP/missing.xml" --state inactive
    assert_match "$ERR" "^virtdeclare: $TEST_TMP/missing.xml: .*No such file or directory$"
    assert_exit 1 vdc --type network --define "$TEST_TMP" --state inactive
    assert_match "$ERR" "^virtdeclare: $TEST_TMP: .*directory"
    assert_eq "$before" "$(daemon_snapshot)" "the daemon after bad definitions"
    assert_eq running "$(domstate nv-bad-keep)"
    # A definition problem is found before the daemon is reached at all.
    assert_exit 1 vd --connect "$NOSOCK_URI" --type domain --define "$DECL_DATA/no-uuid.xml"
    assert_eq "virtdeclare: $DECL_DATA/no-uuid.xml:1: missing <uuid>" "$ERR"
}

test_libvirt_errors() {
    local u f=$TEST_TMP/d.xml
    u=$(new_uuid)
    write_dom "$f" nv-err-arch "$u"
    sed -i "s/arch='x86_64'/arch='nonesuch'/" "$f"
    assert_exit 1 vdc --type domain --define "$f" --state active
    assert_match "$ERR" "^virtdeclare: libvirt error: .*nonesuch"
    assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "one line of error"
    assert_exit 1 virsh_sys domstate nv-err-arch
    # A pool whose directory does not exist is defined, but cannot start.
    u=$(new_uuid)
    write_pool "$f" nv-err-pool "$u" "$NV_DATA_DIR/no-such-dir"
    assert_exit 1 vdc --type pool --define "$f" --state active
    assert_match "$ERR" "^virtdeclare: libvirt error: .*no-such-dir"
    assert_eq inactive "$(pool_state nv-err-pool)"
    # Selecting what is not there: exit 1, naming it.
    assert_exit 1 vdc --type domain --name nv-err-none --state active
    assert_eq "virtdeclare: no domain named 'nv-err-none'" "$ERR"
    assert_exit 1 vdc --type network --uuid "$u" --state active
    assert_eq "virtdeclare: no network with UUID $u" "$ERR"
    # No daemon at the socket: exit 1, naming the socket, at once.
    assert_exit 1 vd --connect "$NOSOCK_URI" --type domain --name x
    assert_contains "$ERR" "/nonexistent/nixvirt-test.sock"
}

# ---------------------------------------------------------------------------- domains

test_domain_define_and_unchanged_never_restarts() {
    local u f=$TEST_TMP/d.xml id pid
    u=$(new_uuid)
    # interfaces without a MAC: the fill-in must be the same every time
    write_dom "$f" nv-same "$u" 32 "
    <interface type='user'><model type='e1000'/></interface>
    <interface type='user'><model type='e1000'/></interface>"
    assert_exit 0 vdc -v --type domain --define "$f"
    assert_contains "$ERR" "domain $u: define new"
    assert_not_contains "$ERR" "domain $u: activate"
    assert_eq "shut off" "$(domstate nv-same)" "a new domain without --state stays off"
    assert_eq "$u" "$(virsh_sys domuuid nv-same)"

    assert_exit 0 vdc -v --type domain --define "$f" --state active
    assert_contains "$ERR" "domain $u: redefine"
    assert_contains "$ERR" "domain $u: unchanged"
    assert_contains "$ERR" "domain $u: activate"
    assert_eq running "$(domstate nv-same)"
    id=$(domid nv-same)
    pid=$(qemu_pid nv-same)
    if [ -z "$pid" ] || ! kill -0 "$pid"; then fail "no qemu process"; fi

    local args
    for args in "" "--state active" "--state active --restart ifchanged" "--restart never"; do
        # shellcheck disable=SC2086
        assert_exit 0 vdc -v --type domain --define "$f" $args
        assert_contains "$ERR" "domain $u: unchanged" "$args"
        assert_not_contains "$ERR" ": deactivate" "$args"
        assert_not_contains "$ERR" ": activate" "$args"
        assert_eq running "$(domstate nv-same)" "$args"
        assert_eq "$id" "$(domid nv-same)" "domain id after re-declare ($args)"
        assert_eq "$pid" "$(qemu_pid nv-same)" "qemu pid after re-declare ($args)"
    done
    kill -0 "$pid" || fail "qemu $pid is gone"
    # the MACs the daemon has are the deterministic ones
    assert_eq "$(mac_for "$u" 0; mac_for "$u" 1)" "$(virsh_sys dumpxml --inactive nv-same | macs_of)"
}

test_domain_restart_always() {
    local u f=$TEST_TMP/d.xml id pid
    u=$(new_uuid)
    write_dom "$f" nv-always "$u"
    assert_exit 0 vdc --type domain --define "$f" --state active
    id=$(domid nv-always)
    pid=$(qemu_pid nv-always)
    assert_exit 0 vdc -v --type domain --define "$f" --restart always
    assert_contains "$ERR" "domain $u: unchanged"
    assert_contains "$ERR" "domain $u: deactivate"
    assert_contains "$ERR" "domain $u: activate"
    assert_eq running "$(domstate nv-always)"
    assert_ne "$id" "$(domid nv-always)" "domain id after --restart always"
    assert_ne "$pid" "$(qemu_pid nv-always)" "qemu pid after --restart always"
    ! kill -0 "$pid" 2>/dev/null || fail "the old qemu $pid still runs"
    # --restart always does not start what is to be inactive, or what was found off
    assert_exit 0 vdc -v --type domain --define "$f" --restart always --state inactive
    assert_not_contains "$ERR" ": activate"
    assert_eq "shut off" "$(domstate nv-always)"
    assert_exit 0 vdc -v --type domain --define "$f" --restart always
    assert_not_contains "$ERR" "activate"
    assert_eq "shut off" "$(domstate nv-always)"
}

test_domain_change_restarts_in_previous_state() {
    local u f=$TEST_TMP/d.xml id id2
    u=$(new_uuid)
    write_dom "$f" nv-chg "$u" 32
    assert_exit 0 vdc --type domain --define "$f" --state active
    id=$(domid nv-chg)

    # changed and running, no --state: restarted, and running again
    write_dom "$f" nv-chg "$u" 48
    assert_exit 0 vdc -v --type domain --define "$f"
    assert_contains "$ERR" "domain $u: changed"
    assert_contains "$ERR" "/domain/memory: 32 MiB → 48 MiB"
    assert_contains "$ERR" "domain $u: deactivate"
    assert_contains "$ERR" "domain $u: activate"
    assert_eq running "$(domstate nv-chg)"
    id2=$(domid nv-chg)
    assert_ne "$id" "$id2" "domain id after a change"
    assert_match "$(virsh_sys dominfo nv-chg)" "Max memory:[[:space:]]+49152 KiB"
    assert_contains "$(virsh_sys dumpxml nv-chg)" "<memory unit='KiB'>49152</memory>" "live XML"

    # --restart never: the definition changes, the running domain does not
    write_dom "$f" nv-chg "$u" 64
    assert_exit 0 vdc -v --type domain --define "$f" --restart never
    assert_contains "$ERR" "domain $u: changed"
    assert_contains "$ERR" "/domain/memory: 48 MiB → 64 MiB"
    assert_not_contains "$ERR" ": deactivate"
    assert_eq running "$(domstate nv-chg)"
    assert_eq "$id2" "$(domid nv-chg)" "domain id with --restart never"
    assert_contains "$(virsh_sys dumpxml --inactive nv-chg)" "<memory unit='KiB'>65536</memory>"
    assert_contains "$(virsh_sys dumpxml nv-chg)" "<memory unit='KiB'>49152</memory>" "live XML"

    # changed with --state inactive: stopped, not started again
    write_dom "$f" nv-chg "$u" 40
    assert_exit 0 vdc -v --type domain --define "$f" --state inactive
    assert_contains "$ERR" "domain $u: changed"
    assert_contains "$ERR" "domain $u: deactivate"
    assert_not_contains "$ERR" ": activate"
    assert_eq "shut off" "$(domstate nv-chg)"
    assert_contains "$(virsh_sys dumpxml --inactive nv-chg)" "<memory unit='KiB'>40960</memory>"

    # changed while off, no --state: stays off
    write_dom "$f" nv-chg "$u" 36
    assert_exit 0 vdc -v --type domain --define "$f"
    assert_contains "$ERR" "domain $u: changed"
    assert_not_contains "$ERR" "activate"
    assert_eq "shut off" "$(domstate nv-chg)"
    assert_contains "$(virsh_sys dumpxml --inactive nv-chg)" "<memory unit='KiB'>36864</memory>"

    # changed while off, --state active: started once (nothing to restart)
    write_dom "$f" nv-chg "$u" 32
    assert_exit 0 vdc -v --type domain --define "$f" --state active
    assert_contains "$ERR" "domain $u: changed"
    assert_not_contains "$ERR" ": deactivate"
    assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c ': activate')" "activations"
    assert_eq running "$(domstate nv-chg)"
}

test_domain_macs() {
    local u f=$TEST_TMP/d.xml want
    u=$(new_uuid)
    # index 0 and 2 lack a MAC, 1 has one, 3 has <mac/> without an address
    write_dom "$f" nv-mac "$u" 32 "
    <interface type='user'><model type='e1000'/></interface>
    <interface type='user'><mac address='52:54:00:12:34:56'/><model type='e1000'/></interface>
    <interface type='user'><model type='e1000'/></interface>
    <interface type='user'><mac/><model type='e1000'/></interface>"
    assert_exit 0 vdc -v --type domain --define "$f" --state active
    want=$(mac_for "$u" 0; echo 52:54:00:12:34:56; mac_for "$u" 2; mac_for "$u" 3)
    assert_eq "$want" "$(virsh_sys dumpxml --inactive nv-mac | macs_of)" "inactive MACs"
    assert_eq "$want" "$(virsh_sys dumpxml nv-mac | macs_of)" "live MACs"
    assert_contains "$ERR" "domain $u: assign MAC $(mac_for "$u" 0) (interface 0)"
    assert_contains "$ERR" "domain $u: assign MAC $(mac_for "$u" 2) (interface 2)"
    assert_contains "$ERR" "domain $u: assign MAC $(mac_for "$u" 3) (interface 3)"
    assert_not_contains "$ERR" "(interface 1)"
    # The same through sha256sum on printf'd bytes, for the first one.
    local hex bytes
    hex=$( (printf '%s' "${u//-/}" | sed 's/../\\x&/g'; printf '\\x00\\x00\\x00\\x00') | tr -d '\n')
    bytes=$(printf '%b' "$hex" | sha256sum | cut -c1-6)
    assert_eq "52:54:00:${bytes:0:2}:${bytes:2:2}:${bytes:4:2}" "$(mac_for "$u" 0)" "sha256sum vs python"
    # Another UUID, other MACs; the same UUID, the same MACs.
    local u2
    u2=$(new_uuid)
    write_dom "$TEST_TMP/d2.xml" nv-mac2 "$u2" 32 "
    <interface type='user'><model type='e1000'/></interface>"
    assert_exit 0 vdc --type domain --define "$TEST_TMP/d2.xml"
    assert_eq "$(mac_for "$u2" 0)" "$(virsh_sys dumpxml --inactive nv-mac2 | macs_of)"
    assert_ne "$(mac_for "$u" 0)" "$(mac_for "$u2" 0)"
}

test_domain_rename_keeps_nvram() {
    # No OVMF here (/usr/share/OVMF is absent), so the domain cannot start; libvirt still
    # accepts the definition, and refuses a plain undefine while the NVRAM file exists.
    local u f=$TEST_TMP/d.xml nvram=$NV_DATA_DIR/nv-ren_VARS.fd os
    u=$(new_uuid)
    printf 'nvram state of %s\n' "$u" >"$nvram"
    os="<loader readonly='yes' type='pflash'>$NV_DATA_DIR/CODE.fd</loader><nvram>$nvram</nvram>"
    write_dom "$f" nv-ren-a "$u" 32 "" "$os"
    assert_exit 0 vdc --type domain --define "$f"
    assert_exit 1 virsh_sys undefine nv-ren-a
    assert_contains "$ERR" "nvram"
    write_dom "$f" nv-ren-b "$u" 32 "" "$os"
    assert_exit 0 vdc -v --type domain --define "$f"
    assert_contains "$ERR" "domain $u: undefine"
    assert_contains "$ERR" "nv-ren-a"
    assert_exit 1 virsh_sys domstate nv-ren-a
    assert_eq "$u" "$(virsh_sys domuuid nv-ren-b)"
    assert_eq "shut off" "$(domstate nv-ren-b)"
    assert_eq "nvram state of $u" "$(cat "$nvram")" "the NVRAM file after the rename"
    assert_contains "$(virsh_sys dumpxml --inactive nv-ren-b)" "<nvram>$nvram</nvram>"
    # and once more, back: still kept
    write_dom "$f" nv-ren-a "$u" 32 "" "$os"
    assert_exit 0 vdc --type domain --define "$f"
    assert_eq "$u" "$(virsh_sys domuuid nv-ren-a)"
    assert_eq "nvram state of $u" "$(cat "$nvram")"
    assert_eq 1 "$(virsh_sys list --all --uuid | grep -c "$u")" "domains with the UUID"
}

test_domain_rename_running_and_managed_save() {
    local u f=$TEST_TMP/d.xml id
    u=$(new_uuid)
    write_dom "$f" nv-run-a "$u"
    assert_exit 0 vdc --type domain --define "$f" --state active --auto
    # a running domain renamed comes back running, under its new name only, and keeps
    # its autostart (which the undefine drops)
    write_dom "$f" nv-run-b "$u"
    assert_exit 0 vdc -v --type domain --define "$f"
    assert_contains "$ERR" "domain $u: deactivate"
    assert_contains "$ERR" "domain $u: undefine"
    assert_contains "$ERR" "domain $u: activate"
    assert_exit 1 virsh_sys domstate nv-run-a
    assert_eq running "$(domstate nv-run-b)"
    assert_eq "$u" "$(virsh_sys domuuid nv-run-b)"
    assert_match "$(virsh_sys dominfo nv-run-b)" "Autostart:[[:space:]]+enable"

    # A rename the daemon refuses (after the old name was undefined): the old definition
    # comes back, running, with its autostart, and the new name does not exist.
    id=$(domid nv-run-b)
    write_dom "$f" nv-run-x "$u" 48
    sed -i "s/arch='x86_64'/arch='nonesuch'/" "$f"
    assert_exit 1 vdc -v --type domain --define "$f"
    assert_match "$ERR" "virtdeclare: libvirt error: .*nonesuch"
    assert_not_contains "$ERR" "restoring the old definition failed"
    assert_exit 1 virsh_sys domstate nv-run-x
    assert_eq running "$(domstate nv-run-b)"
    assert_eq "$u" "$(virsh_sys domuuid nv-run-b)"
    assert_match "$(virsh_sys dominfo nv-run-b)" "Autostart:[[:space:]]+enable"
    assert_contains "$(virsh_sys dumpxml --inactive nv-run-b)" "<memory unit='KiB'>32768</memory>"
    virsh_sys autostart --disable nv-run-b >/dev/null

    # A managed save image goes with the old name (flag 1): the undefine is not refused.
    virsh_sys managedsave nv-run-b >/dev/null
    assert_eq "shut off" "$(domstate nv-run-b)"
    assert_match "$(virsh_sys dominfo nv-run-b)" "Managed save:[[:space:]]+yes"
    assert_file "$NV_SANDBOX_DIR/lib/qemu/save/nv-run-b.save"
    write_dom "$f" nv-run-c "$u"
    assert_exit 0 vdc -v --type domain --define "$f"
    assert_contains "$ERR" "domain $u: undefine"
    assert_exit 1 virsh_sys domstate nv-run-b
    assert_eq "shut off" "$(domstate nv-run-c)"
    assert_match "$(virsh_sys dominfo nv-run-c)" "Managed save:[[:space:]]+no"
    [ ! -e "$NV_SANDBOX_DIR/lib/qemu/save/nv-run-b.save" ] || fail "the managed save image is still there"
    assert_exit 0 vdc --type domain --define "$f" --state active
    assert_eq running "$(domstate nv-run-c)"
}

test_name_clash_changes_nothing() {
    local ua ub uc f=$TEST_TMP/d.xml before
    ua=$(new_uuid)
    ub=$(new_uuid)
    uc=$(new_uuid)
    write_dom "$TEST_TMP/a.xml" nv-clash-a "$ua"
    write_dom "$TEST_TMP/b.xml" nv-clash-b "$ub"
    assert_exit 0 vdc --type domain --define "$TEST_TMP/a.xml" --state active
    assert_exit 0 vdc --type domain --define "$TEST_TMP/b.xml"
    before=$(daemon_snapshot)
    # a new UUID with a taken name
    write_dom "$f" nv-clash-a "$uc" 48
    assert_exit 1 vdc -v --type domain --define "$f" --state active
    assert_contains "$ERR" "virtdeclare: $f:2: a domain named 'nv-clash-a' already exists with UUID $ua (the definition has UUID $uc)"
    assert_not_contains "$ERR" "define new"
    # a rename onto another domain's name: the old one must not be undefined first
    write_dom "$f" nv-clash-b "$ua" 48
    assert_exit 1 vdc -v --type domain --define "$f" --state inactive
    assert_contains "$ERR" "virtdeclare: $f:2: a domain named 'nv-clash-b' already exists with UUID $ub (the definition has UUID $ua)"
    assert_not_contains "$ERR" "undefine"
    assert_eq "$before" "$(daemon_snapshot)" "the daemon after name clashes"
    assert_exit 1 virsh_sys domname "$uc"

    # the same for networks and pools
    local n1 n2 p1 p2
    n1=$(new_uuid)
    n2=$(new_uuid)
    write_net "$TEST_TMP/n1.xml" nv-clash-net "$n1" nvclash0 171
    write_net "$TEST_TMP/n2.xml" nv-clash-net "$n2" nvclash1 172
    assert_exit 0 vdc --type network --define "$TEST_TMP/n1.xml"
    assert_exit 1 vdc --type network --define "$TEST_TMP/n2.xml" --state active
    assert_contains "$ERR" "a network named 'nv-clash-net' already exists with UUID $n1"
    assert_eq "$n1" "$(virsh_sys net-uuid nv-clash-net)"
    assert_exit 1 virsh_sys net-name "$n2"
    assert_eq no "$(net_active nv-clash-net)"
    p1=$(new_uuid)
    p2=$(new_uuid)
    mkdir -p "$NV_DATA_DIR/clash1" "$NV_DATA_DIR/clash2"
    write_pool "$TEST_TMP/p1.xml" nv-clash-pool "$p1" "$NV_DATA_DIR/clash1"
    write_pool "$TEST_TMP/p2.xml" nv-clash-pool "$p2" "$NV_DATA_DIR/clash2"
    assert_exit 0 vdc --type pool --define "$TEST_TMP/p1.xml"
    assert_exit 1 vdc --type pool --define "$TEST_TMP/p2.xml" --state active
    assert_contains "$ERR" "a pool named 'nv-clash-pool' already exists with UUID $p1"
    assert_eq "$p1" "$(virsh_sys pool-uuid nv-clash-pool)"
    assert_exit 1 virsh_sys pool-name "$p2"
    assert_eq inactive "$(pool_state nv-clash-pool)"
}

test_select_by_uuid_or_name() {
    local u f=$TEST_TMP/d.xml
    u=$(new_uuid)
    write_dom "$f" nv-sel "$u" 32
    virsh_sys define "$f" >/dev/null
    # the file changes, but --uuid/--name do not read it: no redefinition
    write_dom "$f" nv-sel "$u" 48
    assert_exit 0 vdc -v --type domain --uuid "$u" --state active
    assert_not_contains "$ERR" "define"
    assert_contains "$ERR" "domain $u: activate"
    assert_eq running "$(domstate nv-sel)"
    assert_contains "$(virsh_sys dumpxml --inactive nv-sel)" "<memory unit='KiB'>32768</memory>"
    # any UUID spelling libvirt accepts
    local id
    id=$(domid nv-sel)
    assert_exit 0 vdc --type domain --uuid "${u^^}" --state active
    assert_exit 0 vdc --type domain --uuid "${u//-/}"
    assert_eq "$id" "$(domid nv-sel)"
    assert_exit 0 vdc -v --type domain --name nv-sel --state inactive --auto
    assert_contains "$ERR" "domain $u: deactivate"
    assert_eq "shut off" "$(domstate nv-sel)"
    assert_match "$(virsh_sys dominfo nv-sel)" "Autostart:[[:space:]]+disable"
    assert_exit 0 vdc -v --type domain --name nv-sel --state active --auto
    assert_contains "$ERR" "domain $u: set autostart on"
    assert_eq running "$(domstate nv-sel)"
    assert_match "$(virsh_sys dominfo nv-sel)" "Autostart:[[:space:]]+enable"
    assert_contains "$(virsh_sys dumpxml --inactive nv-sel)" "<memory unit='KiB'>32768</memory>"
    # without --state nothing happens (there is no definition to have changed)
    id=$(domid nv-sel)
    assert_exit 0 vdc -v --type domain --name nv-sel
    assert_eq "" "$ERR"
    assert_eq "$id" "$(domid nv-sel)"
    assert_eq running "$(domstate nv-sel)"

    # networks and pools
    local n p
    n=$(new_uuid)
    write_net "$TEST_TMP/n.xml" nv-sel-net "$n" nvsel0 173 ""
    virsh_sys net-define "$TEST_TMP/n.xml" >/dev/null
    assert_exit 0 vdc --type network --name nv-sel-net --state active
    assert_eq yes "$(net_active nv-sel-net)"
    assert_exit 0 vdc --type network --uuid "$n" --state inactive
    assert_eq no "$(net_active nv-sel-net)"
    p=$(new_uuid)
    mkdir -p "$NV_DATA_DIR/selpool"
    write_pool "$TEST_TMP/p.xml" nv-sel-pool "$p" "$NV_DATA_DIR/selpool"
    virsh_sys pool-define "$TEST_TMP/p.xml" >/dev/null
    assert_exit 0 vdc --type pool --uuid "$p" --state active
    assert_eq running "$(pool_state nv-sel-pool)"
    assert_exit 0 vdc --type pool --name nv-sel-pool --state inactive
    assert_eq inactive "$(pool_state nv-sel-pool)"
}

test_autostart() {
    local u f=$TEST_TMP/d.xml
    u=$(new_uuid)
    write_dom "$f" nv-auto "$u"
    assert_exit 0 vdc -v --type domain --define "$f" --state active --auto
    assert_contains "$ERR" "domain $u: set autostart on"
    assert_match "$(virsh_sys dominfo nv-auto)" "Autostart:[[:space:]]+enable"
    assert_exit 0 vdc -v --type domain --define "$f" --state active --auto
    assert_not_contains "$ERR" "set autostart" "already on"
    assert_exit 0 vdc -v --type domain --define "$f" --state inactive --auto
    assert_contains "$ERR" "domain $u: set autostart off"
    assert_match "$(virsh_sys dominfo nv-auto)" "Autostart:[[:space:]]+disable"
    assert_eq "shut off" "$(domstate nv-auto)"
    # --auto without --state leaves autostart alone; --state without --auto too
    virsh_sys autostart nv-auto >/dev/null
    assert_exit 0 vdc -v --type domain --define "$f" --auto
    assert_not_contains "$ERR" "set autostart"
    assert_exit 0 vdc -v --type domain --define "$f" --state inactive
    assert_match "$(virsh_sys dominfo nv-auto)" "Autostart:[[:space:]]+enable"

    local n p
    n=$(new_uuid)
    write_net "$TEST_TMP/n.xml" nv-auto-net "$n" nvauto0 174 ""
    assert_exit 0 vdc -v --type network --define "$TEST_TMP/n.xml" --state active --auto
    assert_contains "$ERR" "network $n: set autostart on"
    assert_match "$(virsh_sys net-info nv-auto-net)" "Autostart:[[:space:]]+yes"
    assert_eq yes "$(net_active nv-auto-net)"
    assert_exit 0 vdc -v --type network --define "$TEST_TMP/n.xml" --state inactive --auto
    assert_contains "$ERR" "network $n: set autostart off"
    assert_match "$(virsh_sys net-info nv-auto-net)" "Autostart:[[:space:]]+no"
    assert_eq no "$(net_active nv-auto-net)"
    p=$(new_uuid)
    mkdir -p "$NV_DATA_DIR/autopool"
    write_pool "$TEST_TMP/p.xml" nv-auto-pool "$p" "$NV_DATA_DIR/autopool"
    assert_exit 0 vdc -v --type pool --define "$TEST_TMP/p.xml" --state active --auto
    assert_contains "$ERR" "pool $p: set autostart on"
    assert_match "$(virsh_sys pool-info nv-auto-pool)" "Autostart:[[:space:]]+yes"
    assert_eq running "$(pool_state nv-auto-pool)"
    assert_exit 0 vdc -v --type pool --define "$TEST_TMP/p.xml" --state inactive --auto
    assert_contains "$ERR" "pool $p: set autostart off"
    assert_match "$(virsh_sys pool-info nv-auto-pool)" "Autostart:[[:space:]]+no"
    assert_eq inactive "$(pool_state nv-auto-pool)"
}

test_shutdown_timeout() {
    local u f=$TEST_TMP/d.xml t0 ms
    u=$(new_uuid)
    write_dom "$f" nv-sd "$u"
    assert_exit 0 vdc --type domain --define "$f" --state active
    # The BIOS ignores ACPI: asked, waited for, then powered off after about 3 s.
    t0=$(now_ms)
    assert_exit 0 vdc -v --type domain --define "$f" --state inactive --shutdown-timeout 3
    ms=$(($(now_ms) - t0))
    assert_eq "shut off" "$(domstate nv-sd)"
    [ "$ms" -ge 2900 ] || fail "powered off after ${ms} ms, before the 3 s timeout"
    [ "$ms" -lt 8000 ] || fail "took ${ms} ms for a 3 s timeout"
    assert_contains "$ERR" "domain $u: shut down (up to 3 s)"
    assert_contains "$ERR" "domain $u: still running after 3 s: power off"
    assert_contains "$ERR" "domain $u: deactivate"
    # Without --shutdown-timeout: powered off at once.
    assert_exit 0 vdc --type domain --define "$f" --state active
    t0=$(now_ms)
    assert_exit 0 vdc -v --type domain --define "$f" --state inactive
    ms=$(($(now_ms) - t0))
    assert_eq "shut off" "$(domstate nv-sd)"
    [ "$ms" -lt 2000 ] || fail "power off took ${ms} ms"
    assert_not_contains "$ERR" "shut down"
    # A change restarts with the timeout too (--shutdown-timeout 1)
    assert_exit 0 vdc --type domain --define "$f" --state active
    write_dom "$f" nv-sd "$u" 40
    t0=$(now_ms)
    assert_exit 0 vdc -v --type domain --define "$f" --shutdown-timeout 1
    ms=$(($(now_ms) - t0))
    [ "$ms" -ge 900 ] || fail "restarted after ${ms} ms, before the 1 s timeout"
    assert_contains "$ERR" "domain $u: still running after 1 s: power off"
    assert_eq running "$(domstate nv-sd)"
}

# ---------------------------------------------------------------------------- networks

test_network_macs_and_unchanged() {
    local un ui ur ub ux f=$TEST_TMP/n.xml pid
    un=$(new_uuid)
    ui=$(new_uuid)
    ur=$(new_uuid)
    ub=$(new_uuid)
    ux=$(new_uuid)
    write_net "$TEST_TMP/nat.xml" nv-mac-nat "$un" nvmacnat 181
    write_net "$TEST_TMP/iso.xml" nv-mac-iso "$ui" nvmaciso 182 ""
    write_net "$TEST_TMP/route.xml" nv-mac-route "$ur" nvmacrt 183 "<forward mode='route'/>"
    local uo
    uo=$(new_uuid)
    write_net "$TEST_TMP/open.xml" nv-mac-open "$uo" nvmacopen 187 "<forward mode='open'/>"
    cat >"$TEST_TMP/bridge.xml" <<EOF
<network>
  <name>nv-mac-bridge</name>
  <uuid>$ub</uuid>
  <forward mode='bridge'/>
  <bridge name='nvhostbr0'/>
</network>
EOF
    write_net "$TEST_TMP/explicit.xml" nv-mac-explicit "$ux" nvmacx 184 "<forward mode='nat'/><mac address='52:54:00:ab:cd:ef'/>"
    assert_exit 0 vdc -v --type network --define "$TEST_TMP/nat.xml" --state active
    assert_contains "$ERR" "network $un: assign MAC $(mac_for "$un" 0)"
    assert_exit 0 vdc --type network --define "$TEST_TMP/iso.xml"
    assert_exit 0 vdc --type network --define "$TEST_TMP/route.xml"
    assert_exit 0 vdc --type network --define "$TEST_TMP/open.xml"
    assert_exit 0 vdc -v --type network --define "$TEST_TMP/bridge.xml"
    assert_not_contains "$ERR" "assign MAC"
    assert_exit 0 vdc -v --type network --define "$TEST_TMP/explicit.xml"
    assert_not_contains "$ERR" "assign MAC"
    assert_eq "$(mac_for "$un" 0)" "$(virsh_sys net-dumpxml --inactive nv-mac-nat | macs_of)" "nat"
    assert_eq "$(mac_for "$ui" 0)" "$(virsh_sys net-dumpxml --inactive nv-mac-iso | macs_of)" "no forward"
    assert_eq "$(mac_for "$ur" 0)" "$(virsh_sys net-dumpxml --inactive nv-mac-route | macs_of)" "route"
    assert_eq "$(mac_for "$uo" 0)" "$(virsh_sys net-dumpxml --inactive nv-mac-open | macs_of)" "open"
    assert_eq "" "$(virsh_sys net-dumpxml --inactive nv-mac-bridge | macs_of)" "bridge"
    assert_eq "52:54:00:ab:cd:ef" "$(virsh_sys net-dumpxml --inactive nv-mac-explicit | macs_of)" "explicit"
    # the running bridge has that MAC
    assert_contains "$(nsenter -t "$NV_DAEMON_PID" -n ip -o link show nvmacnat)" "link/ether $(mac_for "$un" 0) "

    # unchanged: the network is not restarted (same dnsmasq)
    assert_eq yes "$(net_active nv-mac-nat)"
    wait_for 5 dnsmasq_pid nv-mac-nat
    pid=$(dnsmasq_pid nv-mac-nat)
    [ -n "$pid" ] || fail "no dnsmasq for nv-mac-nat"
    assert_exit 0 vdc -v --type network --define "$TEST_TMP/nat.xml" --state active
    assert_contains "$ERR" "network $un: unchanged"
    assert_not_contains "$ERR" "activate"
    assert_eq "$pid" "$(dnsmasq_pid nv-mac-nat)" "dnsmasq pid after an unchanged re-declare"
    # --restart always restarts it
    assert_exit 0 vdc -v --type network --define "$TEST_TMP/nat.xml" --restart always
    assert_contains "$ERR" "network $un: deactivate"
    assert_eq yes "$(net_active nv-mac-nat)"
    wait_for 5 dnsmasq_pid nv-mac-nat
    assert_ne "$pid" "$(dnsmasq_pid nv-mac-nat)" "dnsmasq pid after --restart always"
}

test_network_rename_and_change() {
    local u f=$TEST_TMP/n.xml pid
    u=$(new_uuid)
    write_net "$f" nv-nren-a "$u" nvnren0 185
    assert_exit 0 vdc --type network --define "$f" --state active --auto
    write_net "$f" nv-nren-b "$u" nvnren0 185
    assert_exit 0 vdc -v --type network --define "$f"
    assert_contains "$ERR" "network $u: undefine"
    assert_exit 1 virsh_sys net-info nv-nren-a
    assert_eq yes "$(net_active nv-nren-b)" "a renamed network comes back active"
    assert_eq "$u" "$(virsh_sys net-uuid nv-nren-b)"
    assert_match "$(virsh_sys net-info nv-nren-b)" "Autostart:[[:space:]]+yes"
    # a rename the daemon refuses leaves the network as it was
    write_net "$f" nv-nren-x "$u" nvnren0 185 "<forward mode='bogus'/>"
    assert_exit 1 vdc --type network --define "$f"
    assert_match "$ERR" "^virtdeclare: libvirt error: .*bogus"
    assert_exit 1 virsh_sys net-info nv-nren-x
    assert_eq yes "$(net_active nv-nren-b)"
    assert_match "$(virsh_sys net-info nv-nren-b)" "Autostart:[[:space:]]+yes"
    write_net "$f" nv-nren-b "$u" nvnren0 185
    wait_for 5 dnsmasq_pid nv-nren-b
    pid=$(dnsmasq_pid nv-nren-b)
    # a change: restarted (new dnsmasq), with the new range
    write_net "$f" nv-nren-b "$u" nvnren0 185 "<forward mode='nat'/>" 200
    assert_exit 0 vdc -v --type network --define "$f"
    assert_contains "$ERR" "network $u: changed"
    assert_contains "$ERR" "192.168.185.254 → 192.168.185.200"
    assert_eq yes "$(net_active nv-nren-b)"
    wait_for 5 dnsmasq_pid nv-nren-b
    assert_ne "$pid" "$(dnsmasq_pid nv-nren-b)" "dnsmasq pid after a change"
    assert_contains "$(virsh_sys net-dumpxml nv-nren-b)" "end='192.168.185.200'"
    # --state inactive
    assert_exit 0 vdc --type network --define "$f" --state inactive
    assert_eq no "$(net_active nv-nren-b)"
}

test_network_dependants() {
    local un f=$TEST_TMP/n.xml id_net id_br id_other pid
    un=$(new_uuid)
    write_net "$f" nv-depnet "$un" nvdep0 186
    assert_exit 0 vdc --type network --define "$f" --state active
    write_dom "$TEST_TMP/dn.xml" nv-dep-net "$(new_uuid)" 32 "
    <interface type='network'><source network='nv-depnet'/><model type='e1000'/></interface>"
    write_dom "$TEST_TMP/db.xml" nv-dep-br "$(new_uuid)" 32 "
    <interface type='bridge'><source bridge='nvdep0'/><model type='e1000'/></interface>"
    write_dom "$TEST_TMP/do.xml" nv-dep-other "$(new_uuid)" 32 "
    <interface type='user'><model type='e1000'/></interface>"
    write_dom "$TEST_TMP/doff.xml" nv-dep-off "$(new_uuid)" 32 "
    <interface type='network'><source network='nv-depnet'/><model type='e1000'/></interface>"
    assert_exit 0 vdc --type domain --define "$TEST_TMP/dn.xml" --state active
    assert_exit 0 vdc --type domain --define "$TEST_TMP/db.xml" --state active
    assert_exit 0 vdc --type domain --define "$TEST_TMP/do.xml" --state active
    assert_exit 0 vdc --type domain --define "$TEST_TMP/doff.xml"
    id_net=$(domid nv-dep-net)
    id_br=$(domid nv-dep-br)
    id_other=$(domid nv-dep-other)

    # unchanged: nothing stops
    assert_exit 0 vdc -v --type network --define "$f" --state active
    assert_contains "$ERR" "network $un: unchanged"
    assert_not_contains "$ERR" "deactivate"
    assert_eq "$id_net $id_br $id_other" "$(domid nv-dep-net) $(domid nv-dep-br) $(domid nv-dep-other)"

    # changed: the users stop first, the network restarts, they start again
    write_net "$f" nv-depnet "$un" nvdep0 186 "<forward mode='nat'/>" 199
    assert_exit 0 vdc -v --type network --define "$f"
    assert_contains "$ERR" "network $un: changed"
    assert_contains "$ERR" "network $un: stop dependant domain nv-dep-net"
    assert_contains "$ERR" "network $un: stop dependant domain nv-dep-br"
    assert_not_contains "$ERR" "nv-dep-other"
    assert_not_contains "$ERR" "nv-dep-off"
    local l_stop l_net_off l_net_on l_dom_on
    l_stop=$(log_lines "stop dependant domain")
    l_net_off=$(log_lines "network $un: deactivate")
    l_net_on=$(log_lines "network $un: activate")
    l_dom_on=$(log_lines "activate (was running before its network stopped)")
    if [ "$l_stop" -ge "$l_net_off" ] || [ "$l_net_off" -ge "$l_net_on" ] || [ "$l_net_on" -ge "$l_dom_on" ]; then
        fail "order of steps: $ERR"
    fi
    assert_eq yes "$(net_active nv-depnet)"
    assert_eq running "$(domstate nv-dep-net)"
    assert_eq running "$(domstate nv-dep-br)"
    assert_ne "$id_net" "$(domid nv-dep-net)" "restarted: network user"
    assert_ne "$id_br" "$(domid nv-dep-br)" "restarted: bridge user"
    assert_eq "$id_other" "$(domid nv-dep-other)" "not restarted: unrelated domain"
    assert_eq "shut off" "$(domstate nv-dep-off)" "not started: it was off"
    # the domains really are on the new network (a tap on its bridge)
    assert_contains "$(virsh_sys domiflist nv-dep-net)" "nv-depnet"
    id_net=$(domid nv-dep-net)

    # --restart never: the changed network keeps running, and so do its users
    write_net "$f" nv-depnet "$un" nvdep0 186 "<forward mode='nat'/>" 198
    assert_exit 0 vdc -v --type network --define "$f" --restart never
    assert_not_contains "$ERR" "stop dependant"
    assert_eq "$id_net" "$(domid nv-dep-net)"

    # deactivated: its users stop and stay stopped
    assert_exit 0 vdc -v --type network --define "$f" --state inactive
    assert_eq no "$(net_active nv-depnet)"
    assert_eq "shut off" "$(domstate nv-dep-net)"
    assert_eq "shut off" "$(domstate nv-dep-br)"
    assert_eq running "$(domstate nv-dep-other)"
    assert_eq "$id_other" "$(domid nv-dep-other)"
    assert_contains "$ERR" "stays stopped"
}

# ---------------------------------------------------------------------------- pools

test_pool_sizes_do_not_count() {
    local u f=$TEST_TMP/p.xml dir=$NV_DATA_DIR/pool-a dir2=$NV_DATA_DIR/pool-b
    u=$(new_uuid)
    mkdir -p "$dir" "$dir2"
    write_pool "$f" nv-pool "$u" "$dir"
    assert_exit 0 vdc -v --type pool --define "$f" --state active
    assert_contains "$ERR" "pool $u: define new"
    assert_eq running "$(pool_state nv-pool)"
    virsh_sys vol-create-as nv-pool v1.qcow2 4M --format qcow2 >/dev/null
    # A file the daemon does not know about: a restart (which refreshes a dir pool)
    # would make it a volume.
    head -c 65536 /dev/zero >"$dir/handmade.img"
    head -c 65536 /dev/zero >"$dir2/other.img"
    assert_exit 0 vdc -v --type pool --define "$f" --state active
    assert_contains "$ERR" "pool $u: unchanged"
    assert_not_contains "$ERR" "activate"
    assert_eq running "$(pool_state nv-pool)"
    assert_contains "$(virsh_sys vol-list nv-pool)" "v1.qcow2"
    assert_not_contains "$(virsh_sys vol-list nv-pool)" "handmade.img" "the pool was restarted"
    assert_exit 0 vdc -v --type pool --define "$f"
    assert_contains "$ERR" "pool $u: unchanged"

    # a real change (the target) restarts it
    write_pool "$f" nv-pool "$u" "$dir2"
    assert_exit 0 vdc -v --type pool --define "$f"
    assert_contains "$ERR" "pool $u: changed"
    assert_contains "$ERR" "$dir → $dir2"
    assert_eq running "$(pool_state nv-pool)"
    assert_contains "$(virsh_sys vol-list nv-pool)" "other.img"

    # Permissions the definition mentions do count; those it does not (here owner and
    # group, which the daemon fills in from the directory on every start) do not.
    chmod 0711 "$dir2"
    write_pool "$f" nv-pool "$u" "$dir2" "<permissions><mode>0711</mode></permissions>"
    assert_exit 0 vdc -v --type pool --define "$f"
    assert_contains "$ERR" "pool $u: changed"
    assert_contains "$ERR" "/pool/target/permissions/mode: 0755 → 0711"
    assert_exit 0 vdc -v --type pool --define "$f"
    assert_contains "$ERR" "pool $u: unchanged"
    assert_not_contains "$ERR" "activate"
    assert_exit 0 vdc -v --type pool --define "$f" --state active
    assert_contains "$ERR" "pool $u: unchanged"
    assert_eq running "$(pool_state nv-pool)"
    write_pool "$f" nv-pool "$u" "$dir2" "<permissions><mode>0755</mode></permissions>"
    assert_exit 0 vdc -v --type pool --define "$f" --state inactive
    assert_contains "$ERR" "pool $u: changed"
    assert_eq inactive "$(pool_state nv-pool)"
    assert_contains "$(virsh_sys pool-dumpxml --inactive nv-pool)" "<mode>0755</mode>"
}

test_pool_rename() {
    local u f=$TEST_TMP/p.xml dir=$NV_DATA_DIR/pool-ren
    u=$(new_uuid)
    mkdir -p "$dir"
    write_pool "$f" nv-pren-a "$u" "$dir"
    assert_exit 0 vdc --type pool --define "$f" --state active
    virsh_sys vol-create-as nv-pren-a keep.qcow2 1M --format qcow2 >/dev/null
    write_pool "$f" nv-pren-b "$u" "$dir"
    assert_exit 0 vdc -v --type pool --define "$f"
    assert_contains "$ERR" "pool $u: undefine"
    assert_exit 1 virsh_sys pool-info nv-pren-a
    assert_eq running "$(pool_state nv-pren-b)"
    assert_eq "$u" "$(virsh_sys pool-uuid nv-pren-b)"
    assert_contains "$(virsh_sys vol-list nv-pren-b)" "keep.qcow2" "volumes survive a rename"
    assert_file "$dir/keep.qcow2"
}

# ---------------------------------------------------------------------------- connection

test_wait_for_late_socket() {
    local u f=$TEST_TMP/d.xml link=$TEST_TMP/late.sock t0 ms
    u=$(new_uuid)
    write_dom "$f" nv-late "$u"
    # the socket appears 1.5 s after the command started (a link to the daemon's)
    (sleep 1.5 && ln -s "$NV_SOCK" "$link") &
    t0=$(now_ms)
    # --wait 90: connecting must come with the socket, not at the end of the wait (the
    # bound leaves a loaded machine 60 s for the define and the start)
    assert_exit 0 vd --wait 90 --connect "qemu:///system?socket=$link" --type domain --define "$f" --state active
    ms=$(($(now_ms) - t0))
    wait
    [ "$ms" -ge 1400 ] || fail "connected after ${ms} ms, before the socket existed"
    [ "$ms" -lt 60000 ] || fail "took ${ms} ms: waited for the end of --wait?"
    assert_eq running "$(domstate nv-late)"

    # A socket file nobody listens on (a daemon starting, or a stale one): refused for
    # 1.5 s, then it is the daemon's.
    local stale=$TEST_TMP/stale.sock
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$stale"
    [ -S "$stale" ] || fail "no stale socket"
    (sleep 1.5 && ln -sfn "$NV_SOCK" "$stale.new" && mv -fT "$stale.new" "$stale") &
    t0=$(now_ms)
    assert_exit 0 vd --wait 20 --connect "qemu:///system?socket=$stale" --type domain --name nv-late --state inactive
    ms=$(($(now_ms) - t0))
    wait
    [ "$ms" -ge 1400 ] || fail "connected after ${ms} ms, before the daemon was there"
    assert_eq "shut off" "$(domstate nv-late)"
}

test_wait_timeout() {
    local sock=$TEST_TMP/never.sock t0 ms
    t0=$(now_ms)
    assert_exit 1 vd --wait 2 --connect "qemu:///system?socket=$sock" --type domain --name nv-none
    ms=$(($(now_ms) - t0))
    [ "$ms" -ge 1900 ] || fail "gave up after ${ms} ms, before --wait 2"
    [ "$ms" -lt 5000 ] || fail "gave up after ${ms} ms, long after --wait 2"
    assert_contains "$ERR" "$sock"
    assert_match "$ERR" "^virtdeclare: "
    # without --wait: at once
    t0=$(now_ms)
    assert_exit 1 vd --connect "qemu:///system?socket=$sock" --type domain --name nv-none
    ms=$(($(now_ms) - t0))
    [ "$ms" -lt 1000 ] || fail "took ${ms} ms without --wait"
    assert_contains "$ERR" "$sock"
}

test_session_domain() {
    require_session
    local u f=$NV_SESSION_DATA_DIR/nv-sess.xml vdbin=$NV_SESSION_DATA_DIR/virtdeclare id
    u=$(new_uuid)
    write_dom "$f" nv-sess "$u" 32 "
    <interface type='user'><model type='e1000'/></interface>"
    chmod 0644 "$f"
    ln -sf "$NV_SESSION_NIXVIRT" "$vdbin"
    assert_exit 0 as_session "$vdbin" -v --connect qemu:///session --type domain --define "$f" --state active --auto
    assert_contains "$ERR" "domain $u: define new"
    assert_eq running "$(virsh_session domstate nv-sess)"
    assert_match "$(virsh_session dominfo nv-sess)" "Autostart:[[:space:]]+enable"
    assert_eq "$(mac_for "$u" 0)" "$(virsh_session dumpxml --inactive nv-sess | macs_of)"
    pgrep -u "$NV_SESSION_USER" -f 'guest=nv-sess' >/dev/null || fail "no qemu of the session user"
    id=$(virsh_session domid nv-sess)
    assert_exit 0 nixvirt_session declare -v --connect qemu:///session --type domain --define "$f" --state active
    assert_contains "$ERR" "domain $u: unchanged"
    assert_eq "$id" "$(virsh_session domid nv-sess)"
    assert_exit 0 as_session "$vdbin" --connect qemu:///session --type domain --name nv-sess --state inactive --auto
    assert_eq "shut off" "$(virsh_session domstate nv-sess)"
    assert_not_contains "$(virsh_sys list --all --name)" nv-sess
}

# --define must name a regular file that is text: a FIFO is refused at once (it used to
# block forever), a NUL names its line.
test_define_fifo_or_not_text() {
    mkfifo "$TEST_TMP/d.fifo"
    vd --help >/dev/null
    local bin=$TEST_TMP/bin/virtdeclare
    [ -x "$bin" ] || bin=$NIXVIRT_BIN
    if [ "$bin" = "$NIXVIRT_BIN" ]; then
        assert_exit 1 timeout 10 "$bin" declare --connect "$NV_URI" --type domain --define "$TEST_TMP/d.fifo"
    else
        assert_exit 1 timeout 10 "$bin" --connect "$NV_URI" --type domain --define "$TEST_TMP/d.fifo"
    fi
    assert_contains "$ERR" "$TEST_TMP/d.fifo: cannot read: a FIFO, not a regular file"
    write_dom "$TEST_TMP/d.xml" dn-nul "$(new_uuid)"
    printf '\0' >>"$TEST_TMP/d.xml"
    assert_exit 1 vdc --type domain --define "$TEST_TMP/d.xml"
    assert_match "$ERR" "$TEST_TMP/d.xml:[0-9]+: not text: a NUL byte"
    assert_not_contains "$(virsh_sys list --all --name)" dn-nul
}

# A definition under libvirt's 4 MiB limit that its filled-in MACs push past it: an
# error naming the file (it used to be "REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS: cannot
# encode the message" from the RPC layer), and nothing is defined.
test_define_too_large_after_macs() {
    local f=$TEST_TMP/big.xml u pad
    u=$(new_uuid)
    {
        printf "<domain type='qemu'><name>dn-big</name><uuid>%s</uuid><memory unit='MiB'>32</memory>" "$u"
        printf "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
        for _ in $(seq 1 1000); do printf "<interface type='user'/>"; done
        printf "</devices><description>"
    } >"$f"
    pad=$((4194304 - 200 - $(stat -c %s "$f")))
    head -c "$pad" /dev/zero | tr '\0' x >>"$f"
    printf "</description></domain>\n" >>"$f"
    [ "$(stat -c %s "$f")" -lt 4194304 ] || fail "the test file is not under the limit"
    assert_exit 1 vdc --type domain --define "$f"
    assert_match "$ERR" "$f: the definition is [0-9]+ bytes once its MAC addresses are filled in, more than the 4194304 libvirt accepts"
    assert_not_contains "$ERR" "cannot encode"
    assert_not_contains "$(virsh_sys list --all --name)" dn-big
}
