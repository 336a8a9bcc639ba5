import CorsscanCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// MARK: - The phrase table
//
// Distinctive phrases of every CORS console message in
// ../shared/reference/browser-messages.tsv (beside the repository) (Chromium `cors_error_string.cc` current,
// previous and 2017/2018 Blink generations; Firefox `security.properties` current and
// UXP; WebKit `CrossOriginAccessControl.cpp` & co.), plus legacy Edge/IE `SEC71xx`
// codes. Phrases are matched on the message lower-cased (ASCII) with typographic quotes
// ‘ ’ “ ” folded to ' and ". The first row that matches wins, so specific rows come
// before generic ones. `hint` names where the template's `{hint}` sits: the text between
// `from` and `to` (the first `to` after `from`; `nil` = up to the end).

/// What the hint of a template names.
enum HintRole: Sendable {
    case none
    /// A request header name (reported lower-case).
    case header
    /// A request method.
    case method
    /// The `Access-Control-Allow-Origin` value the browser saw.
    case allowOrigin
    /// Some other value (an `Allow-Credentials` value, a token, a redirect URL).
    case value
}

struct ConsolePhrase: Sendable {
    var phrase: String
    /// A second phrase that must also occur (anywhere).
    var also: String? = nil
    /// `phrase` and `also` as bytes, for the search.
    var bytes: [UInt8] = []
    var alsoBytes: [UInt8]? = nil
    var failureClass: FailureClass
    var stage: Stage
    var browser: String?
    var hintFrom: String? = nil
    var hintTo: String? = nil
    var hintRole: HintRole = .none
    /// `true` when the browser named the check (`confirmed`); generic lines are `inferred`.
    var named: Bool = true
}

private func row(_ p: String, also: String? = nil, _ c: FailureClass, _ s: Stage, _ b: String?,
                 hint: (String, String?)? = nil, _ role: HintRole = .none, named: Bool = true) -> ConsolePhrase {
    ConsolePhrase(phrase: p, also: also, bytes: Array(p.utf8), alsoBytes: also.map { Array($0.utf8) },
                  failureClass: c, stage: s, browser: b,
                  hintFrom: hint?.0, hintTo: hint?.1, hintRole: role, named: named)
}

