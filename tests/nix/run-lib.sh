#!/bin/sh
# Tests of nix/lib (NixVirt's `lib`: XML from Nix values), with plain
# nix-instantiate:
#   - golden: tests/nix/lib/<kind>/<case>/input.nix through writeXML must give
#     expected.xml byte for byte;
#   - valid: every output must pass virt-xml-validate (and xmllint against
#     the other pinned libvirt schema sets found in the rng2nix cache); a case
#     with a file `invalid` (NixVirt's own minimal checks) must fail it, one
#     with `libvirt-min` is validated only against that version and later;
#   - unit: the checks in tests/nix/lib/unit.nix (lib.xml, value forms, templates);
#   - errors: tests/nix/lib/errors/*.nix must fail with their `# expect:` text;
#   - warnings: tests/nix/lib/warnings/<kind>/<case>/input.nix (keys the schema
#     does not know) must give expected.xml and print exactly the warnings in
#     warnings.txt; lib.strict must fail with the first of them; clean.nix
#     (the input without those keys), through lib.strict, must give the same XML;
#   - rng2nix: tools/rng2nix.sh --check (skipped when the pinned schema sets
#     cannot be had, e.g. offline);
#   - NixVirt: with NIXVIRT_SRC=<NixVirt checkout>, NixVirt's check inputs and
#     our rewrites of them, compared with NixVirt's expected XML less the
#     keys our lib warned about (tests/nix/lib/nixvirt-compat.txt says what
#     each must give); the warnings cases through NixVirt's lib; and every
#     bool/int/path value form NixVirt's generator takes, through both libs
#     (tests/nix/lib/nixvirt-values.py).
# Options: -v (every result), --update (rewrite expected.xml from the outputs).
# tests/nix/lib/check.nix runs the same cases as one derivation (flake check).
# Ends with "nix-lib: N passed, M failed"; exit status 1 if anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=$here/lib
verbose=0
update=0
for a in "$@"; do
    case $a in
    -v) verbose=1 ;;
    --update) update=1 ;;
    *)
        echo "usage: $0 [-v] [--update]" >&2
        exit 2
        ;;
    esac
done

pass=0
fail=0
skip=0
ok() {
    pass=$((pass + 1))
    [ $verbose = 1 ] && echo "ok   $*"
    return 0
}
bad() {
    fail=$((fail + 1))
    echo "FAIL $*"
}
skipped() {
    skip=$((skip + 1))
    echo "skip $*"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nixeval() { # expression -> stdout (a JSON string), stderr in $tmp/err
    nix-instantiate --read-write-mode --eval --strict -E "$1" 2>"$tmp/err" |
        sed -e 's/^"//' -e 's/"$//'
}
errtext() { grep -v "build-users-group" "$tmp/err"; }
# The warnings of the last evaluation, without trace's prefix.
warnings() { sed -n 's/^trace: \(warning: nixvirt: \)/\1/p' "$tmp/err"; }
# The key path of each warning.
warned_paths() { warnings | sed -n 's/^warning: nixvirt: \([^:]*\): unknown .*/\1/p'; }

if ! command -v nix-instantiate >/dev/null; then
    echo "nix-lib: nix-instantiate not found"
    echo "nix-lib: 0 passed, 1 failed"
    exit 1
fi

# ---- schema validation
schema_of() {
    case $1 in
    domain) echo domain ;;
    network) echo network ;;
    pool) echo storagepool ;;
    volume) echo storagevol ;;
    esac
}
cache=${NIXVIRT_SCHEMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixvirt/libvirt-schemas}
installed=
if command -v virt-xml-validate >/dev/null; then
    installed=$(virt-xml-validate --version 2>/dev/null | sed -n 's/.*) *//p')
fi
have_xmllint=0
command -v xmllint >/dev/null && have_xmllint=1
# version_ge A B: A >= B
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

