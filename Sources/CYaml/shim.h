// libyaml (Debian libyaml-dev), the YAML 1.1 parser PyYAML and Ruby use: .lambda-shift.yml is
// read with its document loader. Linked statically (Package.swift), so the release binary
// needs nothing at run time beyond libcurl, libcrypto and zlib.
#ifndef LAMBDA_SHIFT_CYAML_SHIM_H
#define LAMBDA_SHIFT_CYAML_SHIM_H
#include <yaml.h>
#endif
