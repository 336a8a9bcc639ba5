import CorsscanCore

/// Where a browser-side report of a failure ends up.
public enum BrowserChannel: String, CaseIterable, Sendable {
    case chromeConsole = "chrome-console"
    case firefoxConsole = "firefox-console"
    case safariConsole = "safari-console"
    case webdriver = "webdriver-browser-log"
    case cdp = "cdp-events"
    case har = "har"
    case beacon = "beacon"

    var family: Family {
        switch self {
        case .firefoxConsole: .firefox
        case .safariConsole: .safari
        default: .chromium
        }
    }

    /// Can this channel state the class unambiguously (so corsscan can classify it)?
    func supports(_ c: FailureClass, _ s: Stage) -> Bool {
        switch self {
        case .chromeConsole, .webdriver, .cdp, .beacon:
            return true
        case .firefoxConsole:
            switch c {
            case .preflightRejected, .headerNotAllowed, .methodNotAllowed, .invalidAllowMethods,
                 .invalidAllowHeaders, .gatewayErrorMasked:
                return true
            case .redirectNotAllowed: return s == .preflight
            case .missingAllowOrigin, .originMismatch, .multipleAllowOrigin, .wildcardWithCredentials,
                 .credentialsNotAllowed:
                return s == .response
            default: return false
            }
        case .safariConsole:
            switch c {
            case .preflightRejected, .headerNotAllowed, .methodNotAllowed, .invalidAllowMethods,
                 .invalidAllowHeaders, .gatewayErrorMasked:
                return true
            case .redirectNotAllowed: return s == .preflight
            case .missingAllowOrigin, .multipleAllowOrigin, .wildcardWithCredentials, .credentialsNotAllowed:
                return s == .response
            default: return false
            }
        case .har:
            switch c {
            case .preflightRejected, .headerNotAllowed, .methodNotAllowed, .invalidAllowMethods,
                 .invalidAllowHeaders, .gatewayErrorMasked, .missingAllowOrigin, .originMismatch,
                 .multipleAllowOrigin, .invalidAllowOrigin:
                return true
            case .redirectNotAllowed: return s == .preflight
            default: return false
            }
        }
    }
}

/// What gets injected.
enum Scenario {
    /// OPTIONS answered by a gateway error (no follow-up).
    case preflightRejected(GatewayError)
    /// OPTIONS answered 3xx by the backend (no follow-up).
    case preflightRedirect
    /// OPTIONS 2xx, browser refuses the preflight response: `cls` when a browser says so,
    /// else `blocked-after-preflight`.
    case preflightRefused(FailureClass)
    /// OPTIONS 2xx, no follow-up, and never any browser evidence.
    case silentBlocked
    /// Normal-looking follow-up (2xx/3xx) refused by the browser: only visible through reports.
    case responseRefused(FailureClass)
    /// Follow-up answered by a gateway-generated error without CORS headers.
    case gatewayMasked(GatewayError)

    var browserClass: FailureClass {
        switch self {
        case .preflightRejected: .preflightRejected
        case .preflightRedirect: .redirectNotAllowed
        case .preflightRefused(let c): c
        case .silentBlocked: .blockedAfterPreflight
        case .responseRefused(let c): c
        case .gatewayMasked: .gatewayErrorMasked
        }
    }
    var stage: Stage {
        switch self {
        case .responseRefused, .gatewayMasked: .response
        default: .preflight
        }
    }
}

/// The scenario menu with relative weights.
func scenarioMenu(format: LogFormat) -> [(Scenario, Double)] {
    var m: [(Scenario, Double)] = []
    let rejects: [GatewayError] = format.isREST
        ? [.missingAuthToken, .missingAuthToken, .unauthorized, .accessDenied, .invalidAPIKey, .wafFiltered, .throttled, .authorizerConfig]
        : [.unauthorized, .forbiddenHTTP, .throttled]
    for e in rejects { m.append((.preflightRejected(e), 20.0 / Double(rejects.count))) }
    m.append((.preflightRedirect, 3))
    let refused: [(FailureClass, Double)] = [
        (.headerNotAllowed, 8), (.methodNotAllowed, 4), (.invalidAllowMethods, 2), (.invalidAllowHeaders, 2),
        (.privateNetwork, 2), (.missingAllowOrigin, 3), (.originMismatch, 2), (.credentialsNotAllowed, 2),
        (.wildcardWithCredentials, 1), (.multipleAllowOrigin, 1), (.invalidAllowOrigin, 1),
    ]
    for (c, w) in refused { m.append((.preflightRefused(c), w)) }
    m.append((.silentBlocked, 5))
    let resp: [(FailureClass, Double)] = [
        (.missingAllowOrigin, 10), (.originMismatch, 4), (.multipleAllowOrigin, 4), (.invalidAllowOrigin, 2),
        (.wildcardWithCredentials, 3), (.credentialsNotAllowed, 3), (.redirectNotAllowed, 2), (.unknown, 2),
    ]
    for (c, w) in resp { m.append((.responseRefused(c), w)) }
    if format.logsErrorType {
        let masked: [GatewayError] = format.isREST
            ? [.unauthorized, .unauthorized, .accessDenied, .throttled, .integrationTimeout, .default5xx]
            : [.unauthorized, .forbiddenHTTP, .throttled, .serviceUnavailable]
        for e in masked { m.append((.gatewayMasked(e), 18.0 / Double(masked.count))) }
    }
    return m
}

/// One browser-side report of one failed request.
struct BrowserEvidence {
    var reportTime: Int64
    var order: UInt64           // deterministic tie-breaker
    var channel: BrowserChannel
    var cls: FailureClass
    var stage: Stage
    var method: String          // the actual request's method
    var url: String             // the actual request's URL
    var origin: String
    var page: String
    var ua: String
    var ip: String
    var preflighted: Bool
    var preflightStatus: Int    // 0 when not preflighted
    var actualStatus: Int       // 0 when never sent
    var gatewayError: GatewayError
    var hint: String
    var variant: Int
    var xhr: Bool
    var requestTime: Int64      // start of the failed request
    var preflightTime: Int64
    var actualTime: Int64
    var preflightRequestId: String
    var actualRequestId: String
}

/// One expected incident.
public struct TruthRow: Sendable {
    public var time: Int64
    public var cls: FailureClass
    public var stage: Stage
    public var method: String
    public var path: String
    public var clientIP: String
    public var userAgent: String
    public var requestId: String
    public var sourceFormat: String
}