# validate FILE KIND CASEDIR -> prints one word per schema set: +V (valid),
# -V (invalid), for each set checked
validate() {
    file=$1 schema=$(schema_of "$2") casedir=$3
    min=
    [ -f "$casedir/libvirt-min" ] && min=$(cat "$casedir/libvirt-min")
    res=
    if [ -n "$installed" ] && { [ -z "$min" ] || version_ge "$installed" "$min"; }; then
        if virt-xml-validate "$file" "$schema" >"$tmp/val" 2>&1; then res="$res +$installed"; else res="$res -$installed"; fi
    fi
    if [ $have_xmllint = 1 ] && [ -d "$cache" ]; then
        for set in "$cache"/*/; do
            label=$(basename "$set")
            [ -f "$set/$schema.rng" ] || continue
            [ "$label" = "$installed" ] && continue
            [ -n "$min" ] && ! version_ge "$label" "$min" && continue
            if xmllint --noout --relaxng "$set/$schema.rng" "$file" >"$tmp/val" 2>&1; then res="$res +$label"; else res="$res -$label"; fi
        done
    fi
    echo "$res"
}

# ---- golden cases
for kind in domain network pool volume; do
    for casedir in "$dir/$kind"/*/; do
        casedir=${casedir%/}
        [ -f "$casedir/input.nix" ] || continue
        name=$kind/$(basename "$casedir")
        out=$(nixeval "let lib = import $dir/testlib.nix; in lib.$kind.writeXML (import $casedir/input.nix lib)")
        if [ -z "$out" ] || [ ! -f "$out" ]; then
            bad "$name: evaluation failed: $(errtext | head -n 5)"
            continue
        fi
        if [ $update = 1 ]; then
            cp "$out" "$casedir/expected.xml"
            chmod 644 "$casedir/expected.xml"
        fi
        if [ ! -f "$casedir/expected.xml" ]; then
            bad "$name: no expected.xml (run with --update)"
        elif cmp -s "$out" "$casedir/expected.xml"; then
            ok "$name: output as expected"
        else
            bad "$name: output differs from expected.xml:"
            diff -u "$casedir/expected.xml" "$out" | head -n 30
        fi

        res=$(validate "$out" "$kind" "$casedir")
        if [ -z "$res" ]; then
            skipped "$name: not validated (no virt-xml-validate, or no schema set >= $(cat "$casedir/libvirt-min" 2>/dev/null))"
        elif [ -f "$casedir/invalid" ]; then
            case $res in
            *+*) bad "$name: marked invalid ($(head -n1 "$casedir/invalid")) but validates:$res" ;;
            *) ok "$name: invalid as marked ($(head -n1 "$casedir/invalid")):$res" ;;
            esac
        else
            case $res in
            *-*)
                bad "$name: does not validate:$res"
                sed 's/^/    /' "$tmp/val" | head -n 5
                ;;
            *) ok "$name: valid:$res" ;;
            esac
        fi
    done
done

# ---- unit checks (tests/nix/lib/unit.nix)
out=$(nixeval "import $dir/unit.nix")
if [ -z "$out" ] || [ ! -f "$out" ]; then
    bad "unit: evaluation failed: $(errtext | head -n 5)"
else
    while IFS= read -r l; do
        case $l in
        "ok "*) ok "unit: ${l#ok }" ;;
        *) bad "unit: ${l#FAIL }" ;;
        esac
    done <"$out"
fi

