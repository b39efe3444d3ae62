# shellcheck shell=bash
# The command line without a daemon: offline --version, every subcommand's --help explains
# every option it accepts, missing-argument messages alike everywhere, the hint for a
# state directory that is not ours, the man pages and the bash completion.

# shellcheck disable=SC2034 # read by run.sh
SANDBOX_SYSTEM=0

# every command line the binary has: "PROG [SUBCOMMAND]"
CLI_COMMANDS=("nixvirt apply" "nixvirt declare" "nixvirt purge" "nixvirt version" "nixvirt import"
    "nixvirt xml2nix" "virtdeclare" "virtpurge")

# the binary under test by the name PROG (it dispatches on argv[0]), from a symlink: the
# sanitizer build has no virtdeclare next to it
cli_run() {
    local prog=$1
    shift
    if [ ! -L "$TEST_TMP/bin/$prog" ]; then
        mkdir -p "$TEST_TMP/bin"
        ln -sf "$NIXVIRT_BIN" "$TEST_TMP/bin/$prog"
    fi
    "$TEST_TMP/bin/$prog" "$@"
}

# the long options a usage text names, one per line
usage_options() { grep -oE -- '--[a-z][a-z-]*' <<<"$1" | sort -u; }

test_smoke_version_offline() {
    # no daemon anywhere: --version answers all the same, at once
    LIBVIRT_DEFAULT_URI='qemu:///system?socket=/nonexistent/sock' assert_exit 0 nixvirt --version
    assert_match "$OUT" '^nixvirt [0-9]+\.[0-9]+\.[0-9]+$'
    assert_eq "" "$ERR"
    # `nixvirt version` still asks the daemon (and says it cannot reach it)
    assert_exit 1 nixvirt version --connect 'qemu:///system?socket=/nonexistent/sock'
    assert_contains "$OUT" "nixvirt: "
    assert_contains "$ERR" "/nonexistent/sock"
    assert_exit 0 nixvirt --help
    assert_contains "$OUT" "--version"
}

test_help_explains_every_option() {
    local cmd opt help usage n=0
    for cmd in "${CLI_COMMANDS[@]}"; do
        # shellcheck disable=SC2086 # "nixvirt apply" is two words
        assert_exit 0 cli_run $cmd --help
        help=$OUT
        usage=$(sed -n '1,/^$/p' <<<"$help")
        assert_contains "$help" "options:" "$cmd --help"
        for opt in $(usage_options "$usage"); do
            # each option of the usage line has its own explanation in the options list
            assert_match "$help" $'\n  (-[a-zA-Z], )?'"$opt"'([ =\n]|$)' "$cmd --help explains $opt"
            # and the parser knows it (no "unrecognized argument")
            # shellcheck disable=SC2086
            cli_run $cmd "$opt" </dev/null >"$TEST_TMP/o" 2>"$TEST_TMP/e" || true
            assert_not_contains "$(cat "$TEST_TMP/e")" "unrecognized argument" "$cmd $opt"
            n=$((n + 1))
        done
        # and the help lists no option the usage line leaves out
        local line short long
        while IFS= read -r line; do
            [[ $line =~ ^\ \ (-([a-zA-Z]),\ )?(--[a-z][a-z-]*) ]] || continue
            short=${BASH_REMATCH[2]} long=${BASH_REMATCH[3]}
            [[ $usage == *"$long"* || ( -n $short && $usage == *"-$short"* ) ]] ||
                fail "$cmd: the usage line does not name $long"
        done < <(sed -n '/^options:/,$p' <<<"$help")
    done
    [ "$n" -ge 40 ] || fail "only $n options checked"
    # version --help is more than its usage line now
    assert_exit 0 nixvirt version --help
    assert_contains "$OUT" "  -c, --connect URI"
    assert_contains "$OUT" "  --timeout SECONDS"
}

test_missing_arguments_read_alike() {
    assert_exit 2 nixvirt apply
    assert_contains "$ERR" "nixvirt apply: error: the following arguments are required: --connect, MANIFEST"
    assert_exit 2 nixvirt apply --connect qemu:///system
    assert_contains "$ERR" "nixvirt apply: error: the following arguments are required: MANIFEST"
    assert_exit 2 cli_run virtdeclare
    assert_contains "$ERR" "virtdeclare: error: the following arguments are required: --connect, --type"
    assert_exit 2 cli_run virtpurge --type domain
    assert_contains "$ERR" "virtpurge: error: the following arguments are required: --connect, --keep"
    assert_exit 2 nixvirt import
    assert_contains "$ERR" "nixvirt import: error: the following arguments are required: --connect"
    # and a bad number of seconds reads the same everywhere
    local cmd
    for cmd in "nixvirt apply --connect x m" "virtdeclare --connect x --type domain --name n" \
        "virtpurge --connect x --type domain --keep k" "nixvirt version" "nixvirt import --connect x"; do
        # shellcheck disable=SC2086
        assert_exit 2 cli_run $cmd --wait soon
        assert_contains "$ERR" "error: argument --wait: invalid number of seconds: 'soon'" "$cmd"
    done
}

