# nixvirt: declare libvirt objects, one manifest per connection.
nixvirt_failed=0
nixvirt_state_dir="${XDG_STATE_HOME:-$HOME/.local/state}/nixvirt"
if [ -z "${DRY_RUN:-}" ]; then mkdir -p "$nixvirt_state_dir"; fi
if ! PATH='/NIXVIRT_LIBVIRT/bin':'/NIXVIRT_LIBVIRT/sbin':"$PATH" '/NIXVIRT_TOOL/bin/nixvirt' apply ${VERBOSE:+-v} ${DRY_RUN:+--dry-run} --state-dir "$nixvirt_state_dir" --connect 'qemu:///session' '/NIXVIRT_MANIFESTS/nixvirt-qemu-session.xml'; then
  echo 'nixvirt: applying the manifest for qemu:///session failed' >&2
  nixvirt_failed=1
fi
[ "$nixvirt_failed" = 0 ]
