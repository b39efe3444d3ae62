# shellcheck shell=bash
# nixvirt import against the private daemons: a host set up by hand with virsh is
# imported, the result evaluated with nix-instantiate through our lib into the manifest the
# modules make (nix/modules/functions.nix), and applied: nothing may change (summary,
# virsh: states, domain ids, qemu pids, definitions, volumes).

# shellcheck disable=SC2034 # read by run.sh
TEST_TIMEOUT=300

# shellcheck source=tests/integration/objects.sh
. "$REPO/tests/integration/objects.sh"

# nix_manifest HOST.NIX URI OUT: the manifest for `connections."URI" = import HOST.NIX lib`
nix_manifest() {
    nix-instantiate --read-write-mode --eval --strict --json -E "
      let
        lib = import $REPO/nix/lib { };
        f = import $REPO/nix/modules/functions.nix;
      in f.manifest \"$2\" (import $1 lib)" 2>"$TEST_TMP/nix.err" |
        python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin))' >"$3" ||
        { cat "$TEST_TMP/nix.err" >&2; fail "evaluating $1 failed"; }
}

# The host of the system tests: an active and an inactive network, an active dir pool
# with two volumes and an inactive one, a running domain using the network and a volume,
# and a stopped one with metadata in two foreign namespaces and awkward text.
make_host() {
    local d=$NV_DATA_DIR/imp
    mkdir -p "$d/pool" "$d/pool2"
    obj_write_net "$d/net.xml" imp-net "$(new_uuid)" impbr0 131
    obj_write_net "$d/net2.xml" imp-net2 "$(new_uuid)" impbr1 132
    obj_write_pool "$d/pool.xml" imp-pool "$(new_uuid)" "$d/pool"
    obj_write_pool "$d/pool2.xml" imp-pool2 "$(new_uuid)" "$d/pool2"
    obj_write_vol "$d/vol.xml" imp-disk.qcow2 16
    obj_write_vol "$d/vol2.xml" imp-data.raw 1 raw
    obj_write_dom "$d/dom.xml" imp-run "$(new_uuid)" 32 \
        "$(obj_dev_vol imp-pool imp-disk.qcow2)$(obj_dev_net imp-net)"
    cat >"$d/dom2.xml" <<EOF
<domain type='qemu'>
  <name>imp-off</name>
  <uuid>$(new_uuid)</uuid>
  <description>a "quoted" \${x} &amp; text
second line</description>
  <metadata>
    <app1:foo xmlns:app1="http://app1.org/app1/">fooish</app1:foo>
    <nv:info xmlns:nv="urn:example:nv" level="2"><nv:tag>x</nv:tag></nv:info>
  </metadata>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/><boot dev='network'/></os>
  <features><acpi/></features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='network'><source network='imp-net'/><mac address='52:54:00:11:22:33'/></interface>
    <interface type='network'><source network='imp-net2'/><mac address='52:54:00:11:22:44'/></interface>
    <graphics type='vnc' port='-1' passwd='s3cret'/>
  </devices>
</domain>
EOF
    virsh_sys net-define "$d/net.xml" >/dev/null
    virsh_sys net-start imp-net >/dev/null
    virsh_sys net-define "$d/net2.xml" >/dev/null
    virsh_sys pool-define "$d/pool.xml" >/dev/null
    virsh_sys pool-start imp-pool >/dev/null
    virsh_sys pool-define "$d/pool2.xml" >/dev/null
    virsh_sys vol-create imp-pool "$d/vol.xml" >/dev/null
    virsh_sys vol-create imp-pool "$d/vol2.xml" >/dev/null
    virsh_sys define "$d/dom.xml" >/dev/null
    virsh_sys start imp-run >/dev/null
    virsh_sys define "$d/dom2.xml" >/dev/null
}

