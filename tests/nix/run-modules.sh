#!/bin/sh
# Tests of the Nix side: the pure functions behind the modules
# (nix/modules/functions.nix) with plain nix-instantiate; the NixOS and Home
# Manager modules themselves through lib.evalModules with stubbed options
# (tests/nix/modules-eval), with a stand-in for nixpkgs' lib and, when one
# can be found, with nixpkgs' lib; then also flake.nix's outputs against a
# stubbed nixpkgs.
#
#   tests/nix/run-modules.sh            from anywhere
#   NIXPKGS_LIB=/path/to/nixpkgs/lib tests/nix/run-modules.sh
#
# Needs only nix-instantiate (Nix >= 2.8). Ends with
# "nix-modules: N passed, M failed" and exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2

passed=0
failed=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# nix-instantiate without the noise of a missing nixbld group (Debian's nix).
nixi() {
    nix-instantiate "$@" 2>"$tmp/stderr"
    rc=$?
    grep -v "build-users-group" "$tmp/stderr" >"$tmp/stderr.clean"
    return $rc
}

# Evaluates an expression that returns a file made by builtins.toFile (its
# raw text, with no JSON to decode); --read-write-mode makes toFile write it.
eval_file() { # expr
    out=$(nixi --read-write-mode --eval --strict -E "$1") || return 1
    printf '%s' "$out" | tr -d '"'
}

# Runs an expression that returns a report (tests/nix/modules/report.nix),
# prints it and adds its counts.
run_report() { # label expr
    if file=$(eval_file "$2") && counts=$(sed -n 's/^COUNTS //p' "$file") && [ -n "$counts" ]; then
        grep -v '^COUNTS ' "$file"
        set -- $counts
        passed=$((passed + $1))
        failed=$((failed + $2))
    else
        fail "$1: evaluation failed"
        cat "$tmp/stderr.clean"
    fi
}

if ! command -v nix-instantiate >/dev/null 2>&1; then
    echo "nix-instantiate not found"
    echo "nix-modules: 0 passed, 1 failed"
    exit 1
fi

# 1. Every Nix file of ours parses (the flake cannot be evaluated here: its
#    inputs need network and the nix-command/flakes features).
for f in flake.nix nix/package.nix nix/modules/*.nix tests/nix/modules/*.nix \
         tests/nix/modules/*/input.nix tests/nix/modules-eval/*.nix tests/nix/modules-eval/stand-in/*.nix; do
    [ -e "$f" ] || continue
    if nixi --parse "$f" >/dev/null; then pass "parse $f"; else fail "parse $f"; cat "$tmp/stderr.clean"; fi
done

# 2. Manifests and scripts against the expected files, and the checks.
run_report "pure tests" \
    'import ./tests/nix/modules/report.nix (import ./tests/nix/modules { })'

# Refused values: every case of an errors file (an attribute set of
# { message; value; }) must fail, with its message in the error.
check_errors() { # label cases-expr
    if list=$(eval_file "let e = $2; in builtins.toFile \"nixvirt-error-cases\" (builtins.concatStringsSep \"\" (map (n: \"\${n}\t\${e.\${n}.message}\n\") (builtins.attrNames e)))"); then
        tab=$(printf '\t')
        while IFS="$tab" read -r name message; do
            if nixi --eval --strict -E "($2).\"$name\".value" >/dev/null; then
                fail "$1/$name: evaluated without an error"
            elif grep -qF -- "$message" "$tmp/stderr.clean"; then
                pass "$1/$name"
            else
                fail "$1/$name: wrong message"
                echo "----- expected to contain"
                echo "$message"
                echo "----- got"
                cat "$tmp/stderr.clean"
                echo "-----"
            fi
        done <"$list"
    else
        fail "$1: cannot list the cases"
        cat "$tmp/stderr.clean"
    fi
}

# 3. The modules themselves through lib.evalModules (tests/nix/modules-eval):
#    always with the stand-in lib of tests/nix/modules-eval/stand-in, and
#    with nixpkgs' lib too when one is at hand (the flake's outputs need
#    nixpkgs' lib). Results are named <lib>/<test>.
module_tests() { # label lib-expr
    run_report "module tests ($1)" \
        "import ./tests/nix/modules/report.nix (map (r: r // { name = \"$1/\${r.name}\"; }) (import ./tests/nix/modules-eval { lib = $2; withErrors = false; } ++ import ./tests/nix/modules-eval/lib-semantics.nix { lib = $2; }))"
    check_errors "$1/errors" "import ./tests/nix/modules-eval/errors.nix { lib = $2; }"
}
module_tests stand-in 'import ./tests/nix/modules-eval/stand-in'
lib=${NIXPKGS_LIB:-}
if [ -z "$lib" ] && p=$(nix-instantiate --find-file nixpkgs 2>/dev/null); then
    lib=$p/lib
fi
if [ -n "$lib" ] && [ -e "$lib/default.nix" ]; then
    echo "module tests with nixpkgs lib at $lib"
    module_tests nixpkgs "import $lib"
    run_report "flake outputs" \
        "import ./tests/nix/modules/report.nix (import ./tests/nix/modules-eval/flake-outputs.nix { lib = import $lib; })"
else
    echo "SKIP module tests with nixpkgs' lib, flake tests: no nixpkgs lib (set NIXPKGS_LIB=/path/to/nixpkgs/lib)"
fi

echo "nix-modules: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
