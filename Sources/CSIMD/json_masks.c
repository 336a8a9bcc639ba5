// Byte-class masks of 64 bytes with SSE2 (part of every x86-64 CPU): 4 compares and a
// movemask per 16 bytes, where portable Swift needs a dozen word operations per 8 bytes
// (`JSONStringEnd`, which does the escape arithmetic on these masks).

#include "CSIMD.h"

#if defined(__x86_64__)

#include <emmintrin.h>

uint64_t corsscan_quote_masks(const unsigned char *p, uint64_t *backslashes) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    uint64_t q = 0, b = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        q |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << (16 * k);
        b |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) << (16 * k);
    }
    *backslashes = b;
    return q;
}

#else

uint64_t corsscan_quote_masks(const unsigned char *p, uint64_t *backslashes) {
    uint64_t q = 0, b = 0;
    for (int k = 0; k < 64; k++) {
        q |= (uint64_t)(p[k] == '"') << k;
        b |= (uint64_t)(p[k] == '\\') << k;
    }
    *backslashes = b;
    return q;
}

#endif
