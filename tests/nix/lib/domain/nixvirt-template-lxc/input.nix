# NixVirt check domain/template-lxc: an LXC container with capabilities,
# less audit_read, bpf, checkpoint_restore and perfmon: libvirt's schema has
# no such capabilities (see errors/unknown-capability.nix).
_lib:
let
  caps = on: off: builtins.listToAttrs (
    map (n: { name = n; value.state = true; }) on
    ++ map (n: { name = n; value.state = false; }) off
  );
in
{
  name = "test-lxc";
  uuid = "b208ceff-2501-4903-98eb-7421a4e1a895";
  os = {
    type = "exe";
    arch = "x86_64";
    init = /bin/systemd;
    initarg = "--unit emergency.service";
  };
  features = {
    privnet = { };
    capabilities = {
      policy = "default";
    }
    // caps
      [ "kill" "net_broadcast" "setuid" "syslog" "sys_admin" "sys_nice" "sys_time" ]
      [
        "audit_control"
        "audit_write"
        "block_suspend"
        "dac_override"
        "dac_read_search"
        "fowner"
        "fsetid"
        "ipc_lock"
        "ipc_owner"
        "lease"
        "linux_immutable"
        "mac_admin"
        "mac_override"
        "mknod"
        "net_admin"
        "net_bind_service"
        "net_raw"
        "setfcap"
        "setgid"
        "setpcap"
        "sys_boot"
        "sys_chroot"
        "sys_module"
        "sys_pacct"
        "sys_ptrace"
        "sys_rawio"
        "sys_resource"
        "sys_tty_config"
        "wake_alarm"
      ];
  };
}
