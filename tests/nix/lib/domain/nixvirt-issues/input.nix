# NixVirt check domain/issues (cpu model text, vhost-user and vhost
# interfaces), less `driver.mode`: libvirt's schema has no such attribute on
# an interface driver (NixVirt drops it silently; nixvirt fails, see
# errors/unknown-driver-mode.nix).
_lib: {
  name = "issues";
  cpu.model.name = "test";
  devices.interface = [
    {
      type = "vhostuser";
      source = {
        type = "unix";
        mode = "client";
        path = "/tmp/vhost.sock";
        reconnect = {
          enabled = true;
          timeout = 10;
        };
      };
    }
    {
      type = "network";
      driver =
        let
          off = false;
        in
        {
          name = "vhost";
          txmode = "iothread";
          ioeventfd = true;
          event_idx = off;
          queues = 5;
          rx_queue_size = 256;
          tx_queue_size = 256;
          host = {
            csum = off;
            gso = off;
            tso4 = off;
            tso6 = off;
            ecn = off;
            ufo = off;
            mrg_rxbuf = off;
          };
          guest = {
            csum = off;
            tso4 = off;
            tso6 = off;
            ecn = off;
            ufo = off;
          };
        };
    }
  ];
}