# ---- error cases
for f in "$dir"/errors/*.nix; do
    name=errors/$(basename "$f" .nix)
    expect=$(sed -n '1s/^# expect: //p' "$f")
    if [ -z "$expect" ]; then
        bad "$name: no '# expect:' line"
        continue
    fi
    if out=$(nixeval "import $f (import $dir/testlib.nix)") && [ -n "$out" ]; then
        bad "$name: evaluated, expected failure with: $expect"
    elif errtext | grep -qF -- "$expect"; then
        ok "$name: fails with: $expect"
    else
        bad "$name: wrong message; expected: $expect"
        errtext | head -n 3 | sed 's/^/    /'
    fi
done

# ---- unknown keys: warnings by default, errors with lib.strict
for casedir in "$dir"/warnings/*/*/; do
    casedir=${casedir%/}
    [ -f "$casedir/input.nix" ] || continue
    kind=$(basename "$(dirname "$casedir")")
    name=warnings/$kind/$(basename "$casedir")
    out=$(nixeval "let lib = import $dir/testlib.nix; in lib.$kind.writeXML (import $casedir/input.nix lib)")
    if [ -z "$out" ] || [ ! -f "$out" ]; then
        bad "$name: evaluation failed: $(errtext | head -n 5)"
        continue
    fi
    warnings >"$tmp/warnings"
    if [ $update = 1 ]; then
        cp "$out" "$casedir/expected.xml"
        chmod 644 "$casedir/expected.xml"
        cp "$tmp/warnings" "$casedir/warnings.txt"
    fi
    if cmp -s "$out" "$casedir/expected.xml"; then
        ok "$name: output as expected"
    else
        bad "$name: output differs from expected.xml:"
        diff -u "$casedir/expected.xml" "$out" | head -n 30
    fi
    if cmp -s "$tmp/warnings" "$casedir/warnings.txt"; then
        ok "$name: $(wc -l <"$tmp/warnings") warning(s) as expected"
    else
        bad "$name: warnings differ from warnings.txt:"
        diff -u "$casedir/warnings.txt" "$tmp/warnings" | head -n 20
    fi
    # strict: the first warning, as an error; no warning: the same output
    first=$(head -n 1 "$casedir/warnings.txt" | sed -e 's/^warning: //' -e 's/, left out of the XML;/;/')
    sout=$(nixeval "let lib = import $dir/testlib.nix; in lib.strict.$kind.writeXML (import $casedir/input.nix lib)")
    if [ -z "$first" ]; then
        if [ -n "$sout" ] && cmp -s "$sout" "$casedir/expected.xml"; then
            ok "$name: lib.strict gives the same XML"
        else
            bad "$name: lib.strict: $(errtext | head -n 3)"
        fi
    elif [ -n "$sout" ]; then
        bad "$name: lib.strict evaluated, expected: $first"
    elif errtext | grep -qxF -- "error: $first"; then
        ok "$name: lib.strict fails with the first warning"
    else
        bad "$name: lib.strict: wrong message; expected: error: $first"
        errtext | head -n 3 | sed 's/^/    /'
    fi
    if [ -f "$casedir/clean.nix" ]; then
        cout=$(nixeval "let lib = import $dir/testlib.nix; in lib.strict.$kind.writeXML (import $casedir/clean.nix lib)")
        if [ -n "$cout" ] && cmp -s "$cout" "$casedir/expected.xml"; then
            ok "$name: clean.nix through lib.strict gives the same XML"
        else
            bad "$name: clean.nix through lib.strict: $(errtext | head -n 3)"
            [ -n "$cout" ] && diff -u "$casedir/expected.xml" "$cout" | head -n 20
        fi
    elif [ -n "$first" ]; then
        bad "$name: no clean.nix (the input without the unknown keys)"
    fi
done

# ---- generator up to date
if [ -n "${NIXVIRT_SKIP_RNG_CHECK:-}" ]; then
    skipped "rng2nix --check: NIXVIRT_SKIP_RNG_CHECK is set"
elif ! command -v python3 >/dev/null; then
    skipped "rng2nix --check: no python3"
else
    "$root/tools/rng2nix.sh" --check >"$tmp/rng" 2>&1
    case $? in
    0) ok "rng2nix --check: nix/lib/schema is what the generator gives" ;;
    3) skipped "rng2nix --check: pinned libvirt schema sets not available: $(tail -n1 "$tmp/rng")" ;;
    *)
        bad "rng2nix --check:"
        sed 's/^/    /' "$tmp/rng" | head -n 10
        ;;
    esac
fi

