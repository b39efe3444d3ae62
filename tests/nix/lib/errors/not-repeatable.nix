# expect: nixvirt: domain.os: <os> may appear only once here, found a list of 2
lib: lib.domain.getXML { name = "x"; os = [ { type = "hvm"; } { type = "exe"; } ]; }
