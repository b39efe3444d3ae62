# NixVirt check pool/empty.
_lib: { name = "empty"; }