# ---- NixVirt's own checks
if [ -n "${NIXVIRT_SRC:-}" ]; then
    checks=$NIXVIRT_SRC/checks
    [ -d "$checks" ] || checks=$NIXVIRT_SRC
    echo "NixVirt checks ($checks), their input / our rewrite, against their expected.xml:"
    while read -r case want_theirs want_ours; do
        case $case in '#'* | '') continue ;; esac
        kind=${case%%/*}
        c=${case#*/}
        expected=$checks/$case/expected.xml
        if [ ! -f "$expected" ]; then
            bad "nixvirt $case: no $expected"
            continue
        fi
        results=
        caseok=1
        for which in theirs ours; do
            if [ $which = theirs ]; then
                input=$checks/$case/input.nix
                want=$want_theirs
            else
                input=$dir/$kind/nixvirt-$c/input.nix
                want=$want_ours
            fi
            out=$(nixeval "let lib = import $dir/nixvirt-stub.nix; in lib.$kind.writeXML (import $input lib)")
            if [ -n "$out" ] && [ -f "$out" ]; then
                # Compare with NixVirt's XML less the keys we warned about
                # (left out): what libvirt knows must be the same.
                drops=$(warned_paths | sort -u | tr '\n' ' ')
                # shellcheck disable=SC2046
                got=$(python3 "$dir/xmlequiv.py" $(for p in $drops; do printf -- '--drop %s ' "$p"; done) "$expected" "$out")
                [ -n "$drops" ] && got="$got-less:$(echo $drops | tr ' ' ',')"
            else
                got="rejected:$(errtext | sed -n 's/.*nixvirt: \([^:]*\):.*/\1/p' | head -n1)"
            fi
            results="$results | $which: $got"
            case $got in
            "$want"*) ;;
            *)
                bad "nixvirt $case ($which input): expected '$want', got '$got'"
                caseok=0
                ;;
            esac
        done
        echo "  $case$results"
        [ $caseok = 1 ] && ok "nixvirt $case$results"
    done <"$dir/nixvirt-compat.txt"

    # The warnings cases through NixVirt's own lib (it needs no nixpkgs to
    # write XML): NixVirt's XML less the keys we warned about must be ours.
    nvlib="import $NIXVIRT_SRC/lib.nix { packages = { writeTextFile = { name, text }: builtins.toFile \"x.xml\" text; runCommand = n: a: s: \"BUILD \" + n; qemu = \"QEMU_PATH\"; OVMFFull.fd = \"OVMFFull_FD_PATH\"; }; }"
    echo "warnings cases through NixVirt's lib, against ours less the keys warned about:"
    for casedir in "$dir"/warnings/*/*/; do
        casedir=${casedir%/}
        kind=$(basename "$(dirname "$casedir")")
        name=warnings/$kind/$(basename "$casedir")
        out=$(nixeval "let lib = $nvlib; in builtins.toFile \"nixvirt.xml\" (lib.$kind.getXML (import $casedir/input.nix lib))")
        if [ -z "$out" ] || [ ! -f "$out" ]; then
            bad "nixvirt $name: NixVirt's lib failed: $(errtext | head -n 3)"
            continue
        fi
        drops=$(sed -n 's/^warning: nixvirt: \([^:]*\): unknown .*/\1/p' "$casedir/warnings.txt" | sort -u)
        # shellcheck disable=SC2046
        got=$(python3 "$dir/xmlequiv.py" $(for p in $drops; do printf -- '--drop %s ' "$p"; done) "$out" "$casedir/expected.xml")
        echo "  $name: $got"
        case $got in
        identical | equivalent | reordered) ok "nixvirt $name: NixVirt's XML: $got" ;;
        *) bad "nixvirt $name: NixVirt's XML: $got" ;;
        esac
    done

    # Every bool, int and path NixVirt's generator takes, at every key path
    # it takes one: the same XML from NixVirt's lib and ours.
    if python3 "$dir/nixvirt-values.py" "$NIXVIRT_SRC" >"$tmp/values" 2>&1; then
        ok "nixvirt values: $(tail -n 1 "$tmp/values")"
        echo "  $(tail -n 1 "$tmp/values")"
    else
        bad "nixvirt values:"
        sed 's/^/    /' "$tmp/values" | tail -n 20
    fi
else
    skipped "NixVirt's checks: set NIXVIRT_SRC to a NixVirt checkout to compare"
fi

[ $skip -gt 0 ] && echo "nix-lib: $skip skipped"
echo "nix-lib: $pass passed, $fail failed"
[ $fail = 0 ]
