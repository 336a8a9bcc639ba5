import CorsscanCore

/// Console wordings (current variants from reference/browser-messages.tsv).
enum BrowserText {
    static let pfPrefix = "Response to preflight request doesn't pass access control check: "
    static let noCorsSuffix = " Have the server send the header with a valid value."
    static let xhrCredSuffix = " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute."

    /// Chrome reason sentence and CDP `corsError` for an evidence record.
    static func chromeReason(_ e: BrowserEvidence) -> (String, String) {
        let pf = e.stage == .preflight
        let P = pf ? pfPrefix : ""
        let pre = pf ? "Preflight" : ""
        let suffix = e.xhr ? "" : noCorsSuffix
        switch e.cls {
        case .preflightRejected:
            if e.variant < 3 { return (pfPrefix + "It does not have HTTP ok status.", "PreflightInvalidStatus") }
            return (pfPrefix + "No 'Access-Control-Allow-Origin' header is present on the requested resource.", "PreflightMissingAllowOriginHeader")
        case .redirectNotAllowed:
            if pf { return (pfPrefix + "Redirect is not allowed for a preflight request.", "PreflightDisallowedRedirect") }
            return ("Redirect location '\(e.hint)' contains a username and password, which is disallowed for cross-origin requests.", "RedirectContainsCredentials")
        case .missingAllowOrigin, .gatewayErrorMasked:
            return (P + "No 'Access-Control-Allow-Origin' header is present on the requested resource.", pre + "MissingAllowOriginHeader")
        case .originMismatch:
            return (P + "The 'Access-Control-Allow-Origin' header has a value '\(e.hint)' that is not equal to the supplied origin." + suffix, pre + "AllowOriginMismatch")
        case .multipleAllowOrigin:
            return (P + "The 'Access-Control-Allow-Origin' header contains multiple values '\(e.hint)', but only one is allowed." + suffix, pre + "MultipleAllowOriginValues")
        case .invalidAllowOrigin:
            return (P + "The 'Access-Control-Allow-Origin' header contains the invalid value '\(e.hint)'." + suffix, pre + "InvalidAllowOriginValue")
        case .wildcardWithCredentials:
            return (P + "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'." + (e.xhr ? xhrCredSuffix : ""), pre + "WildcardOriginNotAllowed")
        case .credentialsNotAllowed:
            return (P + "The value of the 'Access-Control-Allow-Credentials' header in the response is '\(e.hint)' which must be 'true' when the request's credentials mode is 'include'." + (e.xhr ? xhrCredSuffix : ""), pre + "InvalidAllowCredentials")
        case .methodNotAllowed:
            return ("Method \(e.hint) is not allowed by Access-Control-Allow-Methods in preflight response.", "MethodDisallowedByPreflightResponse")
        case .headerNotAllowed:
            return ("Request header field \(e.hint) is not allowed by Access-Control-Allow-Headers in preflight response.", "HeaderDisallowedByPreflightResponse")
        case .invalidAllowMethods:
            return ("Cannot parse Access-Control-Allow-Methods response header field in preflight response.", "InvalidAllowMethodsPreflightResponse")
        case .invalidAllowHeaders:
            return ("Cannot parse Access-Control-Allow-Headers response header field in preflight response.", "InvalidAllowHeadersPreflightResponse")
        case .privateNetwork:
            return (pfPrefix + "No 'Access-Control-Allow-Private-Network' header was present in the preflight response for this private network request targeting the `private` address space.", "PreflightMissingAllowPrivateNetwork")
        case .unknown, .blockedAfterPreflight:
            return ("The response is invalid.", "InvalidResponse")
        }
    }

    static func chromeMessage(_ e: BrowserEvidence) -> String {
        "Access to \(e.xhr ? "XMLHttpRequest" : "fetch") at '\(e.url)' from origin '\(e.origin)' has been blocked by CORS policy: " + chromeReason(e).0
    }

    /// The status the browser saw on the failed exchange.
    static func failedStatus(_ e: BrowserEvidence) -> Int { e.stage == .preflight ? e.preflightStatus : e.actualStatus }

    static func firefoxMessage(_ e: BrowserEvidence) -> String {
        let head = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
        let st = failedStatus(e)
        switch e.cls {
        case .preflightRejected:
            // A gateway error without CORS headers fails Firefox's Allow-Origin check first (it then names
            // the OPTIONS status); with CORS headers on the gateway response it says the preflight failed.
            if e.variant < 5 { return head + "\(e.url). (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: \(st)." }
            return head + "\(e.url). (Reason: CORS preflight response did not succeed). Status code: \(st)."
        case .redirectNotAllowed: return head + "\(e.url). (Reason: CORS request external redirect not allowed)."
        case .missingAllowOrigin, .gatewayErrorMasked:
            return head + "\(e.url). (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: \(st)."
        case .originMismatch: return head + "\(e.url). (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘\(e.hint)’)."
        case .multipleAllowOrigin: return head + "\(e.url). (Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed)."
        case .wildcardWithCredentials: return head + "‘\(e.url)’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)."
        case .credentialsNotAllowed: return head + "\(e.url). (Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’)."
        case .methodNotAllowed: return head + "\(e.url). (Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’)."
        case .headerNotAllowed: return head + "\(e.url). (Reason: header ‘\(e.hint)’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."
        case .invalidAllowMethods: return head + "\(e.url). (Reason: invalid token ‘\(e.hint)’ in CORS header ‘Access-Control-Allow-Methods’)."
        case .invalidAllowHeaders: return head + "\(e.url). (Reason: invalid token ‘\(e.hint)’ in CORS header ‘Access-Control-Allow-Headers’)."
        default: return head + "\(e.url). (Reason: CORS request did not succeed). Status code: (null)."
        }
    }

    /// Safari: the description line, then the cause-free companion line.
    static func safariLines(_ e: BrowserEvidence) -> [String] {
        let st = failedStatus(e)
        let desc: String
        switch e.cls {
        case .preflightRejected, .redirectNotAllowed: desc = "Preflight response is not successful. Status code: \(st)"
        case .missingAllowOrigin, .gatewayErrorMasked: desc = "Origin \(e.origin) is not allowed by Access-Control-Allow-Origin. Status code: \(st)"
        case .multipleAllowOrigin: desc = "Access-Control-Allow-Origin cannot contain more than one origin."
        case .wildcardWithCredentials: desc = "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."
        case .credentialsNotAllowed: desc = "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\"."
        case .methodNotAllowed: desc = "Method \(e.hint) is not allowed by Access-Control-Allow-Methods."
        case .headerNotAllowed:
            let h = e.hint == "authorization" ? "Authorization" : e.hint
            desc = "Request header field \(h) is not allowed by Access-Control-Allow-Headers."
        case .invalidAllowMethods: desc = "Header Access-Control-Allow-Methods has an invalid value: \(e.hint)"
        case .invalidAllowHeaders: desc = "Header Access-Control-Allow-Headers has an invalid value: \(e.hint)"
        default: desc = "Origin \(e.origin) is not allowed by Access-Control-Allow-Origin. Status code: \(st)"
        }
        return ["[Error] " + desc,
                "[Error] \(e.xhr ? "XMLHttpRequest" : "Fetch API") cannot load \(e.url) due to access control checks."]
    }
}
