import CorsscanCore

/// The Fetch standard's CORS checks (https://fetch.spec.whatwg.org/), re-run on recorded
/// headers (HAR entries, execution logs) to name the exact check a browser failed.
///
/// Steps follow the spec's "CORS check", "CORS-preflight fetch" (steps 7.x) and the HTTP
/// redirect fetch; where Chromium's observable order differs, Chromium's order is used
/// and noted, because the evidence we re-check mostly comes from Chrome/Edge.
public enum FetchCORSCheck {
    /// A header list as recorded: names in any case, duplicates allowed, order kept.
    public typealias Headers = [(name: String, value: String)]

    /// The request as the page made it.
    public struct Request: Sendable {
        public var method: String
        /// Request headers as recorded (browser-added ones are ignored by the checks).
        public var headers: [(name: String, value: String)]
        /// The page origin (`Origin` header value; `null` allowed).
        public var origin: String
        /// Credentials mode "include".
        public var credentials: Bool
        /// The header names the browser put in the preflight's
        /// `Access-Control-Request-Headers`, when known: preferred over `headers`.
        public var requestedHeaders: [String]?

        public init(method: String, headers: [(name: String, value: String)] = [], origin: String,
                    credentials: Bool = false, requestedHeaders: [String]? = nil) {
            self.method = method
            self.headers = headers
            self.origin = origin
            self.credentials = credentials
            self.requestedHeaders = requestedHeaders
        }
    }

