import CorsscanCore

public enum AccessLogDetector {
    /// The console presets compiled once, most specific first.
    static let presets: [AccessLogParser] = presetTemplates.map { p in
        // The preset texts are known good.
        let t = try! LogTemplate.compilePositional(p.template)
        return AccessLogParser(format: p.format, body: .positional(t))
    }

    /// Picks the parser for a file from its first non-blank lines (up to ~20), or nil when
    /// they are not access-log lines. With a user template, returns that template's parser
    /// (wrapped when the lines carry CloudWatch export/tail prefixes). A format is chosen only
    /// when it reads at least half the sample, so REST execution-log lines
    /// (`(uuid) Method request headers: …`) and browser console text are not claimed.
    public static func detect(sampleLines: [[UInt8]], template: LogTemplate?) -> AccessLogParser? {
        let lines = sampleLines.lazy.filter { !$0.allSatisfy(ASCII.isWhitespace) }.prefix(20).map { $0 }
        guard !lines.isEmpty else { return template?.parser }
        // Wrapper: the one most lines carry.
        var export = 0, tail = 0
        for l in lines {
            l.withUnsafeBufferPointer { p in
                switch Wrapper.split(p)?.0 {
                case .cwlExport?: export += 1
                case .cwlTail?: tail += 1
                default: break
                }
            }
        }
        var wrapper = Wrapper.none
        if export * 2 >= lines.count, export >= tail { wrapper = .cwlExport }
        else if tail * 2 >= lines.count { wrapper = .cwlTail }

        if let template { return template.parser.wrapped(wrapper) }

        var candidates: [AccessLogParser] = [AccessLogParser.recognisedJSON, AccessLogParser.serverlessKeyValue]
        candidates += presets
        var best: AccessLogParser? = nil
        var bestScore = 0
        for c in candidates {
            let parser = c.wrapped(wrapper)
            var score = 0
            var b = AccessRecordBuilder()
            for l in lines {
                let ok = l.withUnsafeBufferPointer { p -> Bool in
                    var st = RecordState(strict: true)
                    return parser.parseLine(p, into: &b, state: &st) == nil && st.sawRequestId
                }
                if ok { score += 1 }
            }
            if score > bestScore { best = parser; bestScore = score }
        }
        guard var chosen = best, bestScore * 2 >= lines.count else { return nil }
        if chosen.baseFormat == "json" {
            // Name the console presets by their key sets.
            for l in lines {
                let name = l.withUnsafeBufferPointer { p -> String? in
                    let msg = wrapper != .none ? Wrapper.split(p).map { UnsafeBufferPointer(rebasing: p[$0.2...]) } ?? p : p
                    return LogTemplate.jsonPresetName(msg)
                }
                if let name { chosen.baseFormat = name; break }
            }
        }
        return chosen
    }
}

/// CloudWatch Logs subscription envelopes (Firehose objects) and other JSON event containers.
public enum LogEventContainer {
    public enum Kind: Equatable, Sendable { case data, control, notContainer, malformed }

