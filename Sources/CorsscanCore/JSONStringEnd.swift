import CSIMD

/// Finding the quote that closes a JSON string, eight bytes at a time and exact with
/// escapes: shared by the Firehose object splitter and the envelope and record scanners.
///
/// Escaped JSON inside JSON (a CloudWatch event's `message`) has a `\"` every few bytes;
/// working out which bytes of a loaded word are escaped with a few bit operations on its
/// masks, instead of a branch per backslash, is what makes those strings cheap.
public enum JSONStringEnd {
    public static let quotes: UInt64 = 0x2222_2222_2222_2222
    public static let backslashes: UInt64 = 0x5C5C_5C5C_5C5C_5C5C

    /// High bit of each byte of the result set exactly where `x` has a zero byte.
    @inline(__always)
    public static func zeroBytes(_ x: UInt64) -> UInt64 {
        let y = (x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F
        return ~(y | x | 0x7F7F_7F7F_7F7F_7F7F)
    }

    /// Where a scan from `from` (not inside an escape) stopped: `index` of the first
    /// unescaped `"` in `base[from..<end]`, else `index == end` and `escapePending` when the
    /// last byte was a backslash whose escaped byte lies beyond `end`.
    @inline(__always)
    public static func find(_ base: UnsafePointer<UInt8>, from: Int, end: Int) -> (index: Int, escapePending: Bool) {
        var i = from
        // 1 when the byte at `i` is escaped by a backslash run ending the previous word.
        var carry: UInt64 = 0
        // Long strings (an escaped JSON message) 64 bytes per step, after a look at the first
        // word for the many short ones: the escape arithmetic once per block, on one bit per
        // byte packed, and the eight words' masks independent of each other.
        if i + 64 <= end {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let q = zeroBytes(w ^ quotes) >> 7
            if q != 0, zeroBytes(w ^ backslashes) == 0 { return (i + q.trailingZeroBitCount >> 3, false) }
            while i + 64 <= end {
                var q: UInt64 = 0, b: UInt64 = 0
                #if arch(x86_64)
                // SSE2 compares (C): a third of the instructions of the words below.
                q = corsscan_quote_masks(base + i, &b)
                #else
                for k in 0..<8 {
                    let w = UInt64(littleEndian: UnsafeRawPointer(base + i + 8 * k).loadUnaligned(as: UInt64.self))
                    q |= packed(zeroBytes(w ^ quotes)) << UInt64(8 * k)
                    b |= packed(zeroBytes(w ^ backslashes)) << UInt64(8 * k)
                }
                #endif
                if b | carry == 0 {
                    if q != 0 { return (i + q.trailingZeroBitCount, false) }
                    i += 64
                    continue
                }
                let potential = b & ~carry
                let code = (((potential << 1) | oddBits) &- potential) ^ oddBits
                let real = q & ~(code ^ (b | carry))
                if real != 0 { return (i + real.trailingZeroBitCount, false) }
                carry = (code & b) >> 63
                i += 64
            }
        }
        while i + 8 <= end {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            // One bit per byte, at its lowest bit (byte k → bit 8k).
            let q = zeroBytes(w ^ quotes) >> 7
            let b = zeroBytes(w ^ backslashes) >> 7
            if b | carry == 0 {
                if q != 0 { return (i + q.trailingZeroBitCount >> 3, false) }
                i += 8
                continue
            }
            // Which bytes are escaped, without a branch per backslash: simdjson's odd-run
            // trick (a backslash run of odd length escapes the byte after it), on one bit per
            // byte; borrows cross the unused bits between them as they would adjacent ones.
            let potential = b & ~carry
            let code = (((potential << 8) | oddBytes) &- potential) ^ oddBytes
            let escaped = (code ^ (b | carry)) & lowBits
            let real = q & ~escaped
            if real != 0 { return (i + real.trailingZeroBitCount >> 3, false) }
            carry = (code & b) >> 56
            i += 8
        }
        if carry != 0 {
            if i >= end { return (end, true) }
            i += 1
        }
        while i < end {
            let c = base[i]
            if c == 0x22 { return (i, false) }
            if c == 0x5C {
                if i + 1 >= end { return (end, true) }
                i += 2
            } else {
                i += 1
            }
        }
        return (end, false)
    }

    /// The lowest bit of every byte, and of every odd byte.
    static let lowBits: UInt64 = 0x0101_0101_0101_0101
    static let oddBytes: UInt64 = 0x0100_0100_0100_0100
    /// Every odd bit (one bit per byte, packed).
    static let oddBits: UInt64 = 0xAAAA_AAAA_AAAA_AAAA

    /// One bit per byte of a `zeroBytes` result, packed: bit k for byte k.
    @inline(__always)
    static func packed(_ m: UInt64) -> UInt64 {
        ((m >> 7) &* 0x0102_0408_1020_4080) >> 56
    }

    /// Index of the quote closing a string whose content starts at `s`, or nil.
    @inline(__always)
    public static func closingQuote(_ p: UnsafeBufferPointer<UInt8>, from s: Int) -> Int? {
        guard let base = p.baseAddress, s < p.count else { return nil }
        let r = find(base, from: s, end: p.count)
        return r.index < p.count ? r.index : nil
    }
}
