import CorsscanCore

// MARK: - corsError → class (browser-reports.md §5.3, devtools-protocol Network.pdl)

/// Every `Network.CorsError` value the protocol has had, with its stage and class.
let corsErrorTable: [String: (FailureClass, Stage)] = [
    "DisallowedByMode": (.unknown, .response),
    "InvalidResponse": (.unknown, .response),
    "CorsDisabledScheme": (.unknown, .response),
    "WildcardOriginNotAllowed": (.wildcardWithCredentials, .response),
    "PreflightWildcardOriginNotAllowed": (.wildcardWithCredentials, .preflight),
    "MissingAllowOriginHeader": (.missingAllowOrigin, .response),
    "PreflightMissingAllowOriginHeader": (.missingAllowOrigin, .preflight),
    "MultipleAllowOriginValues": (.multipleAllowOrigin, .response),
    "PreflightMultipleAllowOriginValues": (.multipleAllowOrigin, .preflight),
    "InvalidAllowOriginValue": (.invalidAllowOrigin, .response),
    "PreflightInvalidAllowOriginValue": (.invalidAllowOrigin, .preflight),
    "AllowOriginMismatch": (.originMismatch, .response),
    "PreflightAllowOriginMismatch": (.originMismatch, .preflight),
    "InvalidAllowCredentials": (.credentialsNotAllowed, .response),
    "PreflightInvalidAllowCredentials": (.credentialsNotAllowed, .preflight),
    "PreflightInvalidStatus": (.preflightRejected, .preflight),
    "PreflightDisallowedRedirect": (.redirectNotAllowed, .preflight),
    "MethodDisallowedByPreflightResponse": (.methodNotAllowed, .preflight),
    "HeaderDisallowedByPreflightResponse": (.headerNotAllowed, .preflight),
    "InvalidAllowMethodsPreflightResponse": (.invalidAllowMethods, .preflight),
    "InvalidAllowHeadersPreflightResponse": (.invalidAllowHeaders, .preflight),
    "RedirectContainsCredentials": (.redirectNotAllowed, .response),
    "NoCorsRedirectModeNotFollow": (.redirectNotAllowed, .response),
    "InsecurePrivateNetwork": (.privateNetwork, .response),
    "InvalidPrivateNetworkAccess": (.privateNetwork, .response),
    "UnexpectedPrivateNetworkAccess": (.privateNetwork, .response),
    "PreflightMissingAllowPrivateNetwork": (.privateNetwork, .preflight),
    "PreflightInvalidAllowPrivateNetwork": (.privateNetwork, .preflight),
    "PreflightMissingPrivateNetworkAccessId": (.privateNetwork, .preflight),
    "PreflightMissingPrivateNetworkAccessName": (.privateNetwork, .preflight),
    "PrivateNetworkAccessPermissionUnavailable": (.privateNetwork, .response),
    "PrivateNetworkAccessPermissionDenied": (.privateNetwork, .response),
    "InsecureLocalNetwork": (.privateNetwork, .response),
    "InvalidLocalNetworkAccess": (.privateNetwork, .response),
    "LocalNetworkAccessPermissionDenied": (.privateNetwork, .response),
    "PreflightMissingAllowExternal": (.privateNetwork, .preflight),
    "PreflightInvalidAllowExternal": (.privateNetwork, .preflight),
]

/// What `failedParameter` names for a class.
func hintRole(for c: FailureClass) -> HintRole {
    switch c {
    case .headerNotAllowed: return .header
    case .methodNotAllowed: return .method
    case .originMismatch, .multipleAllowOrigin, .invalidAllowOrigin, .wildcardWithCredentials: return .allowOrigin
    default: return .value
    }
}

/// The CDP event inside a line: raw `{"method","params"}`, a ChromeDriver performance
/// entry whose `message` is a JSON string `{"message":{"method","params"},"webview"}`, or
/// that inner object itself. Returns (method, params, webview, entry time).
func unwrapCDP(_ v: JSONValue) -> (method: String, params: JSONValue, webview: String?, time: Int64?)? {
    if let m = v["method"]?.string { return (m, v["params"] ?? .object([]), v["webview"]?.string ?? v["sessionId"]?.string, nil) }
    var inner = v["message"]
    let t = v["timestamp"]?.int64.flatMap { Timestamp.parse(String($0)) }
    if let s = inner?.string { inner = JSONValue.parse(s) }
    guard let i = inner else { return nil }
    if let m = i["method"]?.string { return (m, i["params"] ?? .object([]), i["webview"]?.string, t) }
    if let msg = i["message"], let m = msg["method"]?.string {
        return (m, msg["params"] ?? .object([]), i["webview"]?.string, t)
    }
    return nil
}

