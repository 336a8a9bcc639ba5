import CorsscanCore

/// What the gateway's own error responses mean for CORS (reference apigateway-logs.md §2, §3.2).
///
/// Two tables: error response types → the cause of a rejected preflight, and the fixed
/// default body lengths that identify a gateway response when the type is not logged.
enum GatewayCauses {
    /// `$context.error.responseType` → why a preflight carrying it failed.
    static let preflightCause: [String: String] = [
        "MISSING_AUTHENTICATION_TOKEN": "no OPTIONS method or route on this resource, or the stage was not redeployed after adding it (or a wrong path/stage in the URL)",
        "UNAUTHORIZED": "an authorizer guards OPTIONS; browsers never send credentials on a preflight",
        "ACCESS_DENIED": "an authorizer or resource policy denies OPTIONS",
        "INVALID_API_KEY": "OPTIONS requires an API key; browsers never send x-api-key on a preflight",
        "EXPIRED_TOKEN": "OPTIONS requires AWS credentials (IAM auth); browsers never sign a preflight",
        "INVALID_SIGNATURE": "OPTIONS requires a SigV4 signature (IAM auth); browsers never sign a preflight",
        "AUTHORIZER_FAILURE": "the authorizer attached to OPTIONS failed",
        "AUTHORIZER_CONFIGURATION_ERROR": "the authorizer attached to OPTIONS is misconfigured",
        "WAF_FILTERED": "AWS WAF blocked the preflight",
        "THROTTLED": "the preflight was throttled (429)",
        "QUOTA_EXCEEDED": "the usage-plan quota was exhausted (429)",
        "RESOURCE_NOT_FOUND": "no resource matches the preflight's path",
        "INTEGRATION_FAILURE": "the OPTIONS integration failed",
        "INTEGRATION_TIMEOUT": "the OPTIONS integration timed out",
        "API_CONFIGURATION_ERROR": "the OPTIONS method is misconfigured (integration response mapping)",
        "DEFAULT_4XX": "the gateway rejected the preflight (4xx)",
        "DEFAULT_5XX": "the gateway failed on the preflight (5xx)",
    ]

    /// Default gateway bodies by (status, length) → the response type they identify.
    static let signatures: [(status: UInt16, length: Int32, type: String)] = [
        (403, 42, "MISSING_AUTHENTICATION_TOKEN"),  // {"message":"Missing Authentication Token"}
        (401, 26, "UNAUTHORIZED"),                  // {"message":"Unauthorized"}
        (403, 82, "ACCESS_DENIED"),                 // {"Message":"User is not authorized … explicit deny"}
        (403, 23, "INVALID_API_KEY"),               // {"message":"Forbidden"} (API key, WAF, private API)
        (429, 31, "THROTTLED"),                     // {"message":"Too Many Requests"}
        (429, 28, "QUOTA_EXCEEDED"),                // {"message":"Limit Exceeded"}
        (504, 41, "INTEGRATION_TIMEOUT"),           // {"message": "Endpoint request timed out"}
        (502, 36, "DEFAULT_5XX"),                   // {"message": "Internal server error"}
        (503, 33, "INTEGRATION_TIMEOUT"),           // HTTP API {"message":"Service Unavailable"}
    ]

    /// The gateway error type of a record: logged, or recognised from a default body.
    /// `inferred` is true when it came from the body length.
    static func errorType(_ r: AccessRecord) -> (type: String, inferred: Bool)? {
        if let t = r.string(.errorType) { return (t, false) }
        // `$context.error.message` is only set on responses the gateway generated.
        if r.has(.errorMessage), r.status >= 400 { return ("DEFAULT_\(r.status / 100)XX", true) }
        guard r.responseLength >= 0 else { return nil }
        for s in signatures where s.status == r.status && s.length == r.responseLength {
            return (s.type, true)
        }
        return nil
    }

    /// A one-line cause for a rejected preflight.
    static func preflightRejection(_ r: AccessRecord) -> String {
        if let (t, inferred) = errorType(r) {
            let cause = preflightCause[t] ?? (r.status >= 500 ? "the OPTIONS integration failed" : "the gateway rejected the preflight")
            let how = inferred ? "likely \(t) (\(r.status) with its \(r.responseLength)-byte default body)" : t
            return "OPTIONS answered \(r.status) \(how): \(cause)"
        }
        switch r.status {
        case 401, 403:
            return "OPTIONS answered \(r.status): an authorizer, API key, WAF rule or a missing OPTIONS method rejected the preflight"
        case 404: return "OPTIONS answered 404: no route or resource matches the preflight (HTTP API without CorsConfiguration and no OPTIONS route?)"
        case 429: return "OPTIONS answered 429: the preflight was throttled"
        case 500...: return "OPTIONS answered \(r.status): the OPTIONS integration failed"
        default: return "OPTIONS answered \(r.status)"
        }
    }
}
