# nixvirt: declare libvirt objects, one manifest per connection.
nixvirt_failed=0
if ! '/NIXVIRT_TOOL/bin/nixvirt' apply -v --wait 30 --timeout 600 --state-dir '/var/lib/nixvirt' --connect 'qemu+ssh://o'\''brien@vmhost.example/system' '/NIXVIRT_MANIFESTS/nixvirt-qemu+ssh-o-brien-vmhost.example-system.xml'; then
  echo 'nixvirt: applying the manifest for qemu+ssh://o'\''brien@vmhost.example/system failed' >&2
  nixvirt_failed=1
fi
if ! '/NIXVIRT_TOOL/bin/nixvirt' apply -v --wait 30 --timeout 600 --state-dir '/var/lib/nixvirt' --connect 'qemu:///system' '/NIXVIRT_MANIFESTS/nixvirt-qemu-system.xml'; then
  echo 'nixvirt: applying the manifest for qemu:///system failed' >&2
  nixvirt_failed=1
fi
[ "$nixvirt_failed" = 0 ]