let consolePhrases: [ConsolePhrase] = [
    // WebKit wraps the Allow-Origin description of a redirect response: match it first.
    row("cross-origin redirection to", also: "denied by cross-origin resource sharing policy", .redirectNotAllowed, .response, "safari",
        hint: ("cross-origin redirection to ", " denied"), .value),
    // Preflight status (Chrome current + legacy, Safari, Firefox).
    row("response for preflight has invalid http status code", .preflightRejected, .preflight, "chrome"),
    row("response for preflight does not have http ok status", .preflightRejected, .preflight, "chrome"),
    row("it does not have http ok status", .preflightRejected, .preflight, "chrome"),
    row("redirect is not allowed for a preflight request", .redirectNotAllowed, .preflight, "chrome"),
    row("preflight response is not successful", .preflightRejected, .preflight, "safari"),
    row("cors preflight response did not succeed", .preflightRejected, .preflight, "firefox"),
    row("cors preflight channel did not succeed", .preflightRejected, .preflight, "firefox"),
    row("cors request external redirect not allowed", .redirectNotAllowed, .preflight, "firefox"),
    // Wildcard with credentials.
    row("must not be the wildcard '*' when the request's credentials mode", .wildcardWithCredentials, .response, "chrome", .allowOrigin),
    row("credential is not supported if the cors header 'access-control-allow-origin' is '*'", .wildcardWithCredentials, .response, "firefox", .allowOrigin),
    row("cannot use wildcard in access-control-allow-origin when credentials", .wildcardWithCredentials, .response, "safari", .allowOrigin),
    // Allow-Credentials.
    row("which must be 'true' when the request's credentials mode", .credentialsNotAllowed, .response, "chrome",
        hint: ("'access-control-allow-credentials' header in the response is '", "' which must"), .value),
    row("expected 'true' in cors header 'access-control-allow-credentials'", .credentialsNotAllowed, .response, "firefox"),
    row("but access-control-allow-credentials is not", .credentialsNotAllowed, .response, "safari"),
    row("in the access-control-allow-credentials response header", .credentialsNotAllowed, .response, "edge-legacy"),
    // Allow-Origin: multiple, invalid, mismatch, missing.
    row("header contains multiple values '", .multipleAllowOrigin, .response, "chrome",
        hint: ("header contains multiple values '", "', but only one"), .allowOrigin),
    row("multiple cors header", .multipleAllowOrigin, .response, "firefox"),
    row("access-control-allow-origin cannot contain more than one origin", .multipleAllowOrigin, .response, "safari"),
    row("header contains the invalid value '", .invalidAllowOrigin, .response, "chrome",
        hint: ("header contains the invalid value '", "'"), .allowOrigin),
    row("that is not equal to the supplied origin", .originMismatch, .response, "chrome",
        hint: ("header has a value '", "' that is not equal"), .allowOrigin),
    row("cors header 'access-control-allow-origin' does not match", .originMismatch, .response, "firefox",
        hint: ("does not match '", "')"), .allowOrigin),
    row("no 'access-control-allow-origin' header is present", .missingAllowOrigin, .response, "chrome"),
    row("cors header 'access-control-allow-origin' missing", .missingAllowOrigin, .response, "firefox"),
    row("is not allowed by access-control-allow-origin", .missingAllowOrigin, .response, "safari"),
    row("not found in access-control-allow-origin header", .missingAllowOrigin, .response, "edge-legacy"),
    row("in the access-control-allow-origin response header", .missingAllowOrigin, .response, "edge-legacy"),
    // Methods.
    row("is not allowed by access-control-allow-methods", .methodNotAllowed, .preflight, nil,
        hint: ("method ", " is not allowed by access-control-allow-methods"), .method),
    row("did not find method in cors header 'access-control-allow-methods'", .methodNotAllowed, .preflight, "firefox"),
    row("invalid token '", also: "'access-control-allow-methods'", .invalidAllowMethods, .preflight, "firefox",
        hint: ("invalid token '", "'"), .value),
    row("cannot parse access-control-allow-methods", .invalidAllowMethods, .preflight, nil),
    row("header access-control-allow-methods has an invalid value:", .invalidAllowMethods, .preflight, "safari",
        hint: ("has an invalid value: ", nil), .value),
    row("was not present in the access-control-allow-methods list", .methodNotAllowed, .preflight, "edge-legacy",
        hint: ("request method ", " was not present"), .method),
    row("in the access-control-allow-methods response header", .methodNotAllowed, .preflight, "edge-legacy",
        hint: ("did not find '", "'"), .method),
    // Headers.
    row("is not allowed by access-control-allow-headers", .headerNotAllowed, .preflight, nil,
        hint: ("request header field ", " is not allowed by access-control-allow-headers"), .header),
    row("is not allowed according to header 'access-control-allow-headers'", .headerNotAllowed, .preflight, "firefox",
        hint: ("(reason: header '", "' is not allowed"), .header),
    row("missing token '", also: "'access-control-allow-headers'", .headerNotAllowed, .preflight, "firefox",
        hint: ("missing token '", "'"), .header),
    row("invalid token '", also: "'access-control-allow-headers'", .invalidAllowHeaders, .preflight, "firefox",
        hint: ("invalid token '", "'"), .value),
    row("cannot parse access-control-allow-headers", .invalidAllowHeaders, .preflight, nil),
    row("header access-control-allow-headers has an invalid value:", .invalidAllowHeaders, .preflight, "safari",
        hint: ("has an invalid value: ", nil), .value),
    row("was not present in the access-control-allow-headers list", .headerNotAllowed, .preflight, "edge-legacy",
        hint: ("request header ", " was not present"), .header),
    row("in the access-control-allow-headers response header", .headerNotAllowed, .preflight, "edge-legacy",
        hint: ("did not find '", "'"), .header),
    // Redirects.
    row("contains a username and password, which is disallowed", .redirectNotAllowed, .response, "chrome",
        hint: ("redirect location '", "'"), .value),
    row("has a disallowed scheme for cross-origin requests", .redirectNotAllowed, .response, "chrome",
        hint: ("redirect location '", "'"), .value),
    row("cross-origin redirection denied by cross-origin resource sharing policy", .redirectNotAllowed, .response, "safari"),
    row("redirection to url with a scheme that is not http", .redirectNotAllowed, .response, "safari"),
    row("not allowed to follow a cross-origin cors redirection", .redirectNotAllowed, .response, "safari"),
    row("redirection url ", also: " has credentials", .redirectNotAllowed, .response, "safari",
        hint: ("redirection url ", " has credentials"), .value),
    row("redirect was blocked for cors request", .redirectNotAllowed, .response, "edge-legacy"),
    // Private / local network access.
    row("more-private address space", .privateNetwork, .response, "chrome"),
    row("yet the resource is in address space", .privateNetwork, .response, "chrome"),
    row("access-control-allow-private-network", .privateNetwork, .preflight, "chrome"),
    row("'private-network-access-id' header", .privateNetwork, .preflight, "chrome"),
    row("'private-network-access-name' header", .privateNetwork, .preflight, "chrome"),
    row("unable to ask for permission to access the", also: "address space", .privateNetwork, .response, "chrome"),
    row("permission was denied for this request to access the", .privateNetwork, .response, "chrome"),
    row("access-control-allow-external", .privateNetwork, .preflight, "chrome"),
    // CORS, but the cause is not named: `unknown`, raw kept.
    row("cross origin requests are not allowed by request mode", .unknown, .response, "chrome", named: false),
    row("cross origin requests are only supported for", .unknown, .response, "chrome", named: false),
    row("request mode is \"no-cors\" but the redirect mode", .unknown, .response, "chrome", named: false),
    row("request mode is \"same-origin\" but the url's origin", .unknown, .response, "chrome", named: false),
    row("cross origin requests are not allowed when using same-origin", .unknown, .response, "safari", named: false),
    row("cors-preflight request was blocked", .unknown, .preflight, "safari", named: false),
    row("preflight response was blocked", .unknown, .preflight, "safari", named: false),
    row("due to access control checks", .unknown, .response, "safari", named: false),
    row("unsafe attempt to load url", also: "domains, protocols and ports must match", .unknown, .response, "safari", named: false),
    row("(reason: cors disabled)", .unknown, .response, "firefox", named: false),
    row("cors request did not succeed", .unknown, .response, "firefox", named: false),
    row("cors header 'origin' cannot be added", .unknown, .response, "firefox", named: false),
    row("cors request not http", .unknown, .response, "firefox", named: false),
    row("cross-origin request blocked", .unknown, .response, "firefox", named: false),
    row("blocked by cors policy", .unknown, .response, "chrome", named: false),
    row("is therefore not allowed access", .unknown, .response, "chrome", named: false),
    row("network error 0x80070005", .unknown, .response, "edge-legacy", named: false),
    row("sec7120", .missingAllowOrigin, .response, "edge-legacy", named: false),
    row("sec7123", .headerNotAllowed, .preflight, "edge-legacy", named: false),
    row("sec7124", .methodNotAllowed, .preflight, "edge-legacy", named: false),
    row("sec7127", .redirectNotAllowed, .response, "edge-legacy", named: false),
    // What page JavaScript sees (§1 of browser-reports.md): possibly CORS.
    row("failed to fetch", .unknown, .response, nil, named: false),
    row("networkerror when attempting to fetch resource", .unknown, .response, "firefox", named: false),
    row("typeerror: load failed", .unknown, .response, "safari", named: false),
    row("axioserror: network error", .unknown, .response, nil, named: false),
]

