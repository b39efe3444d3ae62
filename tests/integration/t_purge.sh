# shellcheck shell=bash
# virtpurge (nixvirt purge) against the private daemon, checked with virsh: exactly the
# unlisted objects go, pools keep their storage, domains keep NVRAM, a bad file in
# --keep removes nothing.

# shellcheck source=tests/integration/objects.sh
. "$REPO/tests/integration/objects.sh"

# The binary under test by the name virtpurge (it dispatches on argv[0]).
vp() {
    if [ ! -L "$TEST_TMP/bin/virtpurge" ]; then
        mkdir -p "$TEST_TMP/bin"
        ln -sf "$NIXVIRT_BIN" "$TEST_TMP/bin/virtpurge"
    fi
    "$TEST_TMP/bin/virtpurge" "$@"
}

vpc() { vp --connect "$NV_URI" "$@"; }

# make_objects PREFIX SUBNET: three of each kind, one running/active, with a volume in
# each pool; networks on 192.168.SUBNET+1..3. Sets D (the definitions' directory) and
# the UUID arrays DOM NET POOL.
make_objects() {
    D=$NV_DATA_DIR/$1
    mkdir -p "$D"
    DOM=() NET=() POOL=()
    local i
    for i in 1 2 3; do
        DOM+=("$(new_uuid)") NET+=("$(new_uuid)") POOL+=("$(new_uuid)")
        obj_write_net "$D/net$i.xml" "$1-net$i" "${NET[i - 1]}" "${1:0:6}br$i" "$(($2 + i))"
        mkdir -p "$D/pool$i"
        obj_write_pool "$D/pool$i.xml" "$1-pool$i" "${POOL[i - 1]}" "$D/pool$i"
        virsh_sys net-define "$D/net$i.xml" >/dev/null
        virsh_sys pool-define "$D/pool$i.xml" >/dev/null
        virsh_sys pool-start "$1-pool$i" >/dev/null
        obj_write_vol "$D/vol.xml" "disk$i.qcow2"
        virsh_sys vol-create "$1-pool$i" "$D/vol.xml" >/dev/null
    done
    virsh_sys net-start "$1-net2" >/dev/null
    for i in 1 2 3; do
        obj_write_dom "$D/dom$i.xml" "$1-dom$i" "${DOM[i - 1]}" 32 "$(obj_dev_net "$1-net2")"
        virsh_sys define "$D/dom$i.xml" >/dev/null
    done
    virsh_sys start "$1-dom2" >/dev/null
}

test_smoke_usage() {
    assert_exit 0 vp -h
    assert_contains "$OUT" "usage: virtpurge [-h] [-v] [--json] [--wait SECONDS] [--timeout SECONDS] --connect URI"
    assert_exit 2 vp --connect "$NV_URI" --type domain
    assert_contains "$ERR" "the following arguments are required: --keep"
    assert_exit 2 vp --connect "$NV_URI" --type volume --keep /dev/null
    assert_contains "$ERR" "volume"
    assert_exit 2 vp --connect "$NV_URI" --type domain --keep /dev/null --wait soon
    # nixvirt purge is the same command
    assert_exit 0 nixvirt purge --help
    assert_contains "$OUT" "--keep PATH"
}

test_removes_exactly_the_unlisted() {
    make_objects pa 160
    # a domain, network and pool of another test's making are not ours to keep: they go
    # too, unless listed. The keep list has blank lines and surrounding blanks.
    printf '%s\n\n  %s  \n' "$D/dom1.xml" "$D/dom3.xml" >"$D/keep-dom"
    printf '%s\n' "$D/net1.xml" >"$D/keep-net"
    printf '%s\r\n%s\n' "$D/pool2.xml" "$D/pool3.xml" >"$D/keep-pool"
    local running_pid
    running_pid=$(obj_qemu_pid pa-dom2)
    [ -n "$running_pid" ] || fail "pa-dom2 is not running"

    assert_exit 0 vpc -v --type domain --keep "$D/keep-dom"
    assert_eq "$(printf '%s\n' pa-dom1 pa-dom3)" "$(obj_names list | grep '^pa-')"
    # the running one was stopped (its qemu is gone), then undefined
    assert_contains "$ERR" "domain ${DOM[1]}: deactivate"
    assert_contains "$ERR" "domain ${DOM[1]}: undefine"
    ! kill -0 "$running_pid" 2>/dev/null || fail "qemu of the removed domain still runs"
    # networks and pools were not touched by a domain purge
    assert_eq 3 "$(obj_names net-list | grep -c '^pa-')"
    assert_eq 3 "$(obj_names pool-list | grep -c '^pa-')"

    assert_exit 0 vpc --type network --keep "$D/keep-net"
    assert_eq "" "$OUT$ERR" "quiet without -v"
    assert_eq pa-net1 "$(obj_names net-list | grep '^pa-')"
    [ ! -e "/sys/class/net/pabr2" ] || true # (the bridge lived in the sandbox's netns anyway)
    obj_pgrep "dnsmasq/pa-net2.conf" >/dev/null && fail "dnsmasq of the removed network still runs"

    assert_exit 0 vpc --type pool --keep "$D/keep-pool"
    assert_eq "$(printf '%s\n' pa-pool2 pa-pool3)" "$(obj_names pool-list | grep '^pa-')"
    # the removed pool's storage is still on disk, volume and all
    assert_file "$D/pool1/disk1.qcow2"
    assert_contains "$(qemu-img info "$D/pool1/disk1.qcow2")" "virtual size: 16 MiB"
    # the kept ones are as they were
    assert_eq running "$(obj_pool_state pa-pool2)"
    assert_contains "$(virsh_sys vol-list pa-pool3)" disk3.qcow2

    # again: nothing left to remove, nothing removed
    local before
    before=$(obj_snapshot)
    assert_exit 0 vpc -v --type domain --keep "$D/keep-dom"
    assert_exit 0 vpc -v --type network --keep "$D/keep-net"
    assert_exit 0 vpc -v --type pool --keep "$D/keep-pool"
    assert_eq "" "$ERR"
    assert_eq "$before" "$(obj_snapshot)"
}

