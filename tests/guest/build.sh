#!/usr/bin/env bash
# Builds the integration tests' guest from Debian packages:
#   OUT/vmlinux      the uncompressed kernel (boots by PVH in ~4 s under TCG, half the
#                    time of the compressed one)
#   OUT/initrd.gz    busybox-static, the virtio/ACPI-button modules and tests/guest/init
# Usage: build.sh DEBDIR OUT
#   DEBDIR holds linux-image-*-amd64_*.deb and busybox-static_*.deb (./dev setup downloads
#   them); OUT is created (written atomically: a half-built guest is never used).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# = 2 ] || { echo "usage: build.sh DEBDIR OUT" >&2; exit 2; }
DEBS=$1 OUT=$2
die() { printf 'guest build: %s\n' "$*" >&2; exit 1; }

kdeb='' bdeb=''
for f in "$DEBS"/linux-image-*-amd64_*.deb; do
    case $f in *-dbg_*) continue ;; esac
    [ -f "$f" ] && { kdeb=$f; break; }
done
for f in "$DEBS"/busybox-static_*.deb; do [ -f "$f" ] && { bdeb=$f; break; }; done
[ -n "$kdeb" ] || die "no linux-image-*-amd64 .deb in $DEBS"
[ -n "$bdeb" ] || die "no busybox-static .deb in $DEBS"

tmp=$(mktemp -d "${OUT%/}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$kdeb" "$tmp/k"
dpkg-deb -x "$bdeb" "$tmp/b"
vmlinuz=
for f in "$tmp"/k/boot/vmlinuz-*; do [ -f "$f" ] && { vmlinuz=$f; break; }; done
[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $kdeb"
kver=${vmlinuz##*/vmlinuz-}
mods=$tmp/k/lib/modules/$kver/kernel

# The uncompressed kernel: find the xz stream (Debian's amd64 kernels are xz-compressed,
# CONFIG_KERNEL_XZ) inside the bzImage and unpack it, trying each magic offset until one
# gives an ELF file (the kernel's own scripts/extract-vmlinux works the same way).
found=0
# (the magic is FD 37 7A 58 5A 00; bash strings stop at NUL, so grep sees its first 5 bytes)
while IFS=: read -r off _; do
    tail -c +"$((off + 1))" "$vmlinuz" | xz -dc >"$tmp/vmlinux" 2>/dev/null || true
    if [ "$(head -c 4 "$tmp/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
        found=1
        break
    fi
done < <(LC_ALL=C grep -abo $'\xfd7zXZ' "$vmlinuz")
[ "$found" = 1 ] || die "no xz-compressed ELF kernel inside $vmlinuz"

# Modules the guest loads, with what each depends on (the .ko's modinfo "depends="),
# dependencies first. No depmod: the package's modules.dep is made by its postinst.
declare -A seen=()
order=()
modpath() { find "$mods" -name "$1.ko" -print -quit; }
add_mod() {
    local m=$1 f d
    [ -n "${seen[$m]:-}" ] && return 0
    seen[$m]=1
    f=$(modpath "$m")
    [ -n "$f" ] || die "module $m not in $kdeb"
    for d in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
        add_mod "$d"
    done
    order+=("$m")
}
for m in virtio_pci virtio_net virtio_blk virtio_balloon button evdev; do add_mod "$m"; done

root=$tmp/root
mkdir -p "$root/bin" "$root/modules"
cp "$tmp/b/bin/busybox" "$root/bin/busybox"
for m in "${order[@]}"; do cp "$(modpath "$m")" "$root/modules/$m.ko"; done
printf '%s\n' "${order[@]}" >"$root/modules.order"
install -m 755 "$HERE/init" "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.gz"

mkdir -p "$tmp/out"
mv "$tmp/vmlinux" "$tmp/initrd.gz" "$tmp/out/"
printf '%s\n' "$kver" >"$tmp/out/kernel-version"
rm -rf "$OUT"
mv "$tmp/out" "$OUT"