/// A word of every phrase above (checked by a test): a line without any is not CORS.
let consoleKeywords: [[UInt8]] = [
    "cors", "access-control", "origin", "preflight", "access control", "fetch", "load failed", "network error",
    "redirect", "address space", "sec71", "cross-origin", "cross origin", "unsafe attempt", "private-network",
    "ok status", "credentials", "header contains", "token '", "username and password", "permission",
    "not allowed access",
].map { Array($0.utf8) }

/// Texts that mention CORS but are not failures (warnings, informational notices).
let consoleNonFailures: [String] = [
    "cross-origin request warning",
    "sec7118", "sec7119", // IE/Edge "required CORS (preflight)" notices
]

/// The Chromium phrase inserted before the reason for the preflight error codes.
let chromePreflightWrapper = "response to preflight request doesn't pass access control check"

/// Bare texts JavaScript error handlers report (beacons): possibly CORS, cause unknown.
let scriptNetworkErrors: [String] = [
    "failed to fetch", "networkerror when attempting to fetch resource", "load failed",
    "network error", "network request failed", "err_network", "fetch failed",
]

// MARK: - Classification

/// What one console message says about a CORS failure.
public struct ConsoleClassification: Sendable, Equatable {
    public var failureClass: FailureClass
    public var stage: Stage
    public var confidence: Confidence
    /// `chrome`, `firefox`, `safari`, `edge-legacy`, or `nil` when the wording is shared.
    public var browser: String?
    /// The request URL the message names.
    public var url: String?
    public var pageOrigin: String?
    public var method: String?
    public var status: Int?
    /// The header (lower case), method or value the failed check names.
    public var offending: String?
    public var allowOriginSeen: String?
    public var detail: String

