import CorsscanCore
#if arch(x86_64)
import CSIMD
#endif

/// A lenient, allocation-free walk over one JSON object, visiting every leaf value with the
/// hash of its dotted key path and of its leaf key.
///
/// Lenient where API Gateway records break JSON (reference §0.3–0.4): a string ends only at
/// a quote followed by `,"…`, `}` or `]` (so an unescaped `"` inside a user agent stays in
/// the value), a bare value runs to the next `,`/`}` (`"responseLatency":-`), and a stray
/// backslash is kept as text. Arrays are skipped.
enum JSONScanner {
    enum Result { case ok, notJSON, malformed }

    static let maxDepth = 32

    /// `visit(pathHash, leafHash, valueStart, valueEnd, isString, hasEscape)`.
    @inline(__always)
    static func scanObject(
        _ p: UnsafeBufferPointer<UInt8>,
        visit: (UInt64, UInt64, Int, Int, Bool, Bool) -> Void
    ) -> Result {
        var memo: KeyMemo? = nil
        return scanObject(p, memo: &memo, visit: visit)
    }

    /// `scanObject` remembering key hashes by position in `memo` (kept across records
    /// of one input; nil: no memo).
    @inline(__always)
    static func scanObject(
        _ p: UnsafeBufferPointer<UInt8>, memo: inout KeyMemo?,
        visit: (UInt64, UInt64, Int, Int, Bool, Bool) -> Void
    ) -> Result {
        let n = p.count
        var i = skipSpace(p, 0)
        guard i < n, p[i] == ASCII.openBrace else { return .notJSON }
        i += 1
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: maxDepth) { stack -> Result in
            var depth = 1
            var position = 0
            stack[0] = KeyHash.basis
            while true {
                i = skipSpace(p, i)
                guard i < n else { return .malformed }
                let c = p[i]
                if c == ASCII.closeBrace {
                    depth -= 1
                    i += 1
                    if depth == 0 { return .ok }
                    continue
                }
                if c == ASCII.comma { i += 1; continue }
                guard c == ASCII.quote else { return .malformed }
                let ks = i + 1
                guard let ke = keyEnd(p, ks) else { return .malformed }
                let parent = stack[depth - 1]
                let leaf: UInt64, path: UInt64
                if let known = memo?.lookup(position: position, context: parent, p, ks, ke) {
                    (leaf, path) = known
                } else {
                    leaf = KeyHash.hash(p, ks, ke)
                    path = parent == KeyHash.basis ? leaf : KeyHash.hash(p, ks, ke, from: KeyHash.add(parent, ASCII.dot))
                    memo?.store(position: position, context: parent, p, ks, ke, values: (leaf, path))
                }
                position += 1
                i = skipSpace(p, ke + 1)
                guard i < n, p[i] == ASCII.colon else { return .malformed }
                i = skipSpace(p, i + 1)
                guard i < n else { return .malformed }
                switch p[i] {
                case ASCII.quote:
                    guard let (ve, esc) = stringEnd(p, i + 1) else { return .malformed }
                    visit(path, leaf, i + 1, ve, true, esc)
                    i = ve + 1
                case ASCII.openBrace:
                    if depth < maxDepth {
                        stack[depth] = path
                        depth += 1
                        i += 1
                    } else {
                        guard let e = skipContainer(p, i) else { return .malformed }
                        i = e
                    }
                case ASCII.openBracket:
                    guard let e = skipContainer(p, i) else { return .malformed }
                    i = e
                default:
                    let vs = i
                    while i < n {
                        let b = p[i]
                        if b == ASCII.comma || b == ASCII.closeBrace || b == ASCII.closeBracket || ASCII.isWhitespace(b) { break }
                        i += 1
                    }
                    visit(path, leaf, vs, i, false, false)
                }
            }
        }
    }

    @inline(__always)
    static func skipSpace(_ p: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
        var i = from
        while i < p.count, isSpace(p[i]) { i += 1 }
        return i
    }

    /// `ASCII.isWhitespace` (space, tab, LF, CR) as one shift and mask.
    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool {
        b <= 0x20 && (UInt64(0x1_0000_2600) &>> UInt64(b)) & 1 != 0
    }

    /// Index of the quote closing a key that starts at `s`: a quote followed by `:`.
    @inline(__always)
    static func keyEnd(_ p: UnsafeBufferPointer<UInt8>, _ s: Int) -> Int? {
        var j = s
        let n = p.count
        while true {
            j = nextQuoteOrBackslash(p, j)
            guard j < n else { return nil }
            if p[j] == ASCII.backslash { j += 2; continue }
            let k = skipSpace(p, j + 1)
            if k < n, p[k] == ASCII.colon { return j }
            j += 1
        }
    }

    /// The first index at or after `from` holding `"` or `\`, else `p.count`. Sixteen bytes
    /// per SSE2 step on x86-64, eight per word (SWAR) elsewhere; values and keys rarely hold
    /// either.
    @inline(__always)
    static func nextQuoteOrBackslash(_ p: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
        guard let base = p.baseAddress else { return p.count }
        #if arch(x86_64)
        return corsscan_find_quote_or_backslash(base, min(from, p.count), p.count)
        #else
        return nextQuoteOrBackslashWords(p, from)
        #endif
    }

    /// `nextQuoteOrBackslash` by 8-byte words (the portable form, and the test's reference).
    @inline(__always)
    static func nextQuoteOrBackslashWords(_ p: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
        let n = p.count
        var j = from
        guard let base = p.baseAddress else { return n }
        while j + 8 <= n {
            let w = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self)
            let m = SWAR.zeroBytes(w ^ SWAR.quotes) | SWAR.zeroBytes(w ^ SWAR.backslashes)
            if m != 0 { return j + m.trailingZeroBitCount >> 3 }
            j += 8
        }
        while j < n {
            let b = p[j]
            if b == ASCII.quote || b == ASCII.backslash { return j }
            j += 1
        }
        return n
    }

    /// Whether a quote just before `k` can close a value: followed by `,` + `"`, `}`, `]`
    /// (whitespace allowed between).
    @inline(__always)
    static func closesValue(_ p: UnsafeBufferPointer<UInt8>, _ k0: Int) -> Bool {
        let n = p.count
        var k = skipSpace(p, k0)
        if k >= n { return true }
        let b = p[k]
        if b == ASCII.closeBrace || b == ASCII.closeBracket { return true }
        guard b == ASCII.comma else { return false }
        k = skipSpace(p, k + 1)
        return k >= n || p[k] == ASCII.quote || p[k] == ASCII.closeBrace || p[k] == ASCII.openBrace
    }

    /// End (closing quote index) of a string value starting at `s`, and whether it holds a
    /// backslash. Escape-aware first; if that finds no end, any quote that closes a value.
    @inline(__always)
    static func stringEnd(_ p: UnsafeBufferPointer<UInt8>, _ s: Int) -> (Int, Bool)? {
        let n = p.count
        var j = s
        var esc = false
        while true {
            j = nextQuoteOrBackslash(p, j)
            guard j < n else { break }
            if p[j] == ASCII.quote {
                if closesValue(p, j + 1) { return (j, esc) }
            } else {
                esc = true
                // A raw backslash ending the value (`"odd\","next":…`): valid JSON never has
                // `\"` followed by `,"key":` or a final `}`.
                if j + 1 < n, p[j + 1] == ASCII.quote, endsValueForSure(p, j + 2) { return (j + 1, true) }
                j += 2
                continue
            }
            j += 1
        }
        // Unescaped backslash before the closing quote (`…Foo\"`): ignore escapes.
        j = s
        while j < n {
            if p[j] == ASCII.quote, closesValue(p, j + 1) { return (j, true) }
            j += 1
        }
        return nil
    }

    /// `,"key":` or a final `}` follows `k0`.
    static func endsValueForSure(_ p: UnsafeBufferPointer<UInt8>, _ k0: Int) -> Bool {
        let n = p.count
        var k = skipSpace(p, k0)
        guard k < n else { return false }
        if p[k] == ASCII.closeBrace { return skipSpace(p, k + 1) == n }
        guard p[k] == ASCII.comma else { return false }
        k = skipSpace(p, k + 1)
        guard k < n, p[k] == ASCII.quote else { return false }
        k += 1
        let ks = k
        while k < n, p[k] != ASCII.quote, p[k] != ASCII.backslash, p[k] != ASCII.comma { k += 1 }
        guard k > ks, k < n, p[k] == ASCII.quote else { return false }
        k = skipSpace(p, k + 1)
        return k < n && p[k] == ASCII.colon
    }

    /// Index after the object or array starting at `s` (strings respected).
    static func skipContainer(_ p: UnsafeBufferPointer<UInt8>, _ s: Int) -> Int? {
        var depth = 0
        var j = s
        let n = p.count
        while j < n {
            let b = p[j]
            if b == ASCII.quote {
                // To the closing quote, skipping escaped bytes (eight bytes at a time).
                j = JSONStringEnd.find(p.baseAddress!, from: j + 1, end: n).index
            } else if b == ASCII.openBrace || b == ASCII.openBracket {
                depth += 1
            } else if b == ASCII.closeBrace || b == ASCII.closeBracket {
                depth -= 1
                if depth == 0 { return j + 1 }
            }
            j += 1
        }
        return nil
    }

    /// Decodes JSON escapes from `src` into `dst` (at least `src.count` long); returns the
    /// length. Unknown escapes and lone backslashes are kept as text.
    static func unescape(_ src: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var i = 0, o = 0
        let n = src.count
        while i < n {
            // Copy the run up to the next backslash in one go.
            let k = SWAR.find(ASCII.backslash, src, i, n)
            if k > i {
                (dst.baseAddress! + o).update(from: src.baseAddress! + i, count: k - i)
                o += k - i
                i = k
                if i == n { break }
            }
            let b = src[i]
            guard b == ASCII.backslash, i + 1 < n else { dst[o] = b; o += 1; i += 1; continue }
            let e = src[i + 1]
            var out: UInt8? = nil
            switch e {
            case ASCII.quote, ASCII.backslash, ASCII.slash: out = e
            case 0x62: out = 0x08  // b
            case 0x66: out = 0x0C  // f
            case 0x6E: out = ASCII.lf  // n
            case 0x72: out = ASCII.cr  // r
            case 0x74: out = ASCII.tab  // t
            case 0x75:  // u
                if var cp = hex4(src, i + 2) {
                    var used = 6
                    if cp >= 0xD800, cp < 0xDC00, i + 11 < n + 0, i + 7 < n, src[i + 6] == ASCII.backslash,
                       src[i + 7] == 0x75, let lo = hex4(src, i + 8), lo >= 0xDC00, lo < 0xE000 {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        used = 12
                    }
                    if cp >= 0xD800, cp < 0xE000 { cp = 0xFFFD }
                    o += encodeUTF8(cp, dst, o)
                    i += used
                    continue
                }
            default: break
            }
            if let out {
                dst[o] = out; o += 1; i += 2
            } else {
                dst[o] = b; o += 1; i += 1
            }
        }
        return o
    }

    static func hex4(_ s: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        guard at + 4 <= s.count else { return nil }
        var v: UInt32 = 0
        for k in at..<(at + 4) {
            guard let d = ASCII.hexValue(s[k]) else { return nil }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    static func encodeUTF8(_ cp: UInt32, _ d: UnsafeMutableBufferPointer<UInt8>, _ o: Int) -> Int {
        // An escape takes ≥ 6 bytes of input, so ≤ 4 bytes of output always fit.
        switch cp {
        case ..<0x80: d[o] = UInt8(cp); return 1
        case ..<0x800:
            d[o] = UInt8(0xC0 | cp >> 6); d[o + 1] = UInt8(0x80 | cp & 0x3F); return 2
        case ..<0x10000:
            d[o] = UInt8(0xE0 | cp >> 12); d[o + 1] = UInt8(0x80 | (cp >> 6) & 0x3F)
            d[o + 2] = UInt8(0x80 | cp & 0x3F); return 3
        default:
            d[o] = UInt8(0xF0 | cp >> 18); d[o + 1] = UInt8(0x80 | (cp >> 12) & 0x3F)
            d[o + 2] = UInt8(0x80 | (cp >> 6) & 0x3F); d[o + 3] = UInt8(0x80 | cp & 0x3F); return 4
        }
    }
}

/// Byte-parallel tests on 8 bytes at once (little-endian: byte i is bits 8i..<8i+8), and
/// the byte search (`find`: SSE2 through `CSIMD` on x86-64, these words elsewhere).
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let quotes = JSONStringEnd.quotes
    static let backslashes = JSONStringEnd.backslashes

    /// High bit set in each byte of the result where `v` has a zero byte. Exact for the
    /// lowest such byte (bits above it may be false positives): use `trailingZeroBitCount`.
    @inline(__always)
    static func zeroBytes(_ v: UInt64) -> UInt64 {
        (v &- ones) & ~v & 0x8080_8080_8080_8080
    }

    /// `b` repeated in every byte.
    @inline(__always)
    static func splat(_ b: UInt8) -> UInt64 { UInt64(b) &* ones }

    /// First index of `byte` in `p[lo..<hi]`, else `hi`: 16 bytes per SSE2 compare on
    /// x86-64 (`corsscan_find_byte`), 8 per word elsewhere.
    @inline(__always)
    static func find(_ byte: UInt8, _ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int {
        guard let base = p.baseAddress else { return hi }
        #if arch(x86_64)
        return corsscan_find_byte(base, lo, hi, byte)
        #else
        return findWords(byte, base, lo, hi)
        #endif
    }

    /// `find` by 8-byte words (the portable form, and the test's reference on x86-64).
    @inline(__always)
    static func findWords(_ byte: UInt8, _ base: UnsafePointer<UInt8>, _ lo: Int, _ hi: Int) -> Int {
        var j = lo
        let pattern = splat(byte)
        while j + 8 <= hi {
            let m = zeroBytes(UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self) ^ pattern)
            if m != 0 { return j + m.trailingZeroBitCount >> 3 }
            j += 8
        }
        while j < hi, base[j] != byte { j += 1 }
        return j
    }
}
