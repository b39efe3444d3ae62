# shellcheck shell=bash
# The harness itself, through virsh only: the private daemons really run domains,
# networks, pools and volumes, and nothing leaks to the host.

test_smoke_help() {
    assert_exit 0 nixvirt --help
    assert_contains "$OUT" "usage: nixvirt"
    assert_exit 0 nixvirt version
    assert_contains "$OUT" "nixvirt"
}

test_daemon_is_private() {
    assert_contains "$NV_URI" "socket=$NV_SANDBOX_DIR/run/libvirt-sock"
    assert_eq "$NV_URI" "$LIBVIRT_DEFAULT_URI"
    [ -S "$NV_SOCK" ] || fail "no socket at $NV_SOCK"
    # libvirtd runs in its own network namespace...
    assert_ne "$(readlink /proc/self/ns/net)" "$(readlink "/proc/$NV_DAEMON_PID/ns/net")" "net namespace"
    assert_ne "$(readlink /proc/self/ns/mnt)" "$(readlink "/proc/$NV_DAEMON_PID/ns/mnt")" "mount namespace"
    # ...and sees the private directories where the host has its own.
    assert_contains "$(virsh_sys uri)" "qemu:///system"
    assert_file "$NV_DAEMON_LOG"
    [ ! -e /run/libvirt/libvirt-sock ] || [ "$(stat -c %i /run/libvirt/libvirt-sock)" != "$(stat -c %i "$NV_SOCK")" ] ||
        fail "the host's /run/libvirt is the sandbox's"
}

test_domain_lifecycle() {
    xml_domain nv-dom1 32 >"$NV_DATA_DIR/nv-dom1.xml"
    virsh_sys define "$NV_DATA_DIR/nv-dom1.xml"
    assert_eq "shut off" "$(virsh_sys domstate nv-dom1)"
    virsh_sys start nv-dom1
    assert_eq running "$(virsh_sys domstate nv-dom1)"
    assert_contains "$(virsh_sys list --name)" nv-dom1
    # A real QEMU process, inside the sandbox's namespace (not a host process).
    local pid
    pid=$(cat "$NV_SANDBOX_DIR/run/qemu/nv-dom1.pid")
    [ -n "$pid" ] || fail "no qemu pid file"
    assert_contains "$(ps -o args= --ppid "$NV_INIT_PID")" qemu-system-x86_64
    virsh_sys destroy nv-dom1
    assert_eq "shut off" "$(virsh_sys domstate nv-dom1)"
    virsh_sys undefine nv-dom1
    assert_exit 1 virsh_sys domstate nv-dom1
    assert_contains "$ERR" "nv-dom1"
}

test_network_nat_dhcp() {
    xml_network nv-net1 nvbr1 122 >"$NV_DATA_DIR/nv-net1.xml"
    virsh_sys net-define "$NV_DATA_DIR/nv-net1.xml"
    virsh_sys net-start nv-net1
    assert_contains "$(virsh_sys net-list --name)" nv-net1
    assert_match "$(virsh_sys net-info nv-net1)" "Active:[[:space:]]+yes"
    # dnsmasq runs for the DHCP range, inside the namespace; the bridge is not on the host.
    wait_for 5 pgrep -f "dnsmasq/nv-net1.conf"
    local pid
    pid=$(pgrep -f "dnsmasq/nv-net1.conf" | head -n1)
    assert_eq "$(readlink "/proc/$NV_DAEMON_PID/ns/pid")" "$(readlink "/proc/$pid/ns/pid")" "dnsmasq's pid namespace"
    [ ! -e /sys/class/net/nvbr1 ] || fail "bridge nvbr1 leaked to the host"
    virsh_sys net-destroy nv-net1
    virsh_sys net-undefine nv-net1
    assert_not_contains "$(virsh_sys net-list --all --name)" nv-net1
}

test_pool_dir_qcow2_volume() {
    local target=$NV_DATA_DIR/pool1
    mkdir -p "$target"
    xml_pool nv-pool1 "$target" >"$NV_DATA_DIR/nv-pool1.xml"
    virsh_sys pool-define "$NV_DATA_DIR/nv-pool1.xml"
    virsh_sys pool-start nv-pool1
    xml_volume vol1.qcow2 $((64 * 1024 * 1024)) qcow2 >"$NV_DATA_DIR/vol1.xml"
    virsh_sys vol-create nv-pool1 "$NV_DATA_DIR/vol1.xml"
    # The daemon created the file at the same path the client sees.
    assert_file "$target/vol1.qcow2"
    assert_contains "$(file "$target/vol1.qcow2")" "QEMU QCOW"
    assert_contains "$(virsh_sys vol-path --pool nv-pool1 vol1.qcow2)" "$target/vol1.qcow2"
    assert_contains "$(qemu-img info "$target/vol1.qcow2")" "virtual size: 64 MiB"
    virsh_sys vol-delete --pool nv-pool1 vol1.qcow2
    [ ! -e "$target/vol1.qcow2" ] || fail "volume file still there"
    virsh_sys pool-destroy nv-pool1
    virsh_sys pool-undefine nv-pool1
}

test_session_domain() {
    require_session
    assert_eq "$NV_SESSION_USER" "$(as_session id -un)"
    xml_domain nv-sdom1 32 >"$NV_SESSION_DATA_DIR/nv-sdom1.xml"
    chmod 0644 "$NV_SESSION_DATA_DIR/nv-sdom1.xml"
    virsh_session define "$NV_SESSION_DATA_DIR/nv-sdom1.xml"
    assert_eq "shut off" "$(virsh_session domstate nv-sdom1)"
    # The explicit socket form reaches the same daemon.
    assert_contains "$(as_session virsh -q -c "$NV_SESSION_URI" list --all --name)" nv-sdom1
    virsh_session start nv-sdom1
    assert_eq running "$(virsh_session domstate nv-sdom1)"
    # The QEMU process belongs to the unprivileged user.
    local pid
    pid=$(pgrep -u "$NV_SESSION_USER" -f 'guest=nv-sdom1' | head -n1)
    [ -n "$pid" ] || fail "no qemu process of $NV_SESSION_USER"
    virsh_session destroy nv-sdom1
    virsh_session undefine nv-sdom1
    # Nothing of it reached the system daemon.
    assert_not_contains "$(virsh_sys list --all --name)" nv-sdom1
}

test_session_binary_reachable() {
    require_session
    assert_exit 0 nixvirt_session --help
    assert_contains "$OUT" "usage: nixvirt"
}
