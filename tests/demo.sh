#!/usr/bin/env bash
# The README's demo, run by `./dev demo` against a private libvirtd
# (NV_URI, NV_DATA_DIR and NIXVIRT_BIN come from the sandbox): declare a NAT
# network with DHCP, a dir pool with a qcow2 volume and a running domain that
# uses both; then apply again and show that nothing changes.
set -euo pipefail

NIXVIRT=${NIXVIRT_BIN:-zig-out/bin/nixvirt}
: "${NV_URI:?run this through ./dev demo}"
DEMO=$NV_DATA_DIR/demo
mkdir -p "$DEMO/pool"
step() { printf '\n\033[1m### %s\033[0m\n' "$*"; }

cat >"$DEMO/net.xml" <<XML
<network>
  <name>demo-net</name>
  <uuid>6f1f3c1e-8b6a-4f43-9a55-0d3f0a6c0001</uuid>
  <forward mode="nat"/>
  <bridge name="virbr-demo"/>
  <ip address="192.168.150.1" netmask="255.255.255.0">
    <dhcp><range start="192.168.150.10" end="192.168.150.100"/></dhcp>
  </ip>
</network>
XML
cat >"$DEMO/pool.xml" <<XML
<pool type="dir">
  <name>demo-pool</name>
  <uuid>6f1f3c1e-8b6a-4f43-9a55-0d3f0a6c0002</uuid>
  <target><path>$DEMO/pool</path></target>
</pool>
XML
cat >"$DEMO/vol.xml" <<XML
<volume>
  <name>demo-disk.qcow2</name>
  <capacity unit="MiB">64</capacity>
  <target><format type="qcow2"/></target>
</volume>
XML
cat >"$DEMO/dom.xml" <<XML
<domain type="qemu">
  <name>demo-vm</name>
  <uuid>6f1f3c1e-8b6a-4f43-9a55-0d3f0a6c0003</uuid>
  <memory unit="MiB">32</memory>
  <os><type arch="x86_64">hvm</type></os>
  <devices>
    <disk type="volume" device="disk">
      <driver name="qemu" type="qcow2"/>
      <source pool="demo-pool" volume="demo-disk.qcow2"/>
      <target dev="vda" bus="virtio"/>
    </disk>
    <interface type="network"><source network="demo-net"/><model type="virtio"/></interface>
    <graphics type="vnc" listen="127.0.0.1"/>
  </devices>
</domain>
XML
cat >"$DEMO/manifest.xml" <<XML
<nixvirt version="1">
  <networks purge="managed">
    <network definition="$DEMO/net.xml" active="true"/>
  </networks>
  <pools purge="managed">
    <pool definition="$DEMO/pool.xml" active="true">
      <volume definition="$DEMO/vol.xml"/>
    </pool>
  </pools>
  <domains purge="managed">
    <domain definition="$DEMO/dom.xml" active="true"/>
  </domains>
</nixvirt>
XML

step "the manifest"
cat "$DEMO/manifest.xml"

step "nixvirt apply -v (first run: everything is new)"
"$NIXVIRT" apply -v --state-dir "$DEMO/state" --connect "$NV_URI" "$DEMO/manifest.xml"

step "what the daemon has now (virsh)"
virsh -c "$NV_URI" net-list --all
virsh -c "$NV_URI" pool-list --all
virsh -c "$NV_URI" vol-list demo-pool
virsh -c "$NV_URI" list --all
virsh -c "$NV_URI" domiflist demo-vm
id_before=$(virsh -c "$NV_URI" domid demo-vm)

step "nixvirt apply again: nothing changes, nothing restarts"
start=$(date +%s%N)
out=$("$NIXVIRT" apply --state-dir "$DEMO/state" --connect "$NV_URI" "$DEMO/manifest.xml")
end=$(date +%s%N)
echo "$out"
echo "(took $(((end - start) / 1000000)) ms)"
id_after=$(virsh -c "$NV_URI" domid demo-vm)
echo "demo-vm domain id before: $id_before, after: $id_after"
[ "$id_before" = "$id_after" ] || { echo "demo: the domain was restarted" >&2; exit 1; }
case $out in *"0 defined, 0 changed, 0 started, 0 restarted, 0 stopped, 0 removed, 3 unchanged"*) ;;
    *) echo "demo: the second apply was not a no-op" >&2; exit 1 ;; esac

step "change the domain's memory and apply: one change, one restart"
sed -i 's|<memory unit="MiB">32</memory>|<memory unit="MiB">48</memory>|' "$DEMO/dom.xml"
"$NIXVIRT" apply -v --state-dir "$DEMO/state" --connect "$NV_URI" "$DEMO/manifest.xml"
virsh -c "$NV_URI" dominfo demo-vm | grep -E "State|Max memory"

step "virtdeclare (NixVirt's command) on the same domain: unchanged"
"$(dirname "$NIXVIRT")/virtdeclare" -v --connect "$NV_URI" --type domain --define "$DEMO/dom.xml" --state active

step "a broken definition: nothing changes"
echo "<domain><name>broken</name>" >"$DEMO/broken.xml"
sed "s|$DEMO/dom.xml|$DEMO/broken.xml|" "$DEMO/manifest.xml" >"$DEMO/broken-manifest.xml"
if "$NIXVIRT" apply --state-dir "$DEMO/state" --connect "$NV_URI" "$DEMO/broken-manifest.xml"; then
    echo "demo: a broken manifest was accepted" >&2
    exit 1
fi
virsh -c "$NV_URI" list --all
echo
echo "demo: OK"
