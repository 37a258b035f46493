// zlib for raw deflate and CRC-32. deflateInit2 is a macro, so it gets a function here.
#ifndef LAMBDA_SHIFT_CZLIB_SHIM_H
#define LAMBDA_SHIFT_CZLIB_SHIM_H
#include <zlib.h>

/// Raw deflate (no zlib header), as zip entries hold it.
static inline int ls_deflate_init_raw(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
#endif
