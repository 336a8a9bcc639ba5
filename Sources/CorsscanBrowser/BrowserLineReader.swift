import CorsscanCore

/// The kinds of browser-side evidence corsscan reads; raw values are the `format` spellings
/// in reports.
public enum BrowserFormat: String, Sendable, CaseIterable {
    /// Chrome/Edge/Firefox/Safari/legacy-Edge console text, any decoration.
    case console = "console-text"
    /// `{"level","message":"<url> <line|-> <text>","source","timestamp"}` JSON lines.
    case webdriverLog = "webdriver-log"
    /// JSON lines with message/msg/text/error, timestamp/time/ts, url, method, origin, userAgent, ip.
    case beacon = "beacon-json"
    /// CDP `Network.*` events as JSON lines, raw or wrapped in WebDriver performance entries.
    case cdp = "cdp-events"
    /// A HAR 1.2 document (the whole file is one JSON object).
    case har = "har"
    /// `(requestId) Method request headers: {…}` lines, optionally ISO-prefixed.
    case executionLog = "rest-execution-log"

    /// The input kind the pipeline records for this format.
    public var inputKind: InputKind { self == .executionLog ? .executionLog : .browserReport }
}

/// Line-based readers (all formats but HAR). Feed every line in order, then call `finish()`.
public struct BrowserLineReader {
    public let format: BrowserFormat
    public let input: Int32
    var console: ConsoleCollector
    var cdp: CDPCollector
    var exec: ExecutionLogCollector
    /// The most reports and pending events held (memory: about 1 KB each); once reached,
    /// further lines are skipped as `reportLimit` without being examined.
    public let maxHeld: Int

    /// Reports and events held so far.
    public var held: Int {
        switch format {
        case .console, .webdriverLog, .beacon, .har: return console.reports.count + console.orphans.count
        case .cdp: return cdp.requests.count + cdp.failures.count
        case .executionLog: return exec.exchanges.count
        }
    }

    /// - Parameter referenceYear: the year assumed for time stamps without one (Chrome's
    ///   `--enable-logging` `MMDD/HHMMSS` prefix); the pipeline passes the gateway data's year.
    public init(format: BrowserFormat, input: Int32, referenceYear: Int? = nil, maxHeld: Int = 50_000) {
        self.format = format
        self.input = input
        self.maxHeld = maxHeld
        console = ConsoleCollector(input: input, referenceYear: referenceYear)
        cdp = CDPCollector(input: input)
        exec = ExecutionLogCollector(input: input)
    }

    /// Returns `nil` when the line was used (as evidence or as context, e.g. a
    /// `requestWillBeSent` event), else the skip reason (`.blank`, `.notCORS`,
    /// `.malformedJSON`, …). Every line gets exactly one outcome.
    public mutating func consume(_ line: UnsafeBufferPointer<UInt8>, number: Int64) -> SkipReason? {
        var lo = 0, hi = line.count
        while lo < hi, ASCII.isWhitespace(line[lo]) { lo += 1 }
        while hi > lo, ASCII.isWhitespace(line[hi - 1]) { hi -= 1 }
        guard hi > lo else { return .blank }
        guard held < maxHeld else { return .reportLimit }
        let bytes = UnsafeBufferPointer(rebasing: line[lo..<hi])
        switch format {
        case .console:
            return console.consumeConsole(bytes.utf8String, line: number)
        case .webdriverLog, .beacon:
            guard let v = JSONValue.parse(bytes) else {
                // Python `repr` dumps and other near-JSON: classify the text as it stands.
                return console.consumeConsole(bytes.utf8String, line: number, fallback: .malformedJSON)
            }
            return format == .webdriverLog
                ? console.consumeWebDriver(v, raw: bytes.utf8String, line: number)
                : console.consumeBeacon(v, raw: bytes.utf8String, line: number)
        case .cdp:
            guard let v = JSONValue.parse(bytes) else { return .malformedJSON }
            return cdp.consume(v, line: number)
        case .executionLog:
            return exec.consume(bytes.utf8String, line: number)
        case .har:
            // HAR is a document, read with `HARReader`; a line on its own is not evidence.
            return .unknownFormat
        }
    }

    /// All reports, in line order (CDP and execution logs join events by request id, so
    /// reports are final only here).
    public mutating func finish() -> [BrowserReport] {
        var out: [BrowserReport]
        switch format {
        case .console, .webdriverLog, .beacon, .har: out = console.finish()
        case .cdp: out = cdp.finish()
        case .executionLog: out = exec.finish()
        }
        out.sort { $0.location < $1.location }
        return out
    }
}

