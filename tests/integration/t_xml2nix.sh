# shellcheck shell=bash
# nixvirt xml2nix as a command: input from a file or stdin, options, messages and exit
# codes (the conversion itself: tests/unit/test_xml_tonix.c and the corpus part).

# shellcheck disable=SC2034 # read by run.sh
SANDBOX_SYSTEM=0

test_smoke_xml2nix_cli() {
    cat >"$TEST_TMP/d.xml" <<'EOF2'
<domain type='qemu'>
  <!-- a comment is dropped -->
  <name>x2n</name>
  <memory unit='MiB'>32</memory>
  <devices><disk type='file'/><disk type='block'/></devices>
</domain>
EOF2
    assert_exit 0 nixvirt xml2nix "$TEST_TMP/d.xml"
    local from_file=$OUT
    assert_eq "" "$ERR"
    assert_contains "$OUT" $'  name = "x2n";\n'
    assert_contains "$OUT" $'  disk = [\n'
    assert_not_contains "$OUT" "comment"
    # from a pipe, as `virsh dumpxml vm | nixvirt xml2nix` (assert_exit's stdin is /dev/null)
    assert_exit 0 bash -c 'cat "$1" | "$NIXVIRT_BIN" xml2nix -' _ "$TEST_TMP/d.xml"
    assert_eq "$from_file" "$OUT" "stdin (-)"
    assert_exit 0 bash -c 'cat "$1" | "$NIXVIRT_BIN" xml2nix --type domain' _ "$TEST_TMP/d.xml"
    assert_eq "$from_file" "$OUT" "stdin (no argument)"
    assert_exit 1 nixvirt xml2nix
    assert_contains "$ERR" "<stdin>:1: no element found"

    # the kind must match the root
    assert_exit 1 nixvirt xml2nix --type network "$TEST_TMP/d.xml"
    assert_eq "" "$OUT"
    assert_contains "$ERR" "d.xml:1: the root element is <domain>, not <network>"
    echo '<secret/>' >"$TEST_TMP/s.xml"
    assert_exit 1 nixvirt xml2nix "$TEST_TMP/s.xml"
    assert_contains "$ERR" "<secret> is not a domain, network, pool or volume"

    # unknown XML: an error naming its line, or kept with --lenient and a warning
    printf '<pool type="dir">\n  <name>p</name>\n  <frob/>\n</pool>\n' >"$TEST_TMP/p.xml"
    assert_exit 1 nixvirt xml2nix "$TEST_TMP/p.xml"
    assert_eq "" "$OUT"
    assert_contains "$ERR" "p.xml:3: unknown element <frob> in <pool>"
    assert_exit 0 nixvirt xml2nix --lenient "$TEST_TMP/p.xml"
    assert_contains "$ERR" "p.xml:3: warning: unknown element <frob> in <pool>; kept as raw XML (_xml)"
    assert_contains "$OUT" 'name = "frob";'

    # unreadable or malformed input, bad options
    assert_exit 1 nixvirt xml2nix "$TEST_TMP/missing.xml"
    assert_contains "$ERR" "missing.xml"
    printf '<domain><name>a</domain>' >"$TEST_TMP/bad.xml"
    assert_exit 1 nixvirt xml2nix "$TEST_TMP/bad.xml"
    assert_contains "$ERR" "bad.xml:1"
    assert_exit 2 nixvirt xml2nix --type vm "$TEST_TMP/d.xml"
    assert_exit 2 nixvirt xml2nix "$TEST_TMP/d.xml" "$TEST_TMP/p.xml"
    assert_exit 0 nixvirt xml2nix --help
    assert_contains "$OUT" "--lenient"
}

test_xml2nix_output_through_lib() {
    # the printed set needs no lib and gives equivalent XML back through lib.getXML
    command -v nix-instantiate >/dev/null || fail "nix-instantiate is needed"
    cat >"$TEST_TMP/n.xml" <<'EOF2'
<network>
  <name>x2n-net</name>
  <forward mode='nat'/>
  <ip address='192.168.140.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.140.2' end='192.168.140.9'/><host mac='52:54:00:00:00:01' ip='192.168.140.3'/></dhcp>
  </ip>
</network>
EOF2
    assert_exit 0 nixvirt xml2nix "$TEST_TMP/n.xml"
    printf '%s\n' "$OUT" >"$TEST_TMP/n.nix"
    nix-instantiate --eval --strict --json -E \
        "(import $REPO/nix/lib { }).strict.network.getXML (import $TEST_TMP/n.nix)" 2>/dev/null |
        python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin))' >"$TEST_TMP/back.xml"
    assert_exit 0 python3 "$REPO/tests/nix/lib/xmlequiv.py" "$TEST_TMP/n.xml" "$TEST_TMP/back.xml"
}
