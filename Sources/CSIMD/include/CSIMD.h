#ifndef CORSSCAN_CSIMD_H
#define CORSSCAN_CSIMD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// 1 when this CPU can run `corsscan_crc32_fold` (x86-64 with PCLMULQDQ and SSE4.1), else 0.
int corsscan_crc32_fold_available(void);

/// CRC-32 (the gzip polynomial) of `len` bytes continued from `crc`, with zlib's `crc32()`
/// convention (start from 0, pass the previous result). `len` must be at least 64 and a
/// multiple of 16; call only when `corsscan_crc32_fold_available()`.
uint32_t corsscan_crc32_fold(uint32_t crc, const unsigned char *buf, size_t len);

/// Bit k set where byte k of `p[0..<64]` is `"` (the result) and, in `*backslashes`, where it
/// is `\`. x86-64 only (SSE2); other CPUs use the Swift words in `JSONStringEnd`.
uint64_t corsscan_quote_masks(const unsigned char *p, uint64_t *backslashes);

/// First index of byte `b` in `p[lo..<hi]`, else `hi`; nothing outside is read (for
/// `lo > hi`, `lo`, as the Swift word loops give). SSE2 compares of 16 bytes at a time on
/// x86-64 (the last block overlapping the ones before); `memchr` in this fallback, though
/// Swift calls it on x86-64 only. Inline: templates call it once or more per field.
static inline __attribute__((always_inline)) long corsscan_find_byte(const unsigned char *p, long lo, long hi, unsigned char b) {
#if defined(__SSE2__)
    const __m128i pattern = _mm_set1_epi8((char)b);
    long i = lo;
    while (i + 16 <= hi) {
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), pattern));
        if (m != 0) return i + __builtin_ctz(m);
        i += 16;
    }
    if (i == hi) return hi;
    if (hi - lo >= 16) {
        // The last bytes: the 16 before `hi`, without the ones already looked at.
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + hi - 16)), pattern));
        m >>= (unsigned)(i - (hi - 16));
        return m != 0 ? i + __builtin_ctz(m) : hi;
    }
    while (i < hi && p[i] != b) i++;
    return i;
#else
    if (lo >= hi) return lo;
    const unsigned char *r = (const unsigned char *)memchr(p + lo, b, (size_t)(hi - lo));
    return r != NULL ? (long)(r - p) : hi;
#endif
}

/// First index of `"` or `\` in `p[lo..<hi]`, else `hi`, as `corsscan_find_byte` does for
/// one byte (JSON strings: where a value may end or hold an escape).
static inline __attribute__((always_inline)) long corsscan_find_quote_or_backslash(const unsigned char *p, long lo, long hi) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    long i = lo;
    while (i + 16 <= hi) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        if (m != 0) return i + __builtin_ctz(m);
        i += 16;
    }
    if (i == hi) return hi;
    if (hi - lo >= 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + hi - 16));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        m >>= (unsigned)(i - (hi - 16));
        return m != 0 ? i + __builtin_ctz(m) : hi;
    }
    while (i < hi && p[i] != '"' && p[i] != '\\') i++;
    return i;
#else
    long i = lo;
    while (i < hi && p[i] != '"' && p[i] != '\\') i++;
    return i;
#endif
}

#endif
