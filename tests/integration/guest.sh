# shellcheck shell=bash
# The real test guest (tests/guest/: a Debian kernel and a busybox initramfs, built by
# ./dev setup) for the integration tests that need a running OS: shutdown, hot-plug,
# balloon, vCPUs. Source it from a test file; NV_GUEST is its build directory.
#
#   guest_available            fail the test unless the guest is built
#   xml_guest NAME UUID [MEM_MIB[/CURRENT]] [VCPUS_CUR/MAX] [CMDLINE_EXTRA] [DEVICES_XML] [MACHINE]
#                              a domain (q35 by default) booting the guest directly, serial
#                              console to $NV_DATA_DIR/NAME.serial, spare pcie-root-ports for
#                              hot-plug, a balloon; kernel flags: nvguest.acpi=ignore (ignore
#                              ACPI shutdown), acpiphp.disable=1 (never release a hot-plugged
#                              PCI device: QEMU 7.2's q35 unplugs through ACPI); always
#                              no_timer_check (a loaded host otherwise makes the kernel
#                              panic, finding the timer IRQ too slow)
#   guest_wait NAME REGEX [SECS]   wait until the guest's serial log has a line
#                              "nvguest: ..." matching REGEX (default 60 s); prints it
#   guest_last NAME WHAT       the guest's latest "nvguest: WHAT ..." line (nics, disks,
#                              cpus, mem)
#   guest_log NAME             the serial log's path
#   guest_manifest, guest_destroy_all, guest_state, guest_now_ms   (see below)
# Each guest costs ~250 MB of host memory: tests keep them few, and destroy them at the end.

guest_available() {
    if [ -z "${NV_GUEST:-}" ] || [ ! -f "$NV_GUEST/vmlinux" ] || [ ! -f "$NV_GUEST/initrd.gz" ]; then
        fail "no test guest (NV_GUEST='${NV_GUEST:-}'): run ./dev setup"
    fi
}

guest_log() { printf '%s/%s.serial\n' "${NV_DATA_DIR:?}" "$1"; }

xml_guest() {
    local name=$1 uuid=$2 mem=${3:-128} vc=${4:-1/2} extra=${5:-} devices=${6:-} machine=${7:-q35}
    local mcur=${mem#*/}
    mem=${mem%/*}
    local cur=${vc%/*} max=${vc#*/} ports="<controller type='pci' index='0' model='pcie-root'/>"
    # the balloon takes the first root port; the rest are free for hot-plugged devices
    for _ in 1 2 3 4 5 6; do ports+="<controller type='pci' model='pcie-root-port'/>"; done
    cat <<XML
<domain type='qemu'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <memory unit='MiB'>$mem</memory>
  <currentMemory unit='MiB'>$mcur</currentMemory>
  <vcpu current='$cur'>$max</vcpu>
  <os>
    <type arch='x86_64' machine='$machine'>hvm</type>
    <kernel>$NV_GUEST/vmlinux</kernel>
    <initrd>$NV_GUEST/initrd.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 no_timer_check quiet loglevel=1 $extra</cmdline>
  </os>
  <features><acpi/></features>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    $ports
    <serial type='file'><source path='$(guest_log "$name")'/></serial>
    <memballoon model='virtio'/>
    $devices
  </devices>
</domain>
XML
}

guest_wait() {
    local name=$1 re=$2 secs=${3:-60} log t0=$SECONDS line
    log=$(guest_log "$name")
    while :; do
        line=$(grep -a -E "^nvguest: ($re)" "$log" 2>/dev/null | tail -n1 || true)
        if [ -n "$line" ]; then
            printf '%s\n' "$line"
            return 0
        fi
        [ $((SECONDS - t0)) -lt "$secs" ] || fail "guest $name: no line matching '$re' in ${secs}s (log: $(tail -c 600 "$log" 2>/dev/null | tr -d '\r'))"
        sleep 0.2
    done
}

guest_last() { grep -a "^nvguest: $2" "$(guest_log "$1")" | tail -n1 | tr -d '\r'; }

guest_now_ms() { date +%s%3N; }

# guest_manifest FILE TIMEOUT ACTIVE RESTART DOMAIN_FILE...: an apply manifest for the
# domains (and $NET_FILE as an active network, if set), purge none
guest_manifest() {
    local f=$1 t=$2 act=$3 rs=$4 d
    shift 4
    {
        printf '<nixvirt version="1">\n'
        if [ -n "${NET_FILE:-}" ]; then
            printf '  <networks purge="none"><network definition="%s" active="true"/></networks>\n' "$NET_FILE"
        fi
        printf '  <domains purge="none">\n'
        for d in "$@"; do
            printf '    <domain definition="%s" active="%s" restart="%s" shutdown-timeout="%s"/>\n' \
                "$d" "$act" "$rs" "$t"
        done
        printf '  </domains>\n</nixvirt>\n'
    } >"$f"
}

# guest_destroy_all NAME...: what a test started does not outlive it (use in an EXIT trap)
guest_destroy_all() {
    local n
    for n in "$@"; do virsh_sys destroy "$n" >/dev/null 2>&1 || true; done
}

guest_state() { virsh_sys domstate "$1" | tr -d '\r'; }