    public init(failureClass: FailureClass, stage: Stage, confidence: Confidence, browser: String? = nil,
                url: String? = nil, pageOrigin: String? = nil, method: String? = nil, status: Int? = nil,
                offending: String? = nil, allowOriginSeen: String? = nil, detail: String = "") {
        self.failureClass = failureClass
        self.stage = stage
        self.confidence = confidence
        self.browser = browser
        self.url = url
        self.pageOrigin = pageOrigin
        self.method = method
        self.status = status
        self.offending = offending
        self.allowOriginSeen = allowOriginSeen
        self.detail = detail
    }
}

public enum ConsoleMessageClassifier {
    /// Classifies one console message (decorations already stripped or not): `nil` when it is
    /// not a CORS failure.
    ///
    /// Driven by `consolePhrases`; wording is matched case-insensitively with typographic
    /// quotes folded. Extracts the request URL, page origin, status and the named header,
    /// method or value where the wording carries them.
    public static func classify(_ text: String) -> ConsoleClassification? {
        let t = FoldedText(text)
        // Every row's phrase holds one of these words: most lines stop here.
        guard consoleKeywords.contains(where: { t.find(bytes: $0) != nil }) else { return nil }
        for skip in consoleNonFailures where t.contains(skip) { return nil }
        guard let row = consolePhrases.first(where: {
            t.find(bytes: $0.bytes) != nil && ($0.alsoBytes.map { t.find(bytes: $0) != nil } ?? true)
        }) else { return nil }
        var c = ConsoleClassification(failureClass: row.failureClass, stage: row.stage,
                                      confidence: row.named ? .confirmed : .inferred, browser: row.browser)
        c.browser = browserOf(t) ?? row.browser
        if t.contains(chromePreflightWrapper) { c.stage = .preflight }
        if row.failureClass == .preflightRejected { c.stage = .preflight }
        // Hint.
        if let from = row.hintFrom, let hint = t.between(from, row.hintTo) {
            let h = hint.trimmingQuotes()
            switch row.hintRole {
            case .none: break
            case .header: c.offending = h.lowercased()
            case .method: c.offending = h; c.method = h
            case .allowOrigin: c.offending = h; c.allowOriginSeen = h
            case .value: if !h.isEmpty { c.offending = h }
            }
        }
        if row.hintRole == .allowOrigin, c.allowOriginSeen == nil,
           row.failureClass == .wildcardWithCredentials {
            c.allowOriginSeen = "*"
            c.offending = "*"
        }
        c.url = extractURL(t)
        c.pageOrigin = extractOrigin(t)
        c.status = extractStatus(t)
        // A preflight "not successful" with a 3xx is a redirected preflight (WebKit).
        if row.failureClass == .preflightRejected, row.browser == "safari", let s = c.status, (300..<400).contains(s) {
            c.failureClass = .redirectNotAllowed
        }
        c.detail = describe(c)
        return c
    }

    /// Classifies what a script-level error handler reported (`TypeError: Failed to fetch`,
    /// `Network Error`, …): the console phrases first, then the bare network-error texts,
    /// which are `unknown` (possible CORS).
    public static func classifyScriptError(_ text: String) -> ConsoleClassification? {
        if let c = classify(text) { return c }
        let t = FoldedText(text)
        guard scriptNetworkErrors.contains(where: { t.contains($0) }) else { return nil }
        var c = ConsoleClassification(failureClass: .unknown, stage: .response, confidence: .inferred)
        c.detail = "The page saw a network error (possibly CORS); the browser did not say why."
        return c
    }