test_import_then_apply_changes_nothing() {
    make_host
    local before id
    before=$(obj_snapshot)
    id=$(virsh_sys domid imp-run)
    assert_exit 0 nixvirt import --connect "$NV_URI" -o "$TEST_TMP/host.nix"
    assert_eq "" "$OUT" "stdout with -o"
    local host
    host=$(cat "$TEST_TMP/host.nix")
    # the shape the modules take, sorted by name
    assert_match "$host" $'\nnixvirt: \\{\n  networks = \\[\n    \\{\n      definition = nixvirt.network.writeXML \\{\n'
    assert_contains "$host" "definition = nixvirt.domain.writeXML {"
    assert_contains "$host" "definition = nixvirt.volume.writeXML {"
    [ "$(grep -n 'name = "imp-net";' "$TEST_TMP/host.nix" | cut -d: -f1)" -lt \
        "$(grep -n 'name = "imp-net2";' "$TEST_TMP/host.nix" | cut -d: -f1)" ] || fail "networks not sorted"
    [ "$(grep -n 'name = "imp-data.raw";' "$TEST_TMP/host.nix" | cut -d: -f1)" -lt \
        "$(grep -n 'name = "imp-disk.qcow2";' "$TEST_TMP/host.nix" | cut -d: -f1)" ] || fail "volumes not sorted"
    # volumes of the active pool only (an inactive pool cannot list them)
    assert_eq 1 "$(grep -c 'volumes = \[' "$TEST_TMP/host.nix")" "pools with volumes"
    assert_eq 2 "$(grep -c 'definition = nixvirt.volume.writeXML' "$TEST_TMP/host.nix")" "volumes"
    # what the daemon reports but a definition does not declare is left out
    assert_not_contains "$host" "available"
    assert_not_contains "$host" "allocation"
    assert_not_contains "$host" "timestamps"
    # metadata prefixes exactly as stored; the password kept (a re-define would drop it)
    assert_contains "$host" 'name = "app1:foo";'
    assert_contains "$host" 'name = "xmlns:nv";'
    assert_contains "$host" 'passwd = "s3cret";'
    # deterministic
    assert_exit 0 nixvirt import --connect "$NV_URI"
    assert_eq "$host" "$OUT" "a second import"

    nix_manifest "$TEST_TMP/host.nix" qemu:///system "$TEST_TMP/m.xml"
    assert_contains "$(cat "$TEST_TMP/m.xml")" 'purge="undeclared"'
    assert_exit 0 nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$TEST_TMP/m.xml"
    assert_eq "nixvirt: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 6 unchanged, 0 volumes created, 0 deleted" "$OUT"
    assert_eq "$id" "$(virsh_sys domid imp-run)" "the running domain's id"
    assert_eq "$before" "$(obj_snapshot)" "the daemon's objects"
    assert_contains "$(virsh_sys dumpxml --inactive imp-off)" "<app1:foo xmlns:app1=\"http://app1.org/app1/\">fooish</app1:foo>"
    assert_contains "$(virsh_sys dumpxml --inactive --security-info imp-off)" "passwd='s3cret'"
    # and again, now through the record
    assert_exit 0 nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$TEST_TMP/m.xml"
    assert_eq "nixvirt: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 6 unchanged, 0 volumes created, 0 deleted" "$OUT"
    assert_eq "$before" "$(obj_snapshot)" "the daemon's objects"
}

test_import_one_kind() {
    virsh_sys net-define "$(obj_write_net "$TEST_TMP/n.xml" imp-k-net "$(new_uuid)" impbr9 139 && echo "$TEST_TMP/n.xml")" >/dev/null
    assert_exit 0 nixvirt import --connect "$NV_URI" --type network
    assert_contains "$OUT" 'name = "imp-k-net";'
    assert_not_contains "$OUT" "domains ="
    assert_not_contains "$OUT" "pools ="
    assert_exit 0 nixvirt import --connect "$NV_URI" --type pool
    assert_not_contains "$OUT" "networks ="
}

test_import_errors() {
    assert_exit 2 nixvirt import
    assert_contains "$ERR" "--connect"
    assert_exit 2 nixvirt import --connect "$NV_URI" --type volume
    assert_exit 1 nixvirt import --connect "qemu:///system?socket=$TEST_TMP/nope"
    assert_eq "" "$OUT"
    # -o to a place that cannot be written: an error, nothing half-written
    assert_exit 1 nixvirt import --connect "$NV_URI" -o "$TEST_TMP/no/such/dir/host.nix"
    [ ! -e "$TEST_TMP/no" ] || fail "a directory was created"
}

test_import_session() {
    require_session
    local d=$NV_SESSION_DATA_DIR
    mkdir -p "$d/spool"
    obj_write_pool "$d/sp.xml" imp-s-pool "$(new_uuid)" "$d/spool"
    obj_write_vol "$d/sv.xml" imp-s-disk.qcow2 8
    obj_write_dom "$d/sd.xml" imp-s-dom "$(new_uuid)" 32 "$(obj_dev_vol imp-s-pool imp-s-disk.qcow2)"
    obj_write_dom "$d/sd2.xml" imp-s-off "$(new_uuid)"
    chmod 0644 "$d"/*.xml
    chown -R "$NV_SESSION_USER" "$d/spool"
    virsh_session pool-define "$d/sp.xml" >/dev/null
    virsh_session pool-start imp-s-pool >/dev/null
    virsh_session vol-create imp-s-pool "$d/sv.xml" >/dev/null
    virsh_session define "$d/sd.xml" >/dev/null
    virsh_session define "$d/sd2.xml" >/dev/null
    virsh_session start imp-s-dom >/dev/null
    local id before
    id=$(virsh_session domid imp-s-dom)
    before=$(virsh_session list --all; virsh_session dumpxml --inactive imp-s-dom; virsh_session dumpxml --inactive imp-s-off; virsh_session pool-list --all; virsh_session vol-list imp-s-pool)
    assert_exit 0 nixvirt_session import --connect qemu:///session
    printf '%s\n' "$OUT" >"$TEST_TMP/host.nix"
    assert_contains "$OUT" 'name = "imp-s-disk.qcow2";'
    nix_manifest "$TEST_TMP/host.nix" qemu:///session "$d/m.xml"
    chmod 0644 "$d/m.xml"
    assert_exit 0 nixvirt_session apply --connect qemu:///session "$d/m.xml"
    assert_match "$OUT" "^nixvirt: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, [0-9]+ unchanged, 0 volumes created, 0 deleted$"
    assert_eq "$id" "$(virsh_session domid imp-s-dom)" "the running domain's id"
    assert_eq "$before" "$(virsh_session list --all; virsh_session dumpxml --inactive imp-s-dom; virsh_session dumpxml --inactive imp-s-off; virsh_session pool-list --all; virsh_session vol-list imp-s-pool)"
}
