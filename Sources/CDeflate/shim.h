// libdeflate (Debian's libdeflate-dev): whole-buffer raw DEFLATE and CRC-32, linked statically
// (Package.swift) so the binary needs no new shared library.
#include <libdeflate.h>
