import CorsscanCore

// MARK: - REST execution-log messages (apigateway-logs.md §4.6)

/// The execution-log messages corsscan uses; every other `(requestId) …` line is counted
/// as not CORS evidence.
enum ExecMessage {
    static let httpMethod = "HTTP Method: "          // `HTTP Method: OPTIONS, Resource Path: /orders`
    static let resourcePath = ", Resource Path: "
    static let requestHeaders = "Method request headers: "
    static let responseHeaders = "Method response headers: "
    static let completed = "Method completed with status: "
    static let succeeded = "Successfully completed execution"
    static let truncated = " [TRUNCATED]"
}

/// Groups REST execution-log lines by request id and re-runs the Fetch checks on the
/// headers the browser really got (the "Method response headers" line).
struct ExecutionLogCollector {
    let input: Int32

    struct Exchange {
        var id: String
        var firstLine: Int64
        var time: Int64?
        var method: String?
        var path: String?
        var requestHeaders: [(name: String, value: String)]?
        var responseHeaders: [(name: String, value: String)]?
        var truncated = false
        var status: Int?
        var succeeded = false
    }

    var exchanges: [String: Exchange] = [:]
    var order: [String] = []

    init(input: Int32) { self.input = input }

    /// Splits `[ISO time ]( id ) text`; `nil` when there is no `(requestId)` prefix.
    static func split(_ line: String) -> (time: Int64?, id: String, text: String)? {
        var s = Substring(line)
        var time: Int64?
        if let f = s.utf8.first, ASCII.isDigit(f), let sp = s.firstIndex(of: " ") {
            time = ConsoleLine.parseTime(String(s[..<sp]))
            if time != nil { s = s[s.index(after: sp)...] }
        }
        guard s.hasPrefix("("), let close = s.firstIndex(of: ")") else { return nil }
        let id = s[s.index(after: s.startIndex)..<close]
        guard id.utf8.count >= 8, id.utf8.allSatisfy({ ASCII.isDigit($0) || ASCII.lower($0) &- 0x61 < 26 || $0 == ASCII.minus })
        else { return nil }
        var text = s[s.index(after: close)...]
        if text.first == " " { text = text.dropFirst() }
        return (time, String(id), String(text))
    }

    mutating func consume(_ line: String, line number: Int64) -> SkipReason? {
        guard let (time, id, text) = ExecutionLogCollector.split(line) else { return .unknownFormat }
        var used = true
        var x = exchanges[id] ?? Exchange(id: id, firstLine: number, time: time)
        if x.time == nil { x.time = time }
        if text.hasPrefix(ExecMessage.httpMethod) {
            let rest = text.dropFirst(ExecMessage.httpMethod.count)
            if let r = rest.firstRange(of: ExecMessage.resourcePath) {
                x.method = String(rest[..<r.lowerBound]).uppercased()
                x.path = String(rest[r.upperBound...]).trimmingSpaces()
            } else {
                x.method = String(rest).trimmingSpaces().uppercased()
            }
        } else if text.hasPrefix(ExecMessage.requestHeaders) {
            let (h, t) = ExecutionLogCollector.parseMap(String(text.dropFirst(ExecMessage.requestHeaders.count)))
            x.requestHeaders = h
            x.truncated = x.truncated || t
        } else if text.hasPrefix(ExecMessage.responseHeaders) {
            let (h, t) = ExecutionLogCollector.parseMap(String(text.dropFirst(ExecMessage.responseHeaders.count)))
            x.responseHeaders = h
            x.truncated = x.truncated || t
        } else if text.hasPrefix(ExecMessage.completed) {
            x.status = ConsoleMessageClassifier.leadingInt(String(text.dropFirst(ExecMessage.completed.count)))
        } else if text.hasPrefix(ExecMessage.succeeded) {
            x.succeeded = true
        } else {
            used = false
        }
        if exchanges[id] == nil { order.append(id) }
        exchanges[id] = x
        return used ? nil : .notCORS
    }

