# shellcheck shell=bash
# restart="live" on running guests (tests/guest/, helpers in guest.sh): devices, media,
# link state, memory and vCPUs changed on the running domain, with the guest seeing them;
# restarts where that is not possible or a step fails. Two guests boot in parallel and are
# reused across the steps (a file of its own: it runs beside t_guest_stop.sh).
# shellcheck disable=SC2034 # read by run.sh
TEST_TIMEOUT=240

# shellcheck source=tests/integration/guest.sh
. "$REPO/tests/integration/guest.sh"
# shellcheck source=tests/integration/objects.sh
. "$REPO/tests/integration/objects.sh"

ap() { nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$@"; }

# ---------------------------------------------------------------------------- live

LV_NIC1="<interface type='user'><mac address='52:54:00:6c:76:01'/><model type='virtio'/></interface>"
LV_NIC2="<interface type='user'><mac address='52:54:00:6c:76:02'/><model type='virtio'/></interface>"

# lv_def FILE MEM VCPUS DEVICES [MACHINE]: the live guest's definition
lv_def() { xml_guest lv "$LV_U" "$2" "$3" "" "$4" "${5:-q35}" >"$1"; }

# lv_same: apply the manifest; the domain must still be the same running one
lv_same() {
    assert_exit 0 ap -v "$LV/m.xml"
    assert_eq running "$(guest_state lv)"
    assert_eq "$LV_ID" "$(virsh_sys domid lv)" "domain id (not restarted; apply said: $ERR)"
    assert_contains "$ERR" "applied live, not restarted"
    assert_not_contains "$ERR" "deactivate"
    assert_not_contains "$ERR" "shut down"
}

# restart="live" on one running guest, step by step: every change the guest can take
# while running is applied live (the guest sees it, the domain id stays), a no-op stays
# a no-op, and what cannot be applied live restarts. A second guest that never releases
# an unplugged device (acpiphp disabled) gets the fallback restart.
test_live_changes() {
    guest_available
    trap 'guest_destroy_all lv lu' EXIT
    LV=$NV_DATA_DIR/lv
    mkdir -p "$LV"
    LV_U=$(new_uuid)
    local lu_u
    lu_u=$(new_uuid)
    truncate -s 1M "$LV/vdb.img"
    truncate -s 64K "$LV/a.iso" "$LV/b.iso"
    local cd_a="<disk type='file' device='cdrom'><source file='$LV/a.iso'/><target dev='sdc' bus='sata'/><readonly/></disk>"
    local cd_b="<disk type='file' device='cdrom'><source file='$LV/b.iso'/><target dev='sdc' bus='sata'/><readonly/></disk>"
    local vdb="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$LV/vdb.img'/><target dev='vdb' bus='virtio'/></disk>"
    local nic2_down="<interface type='user'><mac address='52:54:00:6c:76:02'/><model type='virtio'/><link state='down'/></interface>"
    local lu_nic1="<interface type='user'><mac address='52:54:00:6c:75:01'/><model type='virtio'/></interface>"
    local lu_nic2="<interface type='user'><mac address='52:54:00:6c:75:02'/><model type='virtio'/></interface>"

    lv_def "$LV/lv.xml" 128 1/2 "$LV_NIC1$cd_a"
    xml_guest lu "$lu_u" 128 1/1 acpiphp.disable=1 "$lu_nic1$lu_nic2" >"$LV/lu.xml"
    guest_manifest "$LV/m.xml" 3 true live "$LV/lv.xml" "$LV/lu.xml"
    assert_exit 0 ap "$LV/m.xml"
    guest_wait lv ready >/dev/null
    guest_wait lu ready >/dev/null
    LV_ID=$(virsh_sys domid lv)
    local t0 t_live
    t0=$(guest_now_ms)

    # a new NIC: the plan says live, the guest sees it
    lv_def "$LV/lv.xml" 128 1/2 "$LV_NIC1$LV_NIC2$cd_a"
    assert_exit 0 ap --dry-run "$LV/m.xml"
    assert_contains "$OUT" "live: attach interface 52:54:00:6c:76:02"
    assert_not_contains "$OUT" "restart domain lv"
    lv_same
    assert_contains "$ERR" "live: attach interface 52:54:00:6c:76:02"
    guest_wait lv 'nics .*52:54:00:6c:76:02/up' 10 >/dev/null

    # a new virtio disk
    lv_def "$LV/lv.xml" 128 1/2 "$LV_NIC1$LV_NIC2$cd_a$vdb"
    lv_same
    guest_wait lv 'disks vd[a-z]=2048' 10 >/dev/null

    # the cdrom's media
    lv_def "$LV/lv.xml" 128 1/2 "$LV_NIC1$LV_NIC2$cd_b$vdb"
    lv_same
    assert_contains "$ERR" "live: update disk sdc"
    assert_contains "$(virsh_sys domblklist lv | grep sdc)" "$LV/b.iso"

    # the balloon, and one more vCPU
    lv_def "$LV/lv.xml" 128/100 2/2 "$LV_NIC1$LV_NIC2$cd_b$vdb"
    lv_same
    assert_contains "$ERR" "live: set memory 102400 KiB"
    assert_contains "$ERR" "live: set vcpus 2"
    guest_wait lv 'cpus 0-1' 15 >/dev/null
    local mem_before
    mem_before=$(grep -a '^nvguest: mem' "$(guest_log lv)" | head -n1 | tr -d '\r' | awk '{print $3}')
    # (a function: wait_for re-runs it, so the guest's line is read again each time)
    guest_mem_at_most() { [ "$(guest_last lv mem | awk '{print $3}')" -le "$1" ]; }
    wait_for 15 guest_mem_at_most $((mem_before - 27000))

    # the link state of a NIC
    sed -i "s|<interface type='user'><mac address='52:54:00:6c:76:02'/><model type='virtio'/></interface>|$nic2_down|" "$LV/lv.xml"
    lv_same
    assert_contains "$ERR" "live: update interface 52:54:00:6c:76:02"
    guest_wait lv 'nics .*52:54:00:6c:76:02/down' 10 >/dev/null

    # a NIC removed: unplugged, gone from the guest
    sed -i "s|$nic2_down||" "$LV/lv.xml"
    lv_same
    assert_contains "$ERR" "live: detach interface 52:54:00:6c:76:02"
    assert_eq 0 "$(virsh_sys dumpxml lv | grep -c 52:54:00:6c:76:02 || true)" "interface in the live XML"
    local w=0
    while guest_last lv nics | grep -q 52:54:00:6c:76:02; do
        [ $w -lt 200 ] || fail "the guest still lists the unplugged NIC: $(tail -c 600 "$(guest_log lv)")"
        sleep 0.1
        w=$((w + 1))
    done
    t_live=$(($(guest_now_ms) - t0))

    # nothing changed: nothing happens
    assert_exit 0 ap -v "$LV/m.xml"
    assert_contains "$OUT" "0 changed"
    assert_eq "$LV_ID" "$(virsh_sys domid lv)"

    # fewer vCPUs: QEMU 7.2 cannot, so a restart (planned and done)
    sed -i "s|<vcpu current='2'>2</vcpu>|<vcpu current='1'>2</vcpu>|" "$LV/lv.xml"
    assert_exit 0 ap --dry-run "$LV/m.xml"
    assert_contains "$OUT" "not live: fewer vCPUs"
    assert_exit 0 ap -v "$LV/m.xml"
    assert_contains "$ERR" "live: not possible (fewer vCPUs"
    assert_ne "$LV_ID" "$(virsh_sys domid lv)" "domain id after fewer vCPUs"
    LV_ID=$(virsh_sys domid lv)

    # another machine type: a restart
    sed -i "s|machine='q35'|machine='pc-q35-7.1'|" "$LV/lv.xml"
    assert_exit 0 ap -v "$LV/m.xml"
    assert_contains "$ERR" "live: not possible (/domain/os/type/@machine changed)"
    assert_ne "$LV_ID" "$(virsh_sys domid lv)" "domain id after a new machine type"
    assert_contains "$(virsh_sys dumpxml lv | grep machine=)" pc-q35-7.1

    # a live step the daemon refuses (bandwidth on a user-mode NIC, which has no tap to
    # shape: "device name is unknown"): the definition is as declared, and a restart
    LV_ID=$(virsh_sys domid lv)
    sed -i "s|<mac address='52:54:00:6c:76:01'/>|<mac address='52:54:00:6c:76:01'/><bandwidth><inbound average='1000'/></bandwidth>|" "$LV/lv.xml"
    assert_exit 0 ap --dry-run "$LV/m.xml"
    assert_contains "$OUT" "live: update interface 52:54:00:6c:76:01"
    assert_exit 0 ap -v "$LV/m.xml"
    assert_contains "$ERR" "live: update interface 52:54:00:6c:76:01"
    assert_contains "$ERR" "live update interface 52:54:00:6c:76:01: Operation not supported"
    assert_contains "$ERR" "device name is unknown: restart"
    assert_ne "$LV_ID" "$(virsh_sys domid lv)" "domain id after a failed live step"
    assert_eq running "$(guest_state lv)"
    assert_contains "$(virsh_sys dumpxml --inactive lv | grep -A1 '<bandwidth>')" "average='1000'"

    # an unplug the guest never completes: the definition is as declared, and a restart
    local lu_id
    lu_id=$(virsh_sys domid lu)
    xml_guest lu "$lu_u" 128 1/1 acpiphp.disable=1 "$lu_nic1" >"$LV/lu.xml"
    t0=$(guest_now_ms)
    assert_exit 0 ap -v "$LV/m.xml"
    echo "unplug fallback took $(($(guest_now_ms) - t0)) ms; the live steps $t_live ms" >&2
    assert_contains "$ERR" "live: detach interface 52:54:00:6c:75:02"
    assert_contains "$ERR" "did not release it: restart"
    assert_ne "$lu_id" "$(virsh_sys domid lu)" "domain id after a refused unplug"
    assert_eq running "$(guest_state lu)"
    assert_eq 0 "$(virsh_sys dumpxml --inactive lu | grep -c 52:54:00:6c:75:02 || true)" "persistent definition"
    assert_eq 0 "$(virsh_sys dumpxml lu | grep -c 52:54:00:6c:75:02 || true)" "running domain"

    # virtdeclare (nixvirt declare) --restart live: the NIC back, attached to the running domain
    lu_id=$(virsh_sys domid lu)
    xml_guest lu "$lu_u" 128 1/1 acpiphp.disable=1 "$lu_nic1$lu_nic2" >"$LV/lu.xml"
    assert_exit 0 nixvirt declare -v --connect "$NV_URI" --type domain \
        --define "$LV/lu.xml" --restart live --shutdown-timeout 10
    assert_contains "$ERR" "live: attach interface 52:54:00:6c:75:02"
    assert_eq "$lu_id" "$(virsh_sys domid lu)" "domain id after virtdeclare --restart live"
    assert_eq 1 "$(virsh_sys dumpxml lu | grep -c 52:54:00:6c:75:02)" "running domain has the NIC"
}
