# NixVirt check domain/template-windows-3: the windows template with KVM
# features added to its own.
lib:
let
  args = {
    name = "test-windows-3";
    uuid = "a67f3ed6-fdad-462a-8c3b-d970db34d8da";
    storage_vol = {
      pool = "default";
      volume = "win10.qcow2";
    };
    install_vol = /Source/Win11_23H2_EnglishInternational_x64v2.iso;
    nvram_path = /Storage/MyNVRAM.fd;
  };
  base = lib.domain.templates.windows args;
in
base
// {
  features = base.features // {
    kvm = {
      hidden.state = true;
      hint-dedicated.state = false;
      poll-control.state = true;
      pv-ipi.state = true;
      dirty-ring = {
        state = true;
        size = 16384;
      };
    };
  };
}
