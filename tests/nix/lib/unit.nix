# Small checks of nix/lib's pieces: lib.xml, writeXML names, the library
# without a package set, value forms.  Evaluates to the path of a text file
# with one line per check: "ok <name>" or "FAIL <name>: ...".
let
  lib = import ./testlib.nix;
  bare = import ../../../nix/lib { };
  inherit (lib) xml;

  minimal = {
    type = "kvm";
    name = "m";
    memory = 1;
  };
  dom = extra: lib.domain.getXML (minimal // extra);
  # The lines of a document other than those `minimal` gives.
  inner =
    s:
    builtins.filter (
      l:
      !(builtins.elem l [
        "<domain type='kvm'>"
        "  <name>m</name>"
        "  <memory>1</memory>"
        "</domain>"
        ""
      ])
    ) (builtins.filter builtins.isString (builtins.split "\n" s));
  fails = e: !(builtins.tryEval e).success;

  checks = [
    {
      name = "xml: elem, attr, none, opt, many, escaping";
      got = xml.toText (
        xml.elem "a"
          [
            (xml.attr "x" "1 & 'q'")
            xml.none
            (xml.opt false (xml.attr "y" "2"))
            (xml.many [ (xml.attr "z" 3) ])
          ]
          [
            (xml.elem "b" [ ] "t&<>")
            (xml.opt true (xml.elem "c" [ ] null))
            (xml.many [ (xml.elem "d" [ ] "") ])
            (xml.opt false (xml.elem "e" [ ] null))
          ]
      );
      want = "<a x='1 &amp; &apos;q&apos;' z='3'>\n  <b>t&amp;&lt;&gt;</b>\n  <c/>\n  <d/>\n</a>\n";
    }
    {
      name = "xml: empty list body is an empty element";
      got = xml.toText (xml.elem "a" [ ] [ xml.none ]);
      want = "<a/>\n";
    }
    {
      name = "xml: raw text and NixVirt-style function fragments";
      got = xml.toText (
        xml.elem "m" [ ] [
          (xml.raw "<x a='1'/>")
          (i: "  <y level='${toString i}'/>\n")
        ]
      );
      want = "<m>\n  <x a='1'/>\n  <y level='1'/>\n</m>\n";
    }
    {
      name = "metadata: a single fragment, an empty list, a string";
      got = [
        (inner (dom { metadata = xml.elem "x:y" [ (xml.attr "xmlns:x" "urn:x") ] null; }))
        (inner (dom { metadata = [ ]; }))
        (inner (dom { metadata = "a & b"; }))
      ];
      want = [
        [ "  <metadata>" "    <x:y xmlns:x='urn:x'/>" "  </metadata>" ]
        [ "  <metadata/>" ]
        [ "  <metadata>a &amp; b</metadata>" ]
      ];
    }
    {
      name = "_attrs and _xml: unchecked extras";
      got = lib.network.getXML {
        name = "n";
        _attrs.connections = 2;
        bridge = {
          name = "virbr9";
          _attrs.zone = "trusted";
        };
        _xml = [ (xml.elem "future" [ (xml.attr "on" true) ] null) ];
      };
      want = "<network connections='2'>\n  <name>n</name>\n  <bridge name='virbr9' zone='trusted'/>\n  <future on='yes'/>\n</network>\n";
    }
    {
      name = "null leaves out, also in lists";
      got = lib.volume.getXML {
        name = "v";
        key = null;
        capacity = 1;
        target.permissions = null;
      };
      want = "<volume>\n  <name>v</name>\n  <capacity>1</capacity>\n  <target/>\n</volume>\n";
    }
    {
      name = "lists: repeated elements, null items skipped, singleton lists where one is allowed";
      got = inner (dom {
        os = [
          {
            type = "hvm";
            boot = [
              { dev = "hd"; }
              null
              { dev = "cdrom"; }
            ];
          }
        ];
      });
      want = [
        "  <os>"
        "    <type>hvm</type>"
        "    <boot dev='hd'/>"
        "    <boot dev='cdrom'/>"
        "  </os>"
      ];
    }
    {
      name = "booleans: yes/no, on/off, empty element true/false";
      got = inner (dom {
        features = {
          acpi = true;
          apic = false;
          pae = { };
          pvspinlock.state = false;
        };
        pm.suspend-to-mem.enabled = true;
      });
      want = [
        "  <features>"
        "    <acpi/>"
        "    <pae/>"
        "    <pvspinlock state='off'/>"
        "  </features>"
        "  <pm>"
        "    <suspend-to-mem enabled='yes'/>"
        "  </pm>"
      ];
    }
    {
      name = "values: paths as text without copying, derivations as their out path, ints";
      got = inner (dom {
        devices.disk = {
          type = "file";
          device = "cdrom";
          source.file = {
            type = "derivation";
            outPath = "/nix/store/99999999999999999999999999999999-installer.iso";
          };
          target.dev = /dev/hdc;
          boot.order = 2;
        };
      });
      want = [
        "  <devices>"
        "    <disk type='file' device='cdrom'>"
        "      <source file='/nix/store/99999999999999999999999999999999-installer.iso'/>"
        "      <target dev='/dev/hdc'/>"
        "      <boot order='2'/>"
        "    </disk>"
        "  </devices>"
      ];
    }
    {
      name = "name clash: set means the child, scalar the attribute";
      got = inner (dom {
        devices.graphics = [
          {
            type = "vnc";
            listen = "0.0.0.0";
          }
          {
            type = "vnc";
            listen.type = "none";
          }
        ];
      });
      want = [
        "  <devices>"
        "    <graphics type='vnc' listen='0.0.0.0'/>"
        "    <graphics type='vnc'>"
        "      <listen type='none'/>"
        "    </graphics>"
        "  </devices>"
      ];
    }
    {
      name = "text key and child of the same name (rng backend source)";
      got = inner (dom {
        devices.rng = [
          {
            model = "virtio";
            backend = {
              model = "random";
              source = "/dev/hwrng";
            };
          }
          {
            model = "virtio";
            backend = {
              model = "egd";
              type = "tcp";
              source = {
                mode = "connect";
                host = "127.0.0.1";
                service = "1234";
              };
            };
          }
        ];
      });
      want = [
        "  <devices>"
        "    <rng model='virtio'>"
        "      <backend model='random'>/dev/hwrng</backend>"
        "    </rng>"
        "    <rng model='virtio'>"
        "      <backend model='egd' type='tcp'>"
        "        <source mode='connect' host='127.0.0.1' service='1234'/>"
        "      </backend>"
        "    </rng>"
        "  </devices>"
      ];
    }
    {
      name = "namespaces: prefix and dash forms";
      got = [
        (dom { "qemu:deprecation".behavior = "reject"; })
        (dom { qemu-deprecation.behavior = "reject"; })
      ];
      want = [
        "<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0' type='kvm'>\n  <name>m</name>\n  <memory>1</memory>\n  <qemu:deprecation behavior='reject'/>\n</domain>\n"
        "<domain type='kvm'>\n  <name>m</name>\n  <memory>1</memory>\n  <deprecation xmlns='http://libvirt.org/schemas/domain/qemu/1.0' behavior='reject'/>\n</domain>\n"
      ];
    }
    {
      name = "writeXML: store name from the object's name";
      got = map (p: builtins.substring 33 100 (baseNameOf p)) [
        (lib.volume.writeXML {
          name = "My Main Drive";
          capacity = 1;
        })
        (bare.pool.writeXML {
          name = "a/b:c";
          type = "dir";
        })
      ];
      want = [
        "NixVirt-volume-My_Main_Drive"
        "NixVirt-pool-a_b_c"
      ];
    }
    {
      name = "without pkgs: toFile, NixOS emulator path, windows needs firmware, guest-install needs pkgs";
      got = [
        (bare.domain.templates.linux {
          name = "l";
          uuid = "00000000-0000-0000-0000-000000000000";
        }).devices.emulator
        (fails (
          bare.domain.getXML (
            bare.domain.templates.windows {
              name = "w";
              uuid = "00000000-0000-0000-0000-000000000000";
              nvram_path = "/var/lib/w.fd";
            }
          )
        ))
        (fails bare.guest-install.virtio-win.iso)
      ];
      want = [
        "/run/libvirt/nix-emulators/qemu-system-x86_64"
        true
        true
      ];
    }
    {
      name = "pc and q35 templates, mkstorage";
      got =
        let
          args = {
            name = "t";
            uuid = "00000000-0000-0000-0000-000000000000";
            install_vol = /iso/x.iso;
          };
        in
        [
          (lib.domain.templates.pc args).os.machine
          (builtins.elemAt (lib.domain.templates.pc args).devices.disk 0).target
          (lib.domain.templates.q35 args).os.machine
          (lib.domain.templates.mkstorage false { pool = "p"; volume = "v"; } null).target
        ];
      want = [
        "pc"
        {
          dev = "hdc";
          bus = "ide";
        }
        "q35"
        {
          dev = "sda";
          bus = "sata";
        }
      ];
    }
    {
      name = "schema data: coverage numbers are exposed";
      got = builtins.all (s: s.elementPatternsCovered == s.elementPatternsReachable) lib.schema.domain.stats.sets;
      want = true;
    }
  ];

  line =
    c:
    if c.got == c.want then
      "ok ${c.name}"
    else
      "FAIL ${c.name}: got ${builtins.toJSON c.got}, want ${builtins.toJSON c.want}";
in
builtins.toFile "nixvirt-lib-unit.txt" (builtins.concatStringsSep "\n" (map line checks) + "\n")