test_bad_file_removes_nothing() {
    make_objects pb 164
    printf '<domain type="qemu">\n  <name>x</name>\n' >"$D/broken.xml"
    obj_write_dom "$D/no-uuid.xml" pb-nouuid "" # an empty <uuid>
    cat >"$D/keep" <<EOF
$D/dom1.xml

$D/broken.xml
$D/missing.xml
$D/net1.xml
$D/no-uuid.xml
$D/dom2.xml
EOF
    local before
    before=$(obj_snapshot)
    assert_exit 1 vpc -v --type domain --keep "$D/keep"
    # every bad file, named with its line in the list
    assert_contains "$ERR" "$D/broken.xml:3: "
    assert_contains "$ERR" "(listed in $D/keep:3)"
    assert_contains "$ERR" "$D/missing.xml: cannot read: No such file or directory (listed in $D/keep:4)"
    assert_contains "$ERR" "$D/net1.xml:1: expected <domain> as the root element, found <network> (listed in $D/keep:5)"
    assert_contains "$ERR" "(listed in $D/keep:6)"
    assert_not_contains "$ERR" "keep:1)"
    assert_not_contains "$ERR" "keep:7)"
    assert_contains "$ERR" "virtpurge: nothing was removed"
    assert_not_contains "$ERR" "undefine"
    assert_eq "$before" "$(obj_snapshot)"
    # an unreadable list is an error too
    assert_exit 1 vpc --type pool --keep "$D/no-such-list"
    assert_contains "$ERR" "no-such-list: cannot read"
    assert_eq "$before" "$(obj_snapshot)"
}

test_empty_list_removes_all_of_one_type() {
    make_objects pc 168
    : >"$D/empty"
    local nets pools
    nets=$(obj_names net-list)
    pools=$(obj_names pool-list)
    # a transient domain: stopping is removing it
    obj_write_dom "$D/transient.xml" pc-transient "$(new_uuid)"
    virsh_sys create "$D/transient.xml" >/dev/null
    assert_exit 0 vpc --type domain --keep "$D/empty"
    assert_eq "" "$(obj_names list)"
    assert_eq "$nets" "$(obj_names net-list)"
    assert_eq "$pools" "$(obj_names pool-list)"
    # /dev/null is the one device accepted as a keep list: empty, as with NixVirt
    virsh_sys define "$D/transient.xml" >/dev/null
    [ -n "$(obj_names list)" ] || fail "pc-transient was not defined"
    assert_exit 0 vpc --type domain --keep /dev/null
    assert_eq "" "$(obj_names list)"
}

test_network_in_use_stops_its_domains() {
    make_objects pd 172
    printf '%s\n' "$D/net1.xml" "$D/net3.xml" >"$D/keep"
    assert_eq running "$(virsh_sys domstate pd-dom2)"
    assert_exit 0 vpc -v --type network --keep "$D/keep"
    assert_not_contains "$(obj_names net-list)" pd-net2
    # the domain that used it is stopped (it cannot run without it), not removed
    assert_eq "shut off" "$(virsh_sys domstate pd-dom2)"
    assert_contains "$ERR" "stays stopped: network pd-net2 was removed"
}