    static func browserOf(_ t: FoldedText) -> String? {
        if t.contains("blocked by cors policy") || t.contains(chromePreflightWrapper)
            || t.contains("is therefore not allowed access") || t.contains("in preflight response") { return "chrome" }
        if t.contains("cross-origin request blocked") { return "firefox" }
        if t.contains("sec71") || t.contains("script7002") || t.contains("[cors] the origin") { return "edge-legacy" }
        return nil
    }

    /// The request URL a message names, in any of the browsers' framings.
    static func extractURL(_ t: FoldedText) -> String? {
        if let u = t.between(" at '", "'"), t.contains("access to ") { return u }
        if let u = t.between("remote resource at ", ". (reason") { return u.trimmingQuotes() }
        if let u = t.between("for cross-origin resource at '", "'") { return u }
        if let u = t.between("cannot load ", " due to access control checks") { return u }
        if let u = t.between("cannot load ", " ") { return u.trimmingTrailing(".") }
        if let u = t.between("failed to load ", ": "), !u.hasPrefix("resource"), u.contains("://") { return u }
        if let u = t.between("cross-origin redirection to ", " denied") { return u }
        if let u = t.between("unsafe attempt to load url ", " ") { return u }
        if let u = t.between("xmlhttprequest for ", " ") { return u }
        return nil
    }

    static func extractOrigin(_ t: FoldedText) -> String? {
        if let o = t.between("from origin '", "'") { return o }
        if let o = t.between("origin '", "' is therefore") { return o }
        if let o = t.between("the origin '", "'") { return o }
        if let o = t.between("origin ", " is not allowed by access-control-allow-origin") {
            return o.split(separator: " ").last.map(String.init)
        }
        if let o = t.between("from origin ", " ") { return o.trimmingTrailing(".") }
        return nil
    }

    static func extractStatus(_ t: FoldedText) -> Int? {
        for key in ["status code: ", "http status code ", "status of ", "status code "] {
            if let s = t.between(key, nil), let n = leadingInt(s), (100..<600).contains(n) { return n }
        }
        return nil
    }

    static func leadingInt(_ s: String) -> Int? {
        var n = 0, k = 0
        for u in s.utf8 {
            guard ASCII.isDigit(u), k < 4 else { break }
            n = n * 10 + Int(u - ASCII.zero)
            k += 1
        }
        return k > 0 ? n : nil
    }

    /// One short sentence for a classification.
    static func describe(_ c: ConsoleClassification) -> String {
        let who: String
        switch c.browser {
        case "chrome": who = "Chrome"
        case "firefox": who = "Firefox"
        case "safari": who = "Safari"
        case "edge-legacy": who = "Legacy Edge"
        default: who = "The browser"
        }
        let on = c.stage == .preflight ? "the preflight response" : "the response"
        let st = c.status.map { " (status \($0))" } ?? ""
        switch c.failureClass {
        case .preflightRejected: return "\(who) rejected the preflight: not an OK status\(st)."
        case .missingAllowOrigin: return "\(who) found no Access-Control-Allow-Origin on \(on)\(st)."
        case .originMismatch:
            return "\(who): Access-Control-Allow-Origin \(quote(c.allowOriginSeen)) on \(on) is not the page origin\(c.pageOrigin.map { " \($0)" } ?? "")."
        case .multipleAllowOrigin: return "\(who): Access-Control-Allow-Origin on \(on) holds several values \(quote(c.allowOriginSeen))."
        case .invalidAllowOrigin: return "\(who): Access-Control-Allow-Origin on \(on) has the invalid value \(quote(c.allowOriginSeen))."
        case .wildcardWithCredentials: return "\(who): Access-Control-Allow-Origin is \"*\" on \(on) but the request carries credentials."
        case .credentialsNotAllowed:
            return "\(who): Access-Control-Allow-Credentials on \(on) is \(c.offending.map { "\"\($0)\"" } ?? "absent"), must be \"true\" with credentials."
        case .methodNotAllowed: return "\(who): method \(c.offending ?? "(unnamed)") is not listed in the preflight's Access-Control-Allow-Methods."
        case .headerNotAllowed: return "\(who): request header \(c.offending ?? "(unnamed)") is not listed in the preflight's Access-Control-Allow-Headers."
        case .invalidAllowMethods: return "\(who) could not parse the preflight's Access-Control-Allow-Methods\(c.offending.map { " (\"\($0)\")" } ?? "")."
        case .invalidAllowHeaders: return "\(who) could not parse the preflight's Access-Control-Allow-Headers\(c.offending.map { " (\"\($0)\")" } ?? "")."
        case .redirectNotAllowed: return "\(who) refused a redirect on \(on)\(c.offending.map { " (\($0))" } ?? "")\(st)."
        case .privateNetwork: return "\(who) blocked a Private/Local Network Access request."
        case .gatewayErrorMasked: return "\(who) blocked an error response without CORS headers\(st)."
        case .blockedAfterPreflight: return "\(who) refused the preflight response."
        case .unknown: return "\(who) reported a CORS failure without naming the check\(st)."
        }
    }

    static func quote(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "(not shown)" }
}

