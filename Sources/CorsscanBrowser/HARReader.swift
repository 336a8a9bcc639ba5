import CorsscanCore

/// Reads HAR 1.2 documents (browser-reports.md §7) and re-runs the Fetch checks on each
/// cross-origin entry's recorded headers.
public enum HARReader {
    /// The most JSON values (objects, arrays, scalars) a HAR document may have. The parsed
    /// tree costs ~100 bytes a value, so a decompression bomb of tiny entries (1 MB of gzip
    /// is 500 MB of HAR) is refused with a named error instead of taking gigabytes, while
    /// real captures (mostly response bodies: few, long strings) stay far below it.
    public static let maxValues = 6_000_000
    /// How many unused preflights to the same URL are compared per request when pairing.
    static let maxPairingCandidates = 256

    /// Upper estimate of the JSON values in `p`: `{`, `[` and `,` outside strings, plus one.
    static func valueCount(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 1
        var inString = false
        var escaped = false
        for b in p {
            if inString {
                if escaped { escaped = false } else if b == ASCII.backslash { escaped = true } else if b == ASCII.quote { inString = false }
            } else if b == ASCII.quote {
                inString = true
            } else if b == ASCII.openBrace || b == ASCII.openBracket || b == ASCII.comma {
                n += 1
            }
        }
        return n
    }

    /// Reads a whole HAR document. Counts `entries` as the units in `stats`
    /// (lines/records/skipped) and returns one report per failed cross-origin request
    /// (preflight entries are joined to their request, not separate reports).
    ///
    /// A request is cross-origin when it carries an `Origin` header other than its URL's
    /// origin. It is reported when the Fetch checks fail on its preflight or response
    /// (`confirmed`, naming the header and value), or when Chrome marked it failed
    /// (`_error`) although the recorded headers pass (`unknown`). The credentials mode is
    /// not in a HAR: a `Cookie` header means "include"; a blocked request whose headers
    /// pass without credentials is re-checked with them.
    public static func read(_ document: UnsafeBufferPointer<UInt8>, input: Int32, stats: inout InputStats) -> [BrowserReport] {
        let values = valueCount(document)
        guard values <= maxValues else {
            stats.error = InputError(.tooLarge, offset: 0,
                                     "HAR document with about \(values) JSON values, over the limit of \(maxValues)")
            return []
        }
        guard let doc = JSONValue.parse(document, maxDepth: 256) else {
            stats.error = InputError(.invalid, offset: 0, "not a JSON document (HAR expected)")
            return []
        }
        guard let entries = doc.path("log.entries")?.array else {
            stats.error = InputError(.invalid, offset: 0, "no log.entries array (HAR expected)")
            return []
        }
        stats.lines += Int64(entries.count)
        let parsed = entries.enumerated().map { Entry($1, line: Int64($0 + 1)) }

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
        for e in parsed {
            if used.contains(Int(e.line - 1)) { stats.records += 1 } else { stats.skip(.notCORS, line: e.line) }
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
