import CorsscanCore

/// The exact shape of a flat JSON record (`{"k":"v", "k2":-, …}`: no nesting, no escapes),
/// learned from one line so the next lines of the same format parse in one tight pass.
///
/// The layout is the bytes between values (`{ "requestId":"`, `", "ip": "`, …: keys,
/// punctuation and spacing, with a string value's opening quote) and whether each value
/// is a string. A line fits when every separator is there byte for byte and every value
/// ends where the general scanner (`JSONScanner`) ends it.
///
/// Only ever changes speed: anything else (another key or spacing, an escape, a quote
/// inside a value, a string where a bare value was, nesting) returns false and the caller
/// parses the line the general way.
struct FlatJSONLayout {
    /// All separators back to back; value k's separator is `sepBytes[fields[k].sepStart...]`.
    private var sepBytes: [UInt8] = []
    private var fields: [Field] = []
    /// The bytes after the last value, up to and including `}`.
    private var tail: [UInt8] = []
    /// Whether this layout reads records still escaped as the content of a JSON string
    /// (`escapedForm`): separators escaped, a string value ending at `\"`.
    private(set) var escaped = false

    private struct Field {
        var sepStart: Int
        var sepCount: Int
        var isString: Bool
        /// Where the value goes (nil: not a field corsscan reads).
        var slot: Slot?
    }

    /// The layout of `p`, or nil when `p` is not a simple flat object.
    static func learn(_ p: UnsafeBufferPointer<UInt8>, _ j: JSONBody) -> FlatJSONLayout? {
        var layout = FlatJSONLayout()
        let n = p.count
        var i = JSONScanner.skipSpace(p, 0)
        guard i < n, p[i] == ASCII.openBrace else { return nil }
        var sepStart = 0
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
            guard let v = valueEnd(p, i) else { return nil }
            // The separator runs up to the value, a string's opening quote included.
            let sepEnd = v.isString ? v.lo : i
            let start = layout.sepBytes.count
            layout.sepBytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[sepStart..<sepEnd]))
            // Flat: the key path is the key itself.
            layout.fields.append(Field(sepStart: start, sepCount: sepEnd - sepStart, isString: v.isString,
                                       slot: j.table.lookup(KeyHash.hash(p, ks, ke))))
            sepStart = v.next
            i = JSONScanner.skipSpace(p, v.next)
            guard i < n else { return nil }
            if p[i] == ASCII.closeBrace {
                layout.tail = Array(UnsafeBufferPointer(rebasing: p[sepStart...i]))
                return layout
            }
            guard p[i] == ASCII.comma else { return nil }
            i = JSONScanner.skipSpace(p, i + 1)
            guard layout.fields.count < 256 else { return nil }
        }
    }

    /// The same layout for records still escaped as the content of a JSON string (a Firehose
    /// envelope's `message`), so they parse in place without being unescaped first: `"` and
    /// `\` in the separators escaped, a string value ending at `\"`. A record fits it only
    /// when its values hold no backslash; it then yields exactly what the unescaped record
    /// gives with this layout (anything else, such as `\/` or `\u00e9`, does not fit).
    /// Nil when a separator holds a control byte (escaped more than one way).
    func escapedForm() -> FlatJSONLayout? {
        func escape(_ b: [UInt8]) -> [UInt8]? {
            var out: [UInt8] = []
            out.reserveCapacity(b.count + 8)
            for c in b {
                if c < 0x20 { return nil }
                if c == ASCII.quote || c == ASCII.backslash { out.append(ASCII.backslash) }
                out.append(c)
            }
            return out
        }
        var e = FlatJSONLayout()
        e.escaped = true
        for f in fields {
            guard let sep = escape(Array(sepBytes[f.sepStart..<(f.sepStart + f.sepCount)])) else { return nil }
            e.fields.append(Field(sepStart: e.sepBytes.count, sepCount: sep.count, isString: f.isString, slot: f.slot))
            e.sepBytes += sep
        }
        guard let t = escape(tail) else { return nil }
        e.tail = t
        return e
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
        let end = bareEnd(p, i)
        return (i, end, false, end)
    }

    /// The end of a bare value (number, `-`, `null`, …) starting at `i`.
    @inline(__always)
    private static func bareEnd(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var k = i
        let n = p.count
        while k < n {
            let b = p[k]
            if b == ASCII.comma || b == ASCII.closeBrace || b == ASCII.closeBracket || JSONScanner.isSpace(b) { break }
            k += 1
        }
        return k
    }

    /// Parses `p` into `r` if it has this layout. On false, `r` and `st` hold a partial
    /// parse: the caller resets them.
    func parse(_ p: UnsafeBufferPointer<UInt8>, _ j: JSONBody, _ r: inout AccessRecordBuilder,
               _ st: inout RecordState) -> Bool {
        guard let base = p.baseAddress else { return false }
        let n = p.count
        return sepBytes.withUnsafeBufferPointer { seps in
            fields.withUnsafeBufferPointer { fields in
                guard let sepBase = seps.baseAddress else { return false }
                var i = 0
                for f in fields {
                    guard i + f.sepCount <= n, SmallBytes.equal(base + i, sepBase + f.sepStart, f.sepCount) else { return false }
                    i += f.sepCount
                    let lo = i
                    if f.isString {
                        let q = JSONScanner.nextQuoteOrBackslash(p, i)
                        if escaped {
                            // Ends at `\"`; any other escape in a value does not fit.
                            guard q + 1 < n, base[q] == ASCII.backslash, base[q + 1] == ASCII.quote else { return false }
                            i = q + 2
                        } else {
                            guard q < n, base[q] == ASCII.quote else { return false }
                            i = q + 1
                        }
                        if let slot = f.slot {
                            AccessLogParser.applyJSONValue(slot, j, p, lo, q, isString: true, escaped: false, &r, &st)
                        }
                    } else {
                        guard i < n else { return false }
                        let c = base[i]
                        guard c != ASCII.quote, c != ASCII.openBrace, c != ASCII.openBracket else { return false }
                        i = Self.bareEnd(p, i)
                        // Escaped, a bare value holding a backslash would differ once unescaped.
                        if escaped {
                            var k = lo
                            while k < i {
                                if base[k] == ASCII.backslash { return false }
                                k += 1
                            }
                        }
                        if let slot = f.slot {
                            AccessLogParser.applyJSONValue(slot, j, p, lo, i, isString: false, escaped: false, &r, &st)
                        }
                    }
                }
                return tail.withUnsafeBufferPointer { t in
                    i + t.count <= n && SmallBytes.equal(base + i, t.baseAddress!, t.count)
                }
            }
        }
    }
}
