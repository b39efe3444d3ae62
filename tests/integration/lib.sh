# shellcheck shell=bash
# Helpers for the integration tests, sourced by run.sh and by every test process.
#
# How a test file is written
# --------------------------
# tests/integration/t_NAME.sh is a bash file that only DEFINES things (it is sourced, and
# must not run commands at its top level). Each function named test_* is one test:
#
#     # t_example.sh
#     SANDBOX_SESSION=1            # optional: also start a session-mode daemon for the file
#     test_define_and_start() {
#         xml_domain demo1 >"$TEST_TMP/d.xml"
#         virsh_sys define "$TEST_TMP/d.xml"
#         virsh_sys start demo1
#         assert_eq running "$(virsh_sys domstate demo1)"
#         assert_exit 0 nixvirt version
#         assert_contains "$OUT" nixvirt
#     }
#
# - Tests run in the order they are defined, each in its own bash process with
#   `set -eEuo pipefail`: any command that fails fails the test (the line is printed), so
#   write assertions as plain statements, not inside `if`/`&&`/`||`. A test passes when its
#   function returns 0. Its output is shown only when it fails (or with NV_VERBOSE=1).
# - All tests of one file share ONE private system-mode libvirtd, started before the first
#   test of the file and stopped after the last (a fresh one for every file). Use names
#   that are unique within the file, or clean up what you define.
#   Per-file settings (plain variables at the top of the file):
#       SANDBOX_SYSTEM=0     no system daemon for this file (pure CLI tests)
#       SANDBOX_SESSION=1    also a session-mode daemon for the whole file
#       TEST_TIMEOUT=SECS    per-test time limit (default 120)
#   A single test can ask for a session daemon of its own with `require_session` (it is
#   stopped when the test ends).
# - Name a test test_smoke_* when it should also run in the cross-architecture smoke run
#   (`run.sh smoke`: the aarch64 binary under qemu-user); keep those cheap.
# - Filter: `run.sh REGEX` runs the tests whose "NAME.test_fn" (file t_NAME.sh) matches the
#   extended regex, e.g. `run.sh sandbox`, `run.sh 'sandbox\.test_network'`, `run.sh smoke`.
#
# What a test has (exported by the runner and the sandbox, see tests/sandbox/lib.sh):
#   NIXVIRT_BIN        absolute path of the binary under test (default zig-out/bin/nixvirt);
#                      in the aarch64 smoke run, a /bin/sh wrapper that runs it under
#                      qemu-aarch64-static with its own $0 as argv[0] (so a symlink to it
#                      named virtdeclare still acts as virtdeclare); virtdeclare and
#                      virtpurge sit next to it in every case
#   NV_URI             qemu:///system?socket=... of the file's private daemon
#                      (also LIBVIRT_DEFAULT_URI); NV_SOCK, NV_SANDBOX_DIR, NV_DAEMON_PID,
#                      NV_DAEMON_LOG
#   NV_DATA_DIR        a directory with the same path inside and outside the daemon's mount
#                      namespace: pool targets, volume files, anything the daemon must open
#   TEST_TMP           a fresh empty directory for this test (the test's cwd)
#   REPO               the repository; NV_TEST_DATA=$REPO/tests/data; NV_LIBVIRT_SRC when set
#   NV_GUEST           the test guest's build (a kernel and initramfs; helpers in guest.sh)
#   after require_session (or SANDBOX_SESSION=1): NV_SESSION_URI, NV_SESSION_USER,
#   NV_SESSION_DIR, NV_SESSION_RUNTIME_DIR, NV_SESSION_DATA_DIR (owned by that user)
#
# Helpers:
#   fail MSG...                 fail the test with a message
#   assert_eq EXPECTED ACTUAL [WHAT]
#   assert_ne UNEXPECTED ACTUAL [WHAT]
#   assert_contains HAYSTACK NEEDLE [WHAT]     (substring)
#   assert_not_contains HAYSTACK NEEDLE [WHAT]
#   assert_match STRING REGEX [WHAT]           (bash extended regex)
#   assert_exit CODE CMD...     run CMD, fail unless it exits with CODE; afterwards $OUT and
#                               $ERR hold its stdout and stderr (also in $TEST_TMP/out, err)
#   assert_file FILE            fail unless FILE exists
#   wait_for SECS CMD...        retry CMD every 0.1 s until it succeeds; fail after SECS
#   nixvirt ARGS...             run the binary under test
#   virsh_sys ARGS...           virsh -q against the private system daemon
#   require_session             start a session daemon for this test, unless the file has one
#   as_session CMD...           run CMD as the session user with its XDG_* and HOME
#   virsh_session ARGS...       virsh -q -c qemu:///session as the session user (the plain
#                               URI, found through its XDG_RUNTIME_DIR)
#   nixvirt_session ARGS...     the binary under test as the session user
#   xml_domain NAME [MEM_MIB] [UUID]   a minimal TCG domain (no disk) that starts anywhere
#   xml_network NAME BRIDGE N          a NAT network 192.168.N.0/24 with DHCP
#   xml_pool NAME DIR                  a dir pool
#   xml_volume NAME CAPACITY_BYTES [FORMAT]   a volume (qcow2 by default)

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$TESTS_DIR/../.." && pwd)}
# shellcheck source=../sandbox/lib.sh
. "$REPO/tests/sandbox/lib.sh"

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    return 1
}

