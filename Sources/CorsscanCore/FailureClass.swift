/// The cause of a CORS failure, spelled as in SPEC.md "Failure classes".
///
/// Declaration order is the order reports list classes in; raw values are the
/// stable spellings used in CSV, JSON and Prometheus output.
public enum FailureClass: String, CaseIterable, Sendable, Comparable, Codable {
    case preflightRejected = "preflight-rejected"
    case missingAllowOrigin = "missing-allow-origin"
    case originMismatch = "origin-mismatch"
    case multipleAllowOrigin = "multiple-allow-origin"
    case invalidAllowOrigin = "invalid-allow-origin"
    case wildcardWithCredentials = "wildcard-with-credentials"
    case credentialsNotAllowed = "credentials-not-allowed"
    case methodNotAllowed = "method-not-allowed"
    case headerNotAllowed = "header-not-allowed"
    case invalidAllowMethods = "invalid-allow-methods"
    case invalidAllowHeaders = "invalid-allow-headers"
    case redirectNotAllowed = "redirect-not-allowed"
    case privateNetwork = "private-network"
    case gatewayErrorMasked = "gateway-error-masked"
    case blockedAfterPreflight = "blocked-after-preflight"
    case unknown = "unknown"

    public static func < (a: FailureClass, b: FailureClass) -> Bool { a.order < b.order }

    /// Position in `allCases`.
    public var order: Int { FailureClass.allCases.firstIndex(of: self)! }
}

/// Which exchange failed: the OPTIONS preflight or the actual request's response.
public enum Stage: String, CaseIterable, Sendable, Comparable, Codable {
    case preflight
    case response

    public static func < (a: Stage, b: Stage) -> Bool { a == .preflight && b == .response }
}

/// `confirmed`: a browser said so or recorded headers show it; `inferred`: deduced from
/// gateway records alone.
public enum Confidence: String, Sendable, Codable {
    case confirmed
    case inferred
}
