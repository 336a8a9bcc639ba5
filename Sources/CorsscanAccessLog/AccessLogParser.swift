import CorsscanCore

/// JSON records: a key-path table from a template, or the recognised keys (`auto`).
/// (A class: a parser's body is read per line, and one reference is cheaper to hold than
/// the table's arrays.)
final class JSONBody: Sendable {
    let table: KeyTable
    let auto: Bool
    let subs: [PositionalTemplate]

    init(table: KeyTable, auto: Bool, subs: [PositionalTemplate]) {
        self.table = table
        self.auto = auto
        self.subs = subs
    }
}

/// How CloudWatch delivered the lines (reference §4.2, §4.4).
enum Wrapper: Sendable, Equatable {
    case none
    /// Export to S3: `2026-11-21T09:45:11.812Z <message>`.
    case cwlExport
    /// `aws logs tail`: `2026-11-21T09:45:11.812000+00:00 <stream> <message>` or
    /// `2026-11-21T09:45:11 <message>`.
    case cwlTail

    var name: String {
        switch self {
        case .none: return ""
        case .cwlExport: return "cwl-export"
        case .cwlTail: return "cwl-tail"
        }
    }

    /// Recognises a wrapper prefix: its kind, the event time and where the message starts.
    static func split(_ p: UnsafeBufferPointer<UInt8>) -> (Wrapper, Int64, Int)? {
        let n = p.count
        guard n >= 20, ASCII.isDigit(p[0]), ASCII.isDigit(p[3]), p[4] == ASCII.minus, p[7] == ASCII.minus,
              p[10] == ASCII.upperT, p[13] == ASCII.colon else { return nil }
        var sp = 19
        let limit = min(n, 40)
        while sp < limit, p[sp] != ASCII.space { sp += 1 }
        guard sp < limit, let t = Timestamp.parse(buffer: UnsafeBufferPointer(rebasing: p[0..<sp])) else { return nil }
        if p[sp - 1] == ASCII.upperZ { return (.cwlExport, t, sp + 1) }
        if sp == 19 { return (.cwlTail, t, sp + 1) }
        // Detailed tail: a zone, then the log stream name.
        var e = sp + 1
        while e < n, p[e] != ASCII.space { e += 1 }
        guard e < n, e > sp + 1, p[sp + 1] != ASCII.openBrace else { return (.cwlTail, t, sp + 1) }
        return (.cwlTail, t, e + 1)
    }
}

/// A compiled parser for one access-log line format.
public struct AccessLogParser: Sendable {
    enum Body: Sendable {
        case json(JSONBody)
        case positional(PositionalTemplate)
        case keyValue
    }

    /// Format name reported per file: "rest-clf", "http-clf", "rest-json", "http-json",
    /// "rest-xml", "http-xml", "rest-csv", "http-csv", "json", "serverless-kv", "custom";
    /// wrapped forms prefix the wrapper: "cwl-export+rest-json", "cwl-tail+http-json".
    public var format: String {
        get { wrapper == .none ? baseFormat : wrapper.name + "+" + baseFormat }
        set {
            if let plus = newValue.firstIndex(of: "+") {
                baseFormat = String(newValue[newValue.index(after: plus)...])
            } else {
                baseFormat = newValue
            }
        }
    }
    /// The format without the wrapper prefix.
    public internal(set) var baseFormat: String
    var wrapper: Wrapper = .none
    let body: Body
    /// The positional template of `body`, unretained (`body` owns it): read per line
    /// without the retain and release that binding the enum's payload costs.
    private let positional: Unmanaged<PositionalTemplate>?

    init(format: String, body: Body, wrapper: Wrapper = .none) {
        self.baseFormat = format
        self.body = body
        self.wrapper = wrapper
        if case .positional(let t) = body { positional = .passUnretained(t) } else { positional = nil }
    }

    /// JSON with the recognised keys, no template.
    public static let recognisedJSON = AccessLogParser(
        format: "json", body: .json(JSONBody(table: recognisedKeyTable, auto: true, subs: [])))
    /// Serverless Framework's REST default `key: value, key: value`.
    public static let serverlessKeyValue = AccessLogParser(format: "serverless-kv", body: .keyValue)