/// Keeps at most `limit` characters of a raw message.
func trimRaw(_ s: String, limit: Int = 2000) -> String {
    s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
}

/// `scheme://host[:port]` of a URL, or `nil`.
func originOf(_ url: String) -> String? {
    guard let r = url.firstRange(of: "://") else { return nil }
    let host = url[r.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    guard !host.isEmpty else { return nil }
    return String(url[..<r.upperBound]) + host
}

// MARK: - Console, WebDriver, beacon

/// Turns console messages (plain, WebDriver-wrapped or beacon-carried) into reports,
/// merging the several lines browsers print for one failure:
/// - a DevTools network line (`POST https://… net::ERR_FAILED 403 (Forbidden)`) gives
///   its method and status to the report for the same URL printed just before (or is
///   kept and adopted by the one printed just after; alone it becomes an `unknown` report);
/// - a cause-free line (`… due to access control checks.`, `Failed to fetch`) within a
///   few lines of a report for the same request adds to it, and a report that names the
///   cause upgrades a cause-free one just before it;
/// - Safari's `Failed to load resource: <description>` repeats its description line.
struct ConsoleCollector {
    let input: Int32
    /// Year for time stamps that carry none.
    var referenceYear: Int? = nil
    var reports: [BrowserReport] = []
    /// Network lines not yet attached: (line, url, method, status, time, raw).
    var orphans: [(line: Int64, companion: CompanionLine, time: Int64?, raw: String)] = []
    /// How many lines apart two lines of one failure may be.
    static let window: Int64 = 4

    init(input: Int32, referenceYear: Int? = nil) {
        self.input = input
        self.referenceYear = referenceYear
    }

    /// Context a wrapper gives beside the text.
    struct Context {
        var time: Int64?
        var url: String?
        var method: String?
        var pageOrigin: String?
        var userAgent: String?
        var clientIP: String?
        var status: Int?
        /// The URL a WebDriver entry puts before the text (page for javascript, request for network).
        var prefixURL: String?
        var prefixIsRequest = false
        var scriptErrors = false
    }

    mutating func consumeConsole(_ line: String, line number: Int64, fallback: SkipReason = .notCORS) -> SkipReason? {
        let cl = ConsoleLine(line, referenceYear: referenceYear)
        var ctx = Context(time: cl.time)
        ctx.prefixURL = cl.source
        return consumeText(cl.text, raw: line, ctx: ctx, line: number, miss: fallback)
    }

    mutating func consumeWebDriver(_ v: JSONValue, raw: String, line number: Int64) -> SkipReason? {
        guard let message = v["message"]?.text else {
            return v.members == nil ? .malformedJSON : .missingField
        }
        var ctx = Context()
        ctx.time = v["timestamp"].flatMap(timeOf)
        // `<url> <line[:col]|-> <text>`.
        var text = message
        let parts = message.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].contains("://") || parts[0].hasPrefix("about:") || parts[0].hasPrefix("file:"),
           parts[1] == "-" || parts[1].first?.isNumber == true {
            ctx.prefixURL = String(parts[0])
            text = String(parts[2])
        }
        let source = v["source"]?.string ?? v["type"]?.string
        ctx.prefixIsRequest = source == "network"
        // console-api arguments are JSON-quoted: `"Access to fetch … \"x\""`.
        if text.hasPrefix("\""), let s = JSONValue.parse(text)?.string { text = s }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        ctx.scriptErrors = true
        return consumeText(text, raw: message, ctx: ctx, line: number, miss: .notCORS)
    }

    mutating func consumeBeacon(_ v: JSONValue, raw: String, line number: Int64) -> SkipReason? {
        guard v.members != nil else { return .malformedJSON }
        var msg: String?
        for k in ["message", "msg", "text", "error", "title", "errorMessage", "reason"] {
            if let x = v[k] {
                if let s = x.string { msg = s; break }
                if let s = x["message"]?.string { msg = s; break }
            }
        }
        guard var text = msg else {
            return .missingField
        }
        if let name = v["name"]?.string, !text.lowercased().hasPrefix(name.lowercased()) { text = name + ": " + text }
        var ctx = Context()
        ctx.time = v.first(["timestamp", "time", "ts", "@timestamp", "date"]).flatMap(timeOf)
        ctx.url = v.first(["url", "requestUrl", "request_url", "resource"])?.string ?? v.path("request.url")?.string
        ctx.method = v.first(["method", "httpMethod", "requestMethod"])?.string?.uppercased() ?? v.path("request.method")?.string?.uppercased()
        ctx.pageOrigin = v.first(["origin", "pageOrigin", "page_origin"])?.string
            ?? v.first(["page", "pageUrl", "page_url", "location", "href", "referrer"])?.string.flatMap(originOf)
        ctx.userAgent = v.first(["userAgent", "user_agent", "ua"])?.string ?? v.path("request.headers.User-Agent")?.string
        ctx.clientIP = v.first(["ip", "clientIp", "client_ip", "sourceIp", "remoteAddr"])?.text
        if let s = v.first(["status", "statusCode", "status_code"])?.int, (100..<600).contains(s) { ctx.status = s }
        ctx.scriptErrors = true
        return consumeText(text, raw: raw, ctx: ctx, line: number, miss: .notCORS)
    }

    /// The time of a JSON `timestamp`/`time`/`ts` value: epoch s/ms/µs digits or ISO 8601.
    func timeOf(_ v: JSONValue) -> Int64? {
        if let d = v.double {
            // Past Int64 (e.g. 1e300) is no time; converting it would trap.
            guard d.isFinite, d > 0, d < 9.2e18 else { return nil }
            if d < 1e11 { return Timestamp.fromSeconds(d) }  // seconds (maybe fractional)
            return Timestamp.parse(String(Int64(d)))
        }
        return v.string.flatMap { Timestamp.parse($0) }
    }

    mutating func consumeText(_ text: String, raw: String, ctx: Context, line: Int64, miss: SkipReason) -> SkipReason? {
        // DevTools network companion lines.
        if var comp = CompanionLine(text) {
            if comp.url == nil, ctx.prefixIsRequest || ctx.url != nil { comp.url = ctx.url ?? ctx.prefixURL }
            if comp.method == nil { comp.method = ctx.method }
            if attach(comp, line: line, time: ctx.time) { return nil }
            if comp.failed {
                orphans.append((line, comp, ctx.time, raw))
                return nil
            }
            return miss
        }
        let cls = ctx.scriptErrors
            ? ConsoleMessageClassifier.classifyScriptError(text)
            : ConsoleMessageClassifier.classify(text)
        guard var c = cls else { return miss }
        if c.url == nil { c.url = ctx.url ?? (ctx.prefixIsRequest ? ctx.prefixURL : nil) }
        if c.pageOrigin == nil {
            c.pageOrigin = ctx.pageOrigin ?? (ctx.prefixIsRequest ? nil : ctx.prefixURL.flatMap(originOf))
        }
        if c.method == nil { c.method = ctx.method }
        if c.status == nil { c.status = ctx.status }
        var r = BrowserReport(time: ctx.time, failureClass: c.failureClass, stage: c.stage, confidence: c.confidence,
                              browser: c.browser, url: c.url, method: c.method, pageOrigin: c.pageOrigin,
                              userAgent: ctx.userAgent, clientIP: ctx.clientIP, status: c.status,
                              offending: c.offending, allowOriginSeen: c.allowOriginSeen, detail: c.detail,
                              raw: trimRaw(text.isEmpty ? raw : text),
                              location: SourceLocation(input: input, line: line))
        if r.browser == nil, let ua = ctx.userAgent { r.browser = browserFromUserAgent(ua) }
        // DevTools groups repeats (`… (x3)` or a leading count): one report per line, the
        // count noted in the detail.
        if let n = ConsoleCollector.repeatCount(text), n > 1 {
            r.detail = r.detail.trimmingTrailing(".") + " (repeated \(n) times)."
        }
        if merge(&r, isCompanion: FoldedText(text).contains("failed to load resource:")) { return nil }
        adoptOrphans(&r)
        reports.append(r)
        return nil
    }

    /// The repeat counter DevTools shows: a trailing `(x3)` / `(×3)`.
    static func repeatCount(_ text: String) -> Int? {
        guard text.hasSuffix(")"), let open = text.lastIndex(of: "(") else { return nil }
        var inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
        guard let f = inner.first, f == "x" || f == "×" else { return nil }
        inner = inner.dropFirst()
        return inner.isEmpty ? nil : Int(inner)
    }

    /// Whether two URLs name the same request (equal, or one unknown).
    static func sameURL(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return true }
        return a == b || a.trimmingTrailing(".") == b.trimmingTrailing(".")
    }

    static func near(_ r: BrowserReport, line: Int64, time: Int64?) -> Bool {
        guard line - r.location.line <= window else { return false }
        if let a = r.time, let b = time, abs(a - b) > 5000 { return false }
        return true
    }

    /// Gives a network line's method/status to a recent report for the same URL.
    mutating func attach(_ comp: CompanionLine, line: Int64, time: Int64?) -> Bool {
        for k in reports.indices.reversed() {
            guard ConsoleCollector.near(reports[k], line: line, time: time) else { break }
            guard ConsoleCollector.sameURL(reports[k].url, comp.url) else { continue }
            if comp.url == nil && reports[k].status != nil && reports[k].method != nil { continue }
            if reports[k].url == nil { reports[k].url = comp.url }
            if reports[k].method == nil { reports[k].method = comp.method }
            if reports[k].status == nil, let s = comp.status {
                reports[k].status = s
                reports[k].detail = reports[k].detail.trimmingTrailing(".") + " (status \(s))."
            }
            return true
        }
        return false
    }

    mutating func adoptOrphans(_ r: inout BrowserReport) {
        orphans.removeAll { o in
            guard r.location.line - o.line <= ConsoleCollector.window,
                  ConsoleCollector.sameURL(r.url, o.companion.url) else { return false }
            if let a = r.time, let b = o.time, abs(a - b) > 5000 { return false }
            if r.url == nil { r.url = o.companion.url }
            if r.method == nil { r.method = o.companion.method }
            if r.status == nil { r.status = o.companion.status }
            return true
        }
    }

    /// Merges `r` into a recent report of the same failure; `true` when merged.
    mutating func merge(_ r: inout BrowserReport, isCompanion: Bool) -> Bool {
        guard let k = reports.indices.last, ConsoleCollector.near(reports[k], line: r.location.line, time: r.time),
              ConsoleCollector.sameURL(reports[k].url, r.url) else { return false }
        var prev = reports[k]
        let prevUnknown = prev.failureClass == .unknown && prev.confidence == .inferred
        let newUnknown = r.failureClass == .unknown && r.confidence == .inferred
        if newUnknown {
            // A cause-free line adds what it knows to the report before it.
            fill(&prev, from: r)
            reports[k] = prev
            return true
        }
        if prevUnknown {
            // The cause, printed after a cause-free line: upgrade that report.
            fill(&r, from: prev)
            reports[k] = r
            return true
        }
        if prev.failureClass == r.failureClass, prev.stage == r.stage,
           isCompanion || prev.url == nil || r.url == nil {
            fill(&prev, from: r)
            reports[k] = prev
            return true
        }
        return false
    }

    func fill(_ a: inout BrowserReport, from b: BrowserReport) {
        if a.url == nil { a.url = b.url }
        if a.method == nil { a.method = b.method }
        if a.pageOrigin == nil { a.pageOrigin = b.pageOrigin }
        if a.status == nil { a.status = b.status }
        if a.time == nil { a.time = b.time }
        if a.browser == nil { a.browser = b.browser }
        if a.userAgent == nil { a.userAgent = b.userAgent }
        if a.clientIP == nil { a.clientIP = b.clientIP }
        if a.offending == nil { a.offending = b.offending }
        if a.allowOriginSeen == nil { a.allowOriginSeen = b.allowOriginSeen }
    }

    mutating func finish() -> [BrowserReport] {
        // Network lines with `net::ERR_FAILED` that no message explained: possible CORS.
        for o in orphans {
            let st = o.companion.status.map { " (status \($0))" } ?? ""
            reports.append(BrowserReport(
                time: o.time, failureClass: .unknown, stage: .response, confidence: .inferred,
                browser: "chrome", url: o.companion.url, method: o.companion.method, status: o.companion.status,
                detail: "The request failed with net::ERR_FAILED\(st); no console message named a CORS check.",
                raw: trimRaw(o.raw), location: SourceLocation(input: input, line: o.line)))
        }
        orphans = []
        let out = reports
        reports = []
        return out
    }
}

/// `chrome`, `firefox`, `safari`, `edge` or `nil` from a User-Agent string.
func browserFromUserAgent(_ ua: String) -> String? {
    if ua.contains("Edg/") || ua.contains("Edge/") { return ua.contains("Edge/") ? "edge-legacy" : "edge" }
    if ua.contains("Firefox/") { return "firefox" }
    if ua.contains("Chrome/") || ua.contains("Chromium/") { return "chrome" }
    if ua.contains("Safari/") { return "safari" }
    return nil
}
