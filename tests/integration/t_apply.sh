# shellcheck shell=bash
# nixvirt apply against the private daemon. Every outcome is checked with virsh (objects,
# states, domain ids, qemu and dnsmasq pids, definitions, volumes, the daemon's config
# files), not only through our exit code and summary line.

# shellcheck disable=SC2034 # read by run.sh
TEST_TIMEOUT=300

# shellcheck source=tests/integration/objects.sh
. "$REPO/tests/integration/objects.sh"

# ---------------------------------------------------------------------------- helpers

# apply with this test's state directory, against the file's daemon
# Every apply here starts the early thread (cli/early.h), which a manifest this small
# would not: these tests are the early path's. The other files' applies run without it.
export NIXVIRT_EARLY=1

ap() { nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$@"; }

record_file() { ls "$TEST_TMP"/state/*.record; }

# assert_summary "A defined, B changed, C started, R restarted, D stopped, E removed, F unchanged, V volumes created, W deleted"
assert_summary() { assert_eq "nixvirt: $1" "$OUT" "summary line"; }

# When the daemon last wrote each object's config file: it rewrites it on every define
# (and on autostart changes), so equal stamps prove no define reached it.
config_stamps() {
    find "$NV_SANDBOX_DIR/etc/qemu" "$NV_SANDBOX_DIR/etc/storage" -maxdepth 2 -name '*.xml' \
        -printf '%p %T@ %i\n' 2>/dev/null | sort
}

# The network, pool with a qcow2 volume and running domain of the basic manifest.
# make_basic PREFIX SUBNET [MEM]: writes $D/{net,pool,vol,dom}.xml and $D/m.xml; sets
# D, NET_U, POOL_U, DOM_U.
make_basic() {
    local p=$1 n=$2 mem=${3:-32}
    D=$NV_DATA_DIR/$p
    mkdir -p "$D/pool"
    NET_U=${NET_U:-$(new_uuid)} POOL_U=${POOL_U:-$(new_uuid)} DOM_U=${DOM_U:-$(new_uuid)}
    obj_write_net "$D/net.xml" "$p-net" "$NET_U" "${p}br0" "$n"
    obj_write_pool "$D/pool.xml" "$p-pool" "$POOL_U" "$D/pool"
    obj_write_vol "$D/vol.xml" "$p-disk.qcow2" 64
    obj_write_dom "$D/dom.xml" "$p-dom" "$DOM_U" "$mem" \
        "$(obj_dev_vol "$p-pool" "$p-disk.qcow2")$(obj_dev_net "$p-net")"
    cat >"$D/m.xml" <<EOF
<nixvirt version="1">
  <networks purge="${PURGE:-managed}">
    <network definition="$D/net.xml" active="true"/>
  </networks>
  <pools purge="${PURGE:-managed}">
    <pool definition="$D/pool.xml" active="true">
      <volume definition="$D/vol.xml"/>
    </pool>
  </pools>
  <domains purge="${PURGE:-managed}">
    <domain definition="$D/dom.xml" active="true"/>
  </domains>
</nixvirt>
EOF
}

# ---------------------------------------------------------------------------- command line

test_smoke_usage() {
    assert_exit 0 nixvirt apply -h
    assert_contains "$OUT" "usage: nixvirt apply [-h] [-v] [--dry-run] [--json] [--wait SECONDS] [--timeout SECONDS]"
    assert_exit 2 nixvirt apply /dev/null
    assert_contains "$ERR" "the following arguments are required: --connect"
    assert_exit 2 nixvirt apply --connect "$NV_URI"
    assert_contains "$ERR" "MANIFEST"
    assert_exit 2 nixvirt apply --connect "$NV_URI" --wait x /dev/null
    assert_exit 2 nixvirt apply --connect "$NV_URI" --bogus /dev/null
}

test_no_daemon() {
    # the manifest is checked before connecting: its errors come first
    echo '<nixvirt version="1"><domain/></nixvirt>' >"$TEST_TMP/bad.xml"
    assert_exit 1 nixvirt apply --state-dir "$TEST_TMP/state" --connect 'qemu:///system?socket=/nonexistent/sock' "$TEST_TMP/bad.xml"
    assert_contains "$ERR" "bad.xml:1: unknown element <domain>"
    echo '<nixvirt version="1"/>' >"$TEST_TMP/ok.xml"
    local t0=$SECONDS
    assert_exit 1 nixvirt apply --wait 2 --state-dir "$TEST_TMP/state" --connect 'qemu:///system?socket=/nonexistent/sock' "$TEST_TMP/ok.xml"
    assert_contains "$ERR" "/nonexistent/sock"
    [ $((SECONDS - t0)) -ge 1 ] || fail "--wait 2 did not wait"
    [ $((SECONDS - t0)) -le 10 ] || fail "--wait 2 waited too long"
    assert_eq "" "$OUT"
    # the lock is taken before connecting (a bad state directory is reported first)
    [ -z "$(find "$TEST_TMP/state" -name '*.record' 2>/dev/null)" ] || fail "a failed connection wrote a record"
}

# ---------------------------------------------------------------------------- first apply, no-op

test_first_apply_then_noop() {
    make_basic aa 181
    assert_exit 0 ap "$D/m.xml"
    assert_summary "3 defined, 0 changed, 3 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 1 volume created, 0 deleted"
    # the NAT network with DHCP runs (its dnsmasq too)
    assert_eq yes "$(obj_net_active aa-net)"
    assert_contains "$(virsh_sys net-dumpxml aa-net)" "<forward mode='nat'"
    assert_contains "$(virsh_sys net-dumpxml aa-net)" "<range start='192.168.181.2' end='192.168.181.254'"
    wait_for 5 obj_pgrep "dnsmasq/aa-net.conf"
    # the dir pool runs and has the qcow2 volume, created by the daemon
    assert_eq running "$(obj_pool_state aa-pool)"
    assert_contains "$(virsh_sys vol-list aa-pool)" aa-disk.qcow2
    assert_contains "$(qemu-img info -U "$D/pool/aa-disk.qcow2")" "file format: qcow2"
    assert_contains "$(qemu-img info -U "$D/pool/aa-disk.qcow2")" "virtual size: 64 MiB"
    # the domain runs, on that volume and that network
    assert_eq running "$(virsh_sys domstate aa-dom)"
    local live
    live=$(virsh_sys dumpxml aa-dom)
    assert_contains "$live" "<source network='aa-net'"
    assert_contains "$live" "<source pool='aa-pool' volume='aa-disk.qcow2'"
    # qemu opened the volume's file
    assert_contains "$(ps -o args= -p "$(obj_qemu_pid aa-dom)")" "$D/pool/aa-disk.qcow2"
    assert_contains "$(virsh_sys domiflist aa-dom)" aa-net
    # the record names all three
    local rec
    rec=$(record_file)
    assert_contains "$(cat "$rec")" "network $NET_U "
    assert_contains "$(cat "$rec")" "pool $POOL_U "
    assert_contains "$(cat "$rec")" "domain $DOM_U "

    # a second run changes nothing, restarts nothing, defines nothing
    local id pid dns snap stamps rec_stamp
    id=$(virsh_sys domid aa-dom)
    pid=$(obj_qemu_pid aa-dom)
    dns=$(obj_pgrep "dnsmasq/aa-net.conf" | head -n1)
    snap=$(obj_snapshot)
    stamps=$(config_stamps)
    rec_stamp=$(stat -c '%i %Y' "$rec")
    assert_exit 0 ap -v "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_not_contains "$ERR" "define"
    assert_not_contains "$ERR" "activate"
    assert_not_contains "$ERR" "volume"
    assert_contains "$ERR" "domain $DOM_U: unchanged"
    assert_eq "$id" "$(virsh_sys domid aa-dom)" "domain id"
    assert_eq "$pid" "$(obj_qemu_pid aa-dom)" "qemu pid"
    assert_eq "$dns" "$(obj_pgrep "dnsmasq/aa-net.conf" | head -n1)" "dnsmasq pid"
    assert_eq "$snap" "$(obj_snapshot)"
    assert_eq "$stamps" "$(config_stamps)" "the daemon's config files (no define)"
    assert_eq "$rec_stamp" "$(stat -c '%i %Y' "$rec")" "the record was not rewritten"
    # and without -v: only the summary line
    assert_exit 0 ap "$D/m.xml"
    assert_eq "" "$ERR"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
}

test_noop_without_record_is_still_noop() {
    # A lost record (a new state directory): every object is compared by defining it,
    # found unchanged, and nothing restarts.
    make_basic ab 182
    assert_exit 0 ap "$D/m.xml"
    local pid
    pid=$(obj_qemu_pid ab-dom)
    rm -rf "$TEST_TMP/state"
    assert_exit 0 ap -v "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$ERR" "domain $DOM_U: redefine"
    assert_eq "$pid" "$(obj_qemu_pid ab-dom)"
    # the digests are back: the next one skips the defines
    assert_exit 0 ap -v "$D/m.xml"
    assert_not_contains "$ERR" "redefine"
}

# ---------------------------------------------------------------------------- drift

test_drift_is_reverted() {
    make_basic ac 183
    assert_exit 0 ap "$D/m.xml"
    local pid
    pid=$(obj_qemu_pid ac-dom)
    # someone changes the VM behind our back
    virsh_sys setmaxmem ac-dom 96M --config
    assert_contains "$(virsh_sys dumpxml --inactive ac-dom)" "<memory unit='KiB'>98304</memory>"
    assert_exit 0 ap -v "$D/m.xml"
    assert_summary "0 defined, 1 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 2 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$ERR" "domain $DOM_U: changed"
    assert_contains "$(virsh_sys dumpxml --inactive ac-dom)" "<memory unit='KiB'>32768</memory>"
    # restart="ifchanged" (the default): it was restarted with the declared definition
    assert_eq running "$(virsh_sys domstate ac-dom)"
    assert_ne "$pid" "$(obj_qemu_pid ac-dom)" "qemu pid"
    assert_contains "$(virsh_sys dumpxml ac-dom)" "<memory unit='KiB'>32768</memory>"

    # a redefinition with virsh (another vcpu count), and a network edited with virsh
    virsh_sys dumpxml --inactive ac-dom | sed 's|<vcpu placement=.static.>1</vcpu>|<vcpu placement="static">2</vcpu>|' >"$TEST_TMP/d.xml"
    assert_contains "$(cat "$TEST_TMP/d.xml")" '<vcpu placement="static">2</vcpu>'
    virsh_sys define "$TEST_TMP/d.xml" >/dev/null
    virsh_sys net-dumpxml --inactive ac-net | sed "s|end='192.168.183.254'|end='192.168.183.100'|" >"$TEST_TMP/n.xml"
    virsh_sys net-define "$TEST_TMP/n.xml" >/dev/null
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 2 changed, 0 started, 2 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$(virsh_sys dumpxml --inactive ac-dom)" "<vcpu placement='static'>1</vcpu>"
    assert_contains "$(virsh_sys net-dumpxml --inactive ac-net)" "end='192.168.183.254'"
    assert_eq running "$(virsh_sys domstate ac-dom)"
    assert_eq yes "$(obj_net_active ac-net)"

    # a domain stopped by hand is started again (its state is declared), without a define
    virsh_sys destroy ac-dom >/dev/null
    local stamps
    stamps=$(config_stamps)
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 1 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_eq running "$(virsh_sys domstate ac-dom)"
    assert_eq "$stamps" "$(config_stamps)"

    # a volume deleted by hand is created again
    virsh_sys destroy ac-dom >/dev/null
    virsh_sys vol-delete --pool ac-pool ac-disk.qcow2 >/dev/null
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 1 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 1 volume created, 0 deleted"
    assert_file "$D/pool/ac-disk.qcow2"

    # the definition file itself changes: changed, restarted
    obj_write_dom "$D/dom.xml" ac-dom "$DOM_U" 48 "$(obj_dev_vol ac-pool ac-disk.qcow2)$(obj_dev_net ac-net)"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 1 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 2 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$(virsh_sys dumpxml ac-dom)" "<memory unit='KiB'>49152</memory>"
}

# The definitions' reading cache (<record>.specs): written by the first apply, not rewritten
# by a no-op; damaged, it is ignored (the definitions are read in full) and written anew;
# a definition changed in place is read in full, and drift is found either way.
test_reading_cache() {
    make_basic sc 193
    assert_exit 0 ap "$D/m.xml"
    local specs
    specs=$(ls "$TEST_TMP"/state/*.specs)
    assert_file "$specs"
    assert_eq 600 "$(stat -c %a "$specs")"
    local ino
    ino=$(stat -c %i "$specs")
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_eq "$ino" "$(stat -c %i "$specs")" "the cache was rewritten by a no-op"
    # damaged: ignored, then written whole again
    printf 'garbage' >"$specs"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_ne 7 "$(stat -c %s "$specs")" "cache size"
    # drift behind a cached reading: found and reverted
    virsh_sys setmaxmem sc-dom 96M --config
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 1 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 2 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$(virsh_sys dumpxml --inactive sc-dom)" "<memory unit='KiB'>32768</memory>"
    # the definition changed in place: read in full, changed
    obj_write_dom "$D/dom.xml" sc-dom "$DOM_U" 48 "$(obj_dev_vol sc-pool sc-disk.qcow2)$(obj_dev_net sc-net)"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 1 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 2 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$(virsh_sys dumpxml --inactive sc-dom)" "<memory unit='KiB'>49152</memory>"
    # an invalid definition is never taken from the cache
    printf '<domain><name>sc-dom</name></domain>\n' >"$D/dom.xml"
    assert_exit 1 ap "$D/m.xml"
    assert_contains "$ERR" "missing <uuid>"
}

# The manifest's kept parse (<record>.manifest): written by the first apply, not rewritten
# by a no-op (its events are used, not the parser); damaged or with other rights it is
# ignored and written anew; drift is still found and reverted behind it; a changed
# manifest is parsed (a domain added is defined); an invalid definition is still refused.
test_manifest_cache() {
    make_basic mc 194
    assert_exit 0 ap "$D/m.xml"
    local kept ino
    kept=$(ls "$TEST_TMP"/state/*.manifest)
    assert_file "$kept"
    assert_eq 600 "$(stat -c %a "$kept")"
    ino=$(stat -c %i "$kept")
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_eq "$ino" "$(stat -c %i "$kept")" "the kept parse was rewritten by a no-op"
    # drift behind the kept parse: found and reverted
    virsh_sys setmaxmem mc-dom 96M --config
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 1 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 2 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$(virsh_sys dumpxml --inactive mc-dom)" "<memory unit='KiB'>32768</memory>"
    # damaged: ignored, the manifest parsed, the file written whole again
    printf 'garbage' >"$kept"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_ne 7 "$(stat -c %s "$kept")" "kept parse size"
    # writable by others: not used (the state directory's rules), replaced
    chmod 666 "$kept"
    ino=$(stat -c %i "$kept")
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_ne "$ino" "$(stat -c %i "$kept")" "a kept parse with other rights was used"
    assert_eq 600 "$(stat -c %a "$kept")"
    # another manifest: a domain more, defined
    obj_write_dom "$D/dom2.xml" mc-dom2 "$(new_uuid)" 32 ""
    sed -i "s|</domains>|<domain definition=\"$D/dom2.xml\" active=\"false\"/></domains>|" "$D/m.xml"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "1 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$(virsh_sys list --all --name)" "mc-dom2"
    # the manifest as kept, its definition now invalid: refused, nothing changed
    printf '<domain><name>mc-dom2</name></domain>\n' >"$D/dom2.xml"
    assert_exit 1 ap "$D/m.xml"
    assert_contains "$ERR" "missing <uuid>"
    assert_contains "$(virsh_sys list --all --name)" "mc-dom2"
}

# seal MANIFEST: adds sha256= (the bytes' digest) to each definition, as the Nix modules do.
seal() {
    local p h
    for p in $(grep -o 'definition="[^"]*"' "$1" | cut -d'"' -f2); do
        h=$(sha256sum "$p" | cut -d' ' -f1)
        sed -i "s|definition=\"$p\"|definition=\"$p\" sha256=\"$h\"|" "$1"
    done
}

# A manifest with sha256= (the Nix modules write it): a digest the file does not have is
# refused before anything is done; a no-op opens no domain or network definition whose
# reading the cache keeps (the files may be gone); drift is reverted from the file, read
# then, which must still have the manifest's bytes: gone or changed since the manifest
# was made, the apply fails and nothing moves.
test_sealed_manifest() {
    make_basic se 196
    seal "$D/m.xml"
    assert_eq 4 "$(grep -c 'sha256="[0-9a-f]\{64\}"' "$D/m.xml")"
    sed "s|\(dom.xml\" sha256=\"\)[0-9a-f]*|\1$(printf '0%.0s' $(seq 64))|" "$D/m.xml" >"$D/bad.xml"
    assert_exit 1 ap "$D/bad.xml"
    assert_contains "$ERR" "$D/dom.xml: its SHA-256 is $(sha256sum "$D/dom.xml" | cut -d' ' -f1), not the manifest's"
    assert_eq "" "$({ obj_names list; obj_names net-list; obj_names pool-list; } | grep '^se-' || true)" \
        "objects defined after a refused manifest"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "3 defined, 0 changed, 3 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 1 volume created, 0 deleted"

    # the domain's and the network's files are not opened by a no-op
    mv "$D/dom.xml" "$D/dom.away"
    mv "$D/net.xml" "$D/net.away"
    local pid snap stamps
    pid=$(obj_qemu_pid se-dom)
    stamps=$(config_stamps)
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_eq "$stamps" "$(config_stamps)" "the daemon's config files (no define)"

    # drift: the text is needed, the file is gone: refused, nothing moves
    virsh_sys setmaxmem se-dom 96M --config
    snap=$(obj_snapshot)
    stamps=$(config_stamps)
    assert_exit 1 ap "$D/m.xml"
    assert_contains "$ERR" "domain 'se-dom': cannot use its definition: $D/dom.xml: cannot read: No such file"
    assert_not_contains "$ERR" "cannot read the current"
    assert_eq "$snap" "$(obj_snapshot)"
    assert_eq "$stamps" "$(config_stamps)" "the daemon's config files"
    assert_eq "$pid" "$(obj_qemu_pid se-dom)" "qemu pid"
    # the file changed since the manifest was made (other memory): refused, nothing moves
    mv "$D/net.away" "$D/net.xml"
    obj_write_dom "$D/dom.xml" se-dom "$DOM_U" 48 "$(obj_dev_vol se-pool se-disk.qcow2)$(obj_dev_net se-net)"
    assert_exit 1 ap "$D/m.xml"
    assert_contains "$ERR" "$D/dom.xml: its SHA-256 is $(sha256sum "$D/dom.xml" | cut -d' ' -f1), not the manifest's"
    assert_eq "$snap" "$(obj_snapshot)"
    assert_eq "$stamps" "$(config_stamps)" "the daemon's config files"
    assert_eq "$pid" "$(obj_qemu_pid se-dom)" "qemu pid"
    # the manifest's bytes again: the drift is reverted
    mv "$D/dom.away" "$D/dom.xml"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 1 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 2 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$(virsh_sys dumpxml --inactive se-dom)" "<memory unit='KiB'>32768</memory>"
    assert_eq running "$(virsh_sys domstate se-dom)"
}

test_rename() {
    # The name is part of the definition: a new name in the file renames the domain (same
    # UUID); a rename made by hand is reverted, like any other drift.
    local D=$NV_DATA_DIR/al u
    mkdir -p "$D"
    u=$(new_uuid)
    obj_write_dom "$D/d.xml" al-old "$u"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$D/d.xml\"/></domains></nixvirt>" >"$D/m.xml"
    assert_exit 0 ap "$D/m.xml"
    obj_write_dom "$D/d.xml" al-new "$u"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 1 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted"
    assert_eq al-new "$(obj_names list | grep '^al-')"
    assert_eq "$u" "$(virsh_sys domuuid al-new)"
    virsh_sys domrename al-new al-byhand >/dev/null
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 1 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted"
    assert_eq al-new "$(obj_names list | grep '^al-')"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 0 deleted"
}

# ---------------------------------------------------------------------------- restart policy

test_restart_policies() {
    local D=$NV_DATA_DIR/ad u1 u2 u3
    mkdir -p "$D"
    u1=$(new_uuid) u2=$(new_uuid) u3=$(new_uuid)
    obj_write_dom "$D/always.xml" ad-always "$u1"
    obj_write_dom "$D/never.xml" ad-never "$u2"
    obj_write_dom "$D/keep.xml" ad-keep "$u3"
    cat >"$D/m.xml" <<EOF
<nixvirt version="1">
  <domains purge="managed">
    <domain definition="$D/always.xml" active="true" restart="always"/>
    <domain definition="$D/never.xml" active="true" restart="never"/>
    <domain definition="$D/keep.xml"/>
  </domains>
</nixvirt>
EOF
    assert_exit 0 ap "$D/m.xml"
    assert_summary "3 defined, 0 changed, 2 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted"
    # no active= : a new domain stays off
    assert_eq "shut off" "$(virsh_sys domstate ad-keep)"
    local pa pn
    pa=$(obj_qemu_pid ad-always)
    pn=$(obj_qemu_pid ad-never)
    # restart="always": restarted by every apply, even with nothing changed
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_eq running "$(virsh_sys domstate ad-always)"
    assert_ne "$pa" "$(obj_qemu_pid ad-always)" "restart=always restarts"
    assert_eq "$pn" "$(obj_qemu_pid ad-never)"
    # restart="never": a changed definition is defined but the running domain is left alone
    obj_write_dom "$D/never.xml" ad-never "$u2" 48
    assert_exit 0 ap --dry-run "$D/m.xml"
    assert_contains "$OUT" "restart never: it runs with its old definition until its next start"
    assert_exit 0 ap -v "$D/m.xml"
    assert_contains "$OUT" "1 changed"
    assert_contains "$ERR" "changed, not restarted (restart never)"
    assert_eq "$pn" "$(obj_qemu_pid ad-never)"
    assert_contains "$(virsh_sys dumpxml --inactive ad-never)" "<memory unit='KiB'>49152</memory>"
    assert_contains "$(virsh_sys dumpxml ad-never)" "<memory unit='KiB'>32768</memory>"
    # no active= : a domain started by hand stays running, one stopped by hand stays off
    virsh_sys start ad-keep >/dev/null
    assert_exit 0 ap "$D/m.xml"
    assert_eq running "$(virsh_sys domstate ad-keep)"
    virsh_sys destroy ad-keep >/dev/null
    assert_exit 0 ap "$D/m.xml"
    assert_eq "shut off" "$(virsh_sys domstate ad-keep)"
    # active="false" stops it; with shutdown-timeout, ACPI first (the BIOS ignores it),
    # then power off
    sed -i "s|$D/never.xml\" active=\"true\"|$D/never.xml\" active=\"false\" shutdown-timeout=\"2\"|" "$D/m.xml"
    local t0=$SECONDS
    assert_exit 0 ap -v "$D/m.xml"
    assert_contains "$OUT" "1 stopped"
    assert_contains "$ERR" "domain $u2: shut down (up to 2 s)"
    assert_contains "$ERR" "domain $u2: still running after 2 s: power off"
    [ $((SECONDS - t0)) -ge 2 ] || fail "the shutdown timeout was not waited for"
    assert_eq "shut off" "$(virsh_sys domstate ad-never)"
}

# ---------------------------------------------------------------------------- purge modes

test_purge_modes() {
    local D=$NV_DATA_DIR/ae h u1 u2 n1 n2 p1 p2
    mkdir -p "$D/p1" "$D/p2"
    h=$(new_uuid) u1=$(new_uuid) u2=$(new_uuid) n1=$(new_uuid) n2=$(new_uuid) p1=$(new_uuid) p2=$(new_uuid)
    # made by hand with virsh: one domain, one network, one pool
    obj_write_dom "$D/hand.xml" ae-hand "$h"
    virsh_sys define "$D/hand.xml" >/dev/null
    obj_write_net "$D/hnet.xml" ae-hnet "$(new_uuid)" aehbr 184
    virsh_sys net-define "$D/hnet.xml" >/dev/null
    mkdir -p "$D/hp"
    obj_write_pool "$D/hpool.xml" ae-hpool "$(new_uuid)" "$D/hp"
    virsh_sys pool-define "$D/hpool.xml" >/dev/null

    obj_write_dom "$D/d1.xml" ae-d1 "$u1"
    obj_write_dom "$D/d2.xml" ae-d2 "$u2" 32 "$(obj_dev_net ae-n2)"
    obj_write_net "$D/n1.xml" ae-n1 "$n1" aebr1 185
    obj_write_net "$D/n2.xml" ae-n2 "$n2" aebr2 186
    obj_write_pool "$D/p1.xml" ae-p1 "$p1" "$D/p1"
    obj_write_pool "$D/p2.xml" ae-p2 "$p2" "$D/p2"
    obj_write_vol "$D/v.xml" keep.qcow2
    manifest() { # PURGE with_second_set
        {
            echo "<nixvirt version=\"1\">"
            echo "<networks purge=\"$1\"><network definition=\"$D/n1.xml\"/>"
            [ "$2" = 1 ] && echo "<network definition=\"$D/n2.xml\" active=\"true\"/>"
            echo "</networks><pools purge=\"$1\"><pool definition=\"$D/p1.xml\"/>"
            [ "$2" = 1 ] && echo "<pool definition=\"$D/p2.xml\" active=\"true\"><volume definition=\"$D/v.xml\"/></pool>"
            echo "</pools><domains purge=\"$1\"><domain definition=\"$D/d1.xml\"/>"
            [ "$2" = 1 ] && echo "<domain definition=\"$D/d2.xml\" active=\"true\"/>"
            echo "</domains></nixvirt>"
        } >"$D/m-$1-$2.xml"
        echo "$D/m-$1-$2.xml"
    }

    # managed: what we declare appears, what was made by hand stays
    assert_exit 0 ap "$(manifest managed 1)"
    assert_summary "6 defined, 0 changed, 3 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 1 volume created, 0 deleted"
    assert_eq "$(printf '%s\n' ae-d1 ae-d2 ae-hand)" "$(obj_names list | grep '^ae-')"
    # managed: what an earlier apply declared and is no longer declared goes, in the order
    # domains, pools, networks; the hand-made objects still stay; the pool's storage stays
    assert_exit 0 ap -v "$(manifest managed 0)"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 3 removed, 3 unchanged, 0 volumes created, 0 deleted"
    assert_eq "$(printf '%s\n' ae-d1 ae-hand)" "$(obj_names list | grep '^ae-')"
    assert_eq "$(printf '%s\n' ae-hnet ae-n1)" "$(obj_names net-list | grep '^ae-')"
    assert_eq "$(printf '%s\n' ae-hpool ae-p1)" "$(obj_names pool-list | grep '^ae-')"
    assert_file "$D/p2/keep.qcow2"
    local ld lp ln
    ld=$(printf '%s\n' "$ERR" | grep -n "domain $u2: undefine" | cut -d: -f1)
    lp=$(printf '%s\n' "$ERR" | grep -n "pool $p2: undefine" | cut -d: -f1)
    ln=$(printf '%s\n' "$ERR" | grep -n "network $n2: undefine" | cut -d: -f1)
    if [ -z "$ld" ] || [ -z "$lp" ] || [ -z "$ln" ]; then fail "missing undefine lines: $ERR"; fi
    if [ "$ld" -gt "$lp" ] || [ "$lp" -gt "$ln" ]; then fail "removal order is not domains, pools, networks: $ERR"; fi
    # the record forgot them
    assert_not_contains "$(cat "$(record_file)")" "$u2"

    # none: nothing is removed, but the record learns what is declared
    assert_exit 0 ap "$(manifest none 1)"
    assert_summary "3 defined, 0 changed, 3 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 0 volumes created, 0 deleted"
    cat >"$D/m-none-empty.xml" <<EOF
<nixvirt version="1"><networks purge="none"/><pools purge="none"/><domains purge="none"/></nixvirt>
EOF
    local snap
    snap=$(obj_snapshot)
    assert_exit 0 ap "$D/m-none-empty.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted"
    assert_eq "$snap" "$(obj_snapshot)"
    assert_contains "$(cat "$(record_file)")" "domain $u2"
    # so a later managed apply removes what a "none" apply declared
    assert_exit 0 ap "$(manifest managed 0)"
    assert_contains "$OUT" "3 removed"
    assert_eq "$(printf '%s\n' ae-d1 ae-hand)" "$(obj_names list | grep '^ae-')"

    # undeclared: the hand-made ones go too (every object of a managed kind)
    assert_exit 0 ap "$(manifest undeclared 0)"
    assert_eq ae-d1 "$(obj_names list | grep '^ae-')"
    assert_eq ae-n1 "$(obj_names net-list | grep '^ae-')"
    assert_eq ae-p1 "$(obj_names pool-list | grep '^ae-')"
    # a kind the manifest does not mention is not touched at all
    obj_write_dom "$D/hand.xml" ae-hand "$h"
    virsh_sys define "$D/hand.xml" >/dev/null
    echo "<nixvirt version=\"1\"><networks purge=\"undeclared\"><network definition=\"$D/n1.xml\"/></networks></nixvirt>" >"$D/m-net.xml"
    assert_exit 0 ap "$D/m-net.xml"
    assert_eq "$(printf '%s\n' ae-d1 ae-hand)" "$(obj_names list | grep '^ae-')"
}

test_removed_network_stops_declared_domain_then_restarts() {
    # A declared running domain on a network that is no longer declared: the removal stops
    # it, and the domain (declared with another network) comes back.
    local D=$NV_DATA_DIR/af u n1 n2
    mkdir -p "$D"
    u=$(new_uuid) n1=$(new_uuid) n2=$(new_uuid)
    obj_write_net "$D/n1.xml" af-n1 "$n1" afbr1 187
    obj_write_net "$D/n2.xml" af-n2 "$n2" afbr2 188
    obj_write_dom "$D/d.xml" af-d "$u" 32 "$(obj_dev_net af-n1)"
    cat >"$D/m1.xml" <<EOF
<nixvirt version="1">
  <networks purge="managed"><network definition="$D/n1.xml" active="true"/></networks>
  <domains purge="managed"><domain definition="$D/d.xml"/></domains>
</nixvirt>
EOF
    assert_exit 0 ap "$D/m1.xml"
    virsh_sys start af-d >/dev/null
    obj_write_dom "$D/d2.xml" af-d "$u" 32 "$(obj_dev_net af-n2)"
    cat >"$D/m2.xml" <<EOF
<nixvirt version="1">
  <networks purge="managed"><network definition="$D/n2.xml" active="true"/></networks>
  <domains purge="managed"><domain definition="$D/d2.xml"/></domains>
</nixvirt>
EOF
    assert_exit 0 ap "$D/m2.xml"
    assert_not_contains "$(obj_names net-list)" af-n1
    assert_eq running "$(virsh_sys domstate af-d)"
    assert_contains "$(virsh_sys dumpxml af-d)" "<source network='af-n2'"
}

# ---------------------------------------------------------------------------- volumes

test_volumes() {
    local D=$NV_DATA_DIR/ag pu
    mkdir -p "$D/pool"
    pu=$(new_uuid)
    obj_write_pool "$D/pool.xml" ag-pool "$pu" "$D/pool"
    obj_write_vol "$D/v1.xml" v1.qcow2 16
    obj_write_vol "$D/v2.xml" v2.raw 8 raw
    # a file already in the pool's directory is a volume once the pool starts
    qemu-img create -q -f qcow2 "$D/pool/old.qcow2" 1M
    cat >"$D/m.xml" <<EOF
<nixvirt version="1">
  <pools purge="managed">
    <pool definition="$D/pool.xml" active="false">
      <volume definition="$D/v1.xml"/>
      <volume name="v2.raw" definition="$D/v2.xml"/>
      <volume name="old.qcow2" present="false"/>
      <volume name="never-there.qcow2" present="false"/>
    </pool>
  </pools>
</nixvirt>
EOF
    # an inactive pool is started to manage its volumes, and stopped again
    assert_exit 0 ap -v "$D/m.xml"
    assert_summary "1 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 2 volumes created, 1 deleted"
    assert_contains "$ERR" "pool $pu: activate (to manage its volumes)"
    assert_contains "$ERR" "pool $pu: deactivate (its declared state)"
    assert_eq inactive "$(obj_pool_state ag-pool)"
    assert_contains "$(qemu-img info "$D/pool/v1.qcow2")" "file format: qcow2"
    assert_contains "$(qemu-img info "$D/pool/v2.raw")" "file format: raw"
    [ ! -e "$D/pool/old.qcow2" ] || fail "old.qcow2 was not deleted"

    # existing volumes are never redefined: data stays, a new capacity is not applied
    echo data | dd of="$D/pool/v2.raw" conv=notrunc status=none
    local ino
    ino=$(stat -c %i "$D/pool/v2.raw")
    obj_write_vol "$D/v2.xml" v2.raw 99 raw
    sed -i 's/active="false"/active="true"/' "$D/m.xml"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 1 started, 0 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 0 deleted"
    assert_eq running "$(obj_pool_state ag-pool)"
    assert_eq "$ino" "$(stat -c %i "$D/pool/v2.raw")"
    assert_eq data "$(head -c 4 "$D/pool/v2.raw")"
    assert_eq 8388608 "$(stat -c %s "$D/pool/v2.raw")"

    # present="false" for a volume that exists: deleted, the others stay
    sed -i "s|<volume definition=\"$D/v1.xml\"/>|<volume name=\"v1.qcow2\" present=\"false\"/>|" "$D/m.xml"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 1 deleted"
    assert_not_contains "$(virsh_sys vol-list ag-pool)" v1.qcow2
    [ ! -e "$D/pool/v1.qcow2" ] || fail "v1.qcow2 was not deleted"
    assert_contains "$(virsh_sys vol-list ag-pool)" v2.raw
}

# ---------------------------------------------------------------------------- dry run

test_dry_run() {
    make_basic ah 189
    local snap
    snap=$(obj_snapshot)
    assert_exit 0 ap --dry-run "$D/m.xml"
    assert_contains "$OUT" "define network ah-net ($NET_U)"
    assert_contains "$OUT" "start network ah-net ($NET_U)"
    assert_contains "$OUT" "define pool ah-pool ($POOL_U)"
    assert_contains "$OUT" "create volume ah-disk.qcow2 in pool ah-pool"
    assert_contains "$OUT" "define domain ah-dom ($DOM_U)"
    assert_contains "$OUT" "start domain ah-dom ($DOM_U)"
    assert_contains "$OUT" "nixvirt: plan: 3 defined, 0 changed, 3 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 1 volume created, 0 deleted"
    assert_eq "$snap" "$(obj_snapshot)"
    [ ! -e "$TEST_TMP/state" ] || fail "dry run wrote a record"

    # a changed definition and an object to remove: planned, not done
    local other
    other=$(new_uuid)
    obj_write_dom "$D/other.xml" ah-other "$other"
    sed "s|<domain definition=\"$D/dom.xml\" active=\"true\"/>|&<domain definition=\"$D/other.xml\"/>|" "$D/m.xml" >"$D/m2.xml"
    assert_exit 0 ap "$D/m2.xml"
    assert_summary "4 defined, 0 changed, 3 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 1 volume created, 0 deleted"
    # the definitions applied are kept (private: a definition may hold a password)
    local defs
    defs=$(dirname "$(record_file)")/$(basename "$(record_file)" .record).defs
    assert_eq 700 "$(stat -c %a "$defs")"
    assert_eq 600 "$(stat -c %a "$defs/domain-$DOM_U.xml")"
    assert_eq 4 "$(find "$defs" -type f | wc -l)" "kept definitions"
    snap=$(obj_snapshot)
    local rec
    rec=$(cat "$(record_file)")
    obj_write_dom "$D/dom.xml" ah-dom "$DOM_U" 64 "$(obj_dev_vol ah-pool ah-disk.qcow2)$(obj_dev_net ah-net)"
    assert_exit 0 ap --dry-run "$D/m.xml"
    # what the declaration changed, units normalised: not the daemon's expanded XML
    assert_contains "$OUT" "redefine domain ah-dom ($DOM_U)
  /domain/memory: 32 MiB → 64 MiB
restart domain ah-dom ($DOM_U)"
    assert_not_contains "$OUT" "@unit"
    assert_not_contains "$OUT" "machine"
    assert_contains "$OUT" "remove domain ah-other ($other)"
    assert_contains "$OUT" "nixvirt: plan: 0 defined, 1 changed, 0 started, 1 restarted, 0 stopped, 1 removed, 2 unchanged, 0 volumes created, 0 deleted"
    assert_eq "$snap" "$(obj_snapshot)"
    assert_eq "$rec" "$(cat "$(record_file)")"

    # the same size in other units, and the file re-indented: no change, no restart
    sed -e "s|<memory unit='MiB'>64</memory>|<memory unit='KiB'>32768</memory>|" -e 's|^  ||' "$D/dom.xml" >"$D/dom2.xml"
    obj_write_dom "$D/dom.xml" ah-dom "$DOM_U" 32 "$(obj_dev_vol ah-pool ah-disk.qcow2)$(obj_dev_net ah-net)"
    cp "$D/dom2.xml" "$D/dom.xml"
    assert_exit 0 ap --dry-run "$D/m2.xml"
    assert_not_contains "$OUT" "ah-dom"
    assert_contains "$OUT" "nixvirt: plan: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 4 unchanged, 0 volumes created, 0 deleted"

    # a change made with virsh: the plan says so, and that the declared one comes back
    virsh_sys setmaxmem ah-dom 96M --config
    assert_exit 0 ap --dry-run "$D/m2.xml"
    assert_contains "$OUT" "redefine domain ah-dom ($DOM_U) (changed outside nixvirt since the last apply: the declared definition is restored)"
    assert_contains "$OUT" "restart domain ah-dom ($DOM_U)"
    assert_exit 0 ap "$D/m2.xml"
    snap=$(obj_snapshot)

    # without the kept definitions (an older nixvirt wrote the record) the plan cannot
    # know what changed: the define will tell
    rm -r "$defs"
    obj_write_dom "$D/dom.xml" ah-dom "$DOM_U" 48 "$(obj_dev_vol ah-pool ah-disk.qcow2)$(obj_dev_net ah-net)"
    assert_exit 0 ap --dry-run "$D/m2.xml"
    assert_contains "$OUT" "compare domain ah-dom ($DOM_U) (no copy of the last definition applied: it is defined and compared when applied)"
    assert_contains "$OUT" "restart domain ah-dom ($DOM_U) (only if the define shows a change)"
    assert_contains "$OUT" "nixvirt: plan: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged, 1 to compare, 0 volumes created, 0 deleted"

    # without a record (objects another tool made, or a lost state directory) the plan
    # does not claim changes it cannot know of either
    mv "$TEST_TMP/state" "$TEST_TMP/state.away"
    assert_exit 0 ap --dry-run "$D/m2.xml"
    assert_contains "$OUT" "compare domain ah-dom ($DOM_U) (nothing recorded: it is defined and compared when applied)"
    assert_contains "$OUT" "restart domain ah-dom ($DOM_U) (only if the define shows a change)"
    assert_contains "$OUT" "compare network ah-net ($NET_U)"
    assert_contains "$OUT" "nixvirt: plan: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 4 to compare, 0 volumes created, 0 deleted"
    assert_eq "$snap" "$(obj_snapshot)"
    [ ! -e "$TEST_TMP/state" ] || fail "dry run wrote a record"
    mv "$TEST_TMP/state.away" "$TEST_TMP/state"

    # an apply keeps the copies again; objects no longer declared lose theirs
    assert_exit 0 ap "$D/m.xml"
    assert_eq 3 "$(find "$defs" -type f | wc -l)" "kept definitions after ah-other went"
    [ ! -e "$defs/domain-$other.xml" ] || fail "the copy of a removed domain's definition stayed"
}

test_invalid_input_changes_nothing() {
    make_basic ai 190
    assert_exit 0 ap "$D/m.xml"
    # changes that would be applied if the input were valid
    obj_write_dom "$D/dom.xml" ai-dom "$DOM_U" 48 "$(obj_dev_vol ai-pool ai-disk.qcow2)$(obj_dev_net ai-net)"
    obj_write_dom "$D/new.xml" ai-new "$(new_uuid)"
    printf '<domain type="qemu">\n  <name>ai-broken</name>\n  <uuid>%s</uuid>\n' "$(new_uuid)" >"$D/broken.xml"
    local snap rec
    snap=$(obj_snapshot)
    rec=$(cat "$(record_file)")
    # a broken definition among good ones
    sed "s|<domain definition=\"$D/dom.xml\" active=\"true\"/>|&\n    <domain definition=\"$D/new.xml\" active=\"true\"/>\n    <domain definition=\"$D/broken.xml\"/>\n    <domain definition=\"$D/missing.xml\"/>|" \
        "$D/m.xml" >"$D/m-bad-def.xml"
    assert_exit 1 ap "$D/m-bad-def.xml"
    assert_contains "$ERR" "$D/m-bad-def.xml:13: <domain> definition: $D/broken.xml:4: no element found"
    assert_contains "$ERR" "$D/m-bad-def.xml:14: <domain> definition: $D/missing.xml: cannot read"
    assert_contains "$ERR" "nixvirt: 2 errors in the manifest or its definitions; nothing was changed"
    assert_eq "" "$OUT"
    assert_eq "$snap" "$(obj_snapshot)"
    assert_eq "$rec" "$(cat "$(record_file)")"
    # a bad manifest: unknown attribute, unknown element, bad values, all reported
    sed -e 's|<domains purge="managed">|<domains purge="some">|' \
        -e 's|<network definition="\([^"]*\)" active="true"/>|<network definition="\1" active="yes" colour="red"/>|' \
        -e 's|</pools>|</pools><volumes/>|' \
        -e 's|<volume definition=|<volume present="maybe" definition=|' \
        "$D/m.xml" >"$D/m-bad.xml"
    assert_exit 1 ap "$D/m-bad.xml"
    assert_contains "$ERR" "$D/m-bad.xml:3: active=\"yes\" on <network>: expected true or false"
    assert_contains "$ERR" "$D/m-bad.xml:3: unknown attribute 'colour' on <network>"
    assert_contains "$ERR" "$D/m-bad.xml:7: present=\"maybe\" on <volume>"
    assert_contains "$ERR" "$D/m-bad.xml:9: unknown element <volumes>"
    assert_contains "$ERR" "$D/m-bad.xml:10: purge=\"some\""
    assert_contains "$ERR" "nixvirt: 5 errors in the manifest or its definitions; nothing was changed"
    assert_eq "$snap" "$(obj_snapshot)"
    # not XML at all, a DOCTYPE, another version, no file
    printf '<nixvirt version="1">\n<domains>\n' >"$D/m-trunc.xml"
    assert_exit 1 ap "$D/m-trunc.xml"
    assert_contains "$ERR" "$D/m-trunc.xml:3: no element found"
    printf '<!DOCTYPE nixvirt>\n<nixvirt version="1"/>\n' >"$D/m-doctype.xml"
    assert_exit 1 ap "$D/m-doctype.xml"
    assert_contains "$ERR" "DOCTYPE"
    echo '<nixvirt version="2"/>' >"$D/m-v2.xml"
    assert_exit 1 ap "$D/m-v2.xml"
    assert_contains "$ERR" "$D/m-v2.xml:1: manifest version \"2\" is not supported"
    assert_exit 1 ap "$D/none.xml"
    assert_contains "$ERR" "$D/none.xml: cannot read"
    # a corrupt record: an error, nothing changed
    cp "$(record_file)" "$TEST_TMP/rec.bak"
    echo "garbage" >>"$(record_file)"
    assert_exit 1 ap "$D/m.xml"
    assert_contains "$ERR" "corrupt record line"
    cp "$TEST_TMP/rec.bak" "$(record_file)"
    assert_eq "$snap" "$(obj_snapshot)"
    assert_eq "$rec" "$(cat "$(record_file)")"
}

# ---------------------------------------------------------------------------- failures

test_one_failure_does_not_stop_the_others() {
    local D=$NV_DATA_DIR/aj u1 u2 ub pb nn
    mkdir -p "$D"
    u1=$(new_uuid) u2=$(new_uuid) ub=$(new_uuid) pb=$(new_uuid) nn=$(new_uuid)
    obj_write_dom "$D/ok1.xml" aj-ok1 "$u1"
    obj_write_dom "$D/bad.xml" aj-bad "$ub" 32 "" /nonexistent/qemu-system-x86_64
    obj_write_dom "$D/ok2.xml" aj-ok2 "$u2"
    # a pool whose directory does not exist: defined, but it cannot start
    obj_write_pool "$D/badpool.xml" aj-badpool "$pb" "$D/no-such-dir"
    obj_write_net "$D/net.xml" aj-net "$nn" ajbr0 191
    cat >"$D/m.xml" <<EOF
<nixvirt version="1">
  <networks purge="managed"><network definition="$D/net.xml" active="true"/></networks>
  <pools purge="managed"><pool definition="$D/badpool.xml" active="true"/></pools>
  <domains purge="managed">
    <domain definition="$D/ok1.xml" active="true"/>
    <domain definition="$D/bad.xml" active="true"/>
    <domain definition="$D/ok2.xml" active="true"/>
  </domains>
</nixvirt>
EOF
    assert_exit 1 ap "$D/m.xml"
    assert_summary "4 defined, 0 changed, 3 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$ERR" "nixvirt: domain aj-bad ($ub): "
    assert_contains "$ERR" "/nonexistent/qemu-system-x86_64"
    assert_contains "$ERR" "nixvirt: pool aj-badpool ($pb): "
    assert_contains "$ERR" "nixvirt: 2 failures"
    assert_eq running "$(virsh_sys domstate aj-ok1)"
    assert_eq running "$(virsh_sys domstate aj-ok2)"
    assert_eq yes "$(obj_net_active aj-net)"
    assert_not_contains "$(obj_names list)" aj-bad
    assert_eq inactive "$(obj_pool_state aj-badpool)"
    # the next run: the good ones are unchanged, the bad ones fail again
    mkdir -p "$D/no-such-dir"
    assert_exit 1 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 1 started, 0 restarted, 0 stopped, 0 removed, 4 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$ERR" "nixvirt: 1 failure"
    assert_eq running "$(obj_pool_state aj-badpool)"
}

test_record_forgets_what_is_gone() {
    # A domain the daemon refused, and one undefined by hand: once no longer declared,
    # the record drops them (nothing is left to remove).
    local D=$NV_DATA_DIR/am ub uh uk
    mkdir -p "$D"
    ub=$(new_uuid) uh=$(new_uuid) uk=$(new_uuid)
    obj_write_dom "$D/bad.xml" am-bad "$ub" 32 "" /nonexistent/qemu
    obj_write_dom "$D/hand.xml" am-hand "$uh"
    obj_write_dom "$D/keep.xml" am-keep "$uk"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$D/bad.xml\"/><domain definition=\"$D/hand.xml\"/><domain definition=\"$D/keep.xml\"/></domains></nixvirt>" >"$D/m1.xml"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$D/keep.xml\"/></domains></nixvirt>" >"$D/m2.xml"
    assert_exit 1 ap "$D/m1.xml"
    assert_contains "$(cat "$(record_file)")" "domain $ub"
    virsh_sys undefine am-hand >/dev/null
    assert_exit 0 ap "$D/m2.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 0 deleted"
    assert_not_contains "$(cat "$(record_file)")" "$ub"
    assert_not_contains "$(cat "$(record_file)")" "$uh"
    assert_contains "$(cat "$(record_file)")" "domain $uk"
}

test_concurrent_applies_wait_for_each_other() {
    local D=$NV_DATA_DIR/an u apid
    mkdir -p "$D"
    u=$(new_uuid)
    obj_write_dom "$D/d.xml" an-d "$u"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$D/d.xml\"/></domains></nixvirt>" >"$D/m.xml"
    assert_exit 0 ap "$D/m.xml"
    # another apply holds the lock: this one waits, says so, and goes on when it ends
    exec {lockfd}<"$(record_file).lock"
    flock -x "$lockfd"
    ap "$D/m.xml" {lockfd}<&- >"$TEST_TMP/w.out" 2>"$TEST_TMP/w.err" &
    apid=$!
    sleep 1
    kill -0 "$apid" 2>/dev/null || fail "apply did not wait for the lock"
    assert_contains "$(cat "$TEST_TMP/w.err")" "nixvirt: waiting for another apply on this connection to finish"
    # a dry run only reads: it does not wait
    assert_exit 0 ap --dry-run "$D/m.xml" {lockfd}<&-
    exec {lockfd}<&-
    wait "$apid"
    assert_eq "nixvirt: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 0 deleted" "$(cat "$TEST_TMP/w.out")"
}

test_record_replaced_while_waiting_for_the_lock() {
    # apply reads the record early, before it holds the lock (cli/early.h). If another
    # apply replaces the record meanwhile, what it read is not used: here the other run
    # gave a domain up (no longer in the record), so this purge="managed" apply, which does
    # not declare it, must leave it alone. With the stale record it would remove it.
    local D=$NV_DATA_DIR/ao ua ux apid
    mkdir -p "$D"
    ua=$(new_uuid) ux=$(new_uuid)
    obj_write_dom "$D/a.xml" ao-a "$ua"
    obj_write_dom "$D/x.xml" ao-x "$ux"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$D/a.xml\"/><domain definition=\"$D/x.xml\"/></domains></nixvirt>" >"$D/m1.xml"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$D/a.xml\"/></domains></nixvirt>" >"$D/m2.xml"
    assert_exit 0 ap "$D/m1.xml"
    assert_contains "$(cat "$(record_file)")" "domain $ux"
    exec {lockfd}<"$(record_file).lock"
    flock -x "$lockfd"
    ap "$D/m2.xml" {lockfd}<&- >"$TEST_TMP/w.out" 2>"$TEST_TMP/w.err" &
    apid=$!
    local i
    for i in $(seq 1 100); do grep -q "waiting for another apply" "$TEST_TMP/w.err" && break; sleep 0.1; done
    assert_contains "$(cat "$TEST_TMP/w.err")" "waiting for another apply"
    # "the other apply": the record without ao-x, replaced by rename as nixvirt does
    grep -v "$ux" "$(record_file)" >"$(record_file).new"
    mv "$(record_file).new" "$(record_file)"
    exec {lockfd}<&-
    wait "$apid" || fail "apply failed: $(cat "$TEST_TMP/w.err")"
    assert_eq "nixvirt: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 0 deleted" "$(cat "$TEST_TMP/w.out")"
    assert_eq "shut off" "$(virsh_sys domstate ao-x)" "ao-x is still defined"
    virsh_sys undefine ao-x >/dev/null
}

test_session_record_in_home() {
    # a session connection as its user, without --state-dir: the record goes to
    # ~/.local/state/nixvirt (no XDG_STATE_HOME), and a no-op re-apply skips the define
    require_session
    local d=$NV_SESSION_DATA_DIR u
    u=$(new_uuid)
    obj_write_dom "$d/s.xml" ao-session "$u"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$d/s.xml\"/></domains></nixvirt>" >"$d/m.xml"
    chmod 0644 "$d/s.xml" "$d/m.xml"
    assert_exit 0 nixvirt_session apply --connect qemu:///session "$d/m.xml"
    assert_summary "1 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted"
    assert_contains "$(virsh_session list --all --name)" ao-session
    local rec
    rec=$(ls "$NV_SESSION_DIR"/home/.local/state/nixvirt/qemu_session-*.record)
    assert_contains "$(cat "$rec")" "domain $u "
    assert_eq "$NV_SESSION_USER" "$(stat -c %U "$rec")"
    assert_exit 0 nixvirt_session apply -v --connect qemu:///session "$d/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 0 deleted"
    assert_not_contains "$ERR" "define"
    assert_not_contains "$(virsh_sys list --all --name)" ao-session
}

# ---------------------------------------------------------------------------- daemon killed

# at least N domains of the kill test run
running_at_least() { [ "$(virsh_sys list --name | grep -c '^ak-d')" -ge "$1" ]; }

test_daemon_killed_mid_apply() {
    # a dedicated daemon: this test kills it
    nv_sandbox_system_start || fail "no dedicated sandbox"
    local D=$NV_DATA_DIR/ak i n=30 apid rc
    mkdir -p "$D"
    {
        echo "<nixvirt version=\"1\">"
        echo "<networks purge=\"managed\"><network definition=\"$D/net.xml\" active=\"true\"/></networks>"
        echo "<domains purge=\"managed\">"
        for i in $(seq 1 $n); do
            obj_write_dom "$D/d$i.xml" "ak-d$i" "$(new_uuid)" 32 "$(obj_dev_net ak-net)"
            echo "<domain definition=\"$D/d$i.xml\" active=\"true\"/>"
        done
        echo "</domains></nixvirt>"
    } >"$D/m.xml"
    obj_write_net "$D/net.xml" ak-net "$(new_uuid)" akbr0 192
    ap "$D/m.xml" >"$TEST_TMP/kill.out" 2>"$TEST_TMP/kill.err" &
    apid=$!
    wait_for 60 running_at_least 3
    kill -9 "$NV_DAEMON_PID"
    # a clean error, no hang
    for i in $(seq 1 300); do
        kill -0 "$apid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$apid" 2>/dev/null && fail "apply still runs 30 s after the daemon died"
    rc=0
    wait "$apid" || rc=$?
    OUT=$(cat "$TEST_TMP/kill.out")
    ERR=$(cat "$TEST_TMP/kill.err")
    echo "the interrupted apply (exit $rc): $OUT"
    head -n 4 <<<"$ERR" # (not a pipe: head leaving early would end printf with SIGPIPE)
    assert_eq 1 "$rc" "exit code of the interrupted apply"
    assert_match "$OUT" "^nixvirt: [0-9]+ defined, "
    # the object that was cut short names why; the others tried one new connection
    assert_contains "$ERR" "the daemon closed the connection"
    # (refused, or reset when the dying daemon's socket still took the connection)
    assert_match "$ERR" "not applied: cannot connect to the daemon again: .*(cannot connect to |reset|closed)"
    assert_match "$ERR" "nixvirt: [0-9]+ failures"
    local saved
    saved=$(grep -c '^domain ' "$(record_file)")
    [ "$saved" -ge 3 ] || fail "the record holds only $saved domains"

    # the daemon comes back on the same state (its guests died with it)
    nv_sandbox_system_restart || fail "the daemon did not come back"
    assert_exit 0 ap "$D/m.xml"
    echo "after the restart: $OUT"
    assert_match "$OUT" "^nixvirt: [0-9]+ defined, 0 changed, 3[01] started, 0 restarted, 0 stopped, 0 removed, [0-9]+ unchanged, 0 volumes created, 0 deleted$"
    assert_eq $n "$(virsh_sys list --name | grep -c '^ak-d')"
    assert_eq yes "$(obj_net_active ak-net)"
    assert_exit 0 ap "$D/m.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, $((n + 1)) unchanged, 0 volumes created, 0 deleted"
    # nothing was lost from the record: a manifest that drops half the domains removes
    # exactly those (purge managed knows them all)
    head -n 3 "$D/m.xml" >"$D/m-half.xml"
    grep '<domain definition' "$D/m.xml" | head -n $((n / 2)) >>"$D/m-half.xml"
    echo "</domains></nixvirt>" >>"$D/m-half.xml"
    assert_exit 0 ap "$D/m-half.xml"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, $((n / 2)) removed, $((n / 2 + 1)) unchanged, 0 volumes created, 0 deleted"
    assert_eq $((n / 2)) "$(obj_names list | grep -c '^ak-d')"
}

# ---------------------------------------------------------------------------- Nix module manifests

# The expected manifests of tests/nix/modules (what the NixOS/Home Manager modules
# generate), applied for real: /NIXVIRT_DEFS/ and /NIXVIRT_POOL_DIR substituted.
nix_case() { # CASE FILE: prints the path of the substituted manifest
    local out=$TEST_TMP/nix-$1-$2
    sed "s|/NIXVIRT_DEFS/|$NIX_DEFS/|g" "$REPO/tests/nix/modules/$1/$2" >"$out"
    echo "$out"
}

test_nix_module_manifests() {
    NIX_DEFS=$NV_DATA_DIR/nixdefs
    local pooldir=$NV_DATA_DIR/nixpool
    mkdir -p "$NIX_DEFS" "$pooldir"
    cp "$REPO"/tests/nix/modules/defs/*.xml "$NIX_DEFS/"
    sed -i "s|/NIXVIRT_POOL_DIR|$pooldir|" "$NIX_DEFS/pool-images.xml"
    qemu-img create -q -f qcow2 "$pooldir/old.qcow2" 1M
    # empty-lists first: the other tests' objects go (purge undeclared)
    assert_exit 0 ap "$(nix_case empty-lists nixvirt-qemu-system.xml)"
    assert_eq "" "$(obj_names list)$(obj_names net-list)$(obj_names pool-list)"

    # all-kinds: every kind, every attribute
    assert_exit 0 ap "$(nix_case all-kinds nixvirt-qemu-system.xml)"
    assert_summary "5 defined, 0 changed, 3 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 2 volumes created, 1 deleted"
    assert_eq "$(printf '%s\n' nv-mod-isolated nv-mod-net)" "$(obj_names net-list)"
    assert_eq yes "$(obj_net_active nv-mod-net)"
    assert_eq no "$(obj_net_active nv-mod-isolated)"
    assert_eq nv-mod-images "$(obj_names pool-list)"
    assert_eq running "$(obj_pool_state nv-mod-images)"
    assert_eq "$(printf '%s\n' data.raw disk.raw)" "$(virsh_sys vol-list nv-mod-images | awk '{print $1}' | sort)"
    assert_eq 1048576 "$(stat -c %s "$pooldir/disk.raw")"
    assert_eq 524288 "$(stat -c %s "$pooldir/data.raw")"
    [ ! -e "$pooldir/old.qcow2" ] || fail "old.qcow2 (present=false) is still there"
    assert_eq "$(printf '%s\n' nv-mod-build nv-mod-web)" "$(obj_names list)"
    assert_eq running "$(virsh_sys domstate nv-mod-web)"
    assert_eq "shut off" "$(virsh_sys domstate nv-mod-build)"
    assert_eq 6b3c5e1a-2f4d-4c8e-9a7b-1d2e3f4a5b80 "$(virsh_sys domuuid nv-mod-web)"
    # again: only the pool (restart="always") restarts
    local web
    web=$(obj_qemu_pid nv-mod-web)
    assert_exit 0 ap "$(nix_case all-kinds nixvirt-qemu-system.xml)"
    assert_summary "0 defined, 0 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 5 unchanged, 0 volumes created, 0 deleted"
    assert_eq "$web" "$(obj_qemu_pid nv-mod-web)"

    # module-shaped: no active= anywhere (states left as found); undeclared goes
    assert_exit 0 ap "$(nix_case module-shaped nixvirt-qemu-system.xml)"
    assert_eq nv-mod-net "$(obj_names net-list)"
    assert_eq nv-mod-web "$(obj_names list)"
    assert_eq running "$(virsh_sys domstate nv-mod-web)"
    assert_eq yes "$(obj_net_active nv-mod-net)"
    assert_contains "$(virsh_sys vol-list nv-mod-images)" disk.raw

    # purge-modes: the session-shaped manifest (managed) leaves a hand-made domain alone,
    # the test-default one (none) only adds, the system one (undeclared networks) removes
    obj_write_dom "$TEST_TMP/hand.xml" nv-hand "$(new_uuid)"
    virsh_sys define "$TEST_TMP/hand.xml" >/dev/null
    assert_exit 0 ap "$(nix_case purge-modes nixvirt-qemu-session.xml)"
    assert_eq "$(printf '%s\n' nv-hand nv-mod-web)" "$(obj_names list)"
    assert_eq running "$(obj_pool_state nv-mod-images)"
    assert_exit 0 ap "$(nix_case purge-modes nixvirt-test-default.xml)"
    assert_eq "$(printf '%s\n' nv-hand nv-mod-build nv-mod-web)" "$(obj_names list)"
    assert_eq "shut off" "$(virsh_sys domstate nv-mod-build)"
    virsh_sys net-define "$NIX_DEFS/net-isolated.xml" >/dev/null
    assert_exit 0 ap "$(nix_case purge-modes nixvirt-qemu-system.xml)"
    assert_eq nv-mod-net "$(obj_names net-list)"
    assert_eq "$(printf '%s\n' nv-hand nv-mod-build nv-mod-web)" "$(obj_names list)"

    # several-connections and script-nixos (system): domains undeclared, web running;
    # pools are not mentioned, so not touched
    assert_exit 0 ap "$(nix_case several-connections nixvirt-qemu-system.xml)"
    assert_eq nv-mod-web "$(obj_names list)"
    assert_eq running "$(virsh_sys domstate nv-mod-web)"
    assert_eq nv-mod-images "$(obj_names pool-list)"
    assert_exit 0 ap "$(nix_case script-nixos nixvirt-qemu-system.xml)"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 1 unchanged, 0 volumes created, 0 deleted"
    # script-home (session-shaped): pool with a volume, web running
    assert_exit 0 ap "$(nix_case script-home nixvirt-qemu-session.xml)"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 2 unchanged, 0 volumes created, 0 deleted"

    # nulls: nothing is managed, nothing changes
    local snap
    snap=$(obj_snapshot)
    assert_exit 0 ap "$(nix_case nulls nixvirt-qemu-system.xml)"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted"
    assert_eq "$snap" "$(obj_snapshot)"

    # empty-lists: everything goes; the pool's storage stays on disk
    assert_exit 0 ap "$(nix_case empty-lists nixvirt-qemu-system.xml)"
    assert_summary "0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 3 removed, 0 unchanged, 0 volumes created, 0 deleted"
    assert_eq "" "$(obj_names list)"
    assert_eq "" "$(obj_names net-list)"
    assert_eq "" "$(obj_names pool-list)"
    assert_file "$pooldir/disk.raw"
    assert_file "$pooldir/data.raw"
}

# ---------------------------------------------------------------------------- input files

# The manifest and every definition must be text and regular files: a NUL, a control
# character or bad UTF-8 is an error naming the file and line; a FIFO is refused at once
# (it used to block forever). Nothing changes either way.
test_inputs_not_text_or_not_regular() {
    local D=$NV_DATA_DIR/in u before
    mkdir -p "$D"
    u=$(new_uuid)
    obj_write_dom "$D/d.xml" in-d "$u"
    echo "<nixvirt version=\"1\"><domains purge=\"undeclared\"><domain definition=\"$D/d.xml\"/></domains></nixvirt>" >"$D/m.xml"
    obj_write_dom "$D/other.xml" in-other "$(new_uuid)"
    virsh_sys define "$D/other.xml" >/dev/null
    before=$(obj_snapshot)
    # the manifest
    { cat "$D/m.xml"; printf '\0'; } >"$D/m-nul.xml"
    assert_exit 1 ap "$D/m-nul.xml"
    assert_contains "$ERR" "nixvirt: $D/m-nul.xml:2: not text: a NUL byte"
    assert_contains "$ERR" "nothing was changed"
    printf '<nixvirt version="1">\033]0;x\007</nixvirt>\n' >"$D/m-esc.xml"
    assert_exit 1 ap "$D/m-esc.xml"
    assert_contains "$ERR" "$D/m-esc.xml:1: not text: control character U+001B"
    mkfifo "$D/m.fifo"
    assert_exit 1 timeout 10 "$NIXVIRT_BIN" apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$D/m.fifo"
    assert_contains "$ERR" "$D/m.fifo: cannot read: a FIFO, not a regular file"
    # a definition
    sed 's|<name>in-d|<name>in-d\xc2\x85|' "$D/d.xml" >"$D/d-c1.xml"
    sed "s|$D/d.xml|$D/d-c1.xml|" "$D/m.xml" >"$D/m-c1.xml"
    assert_exit 1 ap "$D/m-c1.xml"
    assert_contains "$ERR" "$D/d-c1.xml:2: not text: control character U+0085"
    mkfifo "$D/d.fifo"
    sed "s|$D/d.xml|$D/d.fifo|" "$D/m.xml" >"$D/m-fifo-def.xml"
    assert_exit 1 timeout 10 "$NIXVIRT_BIN" apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$D/m-fifo-def.xml"
    assert_contains "$ERR" "$D/d.fifo: cannot read: a FIFO, not a regular file"
    assert_eq "$before" "$(obj_snapshot)"
    [ ! -e "$TEST_TMP/state" ] || fail "a refused input wrote a record"
    # a record that is not text is an error too, and nothing changes
    assert_exit 0 ap "$D/m.xml"
    assert_not_contains "$(obj_names list)" in-other
    local rec after
    rec=$(record_file)
    after=$(obj_snapshot)
    sed -i "3s/^domain /domain\x1b/" "$rec"
    obj_write_dom "$D/d.xml" in-d "$u" 48
    assert_exit 1 ap "$D/m.xml"
    assert_contains "$ERR" "$rec:3: not text: control character U+001B (a corrupt record: remove the file to start afresh)"
    assert_eq "$after" "$(obj_snapshot)"
}

# ---------------------------------------------------------------------------- state directory

# Another local user, as an attacker would.
as_other() {
    setpriv --reuid="$(id -u "$NV_SESSION_USER")" --regid="$(id -g "$NV_SESSION_USER")" --clear-groups "$@"
}

# The state directory (StrictModes-like rules): the lock is 0600 (another user used to
# open the 0644 lock read-only and hold its flock forever, blocking every apply); a
# state directory or record writable by another user, or a symlinked record, is refused
# naming the path, and nothing changes.
test_state_dir_strict() {
    local D=$NV_DATA_DIR/sd st=$TEST_TMP/st u rec holder before
    mkdir -p "$D"
    u=$(new_uuid)
    obj_write_dom "$D/d.xml" sd-d "$u"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$D/d.xml\"/></domains></nixvirt>" >"$D/m.xml"
    assert_exit 0 nixvirt apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    rec=$(ls "$st"/*.record)
    assert_eq 700 "$(stat -c %a "$st")" "a state directory apply creates"
    assert_eq 600 "$(stat -c %a "$rec")" "the record"
    assert_eq 600 "$(stat -c %a "$rec.lock")" "the lock"
    # readable by all is allowed (NixOS's StateDirectory is 0755): the lock still is not
    chmod 0755 "$st"
    as_other flock -n "$rec.lock" sleep 30 >"$TEST_TMP/holder.err" 2>&1 &
    holder=$!
    sleep 0.5
    obj_write_dom "$D/d.xml" sd-d "$u" 48
    assert_exit 0 timeout 20 "$NIXVIRT_BIN" apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_eq "nixvirt: 0 defined, 1 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted" "$OUT"
    kill "$holder" 2>/dev/null || true
    wait "$holder" 2>/dev/null || true
    assert_contains "$(cat "$TEST_TMP/holder.err")" "Permission denied"

    # a state directory another user can write to
    obj_write_dom "$D/d.xml" sd-d "$u" 64
    before=$(obj_snapshot)
    chmod 0777 "$st"
    assert_exit 1 nixvirt apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_contains "$ERR" "refusing the state directory $st: writable by others (mode 0777"
    chmod 0775 "$st"
    assert_exit 1 nixvirt apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_contains "$ERR" "refusing the state directory $st: writable by its group"
    # a dry run reads the record: the same rules
    assert_exit 1 nixvirt apply --dry-run --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_contains "$ERR" "refusing the state directory $st"
    chmod 0755 "$st"
    # the directory owned by another user
    chown "$NV_SESSION_USER" "$st"
    assert_exit 1 nixvirt apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_contains "$ERR" "refusing the state directory $st: owned by uid $(id -u "$NV_SESSION_USER")"
    chown root "$st"
    # a record writable by others
    chmod 0666 "$rec"
    assert_exit 1 nixvirt apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_contains "$ERR" "refusing $rec: writable by others"
    chmod 0600 "$rec"
    # a symlinked record, or lock
    mv "$rec" "$TEST_TMP/elsewhere"
    ln -s "$TEST_TMP/elsewhere" "$rec"
    assert_exit 1 nixvirt apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_contains "$ERR" "refusing $rec: a symbolic link in the state directory"
    rm "$rec"
    mv "$TEST_TMP/elsewhere" "$rec"
    mv "$rec.lock" "$TEST_TMP/lock-elsewhere"
    ln -s "$TEST_TMP/lock-elsewhere" "$rec.lock"
    assert_exit 1 nixvirt apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_contains "$ERR" "refusing $rec.lock: a symbolic link in the state directory"
    assert_eq "$before" "$(obj_snapshot)" "nothing changed while refused"
    rm "$rec.lock"
    # all fixed: it applies
    assert_exit 0 nixvirt apply --state-dir "$st" --connect "$NV_URI" "$D/m.xml"
    assert_eq "nixvirt: 0 defined, 1 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 0 unchanged, 0 volumes created, 0 deleted" "$OUT"
}

# ---------------------------------------------------------------------------- interrupted runs

# make_many PREFIX N: N running domains in $D/m.xml (purge managed), UUIDs in $D/uuids
make_many() {
    local p=$1 n=$2 i u
    D=$NV_DATA_DIR/$p
    mkdir -p "$D"
    : >"$D/uuids"
    {
        echo "<nixvirt version=\"1\"><domains purge=\"managed\">"
        for i in $(seq 1 "$n"); do
            u=$(new_uuid)
            echo "$u" >>"$D/uuids"
            obj_write_dom "$D/d$i.xml" "$p-d$i" "$u"
            echo "<domain definition=\"$D/d$i.xml\" active=\"true\"/>"
        done
        echo "</domains></nixvirt>"
    } >"$D/m.xml"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"></domains></nixvirt>" >"$D/none.xml"
}

# apply in the background, $! being nixvirt itself (not a subshell), for kill
ap_bg() { "$NIXVIRT_BIN" apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$@" & }

defined_at_least() { [ "$(obj_names list | grep -c "^$1-d")" -ge "$2" ]; }
running_count() { virsh_sys list --name | grep -c "^$1-d" || true; }

# every domain of PREFIX that the daemon has is named in the record
assert_record_names_defined() {
    local p=$1 rec name u n=0
    rec=$(record_file)
    for name in $(obj_names list | grep "^$p-d"); do
        u=$(virsh_sys domuuid "$name")
        grep -q "^domain $u " "$rec" || fail "$name ($u) is defined but not in the record"
        n=$((n + 1))
    done
    echo "the record names all $n defined domains"
}

# kill -9 in the middle of an apply: the record (written only at the end, before) names
# every domain the run defined, so a later apply with purge="managed" removes them.
test_killed_apply_recorded_everything() {
    local n=12 apid
    make_many ki $n
    ap_bg "$D/m.xml" >/dev/null 2>&1
    apid=$!
    wait_for 60 defined_at_least ki 3
    kill -9 "$apid"
    wait "$apid" 2>/dev/null || true
    local defined
    defined=$(obj_names list | grep -c '^ki-d')
    echo "killed with $defined of $n domains defined"
    [ "$defined" -lt "$n" ] || fail "the apply had finished before the kill: the test proves nothing"
    assert_record_names_defined ki
    # undeclared now: purge="managed" knows them all
    assert_exit 0 ap "$D/none.xml"
    assert_eq "" "$(obj_names list | grep '^ki-d' || true)" "domains left after the managed purge"
    assert_match "$OUT" "^nixvirt: 0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, $defined removed, 0 unchanged, 0 volumes created, 0 deleted$"
}

# SIGTERM / SIGINT: the current domain is finished (defined AND started), the record is
# saved, the rest is left alone, and the exit code is 143 / 130 with one line saying so.
test_sigterm_sigint_finish_step_and_save() {
    local n=12 apid rc
    make_many si $n
    ap_bg "$D/m.xml" >"$TEST_TMP/t.out" 2>"$TEST_TMP/t.err"
    apid=$!
    wait_for 60 defined_at_least si 3
    kill -TERM "$apid"
    rc=0
    wait "$apid" || rc=$?
    assert_eq 143 "$rc" "exit code after SIGTERM"
    assert_contains "$(cat "$TEST_TMP/t.err")" "nixvirt: stopped by SIGTERM after the current step; the record is saved"
    assert_eq 1 "$(grep -c 'stopped by' "$TEST_TMP/t.err")"
    local defined running
    defined=$(obj_names list | grep -c '^si-d')
    running=$(running_count si)
    echo "SIGTERM: $defined of $n defined, $running running"
    [ "$defined" -lt "$n" ] || fail "it did not stop: all $n domains defined"
    assert_eq "$defined" "$running" "every defined domain was also started (no half-done step)"
    assert_record_names_defined si
    # SIGINT likewise, on the next run
    ap_bg "$D/m.xml" >"$TEST_TMP/i.out" 2>"$TEST_TMP/i.err"
    apid=$!
    wait_for 60 defined_at_least si $((defined + 1))
    kill -INT "$apid"
    rc=0
    wait "$apid" || rc=$?
    assert_eq 130 "$rc" "exit code after SIGINT"
    assert_contains "$(cat "$TEST_TMP/i.err")" "nixvirt: stopped by SIGINT after the current step"
    assert_eq "$(obj_names list | grep -c '^si-d')" "$(running_count si)" "every defined domain was started"
    assert_record_names_defined si
    # a whole run completes the rest
    assert_exit 0 ap "$D/m.xml"
    assert_eq "$n" "$(running_count si)"
    assert_exit 0 ap "$D/none.xml"
    assert_eq "" "$(obj_names list | grep '^si-d' || true)"
}