    /// This parser reading lines with a CloudWatch export (`cwl-export`) or `aws logs tail`
    /// (`cwl-tail`) prefix.
    func wrapped(_ w: Wrapper) -> AccessLogParser {
        var c = self
        c.wrapper = w
        return c
    }

    /// The same parser without its line wrapper (for messages from an envelope).
    public var unwrapped: AccessLogParser { wrapped(.none) }

    /// What a parser learns from the lines of one input to parse the next ones faster: JSON
    /// key hashes by position and the key layout of flat JSON records. Keep one per input
    /// (per thread); it only ever changes speed, never results.
    public struct Cache {
        var memo: KeyMemo? = KeyMemo()
        var layout: FlatJSONLayout? {
            didSet { escapedLayout = layout?.escapedForm() }
        }
        /// `layout` for messages still escaped (`parseInPlace`).
        var escapedLayout: FlatJSONLayout?
        /// Lines the layout did and did not fit, and learning attempts left.
        var hits = 0, misses = 0, learnBudget = 64
        /// Escaped messages the escaped layout did and did not fit.
        var inPlaceHits = 0, inPlaceMisses = 0

        public init() {}

        /// A cache that learns nothing (one-off parses).
        static var none: Cache {
            var c = Cache()
            c.memo = nil
            c.learnBudget = 0
            return c
        }
    }

    /// Parses one line (no LF) into `record` (reset first). Returns nil when a record was
    /// produced (it has a time and a method), else why the line was skipped.
    public func parse(_ line: UnsafeBufferPointer<UInt8>, into record: inout AccessRecordBuilder) -> SkipReason? {
        var cache = Cache.none
        return parse(line, into: &record, cache: &cache)
    }

    /// `parse(_:into:)` learning from and reusing `cache` (one per input).
    public func parse(_ line: UnsafeBufferPointer<UInt8>, into record: inout AccessRecordBuilder,
                      cache: inout Cache) -> SkipReason? {
        var st = RecordState()
        return parseLine(line, into: &record, state: &st, cache: &cache)
    }

    /// Parses one log-event message (from a Firehose envelope or CLI JSON output) without any
    /// line prefix; `fallbackTime` (the event's epoch ms) is used when the record has no time.
    public func parse(message: UnsafeBufferPointer<UInt8>, fallbackTime: Int64?,
                      into record: inout AccessRecordBuilder) -> SkipReason? {
        var cache = Cache.none
        return parse(message: message, fallbackTime: fallbackTime, into: &record, cache: &cache)
    }

    /// `parse(message:fallbackTime:into:)` learning from and reusing `cache` (one per input).
    public func parse(message: UnsafeBufferPointer<UInt8>, fallbackTime: Int64?,
                      into record: inout AccessRecordBuilder, cache: inout Cache) -> SkipReason? {
        record.reset()
        var st = RecordState()
        guard !isBlank(message) else { return .blank }
        return parseBody(message, fallbackTime: fallbackTime, into: &record, state: &st, cache: &cache)
    }

    /// What `parseInPlace` did with a message.
    public enum InPlace: Equatable {
        /// A record was produced.
        case record
        /// The message fitted but gave no record, for this reason.
        case skipped(SkipReason)
        /// Not parsed: unescape the message and call `parse(message:…)`.
        case unescapeFirst
    }

    /// Parses a message still escaped as the content of the JSON string it came in (a
    /// Firehose envelope's `message`) where it lies, when it fits the flat JSON layout
    /// learned from the previous messages (`FlatJSONLayout.escapedForm`). Gives what
    /// `parse(message:…)` gives for the unescaped message, or `.unescapeFirst`.
    public func parseInPlace(escapedMessage m: UnsafeBufferPointer<UInt8>, fallbackTime: Int64?,
                             into r: inout AccessRecordBuilder, cache: inout Cache) -> InPlace {
        guard case .json(let j) = body, cache.escapedLayout != nil else { return .unescapeFirst }
        r.reset()
        var st = RecordState()
        // Called through the optional in place: binding it would copy (retain) its arrays.
        guard cache.escapedLayout?.parse(m, j, &r, &st) == true else {
            cache.inPlaceMisses += 1
            if cache.inPlaceMisses > 64, cache.inPlaceMisses > cache.inPlaceHits / 4 {
                // Messages escaped some other way (`\/`, `\u…`): stop trying.
                cache.escapedLayout = nil
            }
            return .unescapeFirst
        }
        cache.inPlaceHits += 1
        cache.hits += 1
        if let reason = finish(&r, st, fallbackTime: fallbackTime, positional: false) { return .skipped(reason) }
        return .record
    }

