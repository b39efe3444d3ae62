# shellcheck shell=bash
# Definition writers and daemon snapshots shared by t_apply.sh and t_purge.sh (sourced
# by them; it only defines functions).

new_uuid() { cat /proc/sys/kernel/random/uuid; }

# obj_write_dom FILE NAME UUID [MEM_MIB] [DEVICES_XML] [EMULATOR]: a TCG domain; it
# starts in about half a second and sits in the BIOS.
obj_write_dom() {
    local file=$1 name=$2 uuid=$3 mem=${4:-32} devs=${5:-} emu=${6:-/usr/bin/qemu-system-x86_64}
    cat >"$file" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>$emu</emulator>$devs
  </devices>
</domain>
EOF
}

# obj_write_net FILE NAME UUID BRIDGE N: NAT with DHCP on 192.168.N.0/24
obj_write_net() {
    cat >"$1" <<EOF
<network>
  <name>$2</name>
  <uuid>$3</uuid>
  <forward mode='nat'/>
  <bridge name='$4' stp='on' delay='0'/>
  <ip address='192.168.$5.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.$5.2' end='192.168.$5.254'/></dhcp>
  </ip>
</network>
EOF
}

# obj_write_pool FILE NAME UUID DIR
obj_write_pool() {
    cat >"$1" <<EOF
<pool type='dir'>
  <name>$2</name>
  <uuid>$3</uuid>
  <target><path>$4</path></target>
</pool>
EOF
}

# obj_write_vol FILE NAME [MIB] [FORMAT]
obj_write_vol() {
    cat >"$1" <<EOF
<volume>
  <name>$2</name>
  <capacity unit='MiB'>${3:-16}</capacity>
  <target><format type='${4:-qcow2}'/></target>
</volume>
EOF
}

# Interface and disk device XML for obj_write_dom.
obj_dev_net() { printf "\n    <interface type='network'><source network='%s'/><model type='virtio'/></interface>" "$1"; }
obj_dev_vol() {
    printf "\n    <disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='%s' volume='%s'/><target dev='%s' bus='virtio'/></disk>" \
        "$1" "$2" "${3:-vda}"
}

# Names of all objects of a kind, sorted, without virsh's padding: obj_names list|net-list|pool-list
obj_names() { virsh_sys "$1" --all --name | sed 's/[[:space:]]*$//' | sed '/^$/d' | sort; }

# Host pids of the file's daemon's processes (its pid namespace only).
obj_pgrep() { pgrep --ns "$NV_DAEMON_PID" --nslist pid -f "$1"; }
obj_qemu_pid() { obj_pgrep "guest=$1," | head -n1; }
obj_net_active() { virsh_sys net-info "$1" | sed -n 's/^Active:[[:space:]]*//p'; }
obj_pool_state() { virsh_sys pool-info "$1" | sed -n 's/^State:[[:space:]]*//p'; }

# Everything a test can see of the daemon's objects: which exist, their state, ids,
# qemu pids, persistent definitions, and the volumes of active pools. Two equal
# snapshots mean nothing was changed (or restarted).
obj_snapshot() {
    local n
    echo "== domains"
    for n in $(obj_names list); do
        echo "domain $n $(virsh_sys domuuid "$n") $(virsh_sys domstate "$n") id=$(virsh_sys domid "$n" 2>/dev/null || true) pid=$(obj_qemu_pid "$n" || true)"
        virsh_sys dumpxml --inactive "$n"
    done
    echo "== networks"
    for n in $(obj_names net-list); do
        echo "network $n $(virsh_sys net-uuid "$n") active=$(obj_net_active "$n")"
        virsh_sys net-dumpxml --inactive "$n"
    done
    echo "== pools"
    for n in $(obj_names pool-list); do
        echo "pool $n $(virsh_sys pool-uuid "$n") $(obj_pool_state "$n")"
        virsh_sys pool-dumpxml --inactive "$n" | grep -v -e '<capacity' -e '<allocation' -e '<available'
        if [ "$(obj_pool_state "$n")" = running ]; then
            virsh_sys vol-list "$n" | sort
        fi
    done
}