test_state_dir_hint_for_non_root() {
    # a user other than root, a system connection, no --state-dir: the error says what to do,
    # before any daemon is contacted (there is none here)
    local m=/tmp/nv-cli-hint-$$.xml
    echo '<nixvirt version="1"/>' >"$m"
    chmod 644 "$m"
    assert_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$NIXVIRT_BIN" apply \
        --connect 'qemu:///system?socket=/nonexistent/sock' "$m"
    rm -f "$m"
    assert_contains "$ERR" "/var/lib/nixvirt"
    assert_contains "$ERR" "Permission denied"
    assert_contains "$ERR" "run apply as root, or give --state-dir DIR for a record of your own"
    assert_not_contains "$ERR" "/nonexistent/sock"
    # with --state-dir there is nothing to hint; a directory that is not writable gets the hint
    mkdir -m 755 "$TEST_TMP/ro"
    echo '<nixvirt version="1"/>' >"$TEST_TMP/m.xml"
    chmod 755 "$TEST_TMP"
    chmod 644 "$TEST_TMP/m.xml"
    HOME=$TEST_TMP/ro XDG_STATE_HOME=$TEST_TMP/ro assert_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
        env HOME="$TEST_TMP/ro" XDG_STATE_HOME="$TEST_TMP/ro" "$NIXVIRT_BIN" apply \
        --connect 'qemu:///session?socket=/nonexistent/sock' "$TEST_TMP/m.xml"
    assert_contains "$ERR" "Permission denied (give --state-dir DIR for a directory you can write)"
}

# the page rendered as text (groff is how man(1) renders it)
man_text() { MANWIDTH=200 groff -mdoc -Tutf8 -P-c "$1" 2>&1 | sed 's/\x08.//g'; }

test_man_pages() {
    local page cmd opt text
    # zig build installs them (and the completion once per command name)
    for page in nixvirt virtdeclare virtpurge; do
        cmp "$REPO/man/$page.1" "$REPO/zig-out/share/man/man1/$page.1" || fail "zig build did not install $page.1"
        cmp "$REPO/completions/nixvirt.bash" "$REPO/zig-out/share/bash-completion/completions/$page" ||
            fail "zig build did not install the completion for $page"
        # well-formed mdoc: groff has nothing to warn about
        assert_eq "" "$(groff -mdoc -Tutf8 -ww -z "$REPO/man/$page.1" 2>&1)" "groff warnings for $page.1"
    done
    assert_contains "$(man_text "$REPO/man/nixvirt.1")" "NIXVIRT(1)"
    # every option of every command is in its page
    for cmd in "nixvirt apply:nixvirt" "nixvirt version:nixvirt" "nixvirt import:nixvirt" "nixvirt xml2nix:nixvirt" \
        "virtdeclare:virtdeclare" "virtpurge:virtpurge"; do
        page=${cmd#*:}
        cmd=${cmd%:*}
        text=$(man_text "$REPO/man/$page.1")
        # shellcheck disable=SC2086
        assert_exit 0 cli_run $cmd --help
        for opt in $(grep -oE -- '(^|[ [])--[a-z][a-z-]*' <<<"$OUT" | tr -d ' [' | sort -u); do
            assert_contains "$text" "$opt" "$page(1) documents $cmd $opt"
        done
    done
    assert_contains "$(man_text "$REPO/man/nixvirt.1")" "--version"
    assert_contains "$(man_text "$REPO/man/nixvirt.1")" "[37/110] domain vm3: waiting for ACPI shutdown (12 s of 60)"
}

# complete WORDS...: what the bash completion offers for the last word
complete_words() {
    bash -c '
        . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _nixvirt "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$REPO/completions/nixvirt.bash" "$@"
}

test_bash_completion() {
    assert_eq "apply" "$(complete_words nixvirt ap)"
    assert_contains "$(complete_words nixvirt '')" "xml2nix"
    # every option of every subcommand's --help is offered after "--"
    local cmd sub opt offered
    for cmd in "nixvirt apply" "nixvirt declare" "nixvirt purge" "nixvirt version" "nixvirt import" \
        "nixvirt xml2nix" "virtdeclare" "virtpurge"; do
        # shellcheck disable=SC2086
        assert_exit 0 cli_run $cmd --help
        # shellcheck disable=SC2086
        offered=$(complete_words $cmd -)
        for opt in $(grep -oE -- '(^|[ [,])--?[a-zA-Z][a-z-]*' <<<"$(sed -n '/^options:/,$p' <<<"$OUT")" | tr -d ' [,' | sort -u); do
            grep -qx -- "$opt" <<<"$offered" || fail "$cmd: the completion does not offer $opt"
        done
    done
    assert_eq $'domain\nnetwork\npool' "$(complete_words virtdeclare --type '')"
    assert_eq "volume" "$(complete_words nixvirt xml2nix --type v)"
    assert_eq "ifchanged" "$(complete_words nixvirt declare --restart if)"
    assert_eq "inactive" "$(complete_words virtdeclare --state in)"
}
