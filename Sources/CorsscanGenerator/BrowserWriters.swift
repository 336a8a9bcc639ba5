import CorsscanCore

/// JSON text builder for the small browser files.
struct JSONOut {
    var b: [UInt8] = []
    mutating func raw(_ s: String) { b.add(s) }
    mutating func str(_ s: String) { b.addJSONString(s) }
    mutating func kv(_ k: String, _ v: String, comma: Bool = true) { if comma { b.append(0x2C) }; str(k); b.append(0x3A); str(v) }
    mutating func kn(_ k: String, _ v: Int64, comma: Bool = true) { if comma { b.append(0x2C) }; str(k); b.append(0x3A); b.addInt(Int(v)) }
    mutating func kraw(_ k: String, _ v: String, comma: Bool = true) { if comma { b.append(0x2C) }; str(k); b.append(0x3A); b.add(v) }
    mutating func headersObject(_ h: [(String, String)]) {
        b.append(0x7B)
        for (i, (k, v)) in h.enumerated() { kv(k, v, comma: i > 0) }
        b.append(0x7D)
    }
    mutating func headersList(_ h: [(String, String)]) {
        b.append(0x5B)
        for (i, (k, v)) in h.enumerated() {
            if i > 0 { b.append(0x2C) }
            b.append(0x7B); kv("name", k, comma: false); kv("value", v); b.append(0x7D)
        }
        b.append(0x5D)
    }
}

func errorTypeHeader(_ e: GatewayError) -> String {
    switch e {
    case .missingAuthToken: "MissingAuthenticationTokenException"
    case .unauthorized: "UnauthorizedException"
    case .accessDenied: "AccessDeniedException"
    case .invalidAPIKey, .wafFiltered, .forbiddenHTTP: "ForbiddenException"
    case .throttled: "TooManyRequestsException"
    case .quotaExceeded: "LimitExceededException"
    case .authorizerConfig: "AuthorizerConfigurationException"
    default: "InternalServerErrorException"
    }
}

/// Request/response headers that make the Fetch-standard CORS check fail exactly as the class says.
struct ExchangeHeaders {
    var requestHeadersAsked: String
    var preflight: [(String, String)]
    var actual: [(String, String)]

    init(_ e: BrowserEvidence) {
        let o = e.origin
        var acrh = e.method == "GET" ? "authorization" : "authorization,content-type"
        if e.cls == .headerNotAllowed && e.hint != "authorization" { acrh += ",\(e.hint)" }
        requestHeadersAsked = acrh
        var acao: String? = o
        var acam = "GET,POST,PUT,DELETE,PATCH,OPTIONS"
        var acah = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Request-Id"
        var acac: String? = nil
        var pf: [(String, String)] = []
        var act: [(String, String)] = [("content-type", "application/json")]
        var actACAO: String? = o
        var actACAC: String? = nil
        let pfStage = e.stage == .preflight
        switch e.cls {
        case .preflightRejected:
            acao = nil
            pf.append(("x-amzn-errortype", errorTypeHeader(e.gatewayError)))
        case .redirectNotAllowed:
            if pfStage { acao = nil; pf.append(("location", "https://login.example.com/oauth2/authorize")) }
            else { actACAO = nil; act.append(("location", e.hint)) }
        case .headerNotAllowed: acah = "Content-Type,X-Amz-Date"
        case .methodNotAllowed: acam = "GET,POST,OPTIONS"
        case .invalidAllowMethods: acam = e.hint
        case .invalidAllowHeaders: acah = e.hint
        case .missingAllowOrigin: if pfStage { acao = nil } else { actACAO = nil }
        case .originMismatch, .multipleAllowOrigin, .invalidAllowOrigin:
            if pfStage { acao = e.hint } else { actACAO = e.hint }
        case .wildcardWithCredentials: if pfStage { acao = "*" } else { actACAO = "*" }
        case .credentialsNotAllowed: break
        case .gatewayErrorMasked:
            actACAO = nil
            act.append(("x-amzn-errortype", errorTypeHeader(e.gatewayError)))
        default: break
        }
        let credentialed = e.cls == .wildcardWithCredentials || e.cls == .credentialsNotAllowed
        if credentialed {
            if !(e.cls == .credentialsNotAllowed && pfStage) { acac = "true" }
            if !(e.cls == .credentialsNotAllowed && !pfStage) { actACAC = "true" }
        }
        if let v = acao { pf.insert(("access-control-allow-origin", v), at: 0) }
        if e.cls != .preflightRejected && !(e.cls == .redirectNotAllowed && pfStage) {
            pf.insert(("access-control-allow-methods", acam), at: 0)
            pf.insert(("access-control-allow-headers", acah), at: 0)
            if let v = acac { pf.append(("access-control-allow-credentials", v)) }
        }
        pf.append(("x-amzn-requestid", e.preflightRequestId))
        if let v = actACAO { act.insert(("access-control-allow-origin", v), at: 0) }
        if let v = actACAC { act.append(("access-control-allow-credentials", v)) }
        act.append(("x-amzn-requestid", e.actualRequestId))
        preflight = pf
        actual = act
    }
}

