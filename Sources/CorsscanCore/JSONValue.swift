/// A small JSON document model (RFC 8259) parsed straight from bytes.
///
/// Enough for browser evidence (WebDriver entries, CDP events, HAR documents, beacons),
/// which is small next to gateway logs; the access-log readers keep their own byte-level
/// scanners. Objects keep their keys in document order and may repeat keys (lookups take
/// the first). No Foundation.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Parses one JSON value filling the whole buffer (surrounding whitespace and a UTF-8
    /// BOM allowed). Returns `nil` for malformed input or nesting deeper than `maxDepth`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = 64) -> JSONValue? {
        var p = JSONParser(bytes: bytes, maxDepth: maxDepth)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { p.i = 3 }
        p.skipWhitespace()
        guard let v = p.value(depth: 0) else { return nil }
        p.skipWhitespace()
        return p.i == bytes.count ? v : nil
    }

    /// Convenience over a `String` or byte array.
    public static func parse(_ text: String, maxDepth: Int = 64) -> JSONValue? {
        var t = text
        return t.withUTF8 { parse($0, maxDepth: maxDepth) }
    }

    public static func parse(bytes: [UInt8], maxDepth: Int = 64) -> JSONValue? {
        bytes.withUnsafeBufferPointer { parse($0, maxDepth: maxDepth) }
    }

    // MARK: Lookup

    /// The first member named `key` (exact match) of an object; `nil` otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        for (k, v) in members where k == key { return v }
        return nil
    }

    /// The element at `index` of an array; `nil` otherwise.
    public subscript(index: Int) -> JSONValue? {
        guard case let .array(items) = self, index >= 0, index < items.count else { return nil }
        return items[index]
    }

    /// The first member whose name equals `key` ignoring ASCII case.
    public func member(ignoringCase key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        let lk = key.lowercased()
        for (k, v) in members where k.lowercased() == lk { return v }
        return nil
    }

    /// The first present member of `keys` (exact names), skipping `null`s.
    public func first(_ keys: [String]) -> JSONValue? {
        for k in keys { if let v = self[k], v != .null { return v } }
        return nil
    }

    /// Follows a dotted path of member names (`"params.request.url"`).
    public func path(_ dotted: String) -> JSONValue? {
        var cur: JSONValue? = self
        for part in dotted.split(separator: ".") { cur = cur?[String(part)] }
        return cur
    }

    public var string: String? { if case let .string(s) = self { return s }; return nil }
    public var double: Double? { if case let .number(d) = self { return d }; return nil }
    public var bool: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var array: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    public var members: [(String, JSONValue)]? { if case let .object(m) = self { return m }; return nil }
    public var isNull: Bool { self == .null }

    /// An integral number (or a string of digits) as `Int64`.
    public var int64: Int64? {
        switch self {
        case let .number(d):
            guard d.isFinite, d >= -9.2e18, d <= 9.2e18 else { return nil }
            return Int64(d)
        case let .string(s): return Int64(s)
        default: return nil
        }
    }

    public var int: Int? { int64.flatMap { Int(exactly: $0) } }

    /// Strings as they are, numbers and booleans rendered (`403`, `1.5`, `true`); else `nil`.
    public var text: String? {
        switch self {
        case let .string(s): return s
        case let .number(d):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case let .bool(b): return b ? "true" : "false"
        default: return nil
        }
    }
}

