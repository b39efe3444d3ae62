# shellcheck shell=bash
# What apply, declare and purge show: --json (one document on stdout, checked with
# Python's json module), and the status line on a terminal (through script(1)).

# shellcheck source=tests/integration/objects.sh
. "$REPO/tests/integration/objects.sh"

# json_q EXPR: EXPR evaluated with d = the JSON document in $OUT (the whole of stdout must
# be exactly one document); prints the result (JSON-encoded unless it is a string)
json_q() {
    python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
v = eval(sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" <<<"$OUT"
}

# the entry of kind $1 named $2
json_obj() { json_q "[o for o in d['objects'] if o['kind'] == '$1' and o['name'] == '$2'][0]$3"; }

# A network, a pool with a volume, a running domain; writes $D/*.xml and $D/m.xml.
make_set() {
    D=$NV_DATA_DIR/$1
    mkdir -p "$D/pool"
    NET_U=$(new_uuid) POOL_U=$(new_uuid) DOM_U=$(new_uuid)
    obj_write_net "$D/net.xml" "$1-net" "$NET_U" "${1}br0" "$2"
    obj_write_pool "$D/pool.xml" "$1-pool" "$POOL_U" "$D/pool"
    obj_write_vol "$D/vol.xml" "$1-disk.qcow2" 16
    obj_write_dom "$D/dom.xml" "$1-dom" "$DOM_U" 32 "$(obj_dev_net "$1-net")"
    cat >"$D/m.xml" <<EOM
<nixvirt version="1">
  <networks purge="managed"><network definition="$D/net.xml" active="true"/></networks>
  <pools purge="managed">
    <pool definition="$D/pool.xml" active="true"><volume definition="$D/vol.xml"/></pool>
  </pools>
  <domains purge="managed"><domain definition="$D/dom.xml" active="true"/></domains>
</nixvirt>
EOM
}

ap() { nixvirt apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$@"; }

test_json_apply() {
    make_set oj 171
    # a dry run: the plan as data
    assert_exit 0 ap --dry-run --json "$D/m.xml"
    assert_eq apply "$(json_q "d['command']")"
    assert_eq true "$(json_q "d['dry_run']")"
    assert_eq '["define", "start"]' "$(json_obj domain oj-dom "['actions']")"
    assert_eq "$DOM_U" "$(json_obj domain oj-dom "['uuid']")"
    assert_eq '["create"]' "$(json_obj volume oj-disk.qcow2 "['actions']")"
    assert_eq oj-pool "$(json_obj volume oj-disk.qcow2 "['pool']")"
    assert_eq null "$(json_obj volume oj-disk.qcow2 "['uuid']")"
    assert_eq '{"defined": 3, "changed": 0, "started": 3, "restarted": 0, "stopped": 0, "removed": 0, "unchanged": 0, "to_compare": 0, "volumes_created": 1, "volumes_deleted": 0, "failed": 0}' \
        "$(json_q "d['summary']")"
    assert_eq "" "$(virsh_sys list --all --name | grep oj- || true)" "a dry run defined something"

    # the apply itself
    assert_exit 0 ap --json "$D/m.xml"
    assert_eq false "$(json_q "d['dry_run']")"
    assert_eq true "$(json_q "d['ok']")"
    assert_eq '["define", "start"]' "$(json_obj network oj-net "['actions']")"
    assert_eq '[]' "$(json_q "d['errors']")"
    assert_eq running "$(virsh_sys domstate oj-dom)"

    # a changed memory size: the changed path, sizes in one unit
    obj_write_dom "$D/dom.xml" oj-dom "$DOM_U" 64 "$(obj_dev_net oj-net)"
    assert_exit 0 ap --dry-run --json "$D/m.xml"
    assert_eq '["redefine", "restart"]' "$(json_obj domain oj-dom "['actions']")"
    assert_eq '[{"path": "/domain/memory", "change": "changed", "before": "32 MiB", "after": "64 MiB"}]' \
        "$(json_obj domain oj-dom "['changes']")"
    assert_eq '["unchanged"]' "$(json_obj network oj-net "['actions']")"
    assert_exit 0 ap --json "$D/m.xml"
    assert_eq '["redefine", "restart"]' "$(json_obj domain oj-dom "['actions']")"
    # what the daemon's definition did (its own units: KiB), in one unit
    assert_eq '{"path": "/domain/memory", "change": "changed", "before": "32 MiB", "after": "64 MiB"}' \
        "$(json_obj domain oj-dom "['changes'][0]")"
    assert_eq 1 "$(json_q "d['summary']['restarted']")"
    assert_eq 0 "$(json_q "d['summary']['started']")"

    # a failure: its object carries the error, ok is false, exit 1, still one document
    obj_write_dom "$D/dom.xml" oj-dom "$DOM_U" 64 "$(obj_dev_net oj-net)" /nonexistent/qemu
    assert_exit 1 ap --json "$D/m.xml"
    assert_eq false "$(json_q "d['ok']")"
    assert_contains "$(json_obj domain oj-dom "['error']")" "/nonexistent/qemu"
    assert_contains "$(json_q "d['errors'][0]")" "domain oj-dom ($DOM_U)"
    assert_eq 1 "$(json_q "d['summary']['failed']")"

    # a bad manifest: nothing is done, the document says why
    echo '<nixvirt version="2"/>' >"$D/bad.xml"
    assert_exit 1 ap --json "$D/bad.xml"
    assert_eq false "$(json_q "d['ok']")"
    assert_eq '[]' "$(json_q "d['objects']")"
    assert_contains "$(json_q "d['errors'][0]")" "bad.xml:1"
    # no daemon: the same
    assert_exit 1 nixvirt apply --json --state-dir "$TEST_TMP/state2" --connect 'qemu:///system?socket=/nonexistent/sock' "$D/m.xml"
    assert_contains "$(json_q "d['errors'][0]")" "/nonexistent/sock"
}

test_json_declare_and_purge() {
    local D=$NV_DATA_DIR/ok u1 u2
    mkdir -p "$D"
    u1=$(new_uuid) u2=$(new_uuid)
    obj_write_dom "$D/a.xml" ok-a "$u1"
    obj_write_dom "$D/b.xml" ok-b "$u2"
    assert_exit 0 nixvirt declare --json --connect "$NV_URI" --type domain --define "$D/a.xml" --state active
    assert_eq declare "$(json_q "d['command']")"
    assert_eq '[{"kind": "domain", "name": "ok-a", "uuid": "'"$u1"'", "actions": ["define", "start"], "conditional_actions": [], "note": null, "changes": [], "error": null}]' \
        "$(json_q "d['objects']")"
    obj_write_dom "$D/a.xml" ok-a "$u1" 48
    mkdir -p "$TEST_TMP/bin"
    ln -sf "$NIXVIRT_BIN" "$TEST_TMP/bin/virtdeclare"
    assert_exit 0 "$TEST_TMP/bin/virtdeclare" --json --connect "$NV_URI" --type domain --define "$D/a.xml"
    assert_eq '["redefine", "restart"]' "$(json_obj domain ok-a "['actions']")"
    assert_eq '48 MiB' "$(json_obj domain ok-a "['changes'][0]['after']")"
    assert_exit 1 nixvirt declare --json --connect "$NV_URI" --type domain --name ok-none
    assert_eq false "$(json_q "d['ok']")"
    assert_contains "$(json_obj domain ok-none "['error']")" "no domain named 'ok-none'"

    # purge: b removed, a kept
    assert_exit 0 nixvirt declare --connect "$NV_URI" --type domain --define "$D/b.xml"
    echo "$D/a.xml" >"$D/keep"
    assert_exit 0 nixvirt purge --json --connect "$NV_URI" --type domain --keep "$D/keep"
    assert_eq purge "$(json_q "d['command']")"
    assert_eq '["remove"]' "$(json_obj domain ok-b "['actions']")"
    assert_eq '["unchanged"]' "$(json_obj domain ok-a "['actions']")"
    assert_eq "$(json_q "len([o for o in d['objects'] if o['actions'] == ['remove']])")" \
        "$(json_q "d['summary']['removed']")"
    assert_eq "" "$(virsh_sys list --all --name | grep ok-b || true)"
    assert_exit 1 nixvirt purge --json --connect "$NV_URI" --type domain --keep "$D/nonexistent"
    assert_contains "$(json_q "d['errors'][0]")" "nonexistent"
}

test_tty_status_line() {
    local D=$NV_DATA_DIR/ot u
    mkdir -p "$D"
    u=$(new_uuid)
    obj_write_dom "$D/dom.xml" ot-dom "$u"
    echo "<nixvirt version=\"1\"><domains purge=\"managed\"><domain definition=\"$D/dom.xml\" active=\"true\" shutdown-timeout=\"3\"/></domains></nixvirt>" >"$D/m.xml"
    assert_exit 0 ap "$D/m.xml"
    assert_eq running "$(virsh_sys domstate ot-dom)"
    sed -i 's/active="true"/active="false"/' "$D/m.xml"
    # on a terminal (script(1) gives it one): the line counts the object and the seconds of
    # the ACPI wait (the guest has no OS: it ignores ACPI, so all 3 s pass)
    local cmd
    printf -v cmd '%q ' "$NIXVIRT_BIN" apply --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$D/m.xml"
    TERM=xterm script -qefc "$cmd" /dev/null >"$TEST_TMP/tty" </dev/null
    local tty
    tty=$(cat -v "$TEST_TMP/tty")
    assert_contains "$tty" "^M[1/1] domain ot-dom: shut down (up to 3 s)^[[K"
    assert_contains "$tty" "^M[1/1] domain ot-dom: waiting for ACPI shutdown (1 s of 3)^[[K"
    assert_contains "$tty" "^M[1/1] domain ot-dom: waiting for ACPI shutdown (2 s of 3)^[[K"
    # erased before the summary: the summary starts a clean line
    assert_contains "$tty" "^M^[[Knixvirt: 0 defined, 0 changed, 0 started, 0 restarted, 1 stopped"
    assert_eq "shut off" "$(virsh_sys domstate ot-dom)"

    # not a terminal: no status line at all (a journal keeps the -v lines only)
    virsh_sys start ot-dom >/dev/null
    assert_exit 0 ap -v "$D/m.xml"
    assert_not_contains "$ERR" "[1/1]"
    assert_not_contains "$ERR" $'\r'
    assert_not_contains "$ERR" "waiting for ACPI"
    assert_contains "$ERR" "domain $u: shut down (up to 3 s)"
    # TERM=dumb: none either, even on a terminal
    virsh_sys start ot-dom >/dev/null
    TERM=dumb script -qefc "$cmd" /dev/null >"$TEST_TMP/tty" </dev/null
    assert_not_contains "$(cat -v "$TEST_TMP/tty")" "[1/1]"
    # -v on a terminal: the step lines stay whole, the status line is drawn between them
    virsh_sys start ot-dom >/dev/null
    printf -v cmd '%q ' "$NIXVIRT_BIN" apply -v --state-dir "$TEST_TMP/state" --connect "$NV_URI" "$D/m.xml"
    TERM=xterm script -qefc "$cmd" /dev/null >"$TEST_TMP/tty" </dev/null
    tty=$(cat -v "$TEST_TMP/tty")
    assert_contains "$tty" "^M^[[Kdomain $u: shut down (up to 3 s)^M"
    assert_contains "$tty" "waiting for ACPI shutdown (1 s of 3)"
}