    func parseLine(_ line: UnsafeBufferPointer<UInt8>, into record: inout AccessRecordBuilder,
                   state st: inout RecordState) -> SkipReason? {
        var cache = Cache.none
        return parseLine(line, into: &record, state: &st, cache: &cache)
    }

    func parseLine(_ line: UnsafeBufferPointer<UInt8>, into record: inout AccessRecordBuilder,
                   state st: inout RecordState, cache: inout Cache) -> SkipReason? {
        record.reset()
        guard !isBlank(line) else { return .blank }
        if wrapper != .none, let (_, t, start) = Wrapper.split(line) {
            let msg = UnsafeBufferPointer(rebasing: line[start...])
            guard !isBlank(msg) else { return .blank }
            return parseBody(msg, fallbackTime: t, into: &record, state: &st, cache: &cache)
        }
        return parseBody(line, fallbackTime: nil, into: &record, state: &st, cache: &cache)
    }

    @inline(__always)
    func parseBody(_ p: UnsafeBufferPointer<UInt8>, fallbackTime: Int64?, into r: inout AccessRecordBuilder,
                   state st: inout RecordState, cache: inout Cache) -> SkipReason? {
        if let positional {
            guard positional._withUnsafeGuaranteedRef({ Self.applyMatch($0, p, &r, &st) }) else { return .unknownFormat }
            return finish(&r, st, fallbackTime: fallbackTime, positional: true)
        }
        switch body {
        case .json(let j):
            switch Self.scanJSON(p, j, &r, &st, &cache) {
            case .ok: return finish(&r, st, fallbackTime: fallbackTime, positional: false)
            case .notJSON: return .unknownFormat
            case .malformed: return .malformedJSON
            }
        case .positional:
            preconditionFailure("read through `positional` above")
        case .keyValue:
            guard Self.scanKeyValue(p, &r, &st) else { return .unknownFormat }
            return finish(&r, st, fallbackTime: fallbackTime, positional: true)
        }
    }

    @inline(__always)
    static func scanJSON(_ p: UnsafeBufferPointer<UInt8>, _ j: JSONBody, _ r: inout AccessRecordBuilder,
                         _ st: inout RecordState, _ cache: inout Cache) -> JSONScanner.Result {
        // The layout of the previous line first; the general walk when the line differs.
        if cache.layout != nil {
            let st0 = st
            // Called through the optional in place: binding it would copy (retain) its arrays.
            if cache.layout?.parse(p, j, &r, &st) == true {
                cache.hits += 1
                return .ok
            }
            r.reset()
            st = st0
            cache.misses += 1
            if cache.misses > 64, cache.misses > cache.hits / 4 {
                // Mixed layouts: stop trying.
                cache.layout = nil
                cache.learnBudget = 0
            }
        }
        let result = JSONScanner.scanObject(p, memo: &cache.memo) { path, leaf, lo, hi, isString, escaped in
            guard let slot = j.table.lookup(path) ?? (j.auto ? j.table.lookup(leaf) : nil) else { return }
            applyJSONValue(slot, j, p, lo, hi, isString: isString, escaped: escaped, &r, &st)
        }
        if result == .ok, cache.learnBudget > 0 {
            cache.learnBudget -= 1
            if let l = FlatJSONLayout.learn(p, j) {
                cache.layout = l
                cache.learnBudget += 1
            }
        }
        return result
    }

