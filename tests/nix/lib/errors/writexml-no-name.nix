# expect: nixvirt: network.writeXML: the network needs a name (a string)
lib: lib.network.writeXML { bridge.name = "virbr0"; }