func headerList(_ v: JSONValue?) -> [(name: String, value: String)] {
    guard let m = v?.members else { return [] }
    return m.compactMap { k, v in v.text.map { (k, $0) } }
}

/// Joins CDP `Network.*` events by `requestId` (per webview) into one report per
/// `loadingFailed` with `corsErrorStatus`.
struct CDPCollector {
    let input: Int32

    struct Request {
        var url: String?
        var method: String?
        var headers: [(name: String, value: String)] = []
        var extraHeaders: [(name: String, value: String)] = []
        var wallTime: Double?
        var monotonic: Double?
        var documentURL: String?
        var preflightOf: String?
        var status: Int?
        var responseHeaders: [(name: String, value: String)] = []
        var entryTime: Int64?
    }

    struct Failure {
        var key: String
        var corsError: String
        var failedParameter: String
        var monotonic: Double?
        var entryTime: Int64?
        var line: Int64
        var url: String?
        var origin: String?
        var fromIssue: Bool
    }

    var requests: [String: Request] = [:]
    var failures: [Failure] = []

    init(input: Int32) { self.input = input }

    static func key(_ webview: String?, _ id: String) -> String { (webview ?? "") + "\u{1}" + id }

    mutating func consume(_ v: JSONValue, line: Int64) -> SkipReason? {
        guard let (method, p, webview, entryTime) = unwrapCDP(v) else { return v.members == nil ? .malformedJSON : .notCORS }
        switch method {
        case "Network.requestWillBeSent":
            guard let id = p["requestId"]?.text else { return .missingField }
            let k = CDPCollector.key(webview, id)
            var r = requests[k] ?? Request()
            r.url = p.path("request.url")?.string ?? r.url
            r.method = p.path("request.method")?.string ?? r.method
            r.headers = headerList(p.path("request.headers"))
            if r.wallTime == nil { r.wallTime = p["wallTime"]?.double; r.monotonic = p["timestamp"]?.double }
            r.documentURL = p["documentURL"]?.string ?? r.documentURL
            if p.path("initiator.type")?.string == "preflight" || p["type"]?.string == "Preflight" {
                r.preflightOf = p.path("initiator.requestId")?.text.map { CDPCollector.key(webview, $0) }
            }
            if r.entryTime == nil { r.entryTime = entryTime }
            requests[k] = r
            return nil
        case "Network.requestWillBeSentExtraInfo":
            guard let id = p["requestId"]?.text else { return .missingField }
            let k = CDPCollector.key(webview, id)
            requests[k, default: Request()].extraHeaders = headerList(p["headers"])
            return nil
        case "Network.responseReceivedExtraInfo":
            guard let id = p["requestId"]?.text else { return .missingField }
            let k = CDPCollector.key(webview, id)
            requests[k, default: Request()].status = p["statusCode"]?.int
            requests[k, default: Request()].responseHeaders = headerList(p["headers"])
            return nil
        case "Network.responseReceived":
            guard let id = p["requestId"]?.text else { return .missingField }
            let k = CDPCollector.key(webview, id)
            if requests[k, default: Request()].status == nil {
                requests[k, default: Request()].status = p.path("response.status")?.int
                requests[k, default: Request()].responseHeaders = headerList(p.path("response.headers"))
            }
            return nil
        case "Network.loadingFailed":
            guard let id = p["requestId"]?.text else { return .missingField }
            guard let cors = p["corsErrorStatus"], let e = cors["corsError"]?.string else { return .notCORS }
            failures.append(Failure(key: CDPCollector.key(webview, id), corsError: e,
                                    failedParameter: cors["failedParameter"]?.text ?? "",
                                    monotonic: p["timestamp"]?.double, entryTime: entryTime, line: line,
                                    url: nil, origin: nil, fromIssue: false))
            return nil
        case "Audits.issueAdded":
            let d = p.path("issue.details.corsIssueDetails")
            guard p.path("issue.code")?.string == "CorsIssue", let d, d["isWarning"]?.bool != true,
                  let e = d.path("corsErrorStatus.corsError")?.string, let id = d.path("request.requestId")?.text
            else { return .notCORS }
            failures.append(Failure(key: CDPCollector.key(webview, id), corsError: e,
                                    failedParameter: d.path("corsErrorStatus.failedParameter")?.text ?? "",
                                    monotonic: nil, entryTime: entryTime, line: line,
                                    url: d.path("request.url")?.string, origin: d["initiatorOrigin"]?.string,
                                    fromIssue: true))
            return nil
        default:
            return .notCORS
        }
    }

    /// The request a preflight was made for (`initiator.requestId`, or a `-preflight` suffix).
    func baseKey(_ k: String) -> String? {
        if let b = requests[k]?.preflightOf { return b }
        let lower = k.lowercased()
        if lower.hasSuffix("-preflight") { return String(k.dropLast("-preflight".count)) }
        return nil
    }

