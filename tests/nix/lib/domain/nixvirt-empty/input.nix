# NixVirt check domain/empty: just a name.
_lib: { name = "empty"; }
