#!/bin/sh
# nix/package.nix without nixpkgs: evaluated with stub arguments (a
# two-function lib, a stdenv whose mkDerivation returns its attributes), to
# check that the package's source holds what `zig build` installs besides the
# binary (the manual pages and the bash completion), and that build.zig
# installs them into share/. Ends with "nix-package: N passed, M failed".
set -u
cd "$(dirname "$0")/../.." || exit 2

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

if ! command -v nix-instantiate >/dev/null 2>&1; then
    echo "nix-instantiate not found"
    echo "nix-package: 0 passed, 1 failed"
    exit 1
fi

pkg='import ./nix/package.nix {
  lib = {
    hasPrefix = p: s: builtins.substring 0 (builtins.stringLength p) s == p;
    removePrefix = p: s:
      if builtins.substring 0 (builtins.stringLength p) s == p
      then builtins.substring (builtins.stringLength p) (-1) s else s;
  };
  stdenv = { mkDerivation = a: a; hostPlatform.parsed.cpu.name = "x86_64"; };
  zig_0_15 = { hook = "zig-hook"; };
  pkg-config = "pkg-config";
  pkgsStatic = { expat = "expat"; };
}'

# "true" when the package's (filtered) source has the path
has() {
    nix-instantiate --read-write-mode --eval --strict \
        -E "let p = $pkg; in builtins.pathExists \"\${p.src}/$1\"" 2>/dev/null
}

for f in man/nixvirt.1 man/virtdeclare.1 man/virtpurge.1 completions/nixvirt.bash build.zig src/cli/main.c; do
    if [ "$(has "$f")" = true ]; then pass "package source has $f"; else fail "package source lacks $f"; fi
done
# what the filter must keep out: a change there must not rebuild the package
for f in README.md docs tests/integration; do
    if [ "$(has "$f")" = false ]; then pass "package source leaves out $f"; else fail "package source has $f"; fi
done
# build.zig installs every page and the completion for each command name
for name in nixvirt virtdeclare virtpurge; do
    if grep -q '"share/man/man1/{s}.1"' build.zig && grep -q "\"$name\"" build.zig &&
        grep -q '"share/bash-completion/completions/{s}"' build.zig; then
        pass "build.zig installs $name.1 and its completion"
    else
        fail "build.zig does not install $name.1"
    fi
done

# The package's source builds with the package's flags (zig here, not nixpkgs': the
# bundled expat instead of -Dsystem-expat, which wants nixpkgs' static one): every file
# build.zig needs is in the filtered source, and only the program and its pages are
# installed.
flags=$(nix-instantiate --eval --strict -E "let p = $pkg; in builtins.concatStringsSep \" \" p.zigBuildFlags" 2>/dev/null | tr -d '"')
src=$(nix-instantiate --read-write-mode --eval --strict -E "let p = $pkg; in \"\${p.src}\"" 2>/dev/null | tr -d '"')
zig=$(command -v zig || echo "python3 -m ziglang")
if [ -z "$src" ] || [ ! -d "$src" ]; then
    fail "the package source could not be made"
else
    tmp=$(mktemp -d /tmp/nixvirt-package.XXXXXX)
    cp -r "$src/." "$tmp/src" && chmod -R u+w "$tmp/src"
    # shellcheck disable=SC2086 # the flags are words
    bflags=$(printf '%s\n' $flags | grep -v system-expat | tr '\n' ' ')
    # shellcheck disable=SC2086 # the flags are words
    if (cd "$tmp/src" && $zig build $bflags --prefix "$tmp/out") >"$tmp/log" 2>&1; then
        pass "the package source builds with the package's flags ($flags)"
        found=$(cd "$tmp/out" && find . -type f -o -type l | sort | tr '\n' ' ')
        want="./bin/nixvirt ./bin/virtdeclare ./bin/virtpurge ./share/bash-completion/completions/nixvirt ./share/bash-completion/completions/virtdeclare ./share/bash-completion/completions/virtpurge ./share/man/man1/nixvirt.1 ./share/man/man1/virtdeclare.1 ./share/man/man1/virtpurge.1 "
        if [ "$found" = "$want" ]; then pass "it installs the program, its pages and completions only"; else fail "it installs: $found"; fi
    else
        fail "the package source does not build with the package's flags: $(tail -n 5 "$tmp/log")"
    fi
    rm -rf "$tmp"
fi

echo "nix-package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
