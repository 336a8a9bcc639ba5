/// Finding the quote that closes a JSON string, eight bytes at a time and exact with
/// escapes: shared by the Firehose object splitter and the envelope and record scanners.
///
/// Escaped JSON inside JSON (a CloudWatch event's `message`) has a `\"` every few bytes;
/// handling every backslash and quote of a loaded word from its bit mask, instead of
/// restarting the scan after each escape, is what makes those strings cheap.
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
        outer: while i + 8 <= end {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let q = zeroBytes(w ^ quotes)
            let bs = zeroBytes(w ^ backslashes)
            if bs == 0 {
                if q != 0 { return (i + q.trailingZeroBitCount >> 3, false) }
                i += 8
                continue
            }
            // Walk this word's quotes and backslashes in order; a backslash hides the next byte.
            var m = q | bs
            while m != 0 {
                let bit = m.trailingZeroBitCount
                let byte = bit >> 3
                if (q >> UInt64(bit)) & 1 != 0 { return (i + byte, false) }
                if byte == 7 {
                    // The escaped byte starts the next word.
                    i += 9
                    continue outer
                }
                let clear = (byte + 2) << 3
                m = clear >= 64 ? 0 : m & (~0 << UInt64(clear))
            }
            i += 8
        }
        if i > end { return (end, true) }
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

    /// Index of the quote closing a string whose content starts at `s`, or nil.
    @inline(__always)
    public static func closingQuote(_ p: UnsafeBufferPointer<UInt8>, from s: Int) -> Int? {
        guard let base = p.baseAddress, s < p.count else { return nil }
        let r = find(base, from: s, end: p.count)
        return r.index < p.count ? r.index : nil
    }
}