    /// Parses `{Name=value, Name=value}`: splits on `, ` only where the next text looks
    /// like `Token=` (values may contain `, `). Returns the pairs and whether the line
    /// was cut (` [TRUNCATED]`).
    static func parseMap(_ s: String) -> ([(name: String, value: String)], Bool) {
        var body = Substring(s.trimmingSpaces())
        var truncated = false
        if body.hasSuffix(ExecMessage.truncated) {
            truncated = true
            body = body.dropLast(ExecMessage.truncated.count)
        }
        if body.hasPrefix("{") { body = body.dropFirst() }
        if !truncated, body.hasSuffix("}") { body = body.dropLast() }
        let u = Array(body.utf8)
        var cuts: [Int] = []  // start offsets of entries
        var i = 0
        if !u.isEmpty { cuts.append(0) }
        while i + 1 < u.count {
            if u[i] == ASCII.comma, u[i + 1] == ASCII.space {
                var k = i + 2
                while k < u.count, FetchCORSCheck.isTChar(u[k]), u[k] != ASCII.equals { k += 1 }
                if k > i + 2, k < u.count, u[k] == ASCII.equals { cuts.append(i + 2) }
            }
            i += 1
        }
        var out: [(name: String, value: String)] = []
        for (n, start) in cuts.enumerated() {
            let end = n + 1 < cuts.count ? cuts[n + 1] - 2 : u.count
            guard end > start else { continue }
            let item = u[start..<end]
            guard let eq = item.firstIndex(of: ASCII.equals) else { continue }
            let name = String(decoding: item[start..<eq], as: UTF8.self).trimmingSpaces()
            let value = String(decoding: item[(eq + 1)..<end], as: UTF8.self).trimmingSpaces()
            if !name.isEmpty { out.append((name, value)) }
        }
        return (out, truncated)
    }

    mutating func finish() -> [BrowserReport] {
        var out: [BrowserReport] = []
        for id in order {
            guard let x = exchanges[id], let r = report(x) else { continue }
            out.append(r)
        }
        exchanges = [:]
        order = []
        return out
    }

    func report(_ x: Exchange) -> BrowserReport? {
        guard let req = x.requestHeaders, let origin = FetchCORSCheck.get("origin", in: req),
              let resp = x.responseHeaders else { return nil }
        // A same-origin request also carries Origin for POST; compare with the Host.
        if let host = FetchCORSCheck.get("host", in: req), originOf(origin).map({ $0.hasSuffix("://" + host) }) == true {
            return nil
        }
        let status = x.status ?? (x.succeeded ? 200 : nil)
        guard let status else { return nil }
        let credentials = FetchCORSCheck.get("cookie", in: req) != nil
        let acrm = FetchCORSCheck.get("access-control-request-method", in: req)
        let failure: FetchCORSCheck.Failure?
        let method: String?
        if x.method == "OPTIONS", let acrm {
            method = acrm
            let acrh = FetchCORSCheck.get("access-control-request-headers", in: req)
            let request = FetchCORSCheck.Request(method: acrm, origin: origin, credentials: credentials,
                                                 requestedHeaders: acrh.map { $0.split(separator: ",").map(String.init) } ?? [])
            failure = FetchCORSCheck.preflightCheck(request: request, preflight: .init(status: status, headers: resp))
        } else {
            method = x.method
            let request = FetchCORSCheck.Request(method: x.method ?? "GET", headers: req, origin: origin, credentials: credentials)
            failure = FetchCORSCheck.responseCheck(request: request, response: .init(status: status, headers: resp))
        }
        guard let f = failure else { return nil }
        // A cut-off header map cannot prove a header missing.
        if x.truncated, [.missingAllowOrigin, .headerNotAllowed, .methodNotAllowed, .credentialsNotAllowed].contains(f.failureClass) {
            return nil
        }
        // Response-stage "missing" stays `missing-allow-origin`: whether the gateway made the
        // error response is the access log's to say (the join makes it gateway-error-masked).
        let cls = f.failureClass
        let ua = FetchCORSCheck.get("user-agent", in: req)
        let ip = FetchCORSCheck.get("x-forwarded-for", in: req)?.split(separator: ",").first.map { String($0).trimmingSpaces() }
        let raw = "(\(x.id)) \(x.method ?? "?") \(x.path ?? "?") → \(status); response headers: "
            + resp.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
        return BrowserReport(time: x.time, failureClass: cls, stage: f.stage, confidence: .confirmed,
                             browser: ua.flatMap(browserFromUserAgent), url: x.path, method: method, pageOrigin: origin,
                             userAgent: ua, clientIP: ip, status: status, offending: f.offending,
                             allowOriginSeen: f.allowOriginSeen,
                             detail: "Execution log: " + f.detail, raw: trimRaw(raw), requestId: x.id,
                             location: SourceLocation(input: input, line: x.firstLine))
    }
}
