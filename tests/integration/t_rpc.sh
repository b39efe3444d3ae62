# shellcheck shell=bash
# The RPC client (src/rpc, src/virt) against real libvirt daemons: every procedure nixvirt
# uses, driven one at a time by tests/integration/rpcprobe.c and each effect checked with
# virsh; nixvirt version; daemon errors; pipelining; a daemon killed in the middle of a
# call; connection errors; session mode and session-daemon autostart; the ssh and ext
# transports.
#
# Authentication: the file's sandbox has auth_unix_rw = "none", so REMOTE_PROC_AUTH_LIST
# answers "none" and the client goes straight to CONNECT_OPEN; an AUTH_POLKIT call there is
# refused by the daemon. test_polkit_auth runs polkit for real: a sandbox with
# auth_unix_rw = "polkit", a private D-Bus system bus and polkitd (Debian's polkitd and
# dbus-daemon are installed here) with a rule that lets the test user manage libvirt.
# Limits: polkit identifies the client by its pid as the daemon sees it, so the clients
# run inside the sandbox's pid namespace (from outside, the daemon sees pid 0 and polkitd
# refuses); and root is never asked (libvirt bypasses polkit for uid 0).
#
# The probe binary: $RPCPROBE_BIN, else rpcprobe next to $NIXVIRT_BIN (zig-out/san for
# the sanitizer build), else zig-out/test/rpcprobe.

# shellcheck disable=SC2034  # read by run.sh
TEST_TIMEOUT=180

# ---------------------------------------------------------------------------- helpers

rpc_bin() {
    if [ -n "${RPCPROBE_BIN:-}" ]; then
        printf '%s' "$RPCPROBE_BIN"
    elif [ -x "$(dirname "$NIXVIRT_BIN")/rpcprobe" ]; then
        printf '%s' "$(dirname "$NIXVIRT_BIN")/rpcprobe"
    else
        printf '%s' "$REPO/zig-out/test/rpcprobe"
    fi
}

# Sanitizer reports exit 86, never 1: an error-path test (exit 1 expected) must not pass
# on a sanitizer report. Harmless for the static binaries.
SAN_ENV=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
    UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86")

rpcprobe() { env "${SAN_ENV[@]}" "$(rpc_bin)" "$@"; }

# The binary under test (like lib.sh's nixvirt), with SAN_ENV.
nvx() { env "${SAN_ENV[@]}" "$NIXVIRT_BIN" "$@"; }

# rpcprobe against the file's system daemon.
probe() { rpcprobe "$NV_URI" "$@"; }

