# shellcheck shell=bash
# Stopping running guests (tests/guest/, helpers in guest.sh): a shutdown the guest
# honours or ignores, domains stopped together, a network restart its domains come back
# from. Guests boot in parallel (one apply starts several); each test destroys its guests.
# shellcheck disable=SC2034 # read by run.sh
TEST_TIMEOUT=240

# shellcheck source=tests/integration/guest.sh
. "$REPO/tests/integration/guest.sh"
# shellcheck source=tests/integration/objects.sh
. "$REPO/tests/integration/objects.sh"

ap() { nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$@"; }

# ---------------------------------------------------------------------------- shutdown

# One apply stops three guests with an 8 s timeout: the one that honours ACPI is off
# within seconds (it saw the power button), the two that ignore it are powered off when
# the timeout ends and not before; all three are waited for together (~8 s, not 16+).
test_shutdown_timeout_together() {
    guest_available
    trap 'guest_destroy_all sh-h sh-i1 sh-i2' EXIT
    local D=$NV_DATA_DIR/sh
    mkdir -p "$D"
    xml_guest sh-h "$(new_uuid)" >"$D/h.xml"
    xml_guest sh-i1 "$(new_uuid)" 128 1/1 nvguest.acpi=ignore >"$D/i1.xml"
    xml_guest sh-i2 "$(new_uuid)" 128 1/1 nvguest.acpi=ignore >"$D/i2.xml"
    guest_manifest "$D/up.xml" 8 true ifchanged "$D/h.xml" "$D/i1.xml" "$D/i2.xml"
    guest_manifest "$D/down.xml" 8 false ifchanged "$D/h.xml" "$D/i1.xml" "$D/i2.xml"
    assert_exit 0 ap "$D/up.xml"
    guest_wait sh-h ready >/dev/null
    guest_wait sh-i1 'power button ignored' >/dev/null
    guest_wait sh-i2 'power button ignored' >/dev/null
    guest_wait sh-i1 ready >/dev/null
    guest_wait sh-i2 ready >/dev/null

    local t0 pid
    t0=$(guest_now_ms)
    ap -v "$D/down.xml" >"$TEST_TMP/down.out" 2>"$TEST_TMP/down.err" &
    pid=$!
    while [ "$(guest_state sh-h)" != "shut off" ]; do
        [ $(($(guest_now_ms) - t0)) -lt 6000 ] ||
            fail "sh-h still $(guest_state sh-h) after 6 s; apply: $(cat "$TEST_TMP/down.err"); guest: $(tail -c 400 "$(guest_log sh-h)")"
        sleep 0.1
    done
    local h_off=$(($(guest_now_ms) - t0))
    guest_wait sh-h 'power button' 1 >/dev/null
    # well before the timeout the ignoring guests still run
    while [ $(($(guest_now_ms) - t0)) -lt 6500 ]; do sleep 0.2; done
    assert_eq running "$(guest_state sh-i1)" "sh-i1 at 6.5 s"
    assert_eq running "$(guest_state sh-i2)" "sh-i2 at 6.5 s"
    wait "$pid" || fail "apply failed: $(cat "$TEST_TMP/down.err")"
    local total=$(($(guest_now_ms) - t0))
    assert_eq "shut off" "$(guest_state sh-i1)"
    assert_eq "shut off" "$(guest_state sh-i2)"
    assert_contains "$(cat "$TEST_TMP/down.err")" "still running after 8 s: power off"
    [ "$total" -ge 8000 ] || fail "powered off before the 8 s timeout ended (${total} ms)"
    [ "$total" -lt 14000 ] || fail "three guests took ${total} ms: not waited for together"
    if grep -a -q 'nvguest: power button$' "$(guest_log sh-i1)"; then fail "sh-i1 saw the power button"; fi
    echo "honouring guest off after ${h_off} ms; apply took ${total} ms" >&2
}

# ---------------------------------------------------------------------------- network

# A changed network restarts; its two running guests stop with it and come back, and
# see their NIC again.
test_network_restart_guests_come_back() {
    guest_available
    trap 'guest_destroy_all nr-a nr-b' EXIT
    local D=$NV_DATA_DIR/nr
    mkdir -p "$D"
    local nic_a="<interface type='network'><mac address='52:54:00:6e:72:0a'/><source network='nr-net'/><model type='virtio'/></interface>"
    local nic_b="<interface type='network'><mac address='52:54:00:6e:72:0b'/><source network='nr-net'/><model type='virtio'/></interface>"
    NET_FILE=$D/net.xml
    local net_u
    net_u=$(new_uuid)
    obj_write_net "$NET_FILE" nr-net "$net_u" nvnrbr0 151
    xml_guest nr-a "$(new_uuid)" 128 1/1 "" "$nic_a" >"$D/a.xml"
    xml_guest nr-b "$(new_uuid)" 128 1/1 "" "$nic_b" >"$D/b.xml"
    guest_manifest "$D/m.xml" 10 true ifchanged "$D/a.xml" "$D/b.xml"
    assert_exit 0 ap "$D/m.xml"
    guest_wait nr-a 'nics .*52:54:00:6e:72:0a' >/dev/null
    guest_wait nr-b 'nics .*52:54:00:6e:72:0b' >/dev/null
    local ida idb
    ida=$(virsh_sys domid nr-a)
    idb=$(virsh_sys domid nr-b)

    sed -i "s/192.168.151.254/192.168.151.200/" "$NET_FILE"
    local t0
    t0=$(guest_now_ms)
    assert_exit 0 ap -v "$D/m.xml"
    echo "network restart with two guests: $(($(guest_now_ms) - t0)) ms" >&2
    assert_eq yes "$(virsh_sys net-info nr-net | sed -n 's/^Active:[[:space:]]*//p')"
    assert_eq running "$(guest_state nr-a)"
    assert_eq running "$(guest_state nr-b)"
    assert_ne "$ida" "$(virsh_sys domid nr-a)" "nr-a was restarted"
    assert_ne "$idb" "$(virsh_sys domid nr-b)" "nr-b was restarted"
    # booted again (each start truncates the serial log), and the NIC is there
    guest_wait nr-a 'nics .*52:54:00:6e:72:0a' >/dev/null
    guest_wait nr-b 'nics .*52:54:00:6e:72:0b' >/dev/null
    guest_wait nr-a ready >/dev/null
    guest_wait nr-b ready >/dev/null
}