/// Recursive-descent parser over a byte buffer.
struct JSONParser {
    let b: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        b = bytes
        self.maxDepth = maxDepth
    }

    mutating func skipWhitespace() {
        while i < b.count, ASCII.isWhitespace(b[i]) { i += 1 }
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard i < b.count, depth <= maxDepth else { return nil }
        switch b[i] {
        case ASCII.openBrace: return object(depth: depth)
        case ASCII.openBracket: return array(depth: depth)
        case ASCII.quote: return string().map { .string($0) }
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    mutating func literal(_ word: StaticString, _ v: JSONValue) -> JSONValue? {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return nil }
        let ok = word.withUTF8Buffer { w in (0..<n).allSatisfy { b[i + $0] == w[$0] } }
        guard ok else { return nil }
        i += n
        return v
    }

    mutating func object(depth: Int) -> JSONValue? {
        i += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if i < b.count, b[i] == ASCII.closeBrace { i += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard i < b.count, b[i] == ASCII.quote, let k = string() else { return nil }
            skipWhitespace()
            guard i < b.count, b[i] == ASCII.colon else { return nil }
            i += 1
            skipWhitespace()
            guard let v = value(depth: depth + 1) else { return nil }
            members.append((k, v))
            skipWhitespace()
            guard i < b.count else { return nil }
            if b[i] == ASCII.comma { i += 1; continue }
            if b[i] == ASCII.closeBrace { i += 1; return .object(members) }
            return nil
        }
    }

    mutating func array(depth: Int) -> JSONValue? {
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if i < b.count, b[i] == ASCII.closeBracket { i += 1; return .array(items) }
        while true {
            skipWhitespace()
            guard let v = value(depth: depth + 1) else { return nil }
            items.append(v)
            skipWhitespace()
            guard i < b.count else { return nil }
            if b[i] == ASCII.comma { i += 1; continue }
            if b[i] == ASCII.closeBracket { i += 1; return .array(items) }
            return nil
        }
    }

    /// A string starting at the opening quote; escapes decoded, bad UTF-8 repaired.
    mutating func string() -> String? {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < b.count, b[i] != ASCII.quote, b[i] != ASCII.backslash, b[i] >= 0x20 { i += 1 }
        guard i < b.count else { return nil }
        if b[i] == ASCII.quote {
            let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            i += 1
            return s
        }
        var out = [UInt8](UnsafeBufferPointer(rebasing: b[start..<i]))
        while i < b.count {
            let c = b[i]
            if c == ASCII.quote { i += 1; return String(decoding: out, as: UTF8.self) }
            if c < 0x20 { return nil }
            if c != ASCII.backslash { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { return nil }
            let e = b[i]
            i += 1
            switch e {
            case ASCII.quote, ASCII.backslash, ASCII.slash: out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(ASCII.lf)
            case UInt8(ascii: "r"): out.append(ASCII.cr)
            case UInt8(ascii: "t"): out.append(ASCII.tab)
            case UInt8(ascii: "u"):
                guard var u = hex4() else { return nil }
                if u >= 0xD800, u < 0xDC00 {
                    // High surrogate: pair with a following \uDC00–\uDFFF, else U+FFFD.
                    if i + 1 < b.count, b[i] == ASCII.backslash, b[i + 1] == UInt8(ascii: "u") {
                        let save = i
                        i += 2
                        if let lo = hex4(), lo >= 0xDC00, lo < 0xE000 {
                            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                        } else { i = save; u = 0xFFFD }
                    } else { u = 0xFFFD }
                } else if u >= 0xDC00, u < 0xE000 { u = 0xFFFD }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(u)!)).utf8))
            default: return nil
            }
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard i + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let d = ASCII.hexValue(b[i + k]) else { return nil }
            v = v << 4 | UInt32(d)
        }
        i += 4
        return v
    }

    mutating func number() -> JSONValue? {
        let start = i
        if i < b.count, b[i] == ASCII.minus { i += 1 }
        let intStart = i
        while i < b.count, ASCII.isDigit(b[i]) { i += 1 }
        guard i > intStart else { return nil }
        if b[intStart] == ASCII.zero, i - intStart > 1 { return nil }
        if i < b.count, b[i] == ASCII.dot {
            i += 1
            let f = i
            while i < b.count, ASCII.isDigit(b[i]) { i += 1 }
            guard i > f else { return nil }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == ASCII.plus || b[i] == ASCII.minus { i += 1 }
            let e = i
            while i < b.count, ASCII.isDigit(b[i]) { i += 1 }
            guard i > e else { return nil }
        }
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        return Double(s).map { .number($0) }
    }
}