    /// One JSON value into the record, as its slot says (sub-template, trimmed prefix and
    /// suffix, string with or without escapes, bare value).
    @inline(__always)
    static func applyJSONValue(_ slot: Slot, _ j: JSONBody, _ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int,
                               isString: Bool, escaped: Bool, _ r: inout AccessRecordBuilder, _ st: inout RecordState) {
        if slot.sub >= 0 {
            let t = j.subs[slot.sub]
            if escaped {
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(hi - lo, 1)) { tmp in
                    let n = JSONScanner.unescape(UnsafeBufferPointer(rebasing: p[lo..<hi]), into: tmp)
                    _ = applyMatch(t, UnsafeBufferPointer(rebasing: UnsafeBufferPointer(tmp)[0..<n]), &r, &st)
                }
            } else {
                _ = applyMatch(t, UnsafeBufferPointer(rebasing: p[lo..<hi]), &r, &st)
            }
            return
        }
        var a = lo, b = hi
        if slot.prefix > 0 || slot.suffix > 0, b - a >= slot.prefix + slot.suffix {
            a += slot.prefix; b -= slot.suffix
        }
        if isString {
            applyJSONString(slot.target, p, a, b, escaped: escaped, &r, &st)
        } else {
            var v = UnsafeBufferPointer(rebasing: p[a..<b])
            // Bare `null` is as good as `-`.
            if v.count == 4, v[0] == 0x6E, v[1] == 0x75 { v = UnsafeBufferPointer(rebasing: v[0..<0]) }
            apply(slot.target, v, &r, &st)
        }
    }

    /// Matches `v` against `t` (a whole line, or a JSON value's sub-template), applying each
    /// variable's value; false when it does not fit.
    @inline(__always)
    static func applyMatch(_ t: PositionalTemplate, _ v: UnsafeBufferPointer<UInt8>, _ r: inout AccessRecordBuilder,
                           _ st: inout RecordState) -> Bool {
        t.match(v, 0, v.count) { target, a, b in
            apply(target, UnsafeBufferPointer(rebasing: v[a..<b]), &r, &st)
        }
    }

    /// `key: value, key: value`. A value ends at `, ` followed by `key: `; for free-text
    /// values (user agent, error message) only a recognised key counts.
    static func scanKeyValue(_ p: UnsafeBufferPointer<UInt8>, _ r: inout AccessRecordBuilder,
                             _ st: inout RecordState) -> Bool {
        var lo = 0, hi = p.count
        while lo < hi, ASCII.isWhitespace(p[lo]) { lo += 1 }
        while hi > lo, ASCII.isWhitespace(p[hi - 1]) { hi -= 1 }
        guard var key = kvKey(p, lo, hi) else { return false }
        var pairs = 0
        while true {
            let slot = recognisedKeyTable.lookup(key.hash)
            let greedy = slot?.greedy ?? false
            var j = key.valueStart
            var end = hi
            var next: (hash: UInt64, valueStart: Int)? = nil
            while j + 1 < hi {
                if p[j] == ASCII.comma, p[j + 1] == ASCII.space, let k = kvKey(p, j + 2, hi),
                   !greedy || recognisedKeyTable.lookup(k.hash) != nil {
                    end = j
                    next = k
                    break
                }
                j += 1
            }
            pairs += 1
            if let slot { apply(slot.target, UnsafeBufferPointer(rebasing: p[key.valueStart..<end]), &r, &st) }
            guard let n = next else { break }
            key = n
        }
        return pairs >= 3
    }

    /// `ident: ` at `at` → the key's hash and where its value starts.
    @inline(__always)
    static func kvKey(_ p: UnsafeBufferPointer<UInt8>, _ at: Int, _ hi: Int) -> (hash: UInt64, valueStart: Int)? {
        var i = at
        var h = KeyHash.basis
        while i < hi, i - at < 64 {
            let b = p[i]
            if ASCII.isDigit(b) || (b | 0x20) &- 0x61 < 26 || b == ASCII.underscore || b == ASCII.dot {
                h = KeyHash.add(h, b)
                i += 1
            } else {
                break
            }
        }
        guard i > at, i + 1 < hi + 1, i < hi, p[i] == ASCII.colon else { return nil }
        if i + 1 == hi { return (h, hi) }
        guard p[i + 1] == ASCII.space else { return nil }
        return (h, i + 2)
    }
}

@inline(__always) func isBlank(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
    for b in p where !ASCII.isWhitespace(b) { return false }
    return true
}
