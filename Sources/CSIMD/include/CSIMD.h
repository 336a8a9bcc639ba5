#ifndef CORSSCAN_CSIMD_H
#define CORSSCAN_CSIMD_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU can run `corsscan_crc32_fold` (x86-64 with PCLMULQDQ and SSE4.1), else 0.
int corsscan_crc32_fold_available(void);

/// CRC-32 (the gzip polynomial) of `len` bytes continued from `crc`, with zlib's `crc32()`
/// convention (start from 0, pass the previous result). `len` must be at least 64 and a
/// multiple of 16; call only when `corsscan_crc32_fold_available()`.
uint32_t corsscan_crc32_fold(uint32_t crc, const unsigned char *buf, size_t len);

/// Bit k set where byte k of `p[0..<64]` is `"` (the result) and, in `*backslashes`, where it
/// is `\`. x86-64 only (SSE2); other CPUs use the Swift words in `JSONStringEnd`.
uint64_t corsscan_quote_masks(const unsigned char *p, uint64_t *backslashes);

#endif
