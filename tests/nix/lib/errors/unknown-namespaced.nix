# expect: nixvirt: domain.qemu-commandline.args: unknown attribute/element; did you mean `arg`? expected one of: qemu:arg, qemu:env
lib: lib.strict.domain.getXML { name = "x"; qemu-commandline.args = [ ]; }
