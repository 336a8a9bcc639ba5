import CorsscanCore

/// Reads HAR 1.2 documents (browser-reports.md §7) and re-runs the Fetch checks on each
/// cross-origin entry's recorded headers.
public enum HARReader {
    /// The most entries a HAR may have: beyond it reading stops with a named `too-large`
    /// error (the entries before it are used). Real captures have a few thousand.
    public static let maxEntries = 500_000
    /// The most memory (estimated) the entries kept for pairing may take: those with an
    /// `Origin` header and preflights; other entries are counted and dropped at once. Each
    /// kept entry may also become a report (~1 KB through the run), so this bounds those too.
    public static let maxKeptBytes = 16 << 20
    /// How many unused preflights to the same URL are compared per request when pairing.
    static let maxPairingCandidates = 256

    /// Reads a whole HAR document held in memory (the same scan as `read(from:)`).
    public static func read(_ document: UnsafeBufferPointer<UInt8>, input: Int32, stats: inout InputStats) -> [BrowserReport] {
        var offset = 0
        return read(from: { (out: UnsafeMutableRawBufferPointer) throws(InputError) -> Int in
            let n = min(out.count, document.count - offset)
            if n > 0 { out.baseAddress!.copyMemory(from: document.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }, input: input, stats: &stats)
    }

    /// Reads a HAR document streamed through `source` (`read(into:)`: bytes written, 0 at
    /// the end; it throws the error that ended the input). Counts `entries` as the units in
    /// `stats` (lines/records/skipped) and returns one report per failed cross-origin
    /// request (preflight entries are joined to their request, not separate reports).
    ///
    /// Entries are parsed one at a time (see `HARScanner`). When the document is cut short,
    /// damaged or over the limits, the entries before the problem are used and
    /// `stats.error` names it (a read error from `source` first).
    ///
    /// A request is cross-origin when it carries an `Origin` header other than its URL's
    /// origin. It is reported when the Fetch checks fail on its preflight or response
    /// (`confirmed`, naming the header and value), or when Chrome marked it failed
    /// (`_error`) although the recorded headers pass (`unknown`). The credentials mode is
    /// not in a HAR: a `Cookie` header means "include"; a blocked request whose headers
    /// pass without credentials is re-checked with them. The limits are parameters for tests.
    public static func read(from source: @escaping (UnsafeMutableRawBufferPointer) throws(InputError) -> Int,
                            input: Int32, stats: inout InputStats, maxEntries: Int = HARReader.maxEntries,
                            maxKeptBytes: Int = HARReader.maxKeptBytes) -> [BrowserReport] {
        let scanner = HARScanner(read: source)
        var parsed: [Entry] = []
        var keptBytes = 0
        var n: Int64 = 0  // entries counted so far (the last one's line)
        var dropped = LineSample()
        var stop: InputError?
        let end = scanner.scan { bytes in
            guard n < maxEntries else {
                stop = InputError(.tooLarge, offset: scanner.offset,
                                  "HAR with more than \(maxEntries) entries; the first \(n) were read")
                return false
            }
            guard let bytes else {
                n += 1
                stats.lines += 1
                stats.skip(.oversizeLine, line: n)
                return true
            }
            guard let v = JSONValue.parse(bytes, maxDepth: HARScanner.maxDepth) else {
                n += 1
                stats.lines += 1
                stats.skip(.malformedJSON, line: n)
                stop = InputError(.invalid, offset: scanner.offset,
                                  "entry \(n) of the HAR is not valid JSON; \(n - 1) entries read")
                return false
            }
            let e = v.members == nil ? nil : Entry(v, line: n + 1)
            if let e, e.isPreflight || e.origin != nil {
                let cost = e.cost
                guard keptBytes + cost <= maxKeptBytes else {
                    stop = InputError(.tooLarge, offset: scanner.offset,
                                      "HAR whose cross-origin entries take more than \(maxKeptBytes >> 20) MiB; the first \(n) entries were read")
                    return false
                }
                keptBytes += cost
                parsed.append(e)
            } else {
                dropped.add(n + 1)
            }
            n += 1
            stats.lines += 1
            return true
        }
        switch end {
        case .complete(let found):
            if !found { stop = InputError(.invalid, offset: scanner.offset, "no log.entries array (HAR expected)") }
        case .stopped:
            break
        case .truncated(let place):
            let what: String
            switch place {
            case .beforeEntries: what = "before log.entries"
            case .inEntry:
                what = "inside entry \(n + 1)"
                stats.lines += 1
                stats.skip(.truncated, line: n + 1)
            case .betweenEntries: what = "inside log.entries after entry \(n)"
            case .afterEntries: what = "before its closing brackets"
            }
            stop = InputError(.truncated, offset: scanner.offset, "the HAR ends \(what); \(n) entries read")
        case .syntax(let message, let offset, let inEntry):
            if inEntry {
                stats.lines += 1
                stats.skip(.malformedJSON, line: n + 1)
            }
            stop = InputError(.invalid, offset: offset, "not valid JSON (\(message)); \(n) HAR entries read")
        case .trailing:
            // Bytes after the document, left unread: one malformed unit.
            stats.lines += 1
            stats.skip(.malformedJSON, line: n + 1)
        }
        stats.error = scanner.readError ?? stop

        // Pair each preflight with the request it was for: same URL, nearest start time
        // (a preflight may be listed after its request).
        var preflightFor: [Int: Int] = [:]  // request index → preflight index
        var usedPreflight = Set<Int>()
        var preflightsByURL: [String: [Int]] = [:]
        for (j, p) in parsed.enumerated() where p.isPreflight {
            preflightsByURL[p.url, default: []].append(j)
            if let u = p.initiatorURL, u != p.url { preflightsByURL[u, default: []].append(j) }
        }
        // Per URL, where the first unused preflight may be (used ones at the front are skipped
        // once), and at most `maxPairingCandidates` looked at per request: a hostile HAR with
        // many preflights to one URL would otherwise make this quadratic.
        var firstUnused: [String: Int] = [:]
        for (i, e) in parsed.enumerated() where !e.isPreflight && e.origin != nil {
            var best: (Int, Int64)?
            let candidates = preflightsByURL[e.url] ?? []
            var k = firstUnused[e.url] ?? 0
            while k < candidates.count, usedPreflight.contains(candidates[k]) { k += 1 }
            firstUnused[e.url] = k
            var looked = 0
            while k < candidates.count, looked < maxPairingCandidates {
                let j = candidates[k]
                k += 1
                guard !usedPreflight.contains(j) else { continue }
                looked += 1
                let p = parsed[j]
                if let m = p.requestMethod, m != e.method { continue }
                let d = abs((p.time ?? 0) &- (e.time ?? 0))
                if best == nil || d < best!.1 { best = (j, d) }
            }
            if let (j, _) = best {
                preflightFor[i] = j
                usedPreflight.insert(j)
            }
        }

        var reports: [BrowserReport] = []
        var used = Set<Int>()
        for (i, e) in parsed.enumerated() where !e.isPreflight {
            guard let origin = e.origin, originOf(e.url) != origin else { continue }
            let pre = preflightFor[i].map { parsed[$0] }
            if let r = report(for: e, preflight: pre, origin: origin, input: input) {
                reports.append(r)
                used.insert(i)
                if let j = preflightFor[i] { used.insert(j) }
            }
        }
        // Preflights whose request is not in the file (never sent): check them alone.
        for (j, p) in parsed.enumerated() where p.isPreflight && !usedPreflight.contains(j) {
            guard let origin = p.origin, let m = p.requestMethod else { continue }
            let req = FetchCORSCheck.Request(method: m, origin: origin, credentials: false,
                                             requestedHeaders: p.requestedHeaders ?? [])
            guard let f = FetchCORSCheck.preflightCheck(request: req, preflight: p.response) else { continue }
            reports.append(makeReport(p, f, method: m, origin: origin, exchange: p, preflight: p,
                                      note: "preflight entry without its request", input: input))
            used.insert(j)
        }
        for (i, e) in parsed.enumerated() {
            if used.contains(i) { stats.records += 1 } else { dropped.add(e.line) }
        }
        // Samples in line order, as if every entry had been kept.
        for line in dropped.lines { stats.skip(.notCORS, line: line) }
        if dropped.count > dropped.lines.count {
            stats.skip(.notCORS, line: dropped.lines.last!, count: dropped.count - Int64(dropped.lines.count))
        }
        reports.sort { $0.location < $1.location }
        return reports
    }

    static func report(for e: Entry, preflight: Entry?, origin: String, input: Int32) -> BrowserReport? {
        let response: FetchCORSCheck.Response? = e.response.status == 0 ? nil : e.response
        var req = FetchCORSCheck.Request(method: e.method, headers: e.headers, origin: origin, credentials: e.hasCookie,
                                         requestedHeaders: preflight?.requestedHeaders)
        var note: String?
        var failure = FetchCORSCheck.check(request: req, preflight: preflight?.response, response: response)
        if failure == nil, e.blocked, !req.credentials {
            req.credentials = true
            failure = FetchCORSCheck.check(request: req, preflight: preflight?.response, response: response)
            if failure != nil { note = "assuming credentials mode \"include\"; a HAR does not record it" }
        }
        if let f = failure {
            let exchange = f.stage == .preflight ? (preflight ?? e) : e
            return makeReport(e, f, method: e.method, origin: origin, exchange: exchange, preflight: preflight,
                              note: note, input: input)
        }
        guard e.blocked else { return nil }
        let st = e.response.status != 0 ? " (status \(e.response.status))" : ""
        return BrowserReport(
            time: e.time, failureClass: .unknown, stage: preflight == nil && e.response.status == 0 ? .preflight : .response,
            confidence: .inferred, browser: e.browser, url: e.url, method: e.method, pageOrigin: origin,
            userAgent: e.userAgent, status: e.response.status == 0 ? preflight?.response.status : e.response.status,
            allowOriginSeen: e.response.header("access-control-allow-origin"),
            detail: "The browser blocked the request (\(e.error ?? "error"))\(st), but the recorded headers pass the Fetch checks.",
            raw: trimRaw(render(e, preflight)), requestId: e.gatewayRequestId ?? preflight?.gatewayRequestId,
            location: SourceLocation(input: input, line: e.line))
    }

    static func makeReport(_ e: Entry, _ f: FetchCORSCheck.Failure, method: String, origin: String, exchange: Entry,
                           preflight: Entry?, note: String?, input: Int32) -> BrowserReport {
        var cls = f.failureClass
        // A gateway error response without CORS headers: API Gateway marks its own
        // responses with x-amzn-errortype (browser-reports.md §7.2).
        if cls == .missingAllowOrigin, f.stage == .response, e.response.status >= 400,
           e.response.header("x-amzn-errortype") != nil {
            cls = .gatewayErrorMasked
        }
        var detail = f.detail
        if cls == .gatewayErrorMasked, let t = e.response.header("x-amzn-errortype") {
            detail = "The gateway answered \(e.response.status) (\(t)) without Access-Control-Allow-Origin."
        }
        if let note { detail = detail.trimmingTrailing(".") + " (\(note))." }
        return BrowserReport(time: e.time, failureClass: cls, stage: f.stage, confidence: .confirmed, browser: e.browser,
                             url: e.url, method: method, pageOrigin: origin, userAgent: e.userAgent,
                             status: f.status ?? exchange.response.status, offending: f.offending,
                             allowOriginSeen: f.allowOriginSeen, detail: detail, raw: trimRaw(render(e, preflight)),
                             requestId: exchange.gatewayRequestId ?? e.gatewayRequestId ?? preflight?.gatewayRequestId,
                             location: SourceLocation(input: input, line: e.line))
    }

    /// A compact rendering of the exchange for `raw`.
    static func render(_ e: Entry, _ p: Entry?) -> String {
        func hs(_ h: [(name: String, value: String)]) -> String {
            h.filter { $0.name.lowercased().hasPrefix("access-control-") || $0.name.lowercased().hasPrefix("x-amzn-") }
                .map { "\($0.name): \($0.value)" }.joined(separator: "; ")
        }
        var s = ""
        if let p {
            s += "OPTIONS \(p.url) → \(p.response.status) [\(hs(p.response.headers))]; "
        }
        s += "\(e.method) \(e.url) → \(e.response.status)"
        if let err = e.error { s += " \(err)" }
        s += " [\(hs(e.response.headers))]"
        return s
    }

    /// The fields of one HAR entry that the checks need.
    struct Entry {
        var line: Int64
        var method: String
        var url: String
        var headers: [(name: String, value: String)]
        var response: FetchCORSCheck.Response
        var time: Int64?
        var error: String?
        var isPreflight: Bool
        var initiatorURL: String?

        init(_ v: JSONValue, line: Int64) {
            self.line = line
            method = v.path("request.method")?.string ?? "GET"
            url = v.path("request.url")?.string ?? ""
            headers = HARReader.headers(v.path("request.headers"))
            response = FetchCORSCheck.Response(status: v.path("response.status")?.int ?? 0,
                                               headers: HARReader.headers(v.path("response.headers")))
            time = v["startedDateTime"]?.string.flatMap { Timestamp.parse($0) }
            let err = v.path("response._error")?.string ?? v["_error"]?.string
            error = (err?.isEmpty ?? true) ? nil : err
            initiatorURL = v.path("_initiator.url")?.string
            let hasACRM = FetchCORSCheck.get("access-control-request-method", in: headers) != nil
            isPreflight = v["_resourceType"]?.string?.lowercased() == "preflight"
                || v.path("_initiator.type")?.string == "preflight"
                || (method == "OPTIONS" && hasACRM)
        }

        /// Estimated bytes the entry keeps (strings over 15 bytes live on the heap).
        var cost: Int {
            func s(_ x: String?) -> Int {
                guard let n = x?.utf8.count, n > 15 else { return 0 }
                return (n + 48) & ~15
            }
            func hs(_ h: [(name: String, value: String)]) -> Int {
                h.isEmpty ? 0 : h.reduce(32) { $0 + 32 + s($1.name) + s($1.value) }
            }
            return MemoryLayout<Entry>.stride + s(method) + s(url) + s(error) + s(initiatorURL)
                + hs(headers) + hs(response.headers)
        }

        var origin: String? { FetchCORSCheck.get("origin", in: headers) }
        var blocked: Bool { error != nil }
        var hasCookie: Bool { FetchCORSCheck.get("cookie", in: headers) != nil }
        var userAgent: String? { FetchCORSCheck.get("user-agent", in: headers) }
        var browser: String? { userAgent.flatMap(browserFromUserAgent) }
        /// For a preflight entry: the method it asks for.
        var requestMethod: String? { FetchCORSCheck.get("access-control-request-method", in: headers) }
        var requestedHeaders: [String]? {
            guard isPreflight else { return nil }
            return FetchCORSCheck.get("access-control-request-headers", in: headers)
                .map { $0.split(separator: ",").map(String.init) } ?? []
        }
        var gatewayRequestId: String? {
            response.header("x-amzn-requestid") ?? response.header("apigw-requestid")
        }
    }

    static func headers(_ v: JSONValue?) -> [(name: String, value: String)] {
        (v?.array ?? []).compactMap { h in
            guard let n = h["name"]?.string, let val = h["value"]?.text else { return nil }
            return (n, val)
        }
    }
}

/// A count of lines with the first few of them in order (`InputStats.samplesPerReason`).
struct LineSample {
    private(set) var count: Int64 = 0
    private(set) var lines: [Int64] = []

    mutating func add(_ line: Int64) {
        count += 1
        guard lines.count < InputStats.samplesPerReason || line < lines.last! else { return }
        let at = lines.firstIndex { $0 > line } ?? lines.count
        lines.insert(line, at: at)
        if lines.count > InputStats.samplesPerReason { lines.removeLast() }
    }
}
