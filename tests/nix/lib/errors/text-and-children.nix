# expect: nixvirt: domain.os.nvram: <nvram> cannot have both text (path) and child elements
lib: lib.domain.getXML { name = "x"; os = { type = "hvm"; nvram = { path = "/a"; source.file = "/b"; }; }; }
