# NixVirt check volume/typical (a name with spaces; writeXML makes the store
# name NixVirt-volume-My_Main_Drive).
_lib: {
  name = "My Main Drive";
  capacity = {
    count = 27;
    unit = "GB";
  };
}
