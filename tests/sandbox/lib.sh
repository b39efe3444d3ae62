# shellcheck shell=bash
# Private libvirt daemons for tests. Source this file (bash), then:
#
#   nv_sandbox_system_start     root only. libvirtd in its own mount+net+pid namespace,
#                               with private /run/libvirt, /etc/libvirt, /var/lib/libvirt,
#                               /var/log/libvirt, /var/cache/libvirt. Exports:
#       NV_SANDBOX_DIR   the sandbox directory (removed by stop)
#       NV_SOCK          $NV_SANDBOX_DIR/run/libvirt-sock
#       NV_URI           qemu:///system?socket=$NV_SOCK
#       NV_DATA_DIR      $NV_SANDBOX_DIR/data: not bind-mounted, so the daemon (inside the
#                        namespace) and clients (outside) see the same path there: put pool
#                        targets, volume files, XML files for the daemon here
#       NV_DAEMON_PID    host pid of libvirtd
#       NV_INIT_PID      host pid of the namespace's pid 1 (a bash that reaps orphans and
#                        stops libvirtd on SIGTERM; the whole namespace dies with it)
#       NV_UNSHARE_PID   host pid of the unshare process holding the namespace
#       NV_DAEMON_LOG    libvirtd's log file
#       LIBVIRT_DEFAULT_URI=$NV_URI, LIBVIRT_AUTOSTART=0 (nothing may reach the host's daemons)
#   nv_sandbox_system_stop      stop the daemon and end its namespace (so every qemu and
#                               dnsmasq it started dies too), wait, remove the directory
#   nv_sandbox_system_restart   end the namespace (if the daemon was not killed already) and
#                               start a new daemon on the same directories, as after a crash
#
#   nv_sandbox_session_start    root only. libvirtd --timeout 0 as $NV_SESSION_USER
#                               (default nixvirt-test) with private XDG_RUNTIME_DIR,
#                               XDG_CONFIG_HOME, XDG_CACHE_HOME and HOME, also in its own
#                               pid+net namespace so it dies whole. Exports:
#       NV_SESSION_DIR          its directory (mode 0755, removed by stop)
#       NV_SESSION_USER         the user; NV_SESSION_UID / NV_SESSION_GID
#       NV_SESSION_RUNTIME_DIR  the user's XDG_RUNTIME_DIR ($NV_SESSION_DIR/runtime)
#       NV_SESSION_SOCK         $NV_SESSION_RUNTIME_DIR/libvirt/libvirt-sock
#       NV_SESSION_URI          qemu:///session?socket=$NV_SESSION_SOCK (explicit form);
#                               plain qemu:///session works through nv_as_session_user,
#                               which sets XDG_RUNTIME_DIR
#       NV_SESSION_DATA_DIR     $NV_SESSION_DIR/data, owned by the user
#       NV_SESSION_DAEMON_PID / NV_SESSION_INIT_PID / NV_SESSION_UNSHARE_PID / NV_SESSION_LOG
#   nv_as_session_user CMD...   run CMD as the session user with its environment
#                               (cwd $NV_SESSION_DIR/home, LIBVIRT_AUTOSTART=0)
#   nv_sandbox_session_stop
#
#   nv_sandbox_cleanup          stop everything this shell started (idempotent); the start
#                               functions install it as EXIT/INT/TERM/HUP trap unless
#                               NV_SANDBOX_NO_TRAP=1 (then the caller must call it).
#   NV_SANDBOX_LIBVIRTD_CONF=TEXT  lines put first in the system sandbox's libvirtd.conf,
#                               overriding its settings (libvirt takes a key's first setting),
#                               e.g. 'auth_unix_rw = "polkit"'. libvirtd inherits the caller's
#                               environment (DBUS_SYSTEM_BUS_ADDRESS, say).
#   NV_SANDBOX_REGISTRY=FILE    every start appends its directory to FILE (exported, so
#                               child processes too); nv_sandbox_stop_registered stops all
#                               of them: a test runner's last word, whatever was killed.
#   nv_sandbox_gc               stop sandboxes whose owning process is gone (left by a run
#                               that was killed with SIGKILL).
#
# Call a start function in the shell that owns the sandbox, not inside $(...) or a pipeline:
# the process that started a sandbox is its owner, and nv_sandbox_gc removes sandboxes
# whose owner has exited.
#
# A daemon that does not answer `virsh version` within $NV_SANDBOX_TIMEOUT seconds (20) is a
# failure: the start function prints the daemon's log and returns 1. Nothing is skipped.

