#!/bin/sh
# Regenerate nix/lib/schema/*.nix from the libvirt schema sets nixvirt pins,
# or check them (tools/rng2nix.sh --check; other arguments go to rng2nix.py).
#
# The mapping is the union of several libvirt versions, so that both what an
# older libvirt accepts and what a current one adds are known.  Each set is
# the /usr/share/libvirt/schemas of a Debian package, fetched once with
# `apt-get download` (private apt state under the cache; nothing on the
# system changes) into $NIXVIRT_SCHEMA_CACHE (default
# ~/.cache/nixvirt/libvirt-schemas/<version>).  When the installed package is
# the pinned one, its files are copied instead.  A set can also be given
# directly: NIXVIRT_SCHEMAS_9_0_0=/dir (dots as underscores).
#
# Then tools/schema2c.py writes (checks) the same tables as C for xml2nix.
# Exit status: that of rng2nix.py, then of schema2c.py; 3 if a schema set
# cannot be had.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${NIXVIRT_SCHEMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nixvirt/libvirt-schemas}

# label  suite     package         version
SETS='9.0.0  bookworm libvirt0        9.0.0-4+deb12u2
11.3.0 trixie   libvirt-common  11.3.0-3+deb13u3'

fetch() { # label suite package version -> prints the schema directory
    label=$1 suite=$2 pkg=$3 version=$4
    var=NIXVIRT_SCHEMAS_$(echo "$label" | tr . _)
    eval "given=\${$var:-}"
    if [ -n "$given" ]; then
        echo "$given"
        return 0
    fi
    dir=$cache/$label
    if [ -f "$dir/domain.rng" ]; then
        echo "$dir"
        return 0
    fi
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
    if [ "$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)" = "$version" ] &&
        [ -f /usr/share/libvirt/schemas/domain.rng ]; then
        cp -r /usr/share/libvirt/schemas "$tmp/schemas"
    else
        command -v apt-get >/dev/null || { echo "rng2nix.sh: need apt-get to fetch $pkg $version" >&2; rm -rf "$tmp"; return 3; }
        mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >"$tmp/sources.list"
        set -- -o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null \
            -o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp" -o Dir::Cache::archives="$tmp/archives" \
            -o Dir::State::status=/dev/null -o APT::Sandbox::User=root
        echo "rng2nix.sh: fetching $pkg $version ($suite) for libvirt $label schemas" >&2
        if ! { apt-get -q "$@" update >&2 && (cd "$tmp" && apt-get -q "$@" download "$pkg=$version" >&2); }; then
            echo "rng2nix.sh: could not fetch $pkg $version" >&2
            rm -rf "$tmp"
            return 3
        fi
        dpkg-deb -x "$tmp"/"${pkg}"_*.deb "$tmp/root"
        mv "$tmp/root/usr/share/libvirt/schemas" "$tmp/schemas"
    fi
    rm -rf "$dir"
    mv "$tmp/schemas" "$dir"
    rm -rf "$tmp"
    echo "$dir"
}

args=
while read -r label suite pkg version; do
    dir=$(fetch "$label" "$suite" "$pkg" "$version") || exit 3
    args="$args --schemas=$label=$dir"
done <<EOF
$SETS
EOF

check=0
for a in "$@"; do [ "$a" = --check ] && check=1; done
# shellcheck disable=SC2086
python3 "$here/rng2nix.py" $args "$@" || exit $?
# xml2nix reads XML with the same tables, as C (src/xml/schema.gen.c)
if [ "$check" = 1 ]; then
    exec python3 "$here/schema2c.py" --check
fi
exec python3 "$here/schema2c.py"
