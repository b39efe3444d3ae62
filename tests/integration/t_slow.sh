# shellcheck shell=bash
# A slow daemon is not a dead one (keepalive), --timeout bounds one call and apply goes on,
# and a domain whose network and definition both change starts once. A qemu hook in the
# sandbox's /etc/libvirt/hooks makes a domain's start slow: it sleeps as many seconds as
# $NV_DATA_DIR/sleep-<domain> says before the domain starts.

# shellcheck disable=SC2034 # read by run.sh
TEST_TIMEOUT=200

# shellcheck source=tests/integration/objects.sh
. "$REPO/tests/integration/objects.sh"

ap() { nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$@"; }

# A daemon of the test's own with the hook (it reads its hooks when it starts: start,
# install, restart). Its own, so that the file's daemon is never restarted by a test
# process, which would then own it; stopped when the test ends.
hook_daemon() {
    nv_sandbox_system_start || fail "no dedicated sandbox" || return 1
    trap 'nv_sandbox_cleanup' EXIT
    mkdir -p "$NV_SANDBOX_DIR/etc/hooks"
    {
        echo '#!/bin/sh'
        echo '# $1 domain, $2 operation, $3 sub-operation; the domain XML on stdin'
        echo 'cat >/dev/null'
        echo "if [ \"\$2\" = prepare ] && [ -f \"$NV_DATA_DIR/sleep-\$1\" ]; then"
        echo "    sleep \"\$(cat \"$NV_DATA_DIR/sleep-\$1\")\""
        echo 'fi'
        echo 'exit 0'
    } >"$NV_SANDBOX_DIR/etc/hooks/qemu"
    chmod 0755 "$NV_SANDBOX_DIR/etc/hooks/qemu"
    nv_sandbox_system_restart || fail "the daemon did not come back with the hook"
}

is_running() { [ "$(virsh_sys domstate "$1")" = running ]; }

domain_manifest() {
    local m=$1 d
    shift
    {
        echo '<nixvirt version="1"><domains purge="none">'
        for d in "$@"; do echo "<domain definition=\"$d\" active=\"true\"/>"; done
        echo '</domains></nixvirt>'
    } >"$m"
}

test_hook_slower_than_old_timer_completes() {
    # The old client gave up after 60 s without a byte; libvirt's own client waits as long
    # as the daemon answers keepalive pings. 65 s of hook, no --timeout: it completes.
    hook_daemon
    local u t0
    u=$(new_uuid)
    obj_write_dom "$NV_DATA_DIR/slow65.xml" slow65 "$u"
    echo 65 >"$NV_DATA_DIR/sleep-slow65"
    domain_manifest "$TEST_TMP/m.xml" "$NV_DATA_DIR/slow65.xml"
    t0=$SECONDS
    assert_exit 0 ap "$TEST_TMP/m.xml"
    [ $((SECONDS - t0)) -ge 64 ] || fail "the hook did not hold the start: $((SECONDS - t0)) s"
    assert_eq running "$(virsh_sys domstate slow65)"
    assert_eq "nixvirt: 1 defined, 0 changed, 1 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted" "$OUT"
}

test_timeout_names_object_and_apply_goes_on() {
    hook_daemon
    local ua ub uc t0
    ua=$(new_uuid) ub=$(new_uuid) uc=$(new_uuid)
    obj_write_dom "$NV_DATA_DIR/fast1.xml" fast1 "$ua"
    obj_write_dom "$NV_DATA_DIR/slow1.xml" slow1 "$ub"
    obj_write_dom "$NV_DATA_DIR/fast2.xml" fast2 "$uc"
    echo 40 >"$NV_DATA_DIR/sleep-slow1"
    domain_manifest "$TEST_TMP/m.xml" "$NV_DATA_DIR/fast1.xml" "$NV_DATA_DIR/slow1.xml" "$NV_DATA_DIR/fast2.xml"
    t0=$SECONDS
    # 10 s: a fast start on a heavily loaded machine stays well under it
    assert_exit 1 ap --timeout 10 "$TEST_TMP/m.xml"
    # the apply ends before the hook's 40 s do (10 s timeout + two fast starts)
    [ $((SECONDS - t0)) -lt 39 ] || fail "the timeout did not cut the call short: $((SECONDS - t0)) s"
    assert_eq "nixvirt: domain slow1 ($ub): timed out after 10 s waiting for DOMAIN_CREATE" "$(head -n1 <<<"$ERR")"
    assert_eq 1 "$(grep -c 'domain' <<<"$ERR")" "only slow1 failed"
    assert_eq running "$(virsh_sys domstate fast1)"
    assert_eq running "$(virsh_sys domstate fast2)"
    # the daemon finishes the start it was asked for
    wait_for 60 is_running slow1
    assert_exit 2 ap --timeout 0 "$TEST_TMP/m.xml"
    assert_contains "$ERR" "argument --timeout: invalid number of seconds: '0'"
    assert_exit 2 nixvirt version --timeout x
}

test_network_and_domain_change_one_restart() {
    local un ud id0
    un=$(new_uuid) ud=$(new_uuid)
    obj_write_net "$NV_DATA_DIR/n.xml" slownet "$un" slowbr0 77
    obj_write_dom "$NV_DATA_DIR/d.xml" netdom "$ud" 32 "$(obj_dev_net slownet)"
    {
        echo '<nixvirt version="1">'
        echo "  <networks purge=\"none\"><network definition=\"$NV_DATA_DIR/n.xml\" active=\"true\"/></networks>"
        echo "  <domains purge=\"none\"><domain definition=\"$NV_DATA_DIR/d.xml\" active=\"true\"/></domains>"
        echo '</nixvirt>'
    } >"$TEST_TMP/m.xml"
    assert_exit 0 ap "$TEST_TMP/m.xml"
    assert_eq running "$(virsh_sys domstate netdom)"
    id0=$(virsh_sys domid netdom)
    # both change: the network (its DHCP range) and the domain (its memory)
    sed -i "s/192.168.77.254/192.168.77.200/" "$NV_DATA_DIR/n.xml"
    obj_write_dom "$NV_DATA_DIR/d.xml" netdom "$ud" 48 "$(obj_dev_net slownet)"
    assert_exit 0 ap -v "$TEST_TMP/m.xml"
    assert_eq running "$(virsh_sys domstate netdom)"
    # every start gives a new id: one start, not a start by the network and a restart
    assert_eq $((id0 + 1)) "$(virsh_sys domid netdom)" "domain id after the apply"
    assert_contains "$(virsh_sys dumpxml netdom)" "<memory unit='KiB'>49152</memory>"
    assert_contains "$(virsh_sys net-dumpxml slownet)" "192.168.77.200"
}

test_frozen_daemon_found_dead_by_keepalive() {
    # A daemon that accepts the connection and then says nothing (SIGSTOP: the kernel still
    # queues the connection), and no --timeout: keepalive gives up after 5 unanswered
    # pings 5 s apart, 30 s of silence, instead of waiting forever.
    nv_sandbox_system_start || fail "no dedicated sandbox"
    local dpid=$NV_DAEMON_PID t0 rc=0
    trap 'kill -CONT '"$dpid"' 2>/dev/null || true; nv_sandbox_cleanup' EXIT
    kill -STOP "$dpid"
    t0=$SECONDS
    nixvirt version --connect "$NV_URI" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
    kill -CONT "$dpid"
    assert_eq 1 "$rc" "exit status"
    assert_eq "nixvirt version: the daemon sent nothing for 30 s and did not answer 5 keepalive pings (waiting for AUTH_LIST): connection closed" "$(cat "$TEST_TMP/err")"
    [ $((SECONDS - t0)) -ge 29 ] && [ $((SECONDS - t0)) -le 40 ] || fail "took $((SECONDS - t0)) s"
    # once it runs again, the same command works
    assert_exit 0 nixvirt version --connect "$NV_URI"
}

test_chatty_transport_child_does_not_block() {
    # ssh -vvv and long banners: a transport child that writes far more to stderr than a
    # pipe holds (64 KiB), before and while it carries the stream. Before, it blocked on
    # the full pipe and the connection hung; now its stderr is drained as we wait.
    {
        echo '#!/bin/sh'
        echo 'head -c 300000 /dev/zero | tr "\0" v >&2'
        echo 'echo >&2'
        echo "exec nc -U '$NV_SOCK'"
    } >"$TEST_TMP/chatty"
    chmod 0755 "$TEST_TMP/chatty"
    local t0=$SECONDS
    assert_exit 0 nixvirt version --timeout 20 --connect "qemu+ext:///system?command=$TEST_TMP/chatty"
    [ $((SECONDS - t0)) -lt 10 ] || fail "took $((SECONDS - t0)) s"
    assert_contains "$OUT" "libvirt (daemon): $(virsh_sys version | sed -n 's/^Running against daemon: //p' | tr -d ' ')"
    assert_eq "" "$ERR" "stderr (the child's chatter is kept for errors)"
}

# apply reads the manifest while a second thread already connects (cli/early.h): a frozen
# daemon must neither hold back a manifest error nor be waited for twice.
frozen_apply() { # MANIFEST ARGS...: apply against this test's daemon, stopped; sets RC and TOOK
    local m=$1 dpid=$NV_DAEMON_PID t0
    shift
    RC=0
    kill -STOP "$dpid"
    t0=$SECONDS
    NIXVIRT_EARLY=1 nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$@" "$m" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || RC=$?
    TOOK=$((SECONDS - t0))
    kill -CONT "$dpid"
}

test_frozen_daemon_bad_manifest_fails_at_once() {
    nv_sandbox_system_start || fail "no dedicated sandbox"
    trap 'kill -CONT '"$NV_DAEMON_PID"' 2>/dev/null || true; nv_sandbox_cleanup' EXIT
    local i
    for i in $(seq 1 200); do obj_write_dom "$TEST_TMP/d$i.xml" "nv-frozen-$i" "$(new_uuid)"; done
    {
        echo '<nixvirt version="1"><domains purge="managed">'
        for i in $(seq 1 200); do echo "<domain definition=\"$TEST_TMP/d$i.xml\" active=\"false\"/>"; done
        echo "<domain definition=\"$TEST_TMP/missing.xml\" active=\"false\"/>"
        echo '</domains></nixvirt>'
    } >"$TEST_TMP/m.xml"
    frozen_apply "$TEST_TMP/m.xml"
    assert_eq 1 "$RC" "exit status"
    grep -q "missing.xml" "$TEST_TMP/err" || fail "no manifest error: $(cat "$TEST_TMP/err")"
    grep -q "nothing was changed" "$TEST_TMP/err" || fail "$(cat "$TEST_TMP/err")"
    [ "$TOOK" -le 5 ] || fail "the manifest error took $TOOK s (the frozen daemon held it back)"
    assert_eq "" "$(virsh_sys list --all --name | grep nv-frozen || true)" "nothing defined"
}

test_frozen_daemon_valid_manifest_waited_for_once() {
    nv_sandbox_system_start || fail "no dedicated sandbox"
    trap 'kill -CONT '"$NV_DAEMON_PID"' 2>/dev/null || true; nv_sandbox_cleanup' EXIT
    obj_write_dom "$TEST_TMP/d.xml" nv-frozen-ok "$(new_uuid)"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$TEST_TMP/d.xml\" active=\"false\"/></domains></nixvirt>" >"$TEST_TMP/m.xml"
    frozen_apply "$TEST_TMP/m.xml" --timeout 5
    assert_eq 1 "$RC" "exit status"
    grep -q "timed out after 5 s" "$TEST_TMP/err" || fail "$(cat "$TEST_TMP/err")"
    # the early connection's verdict is the apply's: not a second 5 s on a new connection
    [ "$TOOK" -ge 4 ] && [ "$TOOK" -lt 10 ] || fail "took $TOOK s"
    # the daemon back, the same apply works
    assert_exit 0 nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$TEST_TMP/m.xml"
    assert_eq "nv-frozen-ok" "$(virsh_sys list --all --name | grep nv-frozen)"
}