    func preflightKey(of k: String, index: [String: String]) -> String? {
        if let pk = index[k] { return pk }
        for suffix in ["-preflight", "-Preflight"] where requests[k + suffix] != nil { return k + suffix }
        return nil
    }

    mutating func finish() -> [BrowserReport] {
        var out: [BrowserReport] = []
        var seen = Set<String>()
        let failedKeys = Set(failures.filter { !$0.fromIssue }.map(\.key))
        var preflightIndex: [String: String] = [:]  // request key → its preflight's key
        for (k, r) in requests { if let b = r.preflightOf, preflightIndex[b] == nil { preflightIndex[b] = k } }
        // loadingFailed first, then issues for requests without one.
        for f in failures.sorted(by: { ($0.fromIssue ? 1 : 0, $0.line) < ($1.fromIssue ? 1 : 0, $1.line) }) {
            var key = f.key
            if let b = baseKey(key) {
                // The preflight's own failure: reported once, on the request it was for.
                if failedKeys.contains(b) { continue }
                key = b
            }
            guard seen.insert(key).inserted else { continue }
            out.append(report(f, key: key, preflightIndex: preflightIndex))
        }
        out.sort { $0.location < $1.location }
        requests = [:]
        failures = []
        return out
    }

    func report(_ f: Failure, key: String, preflightIndex: [String: String]) -> BrowserReport {
        let (cls0, stage) = corsErrorTable[f.corsError] ?? (.unknown, .response)
        var cls = cls0
        let req = requests[key] ?? Request()
        let pre = preflightKey(of: key, index: preflightIndex).flatMap { requests[$0] } ?? (f.key != key ? requests[f.key] : nil)
        // Status and headers of the exchange that failed.
        let exchange = stage == .preflight ? (pre ?? Request()) : req
        let status = exchange.status
        let rh = exchange.responseHeaders
        let allHeaders = req.headers + req.extraHeaders + (pre?.extraHeaders ?? []) + (pre?.headers ?? [])
        let origin = FetchCORSCheck.get("origin", in: allHeaders) ?? f.origin ?? req.documentURL.flatMap(originOf)
        // A gateway-made error response without CORS headers (x-amzn-errortype present).
        if cls == .missingAllowOrigin, stage == .response, let s = status, s >= 400,
           FetchCORSCheck.get("x-amzn-errortype", in: rh) != nil {
            cls = .gatewayErrorMasked
        }
        var c = ConsoleClassification(failureClass: cls, stage: stage, confidence: cls == .unknown ? .inferred : .confirmed,
                                      browser: "chrome", url: req.url ?? f.url, pageOrigin: origin, method: req.method,
                                      status: status)
        let hint = f.failedParameter
        if !hint.isEmpty {
            switch hintRole(for: cls) {
            case .header: c.offending = hint.lowercased()
            case .allowOrigin: c.offending = hint; c.allowOriginSeen = hint
            default: c.offending = hint
            }
        }
        if c.allowOriginSeen == nil { c.allowOriginSeen = FetchCORSCheck.get("access-control-allow-origin", in: rh) }
        if cls == .wildcardWithCredentials, c.offending == nil { c.offending = "*" }
        // The request's start (wallTime), the moment the gateway logs; else the
        // performance entry's time.
        // A wallTime outside 1970–9999 (hostile or broken) is no time, as anywhere else.
        let wall = req.wallTime.flatMap(Timestamp.fromSeconds)
        let time = wall ?? req.entryTime ?? f.entryTime
        let gatewayId = FetchCORSCheck.get("x-amzn-requestid", in: rh) ?? FetchCORSCheck.get("apigw-requestid", in: rh)
            ?? FetchCORSCheck.get("x-amzn-requestid", in: req.responseHeaders)
        let detail = ConsoleMessageClassifier.describe(c).trimmingTrailing(".") + " [corsError \(f.corsError)]."
        var raw = "\(f.fromIssue ? "Audits.issueAdded" : "Network.loadingFailed") corsError=\(f.corsError)"
        if !hint.isEmpty { raw += " failedParameter=\(hint)" }
        if let m = c.method { raw += " method=\(m)" }
        if let u = c.url { raw += " url=\(u)" }
        if let s = status { raw += " status=\(s)" }
        return BrowserReport(time: time, failureClass: cls, stage: stage, confidence: c.confidence, browser: "chrome",
                             url: c.url, method: c.method, pageOrigin: c.pageOrigin,
                             userAgent: FetchCORSCheck.get("user-agent", in: allHeaders), clientIP: nil, status: status,
                             offending: c.offending, allowOriginSeen: c.allowOriginSeen, detail: detail,
                             raw: trimRaw(raw), requestId: gatewayId,
                             location: SourceLocation(input: input, line: f.line))
    }
}
