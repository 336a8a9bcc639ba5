#ifndef CORSSCAN_CCRC32_H
#define CORSSCAN_CCRC32_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU can run `corsscan_crc32_fold` (x86-64 with PCLMULQDQ and SSE4.1), else 0.
int corsscan_crc32_fold_available(void);

/// CRC-32 (the gzip polynomial) of `len` bytes continued from `crc`, with zlib's `crc32()`
/// convention (start from 0, pass the previous result). `len` must be at least 64 and a
/// multiple of 16; call only when `corsscan_crc32_fold_available()`.
uint32_t corsscan_crc32_fold(uint32_t crc, const unsigned char *buf, size_t len);

#endif