// MARK: - Folded text

/// A message as bytes with typographic quotes folded to ASCII, plus an ASCII-lower-cased
/// copy of the same length: phrases are found in `lower`, values cut from `folded`.
struct FoldedText {
    let folded: [UInt8]
    let lower: [UInt8]

    init(_ s: String) {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            // ‘ ’ (E2 80 98/99) → ', “ ” (E2 80 9C/9D) → ", ‚ „ ignored; ` kept.
            if u[i] == 0xE2, i + 2 < u.count, u[i + 1] == 0x80 {
                switch u[i + 2] {
                case 0x98, 0x99, 0xB2: out.append(ASCII.apostrophe); i += 3; continue
                case 0x9C, 0x9D, 0xB3: out.append(ASCII.quote); i += 3; continue
                default: break
                }
            }
            if u[i] == ASCII.tab { out.append(ASCII.space); i += 1; continue }
            out.append(u[i])
            i += 1
        }
        folded = out
        lower = out.map(ASCII.lower)
    }

    func find(_ phrase: String, from start: Int = 0) -> Int? {
        find(bytes: Array(phrase.utf8), from: start)
    }

    /// The first position at or after `start` where the lower-cased text holds `p`.
    func find(bytes p: [UInt8], from start: Int = 0) -> Int? {
        guard !p.isEmpty, start >= 0, lower.count >= p.count, start <= lower.count - p.count else { return nil }
        return lower.withUnsafeBufferPointer { h in
            p.withUnsafeBufferPointer { n in
                // memchr to each candidate first byte, memcmp for the rest.
                let base = h.baseAddress!, needle = n.baseAddress!, m = n.count
                let last = h.count - m
                var i = start
                while i <= last {
                    guard let hit = memchr(base + i, Int32(needle[0]), last - i + 1) else { return nil }
                    i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                    if m == 1 || memcmp(base + i + 1, needle + 1, m - 1) == 0 { return i }
                    i += 1
                }
                return nil
            }
        }
    }

    func contains(_ phrase: String) -> Bool { find(phrase) != nil }

    /// The original text between the first `from` and the next `to` (or the end).
    func between(_ from: String, _ to: String?) -> String? {
        guard let a = find(from) else { return nil }
        let s = a + from.utf8.count
        let e: Int
        if let to {
            guard let t = find(to, from: s) else { return nil }
            e = t
        } else { e = folded.count }
        guard e > s else { return e == s ? "" : nil }
        return String(decoding: folded[s..<e], as: UTF8.self).trimmingSpaces()
    }
}

extension String {
    func trimmingSpaces() -> String {
        var u = Substring(self)
        while let f = u.first, f == " " || f == "\t" || f == "\r" || f == "\n" { u = u.dropFirst() }
        while let l = u.last, l == " " || l == "\t" || l == "\r" || l == "\n" { u = u.dropLast() }
        return String(u)
    }

    func trimmingQuotes() -> String {
        var u = Substring(self.trimmingSpaces())
        while let f = u.first, f == "'" || f == "\"" { u = u.dropFirst() }
        while let l = u.last, l == "'" || l == "\"" { u = u.dropLast() }
        return String(u)
    }

    func trimmingTrailing(_ c: Character) -> String {
        var u = Substring(self)
        while u.last == c { u = u.dropLast() }
        return String(u)
    }
}
