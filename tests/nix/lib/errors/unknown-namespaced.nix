# expect: nixvirt: domain.qemu-commandline.args: unknown attribute/element; expected one of: qemu:arg, qemu:env
lib: lib.domain.getXML { name = "x"; qemu-commandline.args = [ ]; }
