import CorsscanCore
import XCTest

@testable import CorsscanBrowser

/// Wraps an inner CDP event as a ChromeDriver performance-log entry (message as a JSON string).
func perfEntry(_ inner: String, ts: Int64 = 1_795_254_312_412) -> String {
    let escaped = inner.replacingAll("\\", "\\\\").replacingAll("\"", "\\\"")
    return #"{"level": "INFO", "message": "{\"message\":"# + escaped + #",\"webview\":\"9C1B\"}", "timestamp": "# + "\(ts)}"
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

final class CDPTests: XCTestCase {
    let sent = #"{"method":"Network.requestWillBeSent","params":{"documentURL":"https://app.example.com/checkout","initiator":{"type":"script"},"request":{"headers":{"Accept":"application/json","Authorization":"Bearer eyJ","Content-Type":"application/json","Referer":"https://app.example.com/"},"method":"POST","url":"https://api.example.com/prod/orders"},"requestId":"31440.755","timestamp":81234.561234,"type":"Fetch","wallTime":1795254312.345}}"#
    let preSent = #"{"method":"Network.requestWillBeSent","params":{"documentURL":"https://app.example.com/checkout","initiator":{"requestId":"31440.755","type":"preflight","url":"https://api.example.com/prod/orders"},"request":{"headers":{"Access-Control-Request-Headers":"authorization,content-type","Access-Control-Request-Method":"POST","Origin":"https://app.example.com"},"method":"OPTIONS","url":"https://api.example.com/prod/orders"},"requestId":"31440.756","timestamp":81234.562001,"type":"Preflight","wallTime":1795254312.346}}"#
    let preResp = #"{"method":"Network.responseReceivedExtraInfo","params":{"headers":{"content-type":"application/json","x-amzn-errortype":"MissingAuthenticationTokenException","x-amzn-requestid":"0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410"},"requestId":"31440.756","resourceIPAddressSpace":"Public","statusCode":403}}"#
    func failed(_ e: String, _ p: String = "", id: String = "31440.755") -> String {
        #"{"method":"Network.loadingFailed","params":{"canceled":false,"corsErrorStatus":{"corsError":""# + e + #"","failedParameter":""# + p + #""},"errorText":"net::ERR_FAILED","requestId":""# + id + #"","timestamp":81234.912345,"type":"Fetch"}}"#
    }

    func testRawSequenceJoinsPreflightStatus() {
        let (reports, outcomes) = feed(.cdp, [sent, preSent, preResp, failed("PreflightMissingAllowOriginHeader"),
                                              #"{"method":"Page.frameNavigated","params":{}}"#, "{oops"])
        XCTAssertEqual(outcomes, [nil, nil, nil, nil, .notCORS, .malformedJSON])
        XCTAssertEqual(reports.count, 1)
        let r = reports[0]
        XCTAssertEqual(r.failureClass, .missingAllowOrigin)
        XCTAssertEqual(r.stage, .preflight)
        XCTAssertEqual(r.status, 403)
        XCTAssertEqual(r.method, "POST")
        XCTAssertEqual(r.url, api)
        XCTAssertEqual(r.pageOrigin, app)
        XCTAssertEqual(r.requestId, "0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410")
        XCTAssertEqual(r.time, t0)  // the request's wallTime
        XCTAssertEqual(r.confidence, .confirmed)
        XCTAssertEqual(r.location, SourceLocation(input: 3, line: 4))
    }

    func testWrappedPerformanceEntries() {
        let lines = [sent, preSent, preResp, failed("PreflightInvalidStatus")].map { perfEntry($0) }
        let (reports, outcomes) = feed(.cdp, lines)
        XCTAssertEqual(outcomes, [nil, nil, nil, nil])
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].failureClass, .preflightRejected)
        XCTAssertEqual(reports[0].status, 403)
        XCTAssertEqual(BrowserDetector.detect(sampleLines: lines.map { Array($0.utf8) }, firstBytes: Array(lines[0].utf8)), .cdp)
    }

    func testPreflightOwnFailureIsNotDoubleCounted() {
        let (reports, _) = feed(.cdp, [sent, preSent, preResp, failed("PreflightInvalidStatus", id: "31440.756"),
                                       failed("PreflightInvalidStatus")])
        XCTAssertEqual(reports.count, 1)
        // Alone, the preflight's failure is reported on its request.
        let (alone, _) = feed(.cdp, [sent, preSent, preResp, failed("PreflightInvalidStatus", id: "31440.756")])
        XCTAssertEqual(alone.count, 1)
        XCTAssertEqual(alone[0].method, "POST")
        XCTAssertEqual(alone[0].status, 403)
    }

    func testPreflightSuffixId() {
        let preSuffix = preSent.replacingAll("31440.756", "31440.755-preflight")
        let respSuffix = preResp.replacingAll("31440.756", "31440.755-preflight")
        let (reports, _) = feed(.cdp, [sent, preSuffix, respSuffix, failed("PreflightInvalidStatus")])
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].status, 403)
    }

    func testGatewayErrorMaskedFromResponseHeaders() {
        let resp = #"{"method":"Network.responseReceivedExtraInfo","params":{"headers":{"x-amzn-errortype":"UnauthorizedException","x-amzn-requestid":"6f1c"},"requestId":"31440.755","statusCode":401}}"#
        let (reports, _) = feed(.cdp, [sent, resp, failed("MissingAllowOriginHeader")])
        XCTAssertEqual(reports[0].failureClass, .gatewayErrorMasked)
        XCTAssertEqual(reports[0].status, 401)
        XCTAssertEqual(reports[0].requestId, "6f1c")
    }

    func testEveryCorsErrorValue() {
        let expected: [(String, FailureClass, Stage, String?)] = [
            ("DisallowedByMode", .unknown, .response, nil),
            ("InvalidResponse", .unknown, .response, nil),
            ("CorsDisabledScheme", .unknown, .response, nil),
            ("WildcardOriginNotAllowed", .wildcardWithCredentials, .response, "*"),
            ("PreflightWildcardOriginNotAllowed", .wildcardWithCredentials, .preflight, "*"),
            ("MissingAllowOriginHeader", .missingAllowOrigin, .response, nil),
            ("PreflightMissingAllowOriginHeader", .missingAllowOrigin, .preflight, nil),
            ("MultipleAllowOriginValues", .multipleAllowOrigin, .response, "a, b"),
            ("PreflightMultipleAllowOriginValues", .multipleAllowOrigin, .preflight, "a, b"),
            ("InvalidAllowOriginValue", .invalidAllowOrigin, .response, "app"),
            ("PreflightInvalidAllowOriginValue", .invalidAllowOrigin, .preflight, "app"),
            ("AllowOriginMismatch", .originMismatch, .response, "https://x.example.com"),
            ("PreflightAllowOriginMismatch", .originMismatch, .preflight, "https://x.example.com"),
            ("InvalidAllowCredentials", .credentialsNotAllowed, .response, nil),
            ("PreflightInvalidAllowCredentials", .credentialsNotAllowed, .preflight, nil),
            ("PreflightInvalidStatus", .preflightRejected, .preflight, nil),
            ("PreflightDisallowedRedirect", .redirectNotAllowed, .preflight, nil),
            ("MethodDisallowedByPreflightResponse", .methodNotAllowed, .preflight, "PATCH"),
            ("HeaderDisallowedByPreflightResponse", .headerNotAllowed, .preflight, "authorization"),
            ("InvalidAllowMethodsPreflightResponse", .invalidAllowMethods, .preflight, nil),
            ("InvalidAllowHeadersPreflightResponse", .invalidAllowHeaders, .preflight, nil),
            ("RedirectContainsCredentials", .redirectNotAllowed, .response, "https://u:p@x/"),
            ("NoCorsRedirectModeNotFollow", .redirectNotAllowed, .response, nil),
            ("InsecurePrivateNetwork", .privateNetwork, .response, "private"),
            ("InvalidPrivateNetworkAccess", .privateNetwork, .response, nil),
            ("UnexpectedPrivateNetworkAccess", .privateNetwork, .response, nil),
            ("PreflightMissingAllowPrivateNetwork", .privateNetwork, .preflight, nil),
            ("PreflightInvalidAllowPrivateNetwork", .privateNetwork, .preflight, nil),
            ("PreflightMissingPrivateNetworkAccessId", .privateNetwork, .preflight, nil),
            ("PreflightMissingPrivateNetworkAccessName", .privateNetwork, .preflight, nil),
            ("PrivateNetworkAccessPermissionUnavailable", .privateNetwork, .response, nil),
            ("PrivateNetworkAccessPermissionDenied", .privateNetwork, .response, nil),
            ("InsecureLocalNetwork", .privateNetwork, .response, nil),
            ("InvalidLocalNetworkAccess", .privateNetwork, .response, nil),
            ("LocalNetworkAccessPermissionDenied", .privateNetwork, .response, nil),
            ("PreflightMissingAllowExternal", .privateNetwork, .preflight, nil),
            ("PreflightInvalidAllowExternal", .privateNetwork, .preflight, nil),
        ]
        XCTAssertEqual(Set(expected.map(\.0)), Set(corsErrorTable.keys))
        for (e, cls, stage, hint) in expected {
            let (reports, _) = feed(.cdp, [sent, failed(e, hint ?? "")])
            XCTAssertEqual(reports.count, 1, e)
            XCTAssertEqual(reports.first?.failureClass, cls, e)
            XCTAssertEqual(reports.first?.stage, stage, e)
            XCTAssertEqual(reports.first?.confidence, cls == .unknown ? .inferred : .confirmed, e)
            if let hint { XCTAssertEqual(reports.first?.offending, hint, e) }
            XCTAssertTrue(reports.first?.detail.contains(e) ?? false, e)
        }
    }

    func testLoadingFailedWithoutCorsIsNotCORS() {
        let line = #"{"method":"Network.loadingFailed","params":{"errorText":"net::ERR_NAME_NOT_RESOLVED","requestId":"1.2","timestamp":1,"type":"Fetch"}}"#
        let (reports, outcomes) = feed(.cdp, [line])
        XCTAssertEqual(outcomes, [.notCORS])
        XCTAssertTrue(reports.isEmpty)
    }

    func testAuditsIssueWithoutLoadingFailed() {
        let issue = #"{"method":"Audits.issueAdded","params":{"issue":{"code":"CorsIssue","details":{"corsIssueDetails":{"corsErrorStatus":{"corsError":"HeaderDisallowedByPreflightResponse","failedParameter":"x-api-key"},"isWarning":false,"request":{"requestId":"9.9","url":"https://api.example.com/prod/x"},"initiatorOrigin":"https://app.example.com"}}}}}"#
        let (reports, _) = feed(.cdp, [issue])
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].failureClass, .headerNotAllowed)
        XCTAssertEqual(reports[0].url, "https://api.example.com/prod/x")
        XCTAssertEqual(reports[0].pageOrigin, app)
        XCTAssertEqual(reports[0].offending, "x-api-key")
    }
}