NV_SANDBOX_ROOT=${NV_SANDBOX_ROOT:-/tmp}
NV_SANDBOX_TIMEOUT=${NV_SANDBOX_TIMEOUT:-20}
NV_SESSION_USER=${NV_SESSION_USER:-nixvirt-test}
NV_SANDBOX_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

_nv_sbx_log() { printf 'sandbox: %s\n' "$*" >&2; }

# True while PID exists and is not a zombie.
_nv_alive() {
    local pid=$1 stat
    [ -n "$pid" ] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# The single child of PID (unshare --fork's child: the namespace's pid 1).
_nv_child_of() {
    local pid=$1 c
    c=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null) || c=
    [ -n "$c" ] || c=$(pgrep -P "$pid" 2>/dev/null) || c=
    c=${c%% *}
    printf '%s' "${c//[!0-9]/}"
}

_nv_need_root() {
    if [ "$(id -u)" != 0 ]; then
        _nv_sbx_log "must run as root (it uses unshare and bind mounts)"
        return 1
    fi
}

_nv_need_cmds() {
    local c missing=
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing="$missing $c"; done
    if [ -n "$missing" ]; then
        _nv_sbx_log "missing commands:$missing (run ./dev setup)"
        return 1
    fi
}

_nv_install_trap() {
    [ "${NV_SANDBOX_NO_TRAP:-0}" = 1 ] && return 0
    [ "${_NV_SBX_TRAPPED:-}" = "$BASHPID" ] && return 0
    _NV_SBX_TRAPPED=$BASHPID
    trap 'nv_sandbox_cleanup' EXIT
    trap 'nv_sandbox_cleanup; trap - INT; kill -INT $BASHPID' INT
    trap 'nv_sandbox_cleanup; trap - TERM; kill -TERM $BASHPID' TERM
    trap 'nv_sandbox_cleanup; trap - HUP; kill -HUP $BASHPID' HUP
}

# Write the bookkeeping files and start SCRIPT (bash, args: DIR) under unshare: that
# bash becomes the namespace's pid 1 (see _NV_INIT_TAIL). Sets _nv_upid (unshare) and
# _nv_ipid (the namespace's init, host pid).
_nv_spawn() {
    local d=$1 script=$2
    echo "$BASHPID" >"$d/owner"
    [ -n "${NV_SANDBOX_REGISTRY:-}" ] && echo "$d" >>"$NV_SANDBOX_REGISTRY"
    unshare --mount --net --pid --fork --kill-child --mount-proc --propagation private \
        /bin/bash -c "$script" nv-sandbox "$d" >"$d/daemon.out" 2>&1 </dev/null &
    _nv_upid=$!
    echo "$_nv_upid" >"$d/unshare.pid"
    _nv_ipid=
    for _ in $(seq 1 250); do
        _nv_ipid=$(_nv_child_of "$_nv_upid")
        [ -n "$_nv_ipid" ] && break
        _nv_alive "$_nv_upid" || break
        sleep 0.02
    done
    [ -n "$_nv_ipid" ] && echo "$_nv_ipid" >"$d/init.pid"
    return 0
}

# Wait until CHECK_CMD... succeeds, the daemon dies, or the timeout passes.
_nv_wait_ready() {
    local d=$1 log=$2
    shift 2
    local deadline=$((SECONDS + NV_SANDBOX_TIMEOUT))
    while :; do
        if "$@" >"$d/ready.out" 2>&1; then return 0; fi
        if ! _nv_alive "$(cat "$d/unshare.pid" 2>/dev/null)"; then
            _nv_sbx_log "the daemon in $d exited during startup"
            break
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            _nv_sbx_log "the daemon in $d did not answer within ${NV_SANDBOX_TIMEOUT}s"
            break
        fi
        sleep 0.1
    done
    {
        echo "---- last client attempt ($*):"
        cat "$d/ready.out" 2>/dev/null
        echo "---- daemon stdout/stderr ($d/daemon.out):"
        tail -n 50 "$d/daemon.out" 2>/dev/null
        echo "---- daemon log ($log):"
        tail -n 50 "$log" 2>/dev/null
        echo "----"
    } >&2
    return 1
}

