import CorsscanCore

/// The key layout of a flat JSON record (`{"k":"v", "k2":-, …}`: no nesting, no escapes),
/// learned from one line so the next lines of the same format parse in one tight pass.
///
/// Only ever changes speed: `parse` accepts a line only when it has exactly these keys in
/// this order, each value ending where the general scanner (`JSONScanner`) ends it;
/// anything else (another key, an escape, a quote inside a value, nesting, stray commas)
/// returns false and the caller parses the line the general way.
struct FlatJSONLayout {
    private var keyBytes: [UInt8] = []
    /// Key i is `keyBytes[keyEnds[i-1]..<keyEnds[i]]`.
    private var keyEnds: [Int] = []
    /// Where each key's value goes (nil: not a field corsscan reads).
    private var slots: [Slot?] = []

    /// The layout of `p`, or nil when `p` is not a simple flat object.
    static func learn(_ p: UnsafeBufferPointer<UInt8>, _ j: JSONBody) -> FlatJSONLayout? {
        var layout = FlatJSONLayout()
        let n = p.count
        var i = JSONScanner.skipSpace(p, 0)
        guard i < n, p[i] == ASCII.openBrace else { return nil }
        i = JSONScanner.skipSpace(p, i + 1)
        while true {
            guard i < n, p[i] == ASCII.quote else { return nil }
            let ks = i + 1
            var ke = ks
            while ke < n, p[ke] != ASCII.quote {
                if p[ke] == ASCII.backslash { return nil }
                ke += 1
            }
            guard ke < n, ke > ks else { return nil }
            i = JSONScanner.skipSpace(p, ke + 1)
            guard i < n, p[i] == ASCII.colon else { return nil }
            i = JSONScanner.skipSpace(p, i + 1)
            guard let end = valueEnd(p, i) else { return nil }
            i = JSONScanner.skipSpace(p, end.next)
            guard i < n else { return nil }
            layout.keyBytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[ks..<ke]))
            layout.keyEnds.append(layout.keyBytes.count)
            // Flat: the key path is the key itself.
            layout.slots.append(j.table.lookup(KeyHash.hash(p, ks, ke)))
            if p[i] == ASCII.closeBrace { return layout }
            guard p[i] == ASCII.comma else { return nil }
            i = JSONScanner.skipSpace(p, i + 1)
            guard layout.slots.count < 256 else { return nil }
        }
    }

    /// A value starting at `i`: its bounds, whether it is a string, and the index after it;
    /// nil for nesting, escapes and the end of the line.
    @inline(__always)
    private static func valueEnd(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (lo: Int, hi: Int, isString: Bool, next: Int)? {
        let n = p.count
        guard i < n else { return nil }
        let c = p[i]
        if c == ASCII.quote {
            let q = JSONScanner.nextQuoteOrBackslash(p, i + 1)
            guard q < n, p[q] == ASCII.quote else { return nil }
            return (i + 1, q, true, q + 1)
        }
        if c == ASCII.openBrace || c == ASCII.openBracket { return nil }
        var k = i
        while k < n {
            let b = p[k]
            if b == ASCII.comma || b == ASCII.closeBrace || b == ASCII.closeBracket || JSONScanner.isSpace(b) { break }
            k += 1
        }
        return (i, k, false, k)
    }

    /// Parses `p` into `r` if it has this layout. On false, `r` and `st` hold a partial
    /// parse: the caller resets them.
    func parse(_ p: UnsafeBufferPointer<UInt8>, _ j: JSONBody, _ r: inout AccessRecordBuilder,
               _ st: inout RecordState) -> Bool {
        guard let base = p.baseAddress else { return false }
        let n = p.count
        let count = slots.count
        return keyBytes.withUnsafeBufferPointer { keys in
            keyEnds.withUnsafeBufferPointer { ends in
                slots.withUnsafeBufferPointer { slots in
                    var i = JSONScanner.skipSpace(p, 0)
                    guard i < n, p[i] == ASCII.openBrace else { return false }
                    i = JSONScanner.skipSpace(p, i + 1)
                    var k = 0
                    while k < count {
                        let klo = k == 0 ? 0 : ends[k - 1]
                        let len = ends[k] - klo
                        let ks = i + 1
                        guard ks + len < n, p[i] == ASCII.quote, p[ks + len] == ASCII.quote,
                              bytesEqual(base + ks, keys.baseAddress! + klo, len) else { return false }
                        i = JSONScanner.skipSpace(p, ks + len + 1)
                        guard i < n, p[i] == ASCII.colon else { return false }
                        i = JSONScanner.skipSpace(p, i + 1)
                        guard let v = Self.valueEnd(p, i) else { return false }
                        i = JSONScanner.skipSpace(p, v.next)
                        guard i < n else { return false }
                        if k == count - 1 {
                            guard p[i] == ASCII.closeBrace else { return false }
                        } else {
                            guard p[i] == ASCII.comma else { return false }
                            i = JSONScanner.skipSpace(p, i + 1)
                        }
                        if let slot = slots[k] {
                            AccessLogParser.applyJSONValue(slot, j, p, v.lo, v.hi, isString: v.isString, escaped: false, &r, &st)
                        }
                        k += 1
                    }
                    return true
                }
            }
        }
    }
}

/// Whether `n` bytes at `a` and `b` are equal, eight at a time (short keys: no call to memcmp).
@inline(__always)
func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