_nv_show() { printf '%s\n' "$1" | sed -n '1,40p' | sed 's/^/      | /' >&2; }

assert_eq() {
    [ "$1" = "$2" ] && return 0
    printf 'FAIL: %s: expected [%s], got [%s]\n' "${3:-assert_eq}" "$1" "$2" >&2
    return 1
}

assert_ne() {
    [ "$1" != "$2" ] && return 0
    printf 'FAIL: %s: did not expect [%s]\n' "${3:-assert_ne}" "$1" >&2
    return 1
}

assert_contains() {
    case $1 in *"$2"*) return 0 ;; esac
    printf 'FAIL: %s: [%s] not found in:\n' "${3:-assert_contains}" "$2" >&2
    _nv_show "$1"
    return 1
}

assert_not_contains() {
    case $1 in *"$2"*) ;; *) return 0 ;; esac
    printf 'FAIL: %s: [%s] found in:\n' "${3:-assert_not_contains}" "$2" >&2
    _nv_show "$1"
    return 1
}

assert_match() {
    [[ $1 =~ $2 ]] && return 0
    printf 'FAIL: %s: /%s/ does not match:\n' "${3:-assert_match}" "$2" >&2
    _nv_show "$1"
    return 1
}

assert_exit() {
    local want=$1 rc=0
    shift
    "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" </dev/null || rc=$?
    OUT=$(cat "$TEST_TMP/out")
    ERR=$(cat "$TEST_TMP/err")
    [ "$rc" = "$want" ] && return 0
    printf 'FAIL: exit %s, expected %s: %s\n' "$rc" "$want" "$*" >&2
    printf '    stdout:\n' >&2
    _nv_show "$OUT"
    printf '    stderr:\n' >&2
    _nv_show "$ERR"
    return 1
}

assert_file() {
    [ -e "$1" ] && return 0
    fail "no such file: $1"
}

wait_for() {
    local secs=$1
    shift
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for: $*" || return 1
        sleep 0.1
    done
}

nixvirt() { "${NIXVIRT_BIN:?}" "$@"; }

virsh_sys() { virsh -q -c "${NV_URI:?no system sandbox (SANDBOX_SYSTEM=0?)}" "$@"; }

# The session user cannot always reach the binary under test (a checkout under /root):
# then its directory is copied into the session sandbox.
_nv_stage_session_bin() {
    if nv_as_session_user test -x "$NIXVIRT_BIN" 2>/dev/null; then
        NV_SESSION_NIXVIRT=$NIXVIRT_BIN
    else
        local src
        src=$(dirname "$NIXVIRT_BIN")
        mkdir -p "$NV_SESSION_DIR/bin"
        cp -a "$src/." "$NV_SESSION_DIR/bin/"
        chmod -R a+rX "$NV_SESSION_DIR/bin"
        NV_SESSION_NIXVIRT=$NV_SESSION_DIR/bin/$(basename "$NIXVIRT_BIN")
    fi
    export NV_SESSION_NIXVIRT
}

require_session() {
    if [ -z "${NV_SESSION_DIR:-}" ]; then
        nv_sandbox_session_start || fail "the session-mode daemon did not start" || return 1
    fi
    [ -n "${NV_SESSION_NIXVIRT:-}" ] || _nv_stage_session_bin
}

as_session() { nv_as_session_user "$@"; }

virsh_session() {
    [ -n "${NV_SESSION_DIR:-}" ] || fail "no session daemon: call require_session" || return 1
    nv_as_session_user virsh -q -c qemu:///session "$@"
}

nixvirt_session() {
    [ -n "${NV_SESSION_NIXVIRT:-}" ] || fail "no session daemon: call require_session" || return 1
    nv_as_session_user "$NV_SESSION_NIXVIRT" "$@"
}

# ---------------------------------------------------------------------------- XML makers

xml_domain() {
    local name=$1 mem=${2:-32} uuid=${3:-}
    cat <<EOF
<domain type='qemu'>
  <name>$name</name>${uuid:+
  <uuid>$uuid</uuid>}
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <graphics type='vnc' port='-1' listen='127.0.0.1'/>
  </devices>
</domain>
EOF
}

xml_network() {
    local name=$1 bridge=$2 n=$3
    cat <<EOF
<network>
  <name>$name</name>
  <forward mode='nat'/>
  <bridge name='$bridge' stp='on' delay='0'/>
  <ip address='192.168.$n.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.$n.2' end='192.168.$n.254'/></dhcp>
  </ip>
</network>
EOF
}

xml_pool() {
    cat <<EOF
<pool type='dir'>
  <name>$1</name>
  <target><path>$2</path></target>
</pool>
EOF
}

xml_volume() {
    cat <<EOF
<volume>
  <name>$1</name>
  <capacity unit='bytes'>$2</capacity>
  <target><format type='${3:-qcow2}'/></target>
</volume>
EOF
}
