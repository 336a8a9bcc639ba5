#ifndef CORSSCAN_CZLIB_SHIM_H
#define CORSSCAN_CZLIB_SHIM_H

#include <zlib.h>

// `inflateInit2` and `deflateInit2` are C macros (they pass ZLIB_VERSION and
// sizeof(z_stream) to the real functions), which Swift cannot import. These
// prefixed wrappers expose them as ordinary functions.

static inline int corsscan_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

static inline int corsscan_deflateInit2(z_streamp strm, int level, int windowBits, int memLevel) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}

#endif