test_domain_keeps_nvram() {
    local D=$NV_DATA_DIR/pe u
    mkdir -p "$D"
    u=$(new_uuid)
    head -c 65536 /dev/zero >"$D/code.fd"
    echo "uefi variables" >"$D/vars.fd"
    cat >"$D/uefi.xml" <<EOF
<domain type='qemu'>
  <name>pe-uefi</name>
  <uuid>$u</uuid>
  <memory unit='MiB'>32</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <loader readonly='yes' type='pflash'>$D/code.fd</loader>
    <nvram>$D/vars.fd</nvram>
  </os>
  <features><acpi/></features>
</domain>
EOF
    virsh_sys define "$D/uefi.xml" >/dev/null
    # plain undefine refuses a domain with NVRAM: virtpurge keeps it instead
    assert_exit 1 virsh_sys undefine pe-uefi
    assert_contains "$ERR" "nvram"
    : >"$D/empty"
    assert_exit 0 vpc --type domain --keep "$D/empty"
    assert_not_contains "$(obj_names list)" pe-uefi
    assert_eq "uefi variables" "$(cat "$D/vars.fd")"
}

# A keep list is read whole: a NUL (or any byte that is not text) is an error naming the
# list and its line, and nothing is removed. (It used to be read up to the first NUL: a
# list of zeros kept nothing and removed every domain, "d1 NUL d2" removed d2.)
test_keep_list_not_text_removes_nothing() {
    local D=$NV_DATA_DIR/pt i before
    mkdir -p "$D"
    for i in 1 2 3; do
        obj_write_dom "$D/d$i.xml" "pt-d$i" "$(new_uuid)"
        virsh_sys define "$D/d$i.xml" >/dev/null
    done
    before=$(obj_names list)
    assert_contains "$before" pt-d3
    head -c4096 /dev/zero >"$D/zeros"
    assert_exit 1 vpc --type domain --keep "$D/zeros"
    assert_contains "$ERR" "virtpurge: $D/zeros:1: not text: a NUL byte"
    assert_eq "$before" "$(obj_names list)" "domains after a list of zeros"
    printf '%s\n\0%s\n' "$D/d1.xml" "$D/d2.xml" >"$D/nul"
    assert_exit 1 vpc --type domain --keep "$D/nul"
    assert_contains "$ERR" "$D/nul:2: not text: a NUL byte"
    assert_eq "$before" "$(obj_names list)" "domains after d1 NUL d2"
    printf '%s\n%s\033[2K\n' "$D/d1.xml" "$D/d2.xml" >"$D/esc"
    assert_exit 1 vpc --type domain --keep "$D/esc"
    assert_contains "$ERR" "$D/esc:2: not text: control character U+001B"
    printf '%s\n%s\xff\n' "$D/d1.xml" "$D/d2.xml" >"$D/utf"
    assert_exit 1 vpc --type domain --keep "$D/utf"
    assert_contains "$ERR" "$D/utf:2: not text: invalid UTF-8 (byte 0xff)"
    # a listed definition that is not text: named with its own line and the list's
    sed 's|<vcpu>|<vcpu>\x01|' "$D/d3.xml" >"$D/d3-bad.xml"
    printf '%s\n%s\n' "$D/d1.xml" "$D/d3-bad.xml" >"$D/keep"
    assert_exit 1 vpc --type domain --keep "$D/keep"
    assert_contains "$ERR" "$D/d3-bad.xml:5: not text: control character U+0001 (listed in $D/keep:2)"
    assert_contains "$ERR" "virtpurge: nothing was removed"
    assert_eq "$before" "$(obj_names list)" "domains after a bad definition"
    # the same list, fixed, removes exactly the unlisted
    printf '%s\n%s\n' "$D/d1.xml" "$D/d3.xml" >"$D/keep"
    assert_exit 0 vpc --type domain --keep "$D/keep"
    assert_contains "$(obj_names list)" pt-d1
    assert_not_contains "$(obj_names list)" pt-d2
    assert_contains "$(obj_names list)" pt-d3
}

# A FIFO (or socket, or device) as the list or as a listed definition is refused at
# once, naming it; it used to block forever.
vp_bounded() {
    vp --help >/dev/null # makes the virtpurge link
    timeout 10 "$TEST_TMP/bin/virtpurge" --connect "$NV_URI" "$@"
}

test_keep_list_fifo_refused_at_once() {
    local D=$NV_DATA_DIR/pf before
    mkdir -p "$D"
    obj_write_dom "$D/d1.xml" pf-d1 "$(new_uuid)"
    virsh_sys define "$D/d1.xml" >/dev/null
    before=$(obj_names list)
    mkfifo "$D/fifo"
    assert_exit 1 vp_bounded --type domain --keep "$D/fifo"
    assert_contains "$ERR" "virtpurge: $D/fifo: cannot read: a FIFO, not a regular file"
    printf '%s\n' "$D/fifo" >"$D/keep"
    assert_exit 1 vp_bounded --type domain --keep "$D/keep"
    assert_contains "$ERR" "$D/fifo: cannot read: a FIFO, not a regular file (listed in $D/keep:1)"
    assert_exit 1 vp_bounded --type domain --keep /dev/zero
    assert_contains "$ERR" "/dev/zero: cannot read: a character device, not a regular file"
    assert_eq "$before" "$(obj_names list)"
}
