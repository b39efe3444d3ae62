# NixVirt check network/empty.
_lib: { name = "empty"; }