# Stop the sandbox in DIR: TERM its pid 1, which stops the daemon and exits, and the
# kernel kills the rest of the namespace; KILL after 10 s; reap; remove DIR. (The mount
# namespace goes away with it, so nothing needs unmounting.)
_nv_stop_dir() {
    local d=$1 upid ipid
    [ -n "$d" ] && [ -d "$d" ] || return 0
    upid=$(cat "$d/unshare.pid" 2>/dev/null) || upid=
    ipid=$(cat "$d/init.pid" 2>/dev/null) || ipid=
    [ -n "$ipid" ] || { [ -n "$upid" ] && ipid=$(_nv_child_of "$upid"); }
    if [ -n "$ipid" ] && _nv_alive "$ipid"; then kill -TERM "$ipid" 2>/dev/null || true; fi
    for _ in $(seq 1 100); do
        _nv_alive "$upid" || _nv_alive "$ipid" || break
        sleep 0.05
    done
    if _nv_alive "$ipid" || _nv_alive "$upid"; then
        _nv_sbx_log "daemon in $d ignored SIGTERM for 5 s; killing its namespace"
        [ -n "$ipid" ] && kill -KILL "$ipid" 2>/dev/null || true
        [ -n "$upid" ] && kill -KILL "$upid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            _nv_alive "$upid" || _nv_alive "$ipid" || break
            sleep 0.05
        done
    fi
    # Reap unshare if it is our child (no effect otherwise).
    # (its status is the daemon's: non-zero when a test killed it; callers may run set -e)
    if [ -n "$upid" ]; then wait "$upid" 2>/dev/null || true; fi
    if [ -n "${NV_KEEP_SANDBOX:-}" ]; then
        _nv_sbx_log "kept $d (NV_KEEP_SANDBOX)"
    else
        rm -rf "$d"
    fi
    return 0
}

# ---------------------------------------------------------------------------- system mode

# libvirtd probes every QEMU binary at startup (about 1 s here) and caches the result in
# /var/cache/libvirt/qemu/capabilities. Sandboxes share that cache through
# $NV_SANDBOX_CAPS; libvirtd itself checks an entry against the QEMU binary, its own
# build and the host, and probes again when it is stale.
NV_SANDBOX_CAPS=${NV_SANDBOX_CAPS:-$NV_SANDBOX_ROOT/nixvirt-qemu-caps}