    /// A response as recorded (status and headers).
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]

        public init(status: Int, headers: [(name: String, value: String)] = []) {
            self.status = status
            self.headers = headers
        }

        /// The combined value of a header (Fetch "get": values joined with `, `), `nil` if absent.
        public func header(_ name: String) -> String? { FetchCORSCheck.get(name, in: headers) }
    }

    /// The first check that failed.
    public struct Failure: Sendable, Equatable {
        public var failureClass: FailureClass
        public var stage: Stage
        /// The header, method or value the check names.
        public var offending: String?
        /// The `Access-Control-Allow-Origin` value seen (combined), when present.
        public var allowOriginSeen: String?
        /// The status of the response that failed (preflight or actual).
        public var status: Int?
        /// One sentence, e.g. `Access-Control-Allow-Headers "content-type" does not list "authorization"`.
        public var detail: String
    }

    // MARK: Whole exchange

    /// Runs the checks a browser runs for `request`: on the preflight response first (when
    /// given), then on the actual response (when given). Returns the first failure or `nil`.
    public static func check(request: Request, preflight: Response?, response: Response?) -> Failure? {
        if let p = preflight, let f = preflightCheck(request: request, preflight: p) { return f }
        if let r = response, r.status != 0, let f = responseCheck(request: request, response: r) { return f }
        return nil
    }

    /// The actual response: redirect checks, then the CORS check (stage `response`).
    public static func responseCheck(request: Request, response r: Response) -> Failure? {
        // HTTP-redirect fetch: a cross-origin redirect response must itself pass the CORS
        // check (Chromium checks it first), then its Location must carry no credentials.
        if let f = corsCheck(origin: request.origin, credentials: request.credentials, response: r, stage: .response) {
            return f
        }
        if isRedirect(r.status), let loc = r.header("location"), urlHasCredentials(loc) {
            return Failure(failureClass: .redirectNotAllowed, stage: .response, offending: loc,
                           allowOriginSeen: r.header("access-control-allow-origin"), status: r.status,
                           detail: "Redirect location \"\(loc)\" contains a username and password.")
        }
        return nil
    }

    // MARK: CORS check

    /// The spec's "CORS check" on one response, with Chromium's finer failure classes
    /// (`services/network/cors/cors.cc` CheckAccess): missing → `*` (with credentials) →
    /// value ≠ origin: contains `,`/space = multiple, not a URL = invalid, else mismatch →
    /// then `Access-Control-Allow-Credentials` must be exactly `true` with credentials.
    public static func corsCheck(origin: String, credentials: Bool, response r: Response, stage: Stage) -> Failure? {
        let acaoCount = r.headers.filter { $0.name.lowercased() == "access-control-allow-origin" }.count
        guard let acao = r.header("access-control-allow-origin") else {
            return Failure(failureClass: .missingAllowOrigin, stage: stage, offending: nil, allowOriginSeen: nil,
                           status: r.status, detail: "No Access-Control-Allow-Origin on the \(name(stage)) (status \(r.status)).")
        }
        func fail(_ c: FailureClass, _ d: String) -> Failure {
            Failure(failureClass: c, stage: stage, offending: acao, allowOriginSeen: acao, status: r.status, detail: d)
        }
        if acao == "*" {
            if credentials {
                return fail(.wildcardWithCredentials,
                            "Access-Control-Allow-Origin \"*\" on the \(name(stage)) is not allowed with credentials.")
            }
        } else if acao != origin {
            if acaoCount > 1 || acao.contains(",") || acao.contains(" ") {
                return fail(.multipleAllowOrigin, "Access-Control-Allow-Origin \"\(acao)\" on the \(name(stage)) holds several values.")
            }
            // `null` is compared like any value (Chromium reports it as a mismatch).
            if acao != "null", !looksLikeOrigin(acao) {
                return fail(.invalidAllowOrigin, "Access-Control-Allow-Origin \"\(acao)\" on the \(name(stage)) is not a valid origin.")
            }
            return fail(.originMismatch, "Access-Control-Allow-Origin \"\(acao)\" on the \(name(stage)) is not the page origin \"\(origin)\".")
        }
        if credentials {
            let acac = r.header("access-control-allow-credentials")
            if acac != "true" {
                return Failure(failureClass: .credentialsNotAllowed, stage: stage, offending: acac,
                               allowOriginSeen: acao, status: r.status,
                               detail: "Access-Control-Allow-Credentials on the \(name(stage)) is \(acac.map { "\"\($0)\"" } ?? "absent"), must be \"true\" with credentials.")
            }
        }
        return nil
    }

    // MARK: CORS-preflight fetch

    /// The checks on a preflight response (spec "CORS-preflight fetch" step 7), in
    /// Chromium's order (`preflight_controller.cc` CheckPreflightAccess and
    /// `preflight_result.cc`): redirect → CORS check → ok status → parse
    /// Allow-Methods/Allow-Headers → method allowed → headers allowed.
    ///
    /// Chromium runs the CORS check before the status check: an API Gateway 403 on
    /// OPTIONS without CORS headers reads "missing Allow-Origin" (stage preflight); the
    /// spec folds both into one network error. Firefox does the same; Safari checks
    /// the status first (the join turns either into `preflight-rejected`).
    public static func preflightCheck(request: Request, preflight p: Response) -> Failure? {
        // Preflights are fetched with redirect mode "error".
        if isRedirect(p.status) {
            return Failure(failureClass: .redirectNotAllowed, stage: .preflight, offending: p.header("location"),
                           allowOriginSeen: p.header("access-control-allow-origin"), status: p.status,
                           detail: "The preflight was answered with a redirect (status \(p.status)).")
        }
        if let f = corsCheck(origin: request.origin, credentials: request.credentials, response: p, stage: .preflight) {
            return f
        }
        let acao = p.header("access-control-allow-origin")
        guard (200...299).contains(p.status) else {
            return Failure(failureClass: .preflightRejected, stage: .preflight, offending: nil, allowOriginSeen: acao,
                           status: p.status, detail: "The preflight got status \(p.status), not an OK (2xx) status.")
        }
        let methodsValue = p.header("access-control-allow-methods")
        let headersValue = p.header("access-control-allow-headers")
        guard let methods = parseList(methodsValue ?? "") else {
            return Failure(failureClass: .invalidAllowMethods, stage: .preflight, offending: methodsValue,
                           allowOriginSeen: acao, status: p.status,
                           detail: "Access-Control-Allow-Methods \"\(methodsValue ?? "")\" is not a list of method tokens.")
        }
        guard let headerNames = parseList(headersValue ?? "") else {
            return Failure(failureClass: .invalidAllowHeaders, stage: .preflight, offending: headersValue,
                           allowOriginSeen: acao, status: p.status,
                           detail: "Access-Control-Allow-Headers \"\(headersValue ?? "")\" is not a list of header-name tokens.")
        }
        // Method: listed exactly (byte-case-sensitive), or case-insensitively for the
        // methods fetch normalises (DELETE GET HEAD OPTIONS POST PUT: Chromium compares
        // those upper-cased), or `*` without credentials, or CORS-safelisted.
        let m = request.method
        let allowed = methods.contains(m)
            || (normalizedMethods.contains(m.uppercased()) && methods.contains { $0.uppercased() == m.uppercased() })
            || (!request.credentials && methods.contains("*"))
            || safelistedMethods.contains(m)
        if !allowed {
            let star = request.credentials && methods.contains("*")
            return Failure(failureClass: star ? .wildcardWithCredentials : .methodNotAllowed, stage: .preflight,
                           offending: m, allowOriginSeen: acao, status: p.status,
                           detail: star
                               ? "Access-Control-Allow-Methods \"*\" does not cover \(m) for a request with credentials."
                               : "Access-Control-Allow-Methods \"\(methodsValue ?? "")\" does not list \"\(m)\".")
        }
        // Headers: every CORS-unsafe request-header name listed (case-insensitive), or
        // `*` without credentials — never for `authorization`.
        let lowerList = Set(headerNames.map { $0.lowercased() })
        for h in unsafeHeaderNames(request) {
            if lowerList.contains(h) { continue }
            if !request.credentials, lowerList.contains("*"), h != "authorization" { continue }
            let star = lowerList.contains("*")
            return Failure(failureClass: star && request.credentials ? .wildcardWithCredentials : .headerNotAllowed,
                           stage: .preflight, offending: h, allowOriginSeen: acao, status: p.status,
                           detail: star
                               ? "Access-Control-Allow-Headers \"*\" does not cover \"\(h)\"\(h == "authorization" ? " (Authorization must be listed by name)" : " with credentials")."
                               : "Access-Control-Allow-Headers \"\(headersValue ?? "")\" does not list \"\(h)\".")
        }
        return nil
    }

    // MARK: Vocabulary

    /// CORS-safelisted methods.
    public static let safelistedMethods: Set<String> = ["GET", "HEAD", "POST"]
    /// Methods fetch normalises to upper case.
    public static let normalizedMethods: Set<String> = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]
    /// Request headers the browser sets itself (forbidden request-header names, `sec-`/
    /// `proxy-` prefixes, HTTP/2 pseudo-headers and what DevTools adds): never author
    /// headers, so never in `Access-Control-Request-Headers`.
    public static let browserHeaders: Set<String> = [
        "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
        "access-control-request-private-network", "connection", "content-length", "cookie", "cookie2", "date",
        "dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
        "transfer-encoding", "upgrade", "via", "user-agent", "priority", "cache-control", "pragma",
        "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id", "cloudfront-forwarded-proto",
        "cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer", "cloudfront-is-smarttv-viewer",
        "cloudfront-is-tablet-viewer", "cloudfront-viewer-country", "cloudfront-viewer-asn", "x-amz-cf-id",
        "upgrade-insecure-requests", "purpose",
    ]

    /// The spec's "CORS-safelisted request-header" (name, value).
    public static func isSafelistedRequestHeader(name: String, value: String) -> Bool {
        guard value.utf8.count <= 128 else { return false }
        switch name.lowercased() {
        case "accept":
            return !value.utf8.contains(where: isUnsafeHeaderByte)
        case "accept-language", "content-language":
            return value.utf8.allSatisfy { ASCII.isDigit($0) || (ASCII.lower($0) >= 0x61 && ASCII.lower($0) <= 0x7A)
                || $0 == ASCII.space || $0 == 0x2A || $0 == ASCII.comma || $0 == ASCII.minus || $0 == ASCII.dot
                || $0 == 0x3B || $0 == ASCII.equals }
        case "content-type":
            if value.utf8.contains(where: isUnsafeHeaderByte) { return false }
            let essence = value.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingSpaces().lowercased() } ?? ""
            return ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"].contains(essence)
        case "range":
            // A simple range: `bytes=N-` or `bytes=N-M`.
            let v = value.lowercased()
            guard v.hasPrefix("bytes=") else { return false }
            let parts = v.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy(\.isNumber),
                  parts[1].allSatisfy(\.isNumber) else { return false }
            if let a = Int(parts[0]), let b = Int(parts[1]) { return a <= b }
            return true
        default:
            return false
        }
    }

    /// Whether the request needs a preflight (non-safelisted method or unsafe headers).
    public static func needsPreflight(_ request: Request) -> Bool {
        !safelistedMethods.contains(request.method) || !unsafeHeaderNames(request).isEmpty
    }

    /// The spec's "CORS-unsafe request-header names", lower-cased, sorted, unique.
    public static func unsafeHeaderNames(_ request: Request) -> [String] {
        if let r = request.requestedHeaders {
            return Array(Set(r.map { $0.lowercased().trimmingSpaces() }.filter { !$0.isEmpty })).sorted()
        }
        var out = Set<String>()
        for (n, v) in request.headers {
            let l = n.lowercased()
            if l.hasPrefix(":") || l.hasPrefix("sec-") || l.hasPrefix("proxy-") || browserHeaders.contains(l) { continue }
            if isSafelistedRequestHeader(name: l, value: v) { continue }
            out.insert(l)
        }
        return out.sorted()
    }

    /// Parses an `Access-Control-Allow-Methods`/`-Headers` value as a comma-separated
    /// list of tokens (HTTP whitespace trimmed, empty elements dropped as Chromium does);
    /// `nil` when an element is not a token.
    public static func parseList(_ value: String) -> [String]? {
        var out: [String] = []
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
            let t = String(part).trimmingSpaces()
            if t.isEmpty { continue }
            guard t.utf8.allSatisfy(isTChar) else { return nil }
            out.append(t)
        }
        return out
    }

    // MARK: Helpers

    /// Fetch "get" of a header: all values of `name` joined with `, `; CDP joins with `\n`.
    public static func get(_ name: String, in headers: [(name: String, value: String)]) -> String? {
        let l = name.lowercased()
        let vs = headers.filter { $0.name.lowercased() == l }.flatMap { $0.value.split(separator: "\n").map(String.init) }
        return vs.isEmpty ? nil : vs.joined(separator: ", ")
    }

    static func isTChar(_ b: UInt8) -> Bool {
        if ASCII.isDigit(b) { return true }
        let l = ASCII.lower(b)
        if l >= 0x61 && l <= 0x7A { return true }
        return "!#$%&'*+-.^_`|~".utf8.contains(b)
    }

    static func isUnsafeHeaderByte(_ b: UInt8) -> Bool {
        (b < 0x20 && b != ASCII.tab) || "\"():<>?@[\\]{}".utf8.contains(b) || b == 0x7F
    }

    static func isRedirect(_ s: Int) -> Bool { [301, 302, 303, 307, 308].contains(s) }

    /// Whether the value parses as a URL (Chromium: `GURL(value).is_valid()`), roughly
    /// `scheme://host…` without spaces; a path (`https://app.example.com/`) is still a
    /// valid URL, so Chromium calls that a mismatch, not an invalid value.
    static func looksLikeOrigin(_ v: String) -> Bool {
        guard let r = v.firstRange(of: "://") else { return false }
        let scheme = v[..<r.lowerBound], rest = v[r.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !scheme.isEmpty && scheme.first!.isLetter
            && scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }
            && !host.isEmpty && !v.contains(" ") && !v.contains("\t")
    }

    static func urlHasCredentials(_ url: String) -> Bool {
        guard let r = url.firstRange(of: "://") else { return false }
        let authority = url[r.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return authority.contains("@")
    }

    static func name(_ s: Stage) -> String { s == .preflight ? "preflight response" : "response" }
}