# stdout of virsh without the blank lines it ends lists with.
vlist() { virsh_sys "$@" | sed 's/[[:space:]]*$//; /^$/d'; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The unprivileged test user (the session sandbox's), without a session daemon.
user_ids() {
    RPC_UID=$(id -u "$NV_SESSION_USER")
    RPC_GID=$(id -g "$NV_SESSION_USER")
}

# Copies nixvirt and rpcprobe where the unprivileged user can run them: $TEST_TMP/bin.
stage_bins() {
    mkdir -p "$TEST_TMP/bin"
    cp "$NIXVIRT_BIN" "$TEST_TMP/bin/nixvirt"
    cp "$(rpc_bin)" "$TEST_TMP/bin/rpcprobe"
    chmod 0755 "$TEST_TMP/bin" "$TEST_TMP/bin/nixvirt" "$TEST_TMP/bin/rpcprobe"
}

# Runs CMD as the unprivileged user with only the environment given as NAME=VALUE words
# before CMD (and PATH), e.g. as_user HOME=/x /path/prog args.
as_user() {
    user_ids
    setpriv --reuid="$RPC_UID" --regid="$RPC_GID" --init-groups \
        env -i -C / PATH="$NV_SANDBOX_PATH" USER="$NV_SESSION_USER" LOGNAME="$NV_SESSION_USER" \
        "${SAN_ENV[@]}" "$@"
}

# No sanitizer report and no crash in the files given.
assert_no_crash() {
    local f
    for f in "$@"; do
        assert_not_contains "$(cat "$f")" "Sanitizer" "sanitizer report in $f"
        assert_not_contains "$(cat "$f")" "runtime error" "UBSan report in $f"
    done
}

# Waits until FILE contains TEXT (at most SECS).
wait_file() {
    local file=$1 text=$2 secs=${3:-10}
    local deadline=$((SECONDS + secs))
    until grep -qF -- "$text" "$file" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || fail "no '$text' in $file after ${secs}s: $(cat "$file" 2>/dev/null)" || return 1
        sleep 0.05
    done
}

# The admin interface of the file's daemon (0700, root).
admin_clients() {
    virt-admin -q -c "libvirtd:///system?socket=$NV_SANDBOX_DIR/run/libvirt-admin-sock" \
        srv-clients-list libvirtd | awk '$2 == "unix"' | wc -l
}

# Starts `rpcprobe URI hold SECS` in the background, its stdin a fifo held open on fd
# 3+N; sets HOLD_PID. Files: $TEST_TMP/holdN.{out,err}.
hold_start() {
    local n=$1 uri=$2 secs=$3
    mkfifo "$TEST_TMP/go$n"
    # the binary itself, not a function: the ERR trap must not write into hold$n.err
    local bin
    bin=$(rpc_bin)
    env "${SAN_ENV[@]}" "$bin" "$uri" hold "$secs" <"$TEST_TMP/go$n" >"$TEST_TMP/hold$n.out" 2>"$TEST_TMP/hold$n.err" &
    HOLD_PID=$!
    eval "exec $((3 + n))>\"\$TEST_TMP/go$n\""
    wait_file "$TEST_TMP/hold$n.out" connected 15
}

nixvirt_session_x() { as_session "${SAN_ENV[@]}" "$NV_SESSION_NIXVIRT" "$@"; }

# ---------------------------------------------------------------------------- smoke

test_smoke_version_matches_virsh() {
    echo "nixvirt: $NIXVIRT_BIN; rpcprobe: $(rpc_bin)"
    assert_exit 0 nvx version --connect "$NV_URI"
    local v
    v=$(virsh_sys version --daemon)
    local daemon hv
    daemon=$(sed -n 's/^Running against daemon: //p' <<<"$v")
    hv=$(sed -n 's/^Running hypervisor: //p' <<<"$v")
    [ -n "$daemon" ] && [ -n "$hv" ] || fail "cannot read virsh version: $v"
    assert_contains "$OUT" "libvirt (daemon): $daemon"
    # virsh: "QEMU 7.2.22"; nixvirt: "hypervisor QEMU: 7.2.22"
    assert_contains "$OUT" "hypervisor ${hv% *}: ${hv#* }"
    assert_eq "" "$ERR" "stderr"
}

# ---------------------------------------------------------------------------- connection

test_connect_type_version_hostname_auth() {
    # open/close: the name sent in CONNECT_OPEN and the socket it went to
    assert_exit 0 probe open
    assert_eq "qemu:///system $NV_SOCK none" "$OUT"
    assert_exit 0 probe hostname
    assert_eq "$(virsh_sys hostname)" "$OUT" "hostname"
    local v
    v=$(virsh_sys version --daemon)
    assert_exit 0 probe type
    assert_eq "$(sed -n 's/^Running hypervisor: \([^ ]*\) .*/\1/p' <<<"$v")" "$OUT" "type"
    assert_exit 0 probe hv-version
    assert_eq "$(sed -n 's/^Running hypervisor: [^ ]* //p' <<<"$v")" "$OUT" "hypervisor version"
    assert_exit 0 probe lib-version
    assert_eq "$(sed -n 's/^Running against daemon: //p' <<<"$v")" "$OUT" "lib version"

    # auth list: the sandbox has auth_unix_rw = "none"
    assert_contains "$(cat "$NV_SANDBOX_DIR/etc/libvirtd.conf")" 'auth_unix_rw = "none"'
    assert_exit 0 probe auth-list
    assert_eq none "$OUT" "auth list"
    # auth polkit on a connection that does not use polkit: refused by the daemon
    assert_exit 1 probe auth-polkit
    assert_match "$ERR" '^rpcprobe: libvirt error: .+' "polkit refusal"
    wait_for 5 grep -q "client tried invalid PolicyKit init request" "$NV_DAEMON_LOG"
}

test_connect_open_close_seen_by_daemon() {
    # The daemon counts our connection while it is open and drops it after CONNECT_CLOSE.
    local before during after
    before=$(admin_clients)
    hold_start 0 "$NV_URI" 30
    local pid=$HOLD_PID
    during=$(admin_clients)
    assert_eq $((before + 1)) "$during" "clients while connected"
    echo go >&3
    local rc=0
    wait "$pid" || rc=$?
    exec 3>&-
    assert_eq 0 "$rc" "hold exit status"
    assert_eq "$(virsh_sys hostname)" "$(tail -n1 "$TEST_TMP/hold0.out")"
    clients_back_to() { [ "$(admin_clients)" = "$1" ]; } # re-read on each try of wait_for
    wait_for 5 clients_back_to "$before"
    after=$(admin_clients)
    assert_eq "$before" "$after" "clients after close"
    assert_no_crash "$TEST_TMP/hold0.err"
}

# A sandbox whose read-write socket uses polkit (see the top of the file).
test_polkit_auth() {
    stage_bins
    user_ids
    local b=$TEST_TMP/polkit
    mkdir -p "$b/actions" "$b/rules"
    chmod 0755 "$b" "$b/actions" "$b/rules"
    # A private system bus (libvirtd connects to it once, at its first use: it must be
    # there before the daemon starts), with a policy that allows everything on it.
    cat >"$b/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$b/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
    dbus-daemon --config-file="$b/bus.conf" --nofork --nopidfile >"$b/dbus.log" 2>&1 &
    local buspid=$!
    trap 'kill '"$buspid"' 2>/dev/null || true; nv_sandbox_cleanup' EXIT
    wait_for 10 test -S "$b/bus"
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$b/bus
    NV_SANDBOX_LIBVIRTD_CONF=$'auth_unix_rw = "polkit"\nunix_sock_rw_perms = "0777"' nv_sandbox_system_start
    local dpid=$NV_DAEMON_PID
    assert_eq 777 "$(stat -c %a "$NV_SOCK")"

    # libvirt's actions (Debian ships them with libvirt-daemon-system, not installed here)
    # and the rule, seen only inside the sandbox's mount namespace
    cp /usr/share/polkit-1/actions/* "$b/actions/" 2>/dev/null || true
    cat >"$b/actions/org.libvirt.unix.policy" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1.0/policyconfig.dtd">
<policyconfig>
  <action id="org.libvirt.unix.monitor">
    <description>Monitor local virtualized systems</description>
    <message>System policy prevents monitoring of local virtualized systems</message>
    <defaults><allow_any>yes</allow_any><allow_inactive>yes</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>
  <action id="org.libvirt.unix.manage">
    <description>Manage local virtualized systems</description>
    <message>System policy prevents management of local virtualized systems</message>
    <defaults><allow_any>auth_admin_keep</allow_any><allow_inactive>auth_admin_keep</allow_inactive><allow_active>auth_admin_keep</allow_active></defaults>
  </action>
</policyconfig>
EOF
    cat >"$b/rules/50-nixvirt-test.rules" <<EOF
polkit.addRule(function(action, subject) {
    if (action.id == "org.libvirt.unix.manage" && subject.user == "$NV_SESSION_USER")
        return polkit.Result.YES;
});
EOF
    chmod 0644 "$b"/actions/* "$b"/rules/*
    nsenter --target "$dpid" --mount -- mount --bind "$b/actions" /usr/share/polkit-1/actions
    nsenter --target "$dpid" --mount -- mount --bind "$b/rules" /etc/polkit-1/rules.d
    # polkitd inside the sandbox's pid namespace (it reads /proc/PID of the subject); it
    # dies with the namespace
    nsenter --target "$dpid" --pid --mount -- /usr/lib/polkit-1/polkitd --no-debug >"$b/polkitd.log" 2>&1 &
    wait_for 10 dbus-send --system --print-reply --dest=org.freedesktop.PolicyKit1 \
        /org/freedesktop/PolicyKit1/Authority org.freedesktop.DBus.Peer.Ping

    # root: libvirt lets uid 0 in without asking polkit
    assert_exit 0 probe open
    assert_eq "qemu:///system $NV_SOCK none" "$OUT" "root"

    # the test user, allowed by the rule: AUTH_LIST says polkit, AUTH_POLKIT succeeds
    # (rpcprobe open prints the scheme the handshake used)
    in_sandbox() {
        nsenter --target "$dpid" --pid --mount -- setpriv --reuid="$1" --regid="$2" --clear-groups \
            env -i PATH="$NV_SANDBOX_PATH" "${SAN_ENV[@]}" "${@:3}"
    }
    assert_exit 0 in_sandbox "$RPC_UID" "$RPC_GID" "$TEST_TMP/bin/rpcprobe" "$NV_URI" open
    assert_eq "qemu:///system $NV_SOCK polkit" "$OUT" "$NV_SESSION_USER"
    assert_exit 0 in_sandbox "$RPC_UID" "$RPC_GID" "$TEST_TMP/bin/rpcprobe" "$NV_URI" hostname
    assert_eq "$(virsh_sys hostname)" "$OUT"
    assert_exit 0 in_sandbox "$RPC_UID" "$RPC_GID" "$TEST_TMP/bin/nixvirt" version --connect "$NV_URI"
    assert_contains "$OUT" "libvirt (daemon): "

    # nobody: no rule, and no agent to ask for a password
    assert_exit 1 in_sandbox 65534 65534 "$TEST_TMP/bin/rpcprobe" "$NV_URI" hostname
    assert_eq "rpcprobe: libvirt error: polkit authentication failed: authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'" "$ERR"
    assert_exit 1 in_sandbox 65534 65534 "$TEST_TMP/bin/nixvirt" version --connect "$NV_URI"
    assert_contains "$ERR" "nixvirt version: libvirt error: polkit authentication failed: authentication unavailable"

    # the allowed user from outside the pid namespace: the daemon cannot name the process
    assert_exit 1 as_user "$TEST_TMP/bin/rpcprobe" "$NV_URI" hostname
    assert_contains "$ERR" "rpcprobe: libvirt error: polkit authentication failed: "
    nv_sandbox_system_stop
}

# ---------------------------------------------------------------------------- domains

test_domain_procedures() {
    local x=$NV_DATA_DIR/rpc-dom1.xml uuid
    xml_domain rpc-dom1 32 >"$x"
    # define (DEFINE_XML_FLAGS with VIR_DOMAIN_DEFINE_VALIDATE)
    assert_exit 0 probe domain-define "$x" 1
    uuid=$(virsh_sys domuuid rpc-dom1)
    assert_eq "rpc-dom1 $uuid" "$OUT" "define prints name and uuid"
    assert_contains "$(vlist list --all --name)" rpc-dom1
    assert_eq "shut off" "$(virsh_sys domstate rpc-dom1)"

    # lookups by name and UUID (id -1: inactive)
    assert_exit 0 probe domain-lookup rpc-dom1
    assert_eq "rpc-dom1 $uuid -1" "$OUT"
    assert_exit 0 probe domain-lookup-uuid "$uuid"
    assert_eq "rpc-dom1 $uuid -1" "$OUT"
    assert_exit 0 probe domain-lookup-uuid "${uuid//-/}"
    assert_eq "rpc-dom1 $uuid -1" "$OUT" "uuid without dashes"

    # XML, is active, is persistent, state, autostart while defined only
    assert_exit 0 probe domain-xml rpc-dom1 inactive
    assert_eq "$(virsh_sys dumpxml --inactive rpc-dom1)" "$OUT" "inactive XML"
    assert_exit 0 probe domain-is-active rpc-dom1
    assert_eq 0 "$OUT"
    assert_exit 0 probe domain-is-persistent rpc-dom1
    assert_eq 1 "$OUT"
    assert_exit 0 probe domain-state rpc-dom1
    assert_eq "shutoff 0" "$OUT"
    assert_eq "shut off (unknown)" "$(virsh_sys domstate --reason rpc-dom1)"
    assert_exit 0 probe domain-autostart rpc-dom1
    assert_eq 0 "$OUT"
    assert_exit 0 probe domain-autostart rpc-dom1 on
    assert_eq 1 "$OUT"
    assert_match "$(virsh_sys dominfo rpc-dom1)" "Autostart:[[:space:]]+enable"
    assert_exit 0 probe domain-autostart rpc-dom1 off
    assert_eq 0 "$OUT"
    assert_match "$(virsh_sys dominfo rpc-dom1)" "Autostart:[[:space:]]+disable"

    # create: a real QEMU process
    assert_exit 0 probe domain-create rpc-dom1
    assert_eq running "$(virsh_sys domstate rpc-dom1)"
    assert_eq "running (booted)" "$(virsh_sys domstate --reason rpc-dom1)"
    assert_exit 0 probe domain-state rpc-dom1
    assert_eq "running 1" "$OUT"
    assert_exit 0 probe domain-is-active rpc-dom1
    assert_eq 1 "$OUT"
    local id
    id=$(virsh_sys domid rpc-dom1)
    assert_exit 0 probe domain-lookup rpc-dom1
    assert_eq "rpc-dom1 $uuid $id" "$OUT" "running domain has its id"
    # the live XML (flags 0) differs from the inactive one
    assert_exit 0 probe domain-xml rpc-dom1
    assert_eq "$(virsh_sys dumpxml rpc-dom1)" "$OUT" "live XML"
    assert_contains "$OUT" "<domain type='qemu' id='$id'>"
    assert_exit 0 probe domain-xml rpc-dom1 inactive
    assert_contains "$OUT" "<domain type='qemu'>"

    # list all (flags 0) and active only
    assert_exit 0 probe domain-list
    assert_eq "$(vlist list --all --name | sort)" "$(cut -d' ' -f1 <<<"$OUT" | sort)" "list all"
    assert_contains "$OUT" "rpc-dom1 $uuid $id"
    assert_exit 0 probe domain-list active
    assert_eq "$(vlist list --name | sort)" "$(cut -d' ' -f1 <<<"$OUT" | sort)" "list active"

    # shutdown with flags: GUEST_AGENT (2) reaches QEMU's driver, which has no agent;
    # ACPI_POWER_BTN (1) is accepted (the guest has no OS to act on it)
    assert_exit 1 probe domain-shutdown rpc-dom1 2
    assert_contains "$ERR" "rpcprobe: libvirt error: "
    assert_contains "$ERR" "agent"
    assert_exit 0 probe domain-shutdown rpc-dom1 1
    assert_eq running "$(virsh_sys domstate rpc-dom1)"
    assert_exit 1 probe domain-shutdown rpc-dom1 $((1 << 20))
    assert_contains "$ERR" "unsupported flags (0x100000)"

    # destroy
    assert_exit 0 probe domain-destroy rpc-dom1
    assert_eq "shut off (destroyed)" "$(virsh_sys domstate --reason rpc-dom1)"
    assert_exit 0 probe domain-state rpc-dom1
    assert_eq "shutoff 2" "$OUT"

    # undefine with flags: an unknown flag is refused, the engine's flags work
    assert_exit 1 probe domain-undefine-flags rpc-dom1 $((1 << 20))
    assert_contains "$ERR" "unsupported flags (0x100000)"
    assert_contains "$(vlist list --all --name)" rpc-dom1
    assert_exit 0 probe domain-undefine rpc-dom1
    assert_not_contains "$(vlist list --all --name)" rpc-dom1
    assert_exit 1 probe domain-lookup-uuid "$uuid"
    assert_contains "$ERR" "Domain not found"
}

test_domain_transient_after_undefine() {
    local x=$NV_DATA_DIR/rpc-dom2.xml
    xml_domain rpc-dom2 32 >"$x"
    assert_exit 0 probe domain-define "$x"
    assert_exit 0 probe domain-create rpc-dom2
    # undefine (flags 0) while running: it stays, as a transient domain
    assert_exit 0 probe domain-undefine-flags rpc-dom2 0
    assert_exit 0 probe domain-is-persistent rpc-dom2
    assert_eq 0 "$OUT"
    assert_match "$(virsh_sys dominfo rpc-dom2)" "Persistent:[[:space:]]+no"
    assert_exit 0 probe domain-is-active rpc-dom2
    assert_eq 1 "$OUT"
    assert_exit 0 probe domain-destroy rpc-dom2
    assert_not_contains "$(vlist list --all --name)" rpc-dom2
}

test_define_flags_and_invalid_xml() {
    # An element the schema does not know: accepted without VALIDATE, refused with it.
    cat >"$NV_DATA_DIR/rpc-dom3.xml" <<'EOF'
<domain type='qemu'>
  <name>rpc-dom3</name>
  <memory unit='MiB'>32</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <nixvirt-unknown-element/>
</domain>
EOF
    assert_exit 1 probe domain-define "$NV_DATA_DIR/rpc-dom3.xml" 1
    assert_contains "$ERR" "rpcprobe: libvirt error: XML document failed to validate against schema"
    assert_contains "$ERR" "nixvirt-unknown-element"
    # one message, no blank line after it (the daemon's text ends with a newline)
    assert_eq 0 "$(grep -c '^$' "$TEST_TMP/err" || true)" "blank lines on stderr"
    assert_eq "" "$OUT"
    assert_not_contains "$(vlist list --all --name)" rpc-dom3
    assert_exit 0 probe domain-define "$NV_DATA_DIR/rpc-dom3.xml" 0
    assert_contains "$(vlist list --all --name)" rpc-dom3
    assert_exit 0 probe domain-undefine rpc-dom3

    # Not XML at all.
    printf '<domain type="qemu"><name>broken' >"$NV_DATA_DIR/broken.xml"
    assert_exit 1 probe domain-define "$NV_DATA_DIR/broken.xml"
    assert_match "$ERR" "^rpcprobe: libvirt error: .*(Premature end of data|Couldn't find end)"
    assert_eq "" "$OUT"
    # Well-formed, but not a domain.
    echo '<network><name>x</name></network>' >"$NV_DATA_DIR/notdom.xml"
    assert_exit 1 probe domain-define "$NV_DATA_DIR/notdom.xml"
    assert_contains "$ERR" "rpcprobe: libvirt error: "
    assert_contains "$ERR" "domain"
    # The same error text virsh gets from the daemon.
    local v
    v=$(virsh_sys define "$NV_DATA_DIR/notdom.xml" 2>&1) && fail "virsh accepted it"
    assert_contains "$v" "${ERR#rpcprobe: libvirt error: }"
}

test_daemon_errors_are_libvirt_messages() {
    local missing=6d1f2a3b-0c4d-4e5f-8a9b-0c1d2e3f4a5b
    assert_exit 1 probe domain-lookup-uuid "$missing"
    assert_eq "rpcprobe: libvirt error: Domain not found: no domain with matching uuid '$missing'" "$ERR"
    assert_eq "" "$OUT"
    assert_exit 1 probe domain-lookup no-such-domain
    assert_eq "rpcprobe: libvirt error: Domain not found: no domain with matching name 'no-such-domain'" "$ERR"
    assert_exit 1 probe network-lookup-uuid "$missing"
    assert_eq "rpcprobe: libvirt error: Network not found: no network with matching uuid '$missing'" "$ERR"
    assert_exit 1 probe pool-lookup no-such-pool
    assert_eq "rpcprobe: libvirt error: Storage pool not found: no storage pool with matching name 'no-such-pool'" "$ERR"
    # the daemon's text is escaped: it echoes a name with a terminal escape, a carriage
    # return and a newline, and none of them reaches the terminal raw
    assert_exit 1 probe domain-lookup $'evil\e[2J\rnixvirt: forged\nline'
    assert_eq "rpcprobe: libvirt error: Domain not found: no domain with matching name 'evil\\x1b[2J\\rnixvirt: forged; line'" "$ERR"
    assert_eq 1 "$(wc -l <"$TEST_TMP/err")" "lines on stderr"
    assert_eq 0 "$(tr -d -c '\033\r' <"$TEST_TMP/err" | wc -c)" "ESC and CR bytes on stderr"
    # a client-side error is not labelled as the daemon's
    assert_exit 1 probe domain-lookup-uuid not-a-uuid
    assert_eq "rpcprobe: not a UUID: 'not-a-uuid'" "$ERR"
}

# ---------------------------------------------------------------------------- networks

test_network_procedures() {
    local x=$NV_DATA_DIR/rpc-net1.xml uuid
    xml_network rpc-net1 nvrpcbr1 151 >"$x"
    assert_exit 0 probe network-define "$x"
    uuid=$(virsh_sys net-uuid rpc-net1)
    assert_eq "rpc-net1 $uuid" "$OUT"
    assert_contains "$(vlist net-list --all --name)" rpc-net1
    assert_exit 0 probe network-lookup rpc-net1
    assert_eq "rpc-net1 $uuid" "$OUT"
    assert_exit 0 probe network-lookup-uuid "$uuid"
    assert_eq "rpc-net1 $uuid" "$OUT"
    assert_exit 0 probe network-xml rpc-net1 inactive
    assert_eq "$(virsh_sys net-dumpxml --inactive rpc-net1)" "$OUT" "inactive XML"
    assert_exit 0 probe network-is-active rpc-net1
    assert_eq 0 "$OUT"
    assert_exit 0 probe network-is-persistent rpc-net1
    assert_eq 1 "$OUT"

    assert_exit 0 probe network-create rpc-net1
    assert_match "$(virsh_sys net-info rpc-net1)" "Active:[[:space:]]+yes"
    assert_exit 0 probe network-is-active rpc-net1
    assert_eq 1 "$OUT"
    assert_exit 0 probe network-xml rpc-net1
    assert_eq "$(virsh_sys net-dumpxml rpc-net1)" "$OUT" "live XML"
    assert_exit 0 probe network-autostart rpc-net1
    assert_eq 0 "$OUT"
    assert_exit 0 probe network-autostart rpc-net1 on
    assert_eq 1 "$OUT"
    assert_match "$(virsh_sys net-info rpc-net1)" "Autostart:[[:space:]]+yes"
    assert_exit 0 probe network-autostart rpc-net1 off
    assert_match "$(virsh_sys net-info rpc-net1)" "Autostart:[[:space:]]+no"

    assert_exit 0 probe network-list
    assert_eq "$(vlist net-list --all --name | sort)" "$(cut -d' ' -f1 <<<"$OUT" | sort)" "list all"
    assert_exit 0 probe network-list active
    assert_eq "$(vlist net-list --name | sort)" "$(cut -d' ' -f1 <<<"$OUT" | sort)" "list active"
    assert_contains "$OUT" "rpc-net1 $uuid"

    assert_exit 0 probe network-destroy rpc-net1
    assert_match "$(virsh_sys net-info rpc-net1)" "Active:[[:space:]]+no"
    assert_exit 0 probe network-list active
    assert_not_contains "$OUT" rpc-net1
    assert_exit 0 probe network-undefine rpc-net1
    assert_not_contains "$(vlist net-list --all --name)" rpc-net1
    assert_exit 1 probe network-lookup rpc-net1
    assert_contains "$ERR" "Network not found"
}

# ---------------------------------------------------------------------------- pools, volumes

test_pool_and_volume_procedures() {
    local dir=$NV_DATA_DIR/rpc-pool1 uuid
    mkdir -p "$dir"
    xml_pool rpc-pool1 "$dir" >"$NV_DATA_DIR/rpc-pool1.xml"
    assert_exit 0 probe pool-define "$NV_DATA_DIR/rpc-pool1.xml"
    uuid=$(virsh_sys pool-uuid rpc-pool1)
    assert_eq "rpc-pool1 $uuid" "$OUT"
    assert_contains "$(vlist pool-list --all --name)" rpc-pool1
    assert_exit 0 probe pool-lookup rpc-pool1
    assert_eq "rpc-pool1 $uuid" "$OUT"
    assert_exit 0 probe pool-lookup-uuid "$uuid"
    assert_eq "rpc-pool1 $uuid" "$OUT"
    assert_exit 0 probe pool-xml rpc-pool1 inactive
    assert_eq "$(virsh_sys pool-dumpxml --inactive rpc-pool1)" "$OUT" "inactive XML"
    assert_exit 0 probe pool-is-active rpc-pool1
    assert_eq 0 "$OUT"
    assert_exit 0 probe pool-is-persistent rpc-pool1
    assert_eq 1 "$OUT"
    assert_match "$(virsh_sys pool-info rpc-pool1)" "Persistent:[[:space:]]+yes"

    assert_exit 0 probe pool-create rpc-pool1
    assert_match "$(virsh_sys pool-info rpc-pool1)" "State:[[:space:]]+running"
    assert_exit 0 probe pool-is-active rpc-pool1
    assert_eq 1 "$OUT"
    assert_exit 0 probe pool-autostart rpc-pool1 on
    assert_eq 1 "$OUT"
    assert_match "$(virsh_sys pool-info rpc-pool1)" "Autostart:[[:space:]]+yes"
    assert_exit 0 probe pool-autostart rpc-pool1 off
    assert_eq 0 "$OUT"
    assert_match "$(virsh_sys pool-info rpc-pool1)" "Autostart:[[:space:]]+no"
    assert_exit 0 probe pool-list
    assert_eq "$(vlist pool-list --all --name | sort)" "$(cut -d' ' -f1 <<<"$OUT" | sort)" "list all"
    assert_exit 0 probe pool-list active
    assert_eq "$(vlist pool-list --name | sort)" "$(cut -d' ' -f1 <<<"$OUT" | sort)" "list active"

    # volumes: create, list, lookup, XML
    xml_volume rpc-vol1.qcow2 $((16 * 1024 * 1024)) qcow2 >"$NV_DATA_DIR/rpc-vol1.xml"
    assert_exit 0 probe vol-create rpc-pool1 "$NV_DATA_DIR/rpc-vol1.xml"
    assert_eq "rpc-vol1.qcow2 $dir/rpc-vol1.qcow2" "$OUT"
    assert_contains "$(file "$dir/rpc-vol1.qcow2")" "QEMU QCOW"
    assert_contains "$(vlist vol-list --pool rpc-pool1)" "$dir/rpc-vol1.qcow2"
    assert_exit 0 probe vol-lookup rpc-pool1 rpc-vol1.qcow2
    assert_eq "rpc-pool1 rpc-vol1.qcow2 $dir/rpc-vol1.qcow2" "$OUT"
    assert_exit 0 probe vol-xml rpc-pool1 rpc-vol1.qcow2
    assert_eq "$(virsh_sys vol-dumpxml --pool rpc-pool1 rpc-vol1.qcow2)" "$OUT" "volume XML"
    assert_exit 0 probe vol-list rpc-pool1
    assert_eq "rpc-vol1.qcow2 $dir/rpc-vol1.qcow2" "$OUT"
    assert_exit 1 probe vol-lookup rpc-pool1 no-such.img
    assert_eq "rpcprobe: libvirt error: Storage volume not found: no storage vol with matching name 'no-such.img'" "$ERR"

    # refresh: a file made behind the daemon's back shows up only after it
    qemu-img create -q -f raw "$dir/outside.img" 1M
    assert_exit 0 probe vol-list rpc-pool1
    assert_not_contains "$OUT" outside.img
    assert_exit 0 probe pool-refresh rpc-pool1
    assert_exit 0 probe vol-list rpc-pool1
    assert_contains "$OUT" "outside.img $dir/outside.img"
    assert_contains "$(vlist vol-list --pool rpc-pool1)" "$dir/outside.img"

    # delete
    assert_exit 0 probe vol-delete rpc-pool1 rpc-vol1.qcow2
    [ ! -e "$dir/rpc-vol1.qcow2" ] || fail "volume file still there"
    assert_not_contains "$(vlist vol-list --pool rpc-pool1)" rpc-vol1.qcow2
    assert_exit 0 probe vol-list rpc-pool1
    assert_eq "outside.img $dir/outside.img" "$OUT"

    # destroy, undefine
    assert_exit 0 probe pool-destroy rpc-pool1
    assert_match "$(virsh_sys pool-info rpc-pool1)" "State:[[:space:]]+inactive"
    assert_exit 0 probe pool-is-active rpc-pool1
    assert_eq 0 "$OUT"
    assert_exit 0 probe pool-undefine rpc-pool1
    assert_not_contains "$(vlist pool-list --all --name)" rpc-pool1
    [ -e "$dir/outside.img" ] || fail "undefine removed the pool's files"
}

# ---------------------------------------------------------------------------- pipelining

test_pipeline_100_calls() {
    xml_domain rpc-pipe 32 >"$NV_DATA_DIR/rpc-pipe.xml"
    virsh_sys define "$NV_DATA_DIR/rpc-pipe.xml" >/dev/null
    local uuid
    uuid=$(virsh_sys domuuid rpc-pipe)
    # hostname / lookup of rpc-pipe / lookup of a missing UUID, all in flight at once
    # (libvirtd reads 5 at a time: the rest waits in the socket while we keep reading)
    assert_exit 0 probe pipeline 100 "$uuid"
    assert_eq "pipeline: 100 calls in flight, 100 replies matched (34 hostname, 33 found, 33 not found; 50 collected newest first)" "$OUT"
    assert_exit 0 probe pipeline 2000
    assert_contains "$OUT" "pipeline: 2000 calls in flight, 2000 replies matched"
    virsh_sys undefine rpc-pipe >/dev/null
}

# ---------------------------------------------------------------------------- daemon death

# A sandbox of its own: its libvirtd is stopped, then killed with -9.
test_daemon_killed_mid_call() {
    nv_sandbox_system_start
    local uri=$NV_URI dpid=$NV_DAEMON_PID
    # a stopped daemon would not stop when the sandbox is cleaned up
    trap 'kill -CONT '"$dpid"' 2>/dev/null || true; nv_sandbox_cleanup' EXIT
    # three connections: 0 gets a call in flight, 1 stays idle, 2 tests the timeout
    hold_start 0 "$uri" 60
    local p0=$HOLD_PID
    hold_start 1 "$uri" 60
    local p1=$HOLD_PID
    hold_start 2 "$uri" 2
    local p2=$HOLD_PID
    kill -STOP "$dpid"
    # a frozen daemon: the call times out (2 s), it does not hang
    local t0 t1 rc=0
    t0=$(now_ms)
    echo go >&5
    wait "$p2" || rc=$?
    t1=$(now_ms)
    assert_eq 1 "$rc" "exit status after the timeout"
    assert_eq "rpcprobe: timed out after 2 s waiting for CONNECT_GET_HOSTNAME" "$(cat "$TEST_TMP/hold2.err")"
    [ $((t1 - t0)) -ge 1900 ] && [ $((t1 - t0)) -lt 6000 ] || fail "timeout took $((t1 - t0)) ms"

    # a call in flight when the daemon dies
    echo go >&3
    wait_file "$TEST_TMP/hold0.out" sent 10
    sleep 0.2
    rc=0
    t0=$(now_ms)
    kill -KILL "$dpid"
    wait "$p0" || rc=$?
    t1=$(now_ms)
    assert_eq 1 "$rc" "exit status of the call in flight"
    assert_eq "rpcprobe: the daemon closed the connection (connection reset)" "$(cat "$TEST_TMP/hold0.err")"
    [ $((t1 - t0)) -lt 2000 ] || fail "the client took $((t1 - t0)) ms to notice"
    echo "in flight: exit $rc after $((t1 - t0)) ms"

    # an idle connection whose daemon is gone: the next call fails at once
    rc=0
    t0=$(now_ms)
    echo go >&4
    wait "$p1" || rc=$?
    t1=$(now_ms)
    assert_eq 1 "$rc" "exit status of the idle connection"
    assert_match "$(cat "$TEST_TMP/hold1.err")" "^rpcprobe: the daemon closed the connection( \(connection reset\))?$"
    [ $((t1 - t0)) -lt 2000 ] || fail "the idle client took $((t1 - t0)) ms"
    echo "idle: exit $rc after $((t1 - t0)) ms"
    exec 3>&- 4>&- 5>&-
    assert_no_crash "$TEST_TMP"/hold*.err
    nv_sandbox_system_stop
}

# ---------------------------------------------------------------------------- connection errors

test_missing_socket_and_wait() {
    local sock=$TEST_TMP/nowhere/libvirt-sock
    assert_exit 1 nvx version --connect "qemu:///system?socket=$sock"
    assert_contains "$ERR" "nixvirt version: cannot connect to $sock: no such file"
    assert_exit 1 rpcprobe "qemu:///system?socket=$sock" hostname
    assert_eq "rpcprobe: cannot connect to $sock: no such file (is the libvirt daemon for it running?)" "$ERR"

    # --wait gives up after the time and names the socket
    local t0 t1
    t0=$(now_ms)
    assert_exit 1 nvx version --connect "qemu:///system?socket=$sock" --wait 2
    t1=$(now_ms)
    assert_contains "$ERR" "cannot connect to $sock: no such file after waiting 2.0 s"
    [ $((t1 - t0)) -ge 1900 ] && [ $((t1 - t0)) -lt 5000 ] || fail "--wait 2 took $((t1 - t0)) ms"

    # --wait keeps trying until the socket appears
    mkdir -p "$TEST_TMP/later"
    (sleep 1 && ln -s "$NV_SOCK" "$TEST_TMP/later/sock") &
    assert_exit 0 nvx version --connect "qemu:///system?socket=$TEST_TMP/later/sock" --wait 10
    assert_contains "$OUT" "libvirt (daemon): "
    wait
}

test_permission_denied_names_path_and_uid() {
    stage_bins
    user_ids
    # root's read-write socket is 0770 root:root
    assert_eq "770 0 0" "$(stat -c '%a %u %g' "$NV_SOCK")"
    assert_exit 1 as_user "$TEST_TMP/bin/nixvirt" version --connect "$NV_URI"
    assert_contains "$ERR" "nixvirt version: cannot connect to $NV_SOCK: permission denied for uid $RPC_UID"
    assert_contains "$ERR" "the socket belongs to uid 0, gid 0, mode 770"
    assert_exit 1 as_user "$TEST_TMP/bin/rpcprobe" "$NV_URI" hostname
    assert_contains "$ERR" "rpcprobe: cannot connect to $NV_SOCK: permission denied for uid $RPC_UID"
    # the read-only socket lets anyone in, read-only
    local ro="qemu:///system?socket=$NV_SANDBOX_DIR/run/libvirt-sock-ro"
    assert_exit 0 as_user "$TEST_TMP/bin/rpcprobe" --readonly "$ro" hostname
    assert_eq "$(virsh_sys hostname)" "$OUT"
    xml_domain rpc-ro 32 >"$TEST_TMP/rpc-ro.xml"
    chmod 0644 "$TEST_TMP/rpc-ro.xml"
    assert_exit 1 as_user "$TEST_TMP/bin/rpcprobe" --readonly "$ro" domain-define "$TEST_TMP/rpc-ro.xml"
    assert_contains "$ERR" "rpcprobe: libvirt error: operation forbidden: read only access prevents"
}

# ---------------------------------------------------------------------------- session mode

test_session_probe_and_version() {
    require_session
    cp "$(rpc_bin)" "$NV_SESSION_DIR/bin/rpcprobe"
    chmod 0755 "$NV_SESSION_DIR/bin/rpcprobe"
    local p=$NV_SESSION_DIR/bin/rpcprobe
    # the plain session URI, found through XDG_RUNTIME_DIR
    assert_exit 0 as_session "${SAN_ENV[@]}" "$p" qemu:///session open
    assert_eq "qemu:///session $NV_SESSION_SOCK none" "$OUT"
    assert_exit 0 as_session "${SAN_ENV[@]}" "$p" qemu:///session type
    assert_eq QEMU "$OUT"
    xml_domain rpc-sdom 32 >"$NV_SESSION_DATA_DIR/rpc-sdom.xml"
    chmod 0644 "$NV_SESSION_DATA_DIR/rpc-sdom.xml"
    assert_exit 0 as_session "${SAN_ENV[@]}" "$p" qemu:///session domain-define "$NV_SESSION_DATA_DIR/rpc-sdom.xml"
    assert_contains "$(virsh_session list --all --name)" rpc-sdom
    assert_not_contains "$(vlist list --all --name)" rpc-sdom
    assert_exit 0 as_session "${SAN_ENV[@]}" "$p" qemu:///session domain-xml rpc-sdom inactive
    assert_eq "$(virsh_session dumpxml --inactive rpc-sdom)" "$OUT"
    assert_exit 0 as_session "${SAN_ENV[@]}" "$p" "$NV_SESSION_URI" domain-undefine rpc-sdom
    assert_not_contains "$(virsh_session list --all --name)" rpc-sdom

    assert_exit 0 nixvirt_session_x version --connect qemu:///session
    local v
    v=$(as_session virsh -c qemu:///session version --daemon)
    assert_contains "$OUT" "libvirt (daemon): $(sed -n 's/^Running against daemon: //p' <<<"$v")"
    assert_exit 0 nixvirt_session_x version
    assert_contains "$OUT" "hypervisor QEMU: "
}

# libvirtd processes of the test user whose XDG_RUNTIME_DIR is DIR.
autostarted_pids() {
    local dir=$1 p
    user_ids
    for p in $(pgrep -u "$RPC_UID" -x libvirtd 2>/dev/null); do
        tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "XDG_RUNTIME_DIR=$dir" && echo "$p"
    done
    return 0
}

# Stops the daemon a client started for DIR: TERM, then KILL after 10 s.
stop_autostarted() {
    local dir=$1 pids p i
    pids="$(cat "$dir/libvirt/libvirtd.pid" 2>/dev/null || true) $(autostarted_pids "$dir")"
    for p in $pids; do
        [ -n "$p" ] && [ "$(stat -c %u "/proc/$p" 2>/dev/null)" = "$RPC_UID" ] || continue
        kill -TERM "$p" 2>/dev/null || true
    done
    for i in $(seq 1 100); do
        [ -z "$(autostarted_pids "$dir")" ] && return 0
        sleep 0.1
    done
    for p in $(autostarted_pids "$dir"); do kill -KILL "$p" 2>/dev/null || true; done
}

test_session_autostart() {
    stage_bins
    user_ids
    local d=$TEST_TMP/auto
    mkdir -p "$d/runtime" "$d/config/libvirt" "$d/cache" "$d/home"
    chmod 0700 "$d/runtime"
    printf 'log_outputs = "3:file:%s/home/libvirtd.log"\n' "$d" >"$d/config/libvirt/libvirtd.conf"
    printf 'stdio_handler = "file"\n' >"$d/config/libvirt/qemu.conf"
    _nv_caps_load "$d/cache/libvirt/qemu/cache/capabilities" -session
    chown -R "$RPC_UID:$RPC_GID" "$d"
    # This daemon is outside any namespace: whatever happens, it goes when the test ends.
    trap 'stop_autostarted "'"$d"'/runtime"; nv_sandbox_cleanup' EXIT
    [ -z "$(autostarted_pids "$d/runtime")" ] || fail "a daemon is already running for $d"

    local env=(HOME="$d/home" XDG_RUNTIME_DIR="$d/runtime" XDG_CONFIG_HOME="$d/config"
        XDG_CACHE_HOME="$d/cache")
    local t0 t1
    t0=$(now_ms)
    assert_exit 0 as_user "${env[@]}" "$TEST_TMP/bin/nixvirt" version --connect qemu:///session
    t1=$(now_ms)
    echo "autostart + version: $((t1 - t0)) ms"
    assert_contains "$OUT" "libvirt (daemon): "
    assert_contains "$OUT" "hypervisor QEMU: "
    # the daemon it started: the user's libvirtd --timeout=120, with our runtime dir
    local pid
    pid=$(autostarted_pids "$d/runtime")
    [ -n "$pid" ] || fail "no libvirtd of $NV_SESSION_USER for $d/runtime"
    assert_eq 1 "$(wc -w <<<"$pid")" "one daemon"
    assert_eq "$RPC_UID" "$(stat -c %u "/proc/$pid")"
    assert_contains "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "--timeout=120"
    [ -S "$d/runtime/libvirt/libvirt-sock" ] || fail "no session socket"
    # detached: another session, and not our child
    assert_ne "$(ps -o sid= -p $$ | tr -d ' ')" "$(ps -o sid= -p "$pid" | tr -d ' ')" "session"
    assert_ne "$$" "$(ps -o ppid= -p "$pid" | tr -d ' ')" "parent"
    # a second client uses the running daemon
    assert_exit 0 as_user "${env[@]}" "$TEST_TMP/bin/rpcprobe" qemu:///session open
    assert_eq "qemu:///session $d/runtime/libvirt/libvirt-sock none" "$OUT"
    assert_eq "$pid" "$(autostarted_pids "$d/runtime")" "same daemon"
    # with LIBVIRT_AUTOSTART=0 and the daemon gone, nothing is started
    stop_autostarted "$d/runtime"
    [ -z "$(autostarted_pids "$d/runtime")" ] || fail "the daemon did not stop"
    assert_exit 1 as_user "${env[@]}" LIBVIRT_AUTOSTART=0 "$TEST_TMP/bin/nixvirt" version --connect qemu:///session
    assert_contains "$ERR" "cannot connect to $d/runtime/libvirt/"
    [ -z "$(autostarted_pids "$d/runtime")" ] || fail "LIBVIRT_AUTOSTART=0 started a daemon"
}

# ---------------------------------------------------------------------------- ssh, ext

# sshd on 127.0.0.1 inside the sandbox's mount namespace (so /run/libvirt there is the
# sandbox's: virt-ssh-helper and the default socket reach it, never the host's), in the
# host's network namespace. Sets SSHD_PID, SSH_PORT, SSH_DIR.
start_sshd() {
    SSH_DIR=$TEST_TMP/ssh
    mkdir -p "$SSH_DIR"
    ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key"
    ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/client_key"
    ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/other_key"
    cp "$SSH_DIR/client_key.pub" "$SSH_DIR/authorized_keys"
    # sshd's privilege separation directory (Debian creates it at service start)
    [ -d /run/sshd ] || mkdir -m 0755 /run/sshd
    local try
    for try in 1 2 3 4 5; do
        SSH_PORT=$((20000 + RANDOM % 30000))
        [ -z "$(ss -ltnH "sport = :$SSH_PORT")" ] || continue
        cat >"$SSH_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $SSH_DIR/host_key
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
LogLevel VERBOSE
EOF
        nsenter --target "$NV_DAEMON_PID" --mount -- /usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config" \
            2>"$SSH_DIR/sshd.log" &
        SSHD_PID=$!
        trap 'kill '"$SSHD_PID"' 2>/dev/null || true; nv_sandbox_cleanup' EXIT
        local i
        for i in $(seq 1 100); do
            [ -n "$(ss -ltnH "sport = :$SSH_PORT")" ] && break
            kill -0 "$SSHD_PID" 2>/dev/null || break
            sleep 0.05
        done
        if [ -n "$(ss -ltnH "sport = :$SSH_PORT")" ] && kill -0 "$SSHD_PID" 2>/dev/null; then
            # the guard for the native proxy: sshd sees the sandbox's /run/libvirt
            assert_eq "$(readlink "/proc/$NV_DAEMON_PID/ns/mnt")" "$(readlink "/proc/$SSHD_PID/ns/mnt")" "sshd's mount namespace"
            return 0
        fi
        kill "$SSHD_PID" 2>/dev/null || true
        wait "$SSHD_PID" 2>/dev/null || true
    done
    fail "sshd did not start: $(cat "$SSH_DIR/sshd.log")"
}

test_ssh_transport() {
    start_sshd
    # The ssh client, with its known-hosts file in the test directory (root's
    # ~/.ssh stays untouched) and no user configuration.
    cat >"$SSH_DIR/ssh" <<EOF
#!/bin/sh
exec ssh -F /dev/null -o UserKnownHostsFile=$SSH_DIR/known_hosts -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR "\$@"
EOF
    chmod 0755 "$SSH_DIR/ssh"
    xml_domain rpc-sshdom 32 >"$NV_DATA_DIR/rpc-sshdom.xml"
    virsh_sys define "$NV_DATA_DIR/rpc-sshdom.xml" >/dev/null
    local v base common
    v=$(virsh_sys version --daemon)
    base="qemu+ssh://root@127.0.0.1:$SSH_PORT/system"
    common="keyfile=$SSH_DIR/client_key&no_verify=1&no_tty=1&command=$SSH_DIR/ssh"

    local q t0 t1
    for q in "socket=$NV_SOCK&proxy=netcat" "proxy=netcat" "proxy=native" "proxy=auto"; do
        t0=$(now_ms)
        assert_exit 0 nvx version --connect "$base?$q&$common"
        t1=$(now_ms)
        echo "ssh $q: nixvirt version took $((t1 - t0)) ms"
        # nothing on stderr: ssh's and virt-ssh-helper's chatter is kept for errors
        assert_eq "" "$ERR" "stderr with $q"
        assert_contains "$OUT" "libvirt (daemon): $(sed -n 's/^Running against daemon: //p' <<<"$v")" "$q"
        assert_contains "$OUT" "hypervisor QEMU: " "$q"
        # it is the sandbox's daemon at the other end
        assert_exit 0 rpcprobe "$base?$q&$common" domain-list
        assert_contains "$OUT" "rpc-sshdom " "$q"
        assert_exit 0 rpcprobe "$base?$q&$common" open
        assert_eq "qemu:///system ssh to 127.0.0.1 none" "$OUT" "$q"
    done
    assert_exit 0 rpcprobe "$base?socket=$NV_SOCK&proxy=netcat&$common" pipeline 100
    assert_contains "$OUT" "100 replies matched"
    grep -q "Accepted publickey for root" "$SSH_DIR/sshd.log" || fail "no key login in the sshd log"

    # a key sshd does not accept: ssh's exit is named
    assert_exit 1 nvx version --connect \
        "$base?socket=$NV_SOCK&proxy=netcat&keyfile=$SSH_DIR/other_key&no_verify=1&no_tty=1&command=$SSH_DIR/ssh"
    assert_contains "$ERR" "nixvirt version: ssh to 127.0.0.1 exited with status 255 ("
    assert_contains "$ERR" "Permission denied (publickey"
    assert_contains "$ERR" "): the daemon closed the connection"
    assert_eq 1 "$(wc -l <"$TEST_TMP/err")" "one line"
    virsh_sys undefine rpc-sshdom >/dev/null
    kill "$SSHD_PID"
    wait "$SSHD_PID" 2>/dev/null || true
}

test_ext_transport() {
    cat >"$TEST_TMP/to-daemon" <<EOF
#!/bin/sh
exec nc -U "$NV_SOCK"
EOF
    chmod 0755 "$TEST_TMP/to-daemon"
    local t0 t1
    t0=$(now_ms)
    assert_exit 0 nvx version --connect "qemu+ext:///system?command=$TEST_TMP/to-daemon"
    t1=$(now_ms)
    echo "ext version: $((t1 - t0)) ms"
    [ $((t1 - t0)) -lt 2000 ] || fail "closing the ext transport took $((t1 - t0)) ms"
    assert_contains "$OUT" "libvirt (daemon): "
    assert_exit 0 rpcprobe "qemu+ext:///system?command=$TEST_TMP/to-daemon" open
    assert_eq "qemu:///system $TEST_TMP/to-daemon none" "$OUT"
    assert_exit 0 rpcprobe "qemu+ext:///system?command=$TEST_TMP/to-daemon" hostname
    assert_eq "$(virsh_sys hostname)" "$OUT"
    # a command that dies: named with its status
    printf '#!/bin/sh\necho "no route to the daemon" >&2\nexit 3\n' >"$TEST_TMP/dies"
    chmod 0755 "$TEST_TMP/dies"
    assert_exit 1 nvx version --connect "qemu+ext:///system?command=$TEST_TMP/dies"
    assert_eq "nixvirt version: $TEST_TMP/dies exited with status 3 (no route to the daemon): the daemon closed the connection" "$ERR"
    # the command dies under an open connection: the next call names it
    hold_start 0 "qemu+ext:///system?command=$TEST_TMP/to-daemon" 30
    local p0=$HOLD_PID nc
    nc=$(pgrep -P "$p0" -x nc)
    [ -n "$nc" ] || fail "no nc child of rpcprobe"
    kill -TERM "$nc"
    echo go >&3
    local rc=0
    wait "$p0" || rc=$?
    exec 3>&-
    assert_eq 1 "$rc"
    assert_eq "rpcprobe: $TEST_TMP/to-daemon was killed by signal 15: the daemon closed the connection" \
        "$(cat "$TEST_TMP/hold0.err")"
}