# _nv_caps_load CAPS_DIR [SUFFIX]: seed the daemon's CAPS_DIR from the shared copy.
_nv_caps_load() {
    local shared=$NV_SANDBOX_CAPS${2:-}
    [ -n "$NV_SANDBOX_CAPS" ] && [ -d "$shared" ] || return 0
    mkdir -p "$1"
    cp -p "$shared"/*.xml "$1/" 2>/dev/null || true
}

# _nv_caps_save CAPS_DIR [SUFFIX]: replace the shared copy when it is missing or differs
# (a new QEMU, say).
_nv_caps_save() {
    local src=$1 shared=$NV_SANDBOX_CAPS${2:-} tmp
    [ -n "$NV_SANDBOX_CAPS" ] || return 0
    compgen -G "$src/*.xml" >/dev/null || return 0
    if [ -d "$shared" ] && diff -rq "$src" "$shared" >/dev/null 2>&1; then return 0; fi
    tmp=$(mktemp -d "$shared.XXXXXX") || return 0
    cp -p "$src"/*.xml "$tmp/" && chmod 0755 "$tmp"
    rm -rf "$shared"
    mv -T "$tmp" "$shared" 2>/dev/null || rm -rf "$tmp"
    return 0
}

# Inside the namespace, pid 1 is this bash, not libvirtd: libvirtd daemonizes helpers
# (QEMU capability probes, dnsmasq) whose zombies only pid 1 can reap, and libvirtd does
# not reap strangers (it then waits 40 s per probe: "Failed to terminate process ... with
# SIGKILL: Device or resource busy"). bash reaps every child. On TERM it stops the daemon
# and exits, and the kernel kills whatever is left in the namespace (qemu, dnsmasq).
_NV_INIT_TAIL='
daemon=$!
trap "kill -TERM \$daemon 2>/dev/null" TERM INT HUP
while :; do
    wait "$daemon"
    rc=$?
    kill -0 "$daemon" 2>/dev/null || break
done
exit "$rc"
'

_NV_SYSTEM_SCRIPT='
set -e
d=$1
ip link set lo up
for m in run:/run/libvirt etc:/etc/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
    mount --bind "$d/${m%%:*}" "${m#*:}"
done
set +e
libvirtd --pid-file "$d/run/libvirtd.pid" &
'"$_NV_INIT_TAIL"

nv_sandbox_system_start() {
    _nv_need_root || return 1
    _nv_need_cmds unshare libvirtd virsh ip || return 1
    local d
    d=$(mktemp -d "$NV_SANDBOX_ROOT/nixvirt-sys.XXXXXX") || return 1
    chmod 0755 "$d"
    mkdir -p "$d"/run "$d"/etc "$d"/lib "$d"/log "$d"/cache "$d"/data
    # The mount points must exist; they are libvirt's own directories.
    mkdir -p /run/libvirt /etc/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
    {
        # Settings a caller wants instead (the first setting of a key wins).
        [ -z "${NV_SANDBOX_LIBVIRTD_CONF:-}" ] || printf '%s\n' "$NV_SANDBOX_LIBVIRTD_CONF"
        cat <<'EOF'
# nixvirt test sandbox (system mode, private namespace)
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
unix_sock_admin_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    } >"$d/etc/libvirtd.conf"
    cat >"$d/etc/qemu.conf" <<'EOF'
# nixvirt test sandbox: TCG guests as root, nothing outside the namespace
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
namespaces = []
cgroup_controllers = []
security_driver = "none"
stdio_handler = "file"
EOF
    _nv_caps_load "$d/cache/qemu/capabilities"
    _nv_install_trap
    _nv_spawn "$d" "$_NV_SYSTEM_SCRIPT"
    NV_SANDBOX_DIR=$d
    NV_SOCK=$d/run/libvirt-sock
    NV_URI="qemu:///system?socket=$NV_SOCK"
    NV_DATA_DIR=$d/data
    NV_INIT_PID=$_nv_ipid
    NV_UNSHARE_PID=$_nv_upid
    NV_DAEMON_LOG=$d/log/libvirtd.log
    LIBVIRT_DEFAULT_URI=$NV_URI
    LIBVIRT_AUTOSTART=0
    export NV_SANDBOX_DIR NV_SOCK NV_URI NV_DATA_DIR NV_INIT_PID NV_UNSHARE_PID NV_DAEMON_LOG \
        LIBVIRT_DEFAULT_URI LIBVIRT_AUTOSTART
    _NV_SBX_SYSTEM_DIRS="${_NV_SBX_SYSTEM_DIRS:-} $d"
    if ! _nv_wait_ready "$d" "$NV_DAEMON_LOG" virsh -c "$NV_URI" version; then
        nv_sandbox_system_stop
        return 1
    fi
    NV_DAEMON_PID=$(_nv_child_of "$NV_INIT_PID")
    export NV_DAEMON_PID
    _nv_caps_save "$d/cache/qemu/capabilities"
    return 0
}

# A new daemon on the same sandbox directories (definitions, autostart links, state,
# logs): the way a host's libvirtd comes back after it crashed. The old namespace, with
# every qemu and dnsmasq in it, is ended first (it is gone already when its libvirtd was
# killed: its pid 1 then exits). Updates NV_DAEMON_PID, NV_INIT_PID, NV_UNSHARE_PID.
nv_sandbox_system_restart() {
    local d=${NV_SANDBOX_DIR:?no system sandbox} upid ipid
    upid=$(cat "$d/unshare.pid" 2>/dev/null) || upid=
    ipid=$(cat "$d/init.pid" 2>/dev/null) || ipid=
    if [ -n "$ipid" ] && _nv_alive "$ipid"; then kill -TERM "$ipid" 2>/dev/null || true; fi
    for _ in $(seq 1 200); do
        _nv_alive "$upid" || _nv_alive "$ipid" || break
        sleep 0.05
    done
    if _nv_alive "$ipid" || _nv_alive "$upid"; then
        [ -n "$ipid" ] && kill -KILL "$ipid" 2>/dev/null || true
        [ -n "$upid" ] && kill -KILL "$upid" 2>/dev/null || true
    fi
    if [ -n "$upid" ]; then wait "$upid" 2>/dev/null || true; fi
    _nv_spawn "$d" "$_NV_SYSTEM_SCRIPT"
    NV_INIT_PID=$_nv_ipid
    NV_UNSHARE_PID=$_nv_upid
    if ! _nv_wait_ready "$d" "$NV_DAEMON_LOG" virsh -c "$NV_URI" version; then
        return 1
    fi
    NV_DAEMON_PID=$(_nv_child_of "$NV_INIT_PID")
    export NV_DAEMON_PID NV_INIT_PID NV_UNSHARE_PID
    return 0
}

nv_sandbox_system_stop() {
    local d=${1:-${NV_SANDBOX_DIR:-}}
    [ -n "$d" ] || return 0
    _nv_stop_dir "$d"
    _NV_SBX_SYSTEM_DIRS=" ${_NV_SBX_SYSTEM_DIRS:-} "
    _NV_SBX_SYSTEM_DIRS=${_NV_SBX_SYSTEM_DIRS// $d / }
    if [ "$d" = "${NV_SANDBOX_DIR:-}" ]; then
        unset NV_SANDBOX_DIR NV_SOCK NV_URI NV_DATA_DIR NV_DAEMON_PID NV_INIT_PID NV_UNSHARE_PID NV_DAEMON_LOG \
            LIBVIRT_DEFAULT_URI
    fi
    return 0
}

# ---------------------------------------------------------------------------- session mode

_NV_SESSION_SCRIPT='
set -e
d=$1
ip link set lo up
. "$d/env"
set +e
setpriv --reuid="$NV_SESSION_UID" --regid="$NV_SESSION_GID" --init-groups \
    env -i -C "$HOME" PATH="$PATH" HOME="$HOME" USER="$USER" LOGNAME="$USER" \
    XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
    XDG_CACHE_HOME="$XDG_CACHE_HOME" libvirtd --timeout 0 &
'"$_NV_INIT_TAIL"

nv_sandbox_session_start() {
    _nv_need_root || return 1
    _nv_need_cmds unshare libvirtd virsh ip setpriv || return 1
    local user=$NV_SESSION_USER uid gid d
    if ! uid=$(id -u "$user" 2>/dev/null) || ! gid=$(id -g "$user" 2>/dev/null); then
        _nv_sbx_log "user $user does not exist (run ./dev setup)"
        return 1
    fi
    d=$(mktemp -d "$NV_SANDBOX_ROOT/nixvirt-ses.XXXXXX") || return 1
    chmod 0755 "$d"
    mkdir -p "$d"/runtime "$d"/config/libvirt "$d"/cache "$d"/home "$d"/data "$d"/bin
    chmod 0700 "$d"/runtime
    cat >"$d/config/libvirt/libvirtd.conf" <<EOF
# nixvirt test sandbox (session mode)
log_outputs = "3:file:$d/home/libvirtd.log"
EOF
    cat >"$d/config/libvirt/qemu.conf" <<'EOF'
# nixvirt test sandbox (session mode): no virtlogd
stdio_handler = "file"
EOF
    cat >"$d/env" <<EOF
NV_SESSION_UID=$uid
NV_SESSION_GID=$gid
USER=$user
PATH=$NV_SANDBOX_PATH
HOME=$d/home
XDG_RUNTIME_DIR=$d/runtime
XDG_CONFIG_HOME=$d/config
XDG_CACHE_HOME=$d/cache
EOF
    _nv_caps_load "$d/cache/libvirt/qemu/cache/capabilities" -session
    chown -R "$uid:$gid" "$d"/runtime "$d"/config "$d"/cache "$d"/home "$d"/data
    _nv_install_trap
    _nv_spawn "$d" "$_NV_SESSION_SCRIPT"
    NV_SESSION_DIR=$d
    NV_SESSION_UID=$uid
    NV_SESSION_GID=$gid
    NV_SESSION_RUNTIME_DIR=$d/runtime
    NV_SESSION_SOCK=$d/runtime/libvirt/libvirt-sock
    NV_SESSION_URI="qemu:///session?socket=$NV_SESSION_SOCK"
    NV_SESSION_DATA_DIR=$d/data
    NV_SESSION_INIT_PID=$_nv_ipid
    NV_SESSION_UNSHARE_PID=$_nv_upid
    NV_SESSION_LOG=$d/home/libvirtd.log
    LIBVIRT_AUTOSTART=0
    export NV_SESSION_DIR NV_SESSION_USER NV_SESSION_UID NV_SESSION_GID NV_SESSION_RUNTIME_DIR \
        NV_SESSION_SOCK NV_SESSION_URI NV_SESSION_DATA_DIR NV_SESSION_INIT_PID \
        NV_SESSION_UNSHARE_PID NV_SESSION_LOG LIBVIRT_AUTOSTART
    _NV_SBX_SESSION_DIRS="${_NV_SBX_SESSION_DIRS:-} $d"
    # Ready when the user's own client reaches it by the plain session URI.
    if ! _nv_wait_ready "$d" "$NV_SESSION_LOG" nv_as_session_user virsh -c qemu:///session version; then
        nv_sandbox_session_stop
        return 1
    fi
    NV_SESSION_DAEMON_PID=$(_nv_child_of "$NV_SESSION_INIT_PID")
    export NV_SESSION_DAEMON_PID
    _nv_caps_save "$d/cache/libvirt/qemu/cache/capabilities" -session
    return 0
}

# Run a command as the session user, in its private environment. Reads stdin as given.
nv_as_session_user() {
    local d=${NV_SESSION_DIR:?no session sandbox}
    setpriv --reuid="$NV_SESSION_UID" --regid="$NV_SESSION_GID" --init-groups \
        env -i -C "$d/home" PATH="$NV_SANDBOX_PATH" HOME="$d/home" USER="$NV_SESSION_USER" \
        LOGNAME="$NV_SESSION_USER" XDG_RUNTIME_DIR="$d/runtime" XDG_CONFIG_HOME="$d/config" \
        XDG_CACHE_HOME="$d/cache" LIBVIRT_AUTOSTART=0 "$@"
}

nv_sandbox_session_stop() {
    local d=${1:-${NV_SESSION_DIR:-}}
    [ -n "$d" ] || return 0
    _nv_stop_dir "$d"
    _NV_SBX_SESSION_DIRS=" ${_NV_SBX_SESSION_DIRS:-} "
    _NV_SBX_SESSION_DIRS=${_NV_SBX_SESSION_DIRS// $d / }
    if [ "$d" = "${NV_SESSION_DIR:-}" ]; then
        unset NV_SESSION_DIR NV_SESSION_RUNTIME_DIR NV_SESSION_SOCK NV_SESSION_URI \
            NV_SESSION_DATA_DIR NV_SESSION_DAEMON_PID NV_SESSION_INIT_PID NV_SESSION_UNSHARE_PID \
            NV_SESSION_LOG
    fi
    return 0
}

# ---------------------------------------------------------------------------- cleanup

# Only the sandboxes this very process started: a subshell (say, one test) that inherited
# the list leaves its parent's sandboxes alone.
nv_sandbox_cleanup() {
    local d
    for d in ${_NV_SBX_SESSION_DIRS:-}; do
        [ "$(cat "$d/owner" 2>/dev/null)" = "$BASHPID" ] && nv_sandbox_session_stop "$d"
    done
    for d in ${_NV_SBX_SYSTEM_DIRS:-}; do
        [ "$(cat "$d/owner" 2>/dev/null)" = "$BASHPID" ] && nv_sandbox_system_stop "$d"
    done
    return 0
}

# Stop every sandbox listed in the registry file (see NV_SANDBOX_REGISTRY) that still exists.
nv_sandbox_stop_registered() {
    local f=${1:-${NV_SANDBOX_REGISTRY:-}} d
    [ -n "$f" ] && [ -f "$f" ] || return 0
    while read -r d; do
        [ -d "$d" ] && _nv_stop_dir "$d"
    done <"$f"
    return 0
}

nv_sandbox_gc() {
    local d owner
    for d in "$NV_SANDBOX_ROOT"/nixvirt-sys.* "$NV_SANDBOX_ROOT"/nixvirt-ses.*; do
        [ -d "$d" ] || continue
        owner=$(cat "$d/owner" 2>/dev/null) || owner=
        if [ -n "$owner" ] && _nv_alive "$owner"; then continue; fi
        # No owner yet: maybe another run is starting it this very moment.
        if [ -z "$owner" ] && [ -n "$(find "$d" -maxdepth 0 -newermt '-60 seconds' 2>/dev/null)" ]; then continue; fi
        _nv_sbx_log "removing stale sandbox $d"
        NV_KEEP_SANDBOX='' _nv_stop_dir "$d"
    done
    return 0
}
