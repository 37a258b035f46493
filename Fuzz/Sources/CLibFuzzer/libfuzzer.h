// libFuzzer's entry point for a program with its own main (libclang_rt.fuzzer, linked by
// swiftc -sanitize=fuzzer): https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library
#ifndef LAMBDA_SHIFT_LIBFUZZER_H
#define LAMBDA_SHIFT_LIBFUZZER_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
