# expect: nixvirt: domain.os: attribute firmware is given twice
lib: lib.domain.getXML { name = "x"; os = { type = "hvm"; firmware = "efi"; "@firmware" = "bios"; }; }