func isoSpace(_ ms: Int64) -> String {
    var s = isoString(ms)
    s.removeLast()   // Z
    return s.replacingOccurrences(of: "T", with: " ")
}

extension String {
    func replacingOccurrences(of a: Character, with b: String) -> String {
        var r = ""; for ch in self { if ch == a { r += b } else { r.append(ch) } }; return r
    }
}

let statusText: [Int: String] = [200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
    307: "Temporary Redirect", 308: "Permanent Redirect", 401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"]

/// Writes every browser channel that has evidence; returns (relative path, bytes).
func renderBrowserFiles(_ ev: [BrowserEvidence], runStart: Int64) -> [(String, [UInt8])] {
    var files: [(String, [UInt8])] = []
    func sel(_ c: BrowserChannel) -> [BrowserEvidence] { ev.filter { $0.channel == c } }

    // Chrome console (saved DevTools console with timestamps).
    let chrome = sel(.chromeConsole)
    if !chrome.isEmpty {
        var b: [UInt8] = []
        for e in chrome {
            b.add(isoString(e.reportTime)); b.add(" "); b.add(BrowserText.chromeMessage(e)); b.add("\n")
            b.add(isoString(e.reportTime + 1)); b.add(" \(e.stage == .preflight ? e.method : e.method) \(e.url) net::ERR_FAILED")
            let st = BrowserText.failedStatus(e)
            if e.stage == .response, st > 0 { b.add(" \(st) (\(statusText[st] ?? ""))") }
            b.add("\n")
        }
        files.append(("browser/chrome-console.log", b))
    }
    let firefox = sel(.firefoxConsole)
    if !firefox.isEmpty {
        var b: [UInt8] = []
        for e in firefox { b.add(isoSpace(e.reportTime)); b.add(" "); b.add(BrowserText.firefoxMessage(e)); b.add("\n") }
        files.append(("browser/firefox-console.txt", b))
    }
    let safari = sel(.safariConsole)
    if !safari.isEmpty {
        var b: [UInt8] = []
        for e in safari {
            for (k, l) in BrowserText.safariLines(e).enumerated() {
                b.add(isoString(e.reportTime + Int64(k))); b.add(" "); b.add(l); b.add("\n")
            }
        }
        files.append(("browser/safari-console.txt", b))
    }
    let wd = sel(.webdriver)
    if !wd.isEmpty {
        var j = JSONOut()
        for e in wd {
            j.raw("{"); j.kv("level", "SEVERE", comma: false); j.kv("message", "\(e.page) - " + BrowserText.chromeMessage(e))
            j.kv("source", "javascript"); j.kn("timestamp", e.reportTime); j.raw("}\n")
            j.raw("{"); j.kv("level", "SEVERE", comma: false); j.kv("message", "\(e.url) - Failed to load resource: net::ERR_FAILED")
            j.kv("source", "network"); j.kn("timestamp", e.reportTime + 1); j.raw("}\n")
        }
        files.append(("browser/webdriver-browser.jsonl", j.b))
    }
    let cdp = sel(.cdp)
    if !cdp.isEmpty {
        var j = JSONOut()
        for (n, e) in cdp.enumerated() {
            let id = "\(31440 + n / 1000).\(100 + n % 1000)"
            let pid = id + ".1"
            let h = ExchangeHeaders(e)
            func mono(_ ms: Int64) -> String {
                let v = ms - runStart + 81_000_000
                var s = "\(v / 1000)."; let f = v % 1000
                s += f < 10 ? "00\(f)" : (f < 100 ? "0\(f)" : "\(f)"); return s + "123"
            }
            func wall(_ ms: Int64) -> String {
                let f = ms % 1000
                return "\(ms / 1000)." + (f < 10 ? "00\(f)" : (f < 100 ? "0\(f)" : "\(f)"))
            }
            let type = e.xhr ? "XHR" : "Fetch"
            j.raw("{\"method\":\"Network.requestWillBeSent\",\"params\":{"); j.kv("documentURL", e.page, comma: false)
            j.raw(",\"initiator\":{\"type\":\"script\"},\"request\":{\"headers\":")
            var rh: [(String, String)] = [("Accept", "application/json"), ("Referer", e.origin + "/"), ("User-Agent", e.ua)]
            if e.method != "GET" { rh.insert(("Content-Type", "application/json"), at: 1) }
            j.headersObject(rh); j.kv("method", e.method); j.kv("url", e.url); j.raw("}")
            j.kv("requestId", id); j.kraw("timestamp", mono(e.actualTime - 2)); j.kv("type", type); j.kraw("wallTime", wall(e.actualTime - 2))
            j.raw("}}\n")
            if e.preflighted {
                j.raw("{\"method\":\"Network.requestWillBeSent\",\"params\":{"); j.kv("documentURL", e.page, comma: false)
                j.raw(",\"initiator\":{"); j.kv("requestId", id, comma: false); j.kv("type", "preflight"); j.kv("url", e.url); j.raw("}")
                j.raw(",\"request\":{\"headers\":")
                j.headersObject([("Access-Control-Request-Headers", h.requestHeadersAsked), ("Access-Control-Request-Method", e.method),
                                 ("Origin", e.origin), ("User-Agent", e.ua)])
                j.kv("method", "OPTIONS"); j.kv("url", e.url); j.raw("}")
                j.kv("requestId", pid); j.kraw("timestamp", mono(e.preflightTime)); j.kv("type", "Preflight"); j.kraw("wallTime", wall(e.preflightTime))
                j.raw("}}\n")
                j.raw("{\"method\":\"Network.responseReceivedExtraInfo\",\"params\":{\"headers\":"); j.headersObject(h.preflight)
                j.kv("requestId", pid); j.kv("resourceIPAddressSpace", e.cls == .privateNetwork ? "Private" : "Public")
                j.kn("statusCode", Int64(e.preflightStatus)); j.raw("}}\n")
            }
            if e.stage == .response {
                j.raw("{\"method\":\"Network.responseReceivedExtraInfo\",\"params\":{\"headers\":"); j.headersObject(h.actual)
                j.kv("requestId", id); j.kv("resourceIPAddressSpace", "Public"); j.kn("statusCode", Int64(e.actualStatus)); j.raw("}}\n")
            }
            let (_, code) = BrowserText.chromeReason(e)
            j.raw("{\"method\":\"Network.loadingFailed\",\"params\":{\"canceled\":false,\"corsErrorStatus\":{")
            j.kv("corsError", code, comma: false); j.kv("failedParameter", e.hint); j.raw("}")
            j.kv("errorText", "net::ERR_FAILED"); j.kv("requestId", id); j.kraw("timestamp", mono(e.reportTime)); j.kv("type", type)
            j.raw("}}\n")
        }
        files.append(("browser/cdp-network.jsonl", j.b))
    }
    let har = sel(.har)
    if !har.isEmpty {
        var j = JSONOut()
        j.raw("{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"WebInspector\",\"version\":\"537.36\"},\"pages\":[{")
        j.kv("startedDateTime", isoString(har[0].requestTime - 5000), comma: false); j.kv("id", "page_1")
        j.kv("title", har[0].page); j.raw(",\"pageTimings\":{\"onContentLoad\":412.5,\"onLoad\":903.1}}],\"entries\":[")
        for (n, e) in har.enumerated() {
            let h = ExchangeHeaders(e)
            let id = "\(52000 + n).\(n % 97)"
            if n > 0 { j.raw(",") }
            j.raw("\n{\"_initiator\":{\"type\":\"script\"},\"_priority\":\"High\""); j.kv("_resourceType", e.xhr ? "xhr" : "fetch")
            j.raw(",\"cache\":{},\"pageref\":\"page_1\",\"request\":{"); j.kv("method", e.method, comma: false); j.kv("url", e.url)
            j.kv("httpVersion", ""); j.raw(",\"headers\":")
            var rq: [(String, String)] = [("accept", "application/json")]
            if e.method != "GET" { rq.append(("content-type", "application/json")) }
            rq += [("origin", e.origin), ("referer", e.origin + "/"), ("sec-fetch-mode", "cors"), ("user-agent", e.ua)]
            j.headersList(rq)
            j.raw(",\"queryString\":[],\"cookies\":[],\"headersSize\":-1,\"bodySize\":\(e.method == "GET" ? 0 : 23)},\"response\":{")
            if e.stage == .response {
                j.kn("status", Int64(e.actualStatus), comma: false); j.kv("statusText", statusText[e.actualStatus] ?? "")
                j.kv("httpVersion", ""); j.raw(",\"headers\":"); j.headersList(h.actual)
            } else {
                j.raw("\"status\":0,\"statusText\":\"\",\"httpVersion\":\"\",\"headers\":[]")
            }
            j.raw(",\"cookies\":[],\"content\":{\"size\":0,\"mimeType\":\"x-unknown\"},\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":-1,\"_transferSize\":0,\"_error\":\"net::ERR_FAILED\"}")
            j.raw(",\"serverIPAddress\":\"\""); j.kv("startedDateTime", isoString(e.actualTime))
            j.raw(",\"time\":213.7,\"timings\":{\"blocked\":213.7,\"dns\":-1,\"ssl\":-1,\"connect\":-1,\"send\":0,\"wait\":0,\"receive\":0,\"_blocked_queueing\":2.1}}")
            if e.preflighted {
                j.raw(",\n{\"_initiator\":{"); j.kv("type", "preflight", comma: false); j.kv("url", e.url); j.kv("requestId", id)
                j.raw("},\"_priority\":\"High\",\"_resourceType\":\"preflight\",\"cache\":{},\"connection\":\"29766\",\"pageref\":\"page_1\",\"request\":{")
                j.kv("method", "OPTIONS", comma: false); j.kv("url", e.url); j.kv("httpVersion", "http/2.0"); j.raw(",\"headers\":")
                j.headersList([("access-control-request-headers", h.requestHeadersAsked), ("access-control-request-method", e.method),
                               ("origin", e.origin), ("sec-fetch-mode", "cors"), ("user-agent", e.ua)])
                j.raw(",\"queryString\":[],\"cookies\":[],\"headersSize\":-1,\"bodySize\":0},\"response\":{")
                j.kn("status", Int64(e.preflightStatus), comma: false); j.kv("statusText", statusText[e.preflightStatus] ?? "")
                j.kv("httpVersion", "http/2.0"); j.raw(",\"headers\":"); j.headersList(h.preflight)
                j.raw(",\"cookies\":[],\"content\":{\"size\":0,\"mimeType\":\"x-unknown\"},\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":-1,\"_transferSize\":0,\"_error\":null}")
                j.raw(",\"serverIPAddress\":\"198.51.100.80\""); j.kv("startedDateTime", isoString(e.preflightTime))
                j.raw(",\"time\":96.2,\"timings\":{\"blocked\":3.4,\"dns\":0.1,\"ssl\":21.7,\"connect\":36.9,\"send\":0.5,\"wait\":54.8,\"receive\":0.5,\"_blocked_queueing\":-1}}")
            }
        }
        j.raw("\n]}}\n")
        files.append(("browser/session.har", j.b))
    }
    let beacon = sel(.beacon)
    if !beacon.isEmpty {
        var j = JSONOut()
        for e in beacon {
            j.raw("{"); j.kn("ts", e.reportTime, comma: false); j.kv("type", "console-error"); j.kv("message", BrowserText.chromeMessage(e))
            j.kv("url", e.url); j.kv("method", e.method); j.kv("origin", e.origin); j.kv("page", e.page)
            j.kv("userAgent", e.ua); j.kv("ip", e.ip); j.raw("}\n")
        }
        files.append(("browser/beacon.jsonl", j.b))
    }
    return files
}
