# expect: nixvirt: domain.os.arch: needs domain.os.type
lib: lib.domain.getXML { name = "x"; os.arch = "x86_64"; }