    /// How every CloudWatch Logs subscription envelope starts (compact JSON, `messageType`
    /// first): where a Firehose object resumes after an envelope cut short.
    public static let firehoseStart = Array(#"{"messageType":"#.utf8)

    static let messageTypeKey = KeyHash.hash("messageType")
    static let logEventsKey = KeyHash.hash("logEvents")
    static let eventsKey = KeyHash.hash("events")
    static let timestampKey = KeyHash.hash("timestamp")
    static let messageKey = KeyHash.hash("message")
    static let control = Array("CONTROL_MESSAGE".utf8)

    /// Inspects one top-level JSON object. For `{"messageType":"DATA_MESSAGE",…,"logEvents":[…]}`
    /// and the `aws logs filter-log-events`/`get-log-events` output `{"events":[…]}`, calls
    /// `onEvent` with each event's unescaped message and its timestamp (epoch ms; 0 when the
    /// event has none) and returns `.data`. `CONTROL_MESSAGE` → `.control` without events.
    /// `eventCount` is set to the number of events either way. Any other object →
    /// `.notContainer` (it may be an access record itself); broken JSON → `.malformed`.
    public static func scan(_ object: UnsafeBufferPointer<UInt8>, eventCount: inout Int,
                            onEvent: (UnsafeBufferPointer<UInt8>, Int64) -> Void) -> Kind {
        var scratch = Scratch()
        return scan(object, eventCount: &eventCount, scratch: &scratch, onEvent: onEvent)
    }

    /// Where one event's message (`start == -1`: none) lies in the envelope, escaped (the
    /// content of its JSON string), and its time.
    struct EventSpan: Sendable {
        var start: Int
        var end: Int
        var time: Int64
    }

    /// Working memory of `scan`, reused across objects: the events found, and room for
    /// one message unescaped.
    public struct Scratch: Sendable {
        var spans: [EventSpan] = []
        var bytes: [UInt8] = []

        /// Events found by the last walk (`scanPrefix`).
        public var eventCount: Int { spans.count }

        public init() {}
    }

    /// `scan` with a caller-owned scratch array, reused across objects (the hot path).
    ///
    /// A well-formed envelope is walked once, recording each event's message span, and its
    /// events are handed over after the walk; anything unusual goes to `scanReference`,
    /// whose result is the contract (the fuzz target compares the two).
    public static func scan(_ object: UnsafeBufferPointer<UInt8>, eventCount: inout Int, scratch: inout Scratch,
                            onEvent: (UnsafeBufferPointer<UInt8>, Int64) -> Void) -> Kind {
        if let (kind, _) = scanOnce(object, scratch: &scratch) {
            eventCount = scratch.spans.count
            if kind == .data { deliver(&scratch, in: object, onEvent) }
            return kind
        }
        return scanReference(object, eventCount: &eventCount, onEvent: onEvent)
    }

    /// `scan` of the envelope at the start of `bytes`, which may run on past it (the
    /// input's next objects) or stop before its end: when the strict pass walks a whole
    /// envelope, its kind, its length in bytes (its closing `}` included) and its events
    /// (`deliver`), with `scan` giving the same for exactly those bytes. The braces and
    /// brackets of those bytes balance outside strings, the last closing the first, so a
    /// reader splitting objects by depth ends the object there too (`JSONObjectReader.takeObject`).
    /// Nil when anything else is there (a cut envelope, another object, anything out of
    /// shape): scan the object the reader returns instead.
    public static func scanPrefix(_ bytes: UnsafeBufferPointer<UInt8>, scratch: inout Scratch) -> (kind: Kind, length: Int)? {
        scanOnce(bytes, scratch: &scratch)
    }

    /// Calls `onEvent` with each event of the envelope `object` that `scanPrefix` walked
    /// last, in order: its message unescaped, and its time.
    public static func deliver(_ scratch: inout Scratch, in object: UnsafeBufferPointer<UInt8>,
                               _ onEvent: (UnsafeBufferPointer<UInt8>, Int64) -> Void) {
        for s in scratch.spans {
            if s.start < 0 {
                onEvent(UnsafeBufferPointer(rebasing: object[0..<0]), s.time)
                continue
            }
            unescape(UnsafeBufferPointer(rebasing: object[s.start..<s.end]), using: &scratch.bytes) { onEvent($0, s.time) }
        }
    }

    /// `deliver` without unescaping: each message as it lies in `object` (the content of
    /// its JSON string, escapes and all) and its time, for a caller that can parse it so
    /// (`AccessLogParser.parseInPlace`) and unescapes it otherwise (`unescape`).
    public static func deliverEscaped(_ scratch: Scratch, in object: UnsafeBufferPointer<UInt8>,
                                      _ onEvent: (UnsafeBufferPointer<UInt8>, Int64) -> Void) {
        for s in scratch.spans {
            onEvent(UnsafeBufferPointer(rebasing: s.start < 0 ? object[0..<0] : object[s.start..<s.end]), s.time)
        }
    }

    /// Unescapes the content of a JSON string as `deliver` does into `buffer` (grown as
    /// needed), and calls `body` with the result.
    public static func unescape<R>(_ escaped: UnsafeBufferPointer<UInt8>, using buffer: inout [UInt8],
                                   _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if buffer.count < escaped.count + 1 {
            buffer = Array(repeating: 0, count: max(escaped.count + 1, 2 * buffer.count))
        }
        return buffer.withUnsafeMutableBufferPointer { b in
            let n = JSONScanner.unescape(escaped, into: b)
            return body(UnsafeBufferPointer(rebasing: b[0..<n]))
        }
    }

    /// One strict pass over an envelope: `.data`/`.control` with `scratch` filled (where each
    /// message lies) and the index after its closing `}`, or nil when the
    /// object is anything else (not a container, broken, oddly shaped). Bytes after the
    /// closing `}` are not looked at. Where it succeeds, a depth count of braces and
    /// brackets outside strings closes at the same `}` (bare values holding a quote or
    /// bracket are out of shape).
    static func scanOnce(_ p: UnsafeBufferPointer<UInt8>, scratch: inout Scratch) -> (kind: Kind, length: Int)? {
        scratch.spans.removeAll(keepingCapacity: true)
        let n = p.count
        var i = JSONScanner.skipSpace(p, 0)
        guard i < n, p[i] == ASCII.openBrace else { return nil }
        i += 1
        var isControl = false
        var sawArray = false
        while true {
            i = JSONScanner.skipSpace(p, i)
            guard i < n else { return nil }
            if p[i] == ASCII.closeBrace { break }
            if p[i] == ASCII.comma { i += 1; continue }
            guard p[i] == ASCII.quote, let ke = strictStringEnd(p, i + 1) else { return nil }
            let key = KeyHash.hash(p, i + 1, ke)
            i = JSONScanner.skipSpace(p, ke + 1)
            guard i < n, p[i] == ASCII.colon else { return nil }
            i = JSONScanner.skipSpace(p, i + 1)
            guard i < n else { return nil }
            let vs = i
            switch p[i] {
            case ASCII.quote:
                guard let e = strictStringEnd(p, i + 1) else { return nil }
                if key == messageTypeKey {
                    isControl = UnsafeBufferPointer(rebasing: p[(vs + 1)..<e]).elementsEqual(control)
                }
                i = e + 1
            case ASCII.openBracket where !sawArray && (key == logEventsKey || key == eventsKey):
                sawArray = true
                guard let e = walkEvents(p, vs, &scratch) else { return nil }
                i = e
            case ASCII.openBrace, ASCII.openBracket:
                guard let e = JSONScanner.skipContainer(p, i) else { return nil }
                i = e
            default:
                while i < n, p[i] != ASCII.comma, p[i] != ASCII.closeBrace {
                    let b = p[i]
                    if b == ASCII.quote || b == ASCII.openBrace || b == ASCII.openBracket || b == ASCII.closeBracket {
                        return nil
                    }
                    i += 1
                }
            }
        }
        guard sawArray else { return nil }
        return (isControl ? .control : .data, i + 1)
    }

    /// The events that closed before the cut in an envelope cut short (a truncated upload,
    /// an envelope interrupted by the next one): `onEvent` for each, in order, with the same
    /// messages and times `scan` gives for them in the whole envelope; returns how many.
    /// Nothing for a control message or when the cut comes before the events array.
    public static func salvage(_ partial: UnsafeBufferPointer<UInt8>, scratch: inout Scratch,
                               onEvent: (UnsafeBufferPointer<UInt8>, Int64) -> Void) -> Int {
        scratch.spans.removeAll(keepingCapacity: true)
        let p = partial, n = p.count
        var i = JSONScanner.skipSpace(p, 0)
        guard i < n, p[i] == ASCII.openBrace else { return 0 }
        i += 1
        walk: while true {
            i = JSONScanner.skipSpace(p, i)
            guard i < n, p[i] != ASCII.closeBrace else { return 0 }
            if p[i] == ASCII.comma { i += 1; continue }
            guard p[i] == ASCII.quote, let ke = strictStringEnd(p, i + 1) else { return 0 }
            let key = KeyHash.hash(p, i + 1, ke)
            i = JSONScanner.skipSpace(p, ke + 1)
            guard i < n, p[i] == ASCII.colon else { return 0 }
            i = JSONScanner.skipSpace(p, i + 1)
            guard i < n else { return 0 }
            switch p[i] {
            case ASCII.quote:
                guard let e = strictStringEnd(p, i + 1) else { return 0 }
                if key == messageTypeKey, UnsafeBufferPointer(rebasing: p[(i + 1)..<e]).elementsEqual(control) { return 0 }
                i = e + 1
            case ASCII.openBracket where key == logEventsKey || key == eventsKey:
                // The events before the cut are in `scratch` whether or not the array closed.
                _ = walkEvents(p, i, &scratch)
                break walk
            case ASCII.openBrace, ASCII.openBracket:
                guard let e = JSONScanner.skipContainer(p, i) else { return 0 }
                i = e
            default:
                while i < n, p[i] != ASCII.comma, p[i] != ASCII.closeBrace { i += 1 }
            }
        }
        deliver(&scratch, in: p, onEvent)
        return scratch.spans.count
    }

    /// The events array starting at `s` (`[`), each event an object of members: the index
    /// after `]`, or nil when anything is out of shape.
    static func walkEvents(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ scratch: inout Scratch) -> Int? {
        let n = p.count
        var j = s + 1
        while true {
            j = JSONScanner.skipSpace(p, j)
            guard j < n else { return nil }
            if p[j] == ASCII.closeBracket { return j + 1 }
            if p[j] == ASCII.comma { j += 1; continue }
            guard p[j] == ASCII.openBrace else { return nil }
            var k = j + 1
            var span = EventSpan(start: -1, end: -1, time: 0)
            var member = false  // a member was read; a comma or the end must come next
            while true {
                k = JSONScanner.skipSpace(p, k)
                guard k < n else { return nil }
                if p[k] == ASCII.closeBrace { k += 1; break }
                if p[k] == ASCII.comma, member { k += 1; member = false; continue }
                guard !member, p[k] == ASCII.quote, let ke = strictStringEnd(p, k + 1) else { return nil }
                let key = KeyHash.hash(p, k + 1, ke)
                k = JSONScanner.skipSpace(p, ke + 1)
                guard k < n, p[k] == ASCII.colon else { return nil }
                k = JSONScanner.skipSpace(p, k + 1)
                guard k < n else { return nil }
                member = true
                if p[k] == ASCII.quote, key == messageKey {
                    // Left escaped where it lies: unescaped when delivered (`deliver`), or
                    // parsed as it is (`deliverEscaped`).
                    guard let e = strictStringEnd(p, k + 1) else { return nil }
                    span.start = k + 1
                    span.end = e
                    k = e + 1
                } else if p[k] == ASCII.quote {
                    guard let e = strictStringEnd(p, k + 1) else { return nil }
                    if key == timestampKey {
                        span.time = Timestamp.parse(buffer: UnsafeBufferPointer(rebasing: p[(k + 1)..<e])) ?? 0
                    }
                    k = e + 1
                } else if p[k] == ASCII.openBrace || p[k] == ASCII.openBracket {
                    guard let e = JSONScanner.skipContainer(p, k) else { return nil }
                    k = e
                } else {
                    let vs = k
                    while k < n, p[k] != ASCII.comma, p[k] != ASCII.closeBrace, !ASCII.isWhitespace(p[k]) {
                        // A quote or bracket in a bare value: the reference walk finds the event's end
                        // by structure and may disagree; let it decide.
                        let b = p[k]
                        if b == ASCII.quote || b == ASCII.openBrace || b == ASCII.openBracket || b == ASCII.closeBracket {
                            return nil
                        }
                        k += 1
                    }
                    if key == timestampKey {
                        span.time = Timestamp.parse(buffer: UnsafeBufferPointer(rebasing: p[vs..<k])) ?? 0
                    }
                }
            }
            scratch.spans.append(span)
            j = k
        }
    }

    /// The reference walk behind `scan`: validates the top level first, then walks the events.
    public static func scanReference(_ object: UnsafeBufferPointer<UInt8>, eventCount: inout Int,
                                     onEvent: (UnsafeBufferPointer<UInt8>, Int64) -> Void) -> Kind {
        eventCount = 0
        let p = object
        let n = p.count
        var i = JSONScanner.skipSpace(p, 0)
        guard i < n, p[i] == ASCII.openBrace else { return .notContainer }
        i += 1
        var isControl = false
        var arrayStart = -1
        var arrayEnd = -1
        // Top level only, strict enough to tell a container from a lenient access record.
        while true {
            i = JSONScanner.skipSpace(p, i)
            guard i < n else { return malformedOrNot(p) }
            if p[i] == ASCII.closeBrace { break }
            if p[i] == ASCII.comma { i += 1; continue }
            guard p[i] == ASCII.quote, let ke = strictStringEnd(p, i + 1) else { return malformedOrNot(p) }
            let key = KeyHash.hash(p, i + 1, ke)
            i = JSONScanner.skipSpace(p, ke + 1)
            guard i < n, p[i] == ASCII.colon else { return malformedOrNot(p) }
            i = JSONScanner.skipSpace(p, i + 1)
            guard i < n else { return malformedOrNot(p) }
            let vs = i
            switch p[i] {
            case ASCII.quote:
                guard let e = strictStringEnd(p, i + 1) else { return malformedOrNot(p) }
                if key == messageTypeKey {
                    let v = UnsafeBufferPointer(rebasing: p[(vs + 1)..<e])
                    isControl = v.elementsEqual(control)
                }
                i = e + 1
            case ASCII.openBrace, ASCII.openBracket:
                guard let e = JSONScanner.skipContainer(p, i) else { return malformedOrNot(p) }
                if (key == logEventsKey || key == eventsKey), p[vs] == ASCII.openBracket, arrayStart < 0 {
                    arrayStart = vs; arrayEnd = e
                }
                i = e
            default:
                while i < n, p[i] != ASCII.comma, p[i] != ASCII.closeBrace { i += 1 }
            }
        }
        guard arrayStart >= 0 else { return .notContainer }
        // Walk the events array: objects with "timestamp" and "message".
        var events = 0
        var j = arrayStart + 1
        var ok = true
        while j < arrayEnd - 1 {
            j = JSONScanner.skipSpace(p, j)
            if j >= arrayEnd - 1 { break }
            if p[j] == ASCII.comma { j += 1; continue }
            guard p[j] == ASCII.openBrace, let oe = JSONScanner.skipContainer(p, j) else { ok = false; break }
            events += 1
            if !isControl {
                var ts: Int64 = 0
                var msg = -1, msgEnd = -1
                var k = j + 1
                var member = false  // a member was read; a comma must come next
                while k < oe - 1 {
                    k = JSONScanner.skipSpace(p, k)
                    if k >= oe - 1 { break }
                    if p[k] == ASCII.comma, member { k += 1; member = false; continue }
                    guard !member, p[k] == ASCII.quote, let ke = strictStringEnd(p, k + 1) else { ok = false; break }
                    let key = KeyHash.hash(p, k + 1, ke)
                    k = JSONScanner.skipSpace(p, ke + 1)
                    guard k < oe, p[k] == ASCII.colon else { ok = false; break }
                    k = JSONScanner.skipSpace(p, k + 1)
                    member = true
                    if p[k] == ASCII.quote {
                        guard let e = strictStringEnd(p, k + 1) else { ok = false; break }
                        if key == messageKey { msg = k + 1; msgEnd = e }
                        else if key == timestampKey {
                            ts = Timestamp.parse(buffer: UnsafeBufferPointer(rebasing: p[(k + 1)..<e])) ?? 0
                        }
                        k = e + 1
                    } else if p[k] == ASCII.openBrace || p[k] == ASCII.openBracket {
                        guard let e = JSONScanner.skipContainer(p, k) else { ok = false; break }
                        k = e
                    } else {
                        let vs = k
                        while k < oe - 1, p[k] != ASCII.comma, !ASCII.isWhitespace(p[k]) { k += 1 }
                        if key == timestampKey {
                            ts = Timestamp.parse(buffer: UnsafeBufferPointer(rebasing: p[vs..<k])) ?? 0
                        }
                    }
                }
                if !ok { break }
                if msg >= 0 {
                    let raw = UnsafeBufferPointer(rebasing: p[msg..<msgEnd])
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(raw.count, 1)) { tmp in
                        let len = JSONScanner.unescape(raw, into: tmp)
                        onEvent(UnsafeBufferPointer(rebasing: UnsafeBufferPointer(tmp)[0..<len]), ts)
                    }
                } else {
                    onEvent(UnsafeBufferPointer(rebasing: p[0..<0]), ts)
                }
            }
            j = oe
        }
        eventCount = events
        guard ok else { return .malformed }
        return isControl ? .control : .data
    }

    /// Escape-aware end of a string (index of the closing quote).
    @inline(__always)
    static func strictStringEnd(_ p: UnsafeBufferPointer<UInt8>, _ s: Int) -> Int? {
        JSONStringEnd.closingQuote(p, from: s)
    }

    /// Broken JSON: a container if it mentions the envelope keys, else maybe a lenient record.
    static func malformedOrNot(_ p: UnsafeBufferPointer<UInt8>) -> Kind {
        let a = Array("\"logEvents\"".utf8), b = Array("\"messageType\"".utf8)
        let mentions = a.withUnsafeBufferPointer { find(p, 0, p.count, $0) != nil }
            || b.withUnsafeBufferPointer { find(p, 0, p.count, $0) != nil }
        if mentions { return .malformed }
        return .notContainer
    }
}
