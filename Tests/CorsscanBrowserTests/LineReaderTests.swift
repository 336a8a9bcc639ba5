import CorsscanCore
import XCTest

@testable import CorsscanBrowser

/// Feeds `lines` to a reader; returns the reports and every line's outcome.
func feed(_ format: BrowserFormat, _ lines: [String]) -> (reports: [BrowserReport], outcomes: [SkipReason?]) {
    var r = BrowserLineReader(format: format, input: 3)
    var outcomes: [SkipReason?] = []
    for (i, l) in lines.enumerated() {
        var s = l
        outcomes.append(s.withUTF8 { r.consume($0, number: Int64(i + 1)) })
    }
    return (r.finish(), outcomes)
}

let t0: Int64 = 1_795_254_312_345  // 2026-11-21T09:45:12.345Z

final class ConsoleReaderTests: XCTestCase {
    func testDecorationsAndTimes() {
        let msg = chromePrefix + preflightWrap + "No 'Access-Control-Allow-Origin' header is present on the requested resource."
        let lines = [
            "2026-11-21T09:45:12.345Z " + msg,
            "",
            "[2026-11-21 09:45:12.345] " + msg,
            "2026-11-21 09:45:12.345 " + msg,
            "1795254312345 " + msg,
            "09:45:12.345 " + msg,
            "checkout:1 " + msg,
            "VM123:4 " + msg + " (x3)",
            "[1121/094512.345:INFO:CONSOLE(0)] \"" + msg + "\", source: https://app.example.com/checkout (0)",
            "11-21 09:45:12.345  1234  1234 I chromium: [INFO:CONSOLE(1)] \"" + msg + "\", source: https://app.example.com/main.js (1)",
            "Download the React DevTools for a better development experience",
        ]
        // Separate each line by enough non-CORS lines that nothing merges.
        var spaced: [String] = []
        for l in lines { spaced.append(l); spaced += Array(repeating: "noise", count: 5) }
        let (reports, outcomes) = feed(.console, spaced)
        XCTAssertEqual(reports.count, 9)
        XCTAssertEqual(outcomes.count, spaced.count)
        XCTAssertEqual(outcomes[6], .blank)
        XCTAssertEqual(outcomes.filter { $0 == .notCORS }.count, spaced.count - 10)
        XCTAssertEqual(reports.map(\.time), [t0, t0, t0, t0, nil, nil, nil, nil, nil])
        for r in reports {
            XCTAssertEqual(r.failureClass, .missingAllowOrigin)
            XCTAssertEqual(r.stage, .preflight)
            XCTAssertEqual(r.url, api)
            XCTAssertEqual(r.pageOrigin, app)
            XCTAssertEqual(r.browser, "chrome")
            XCTAssertEqual(r.location.input, 3)
            XCTAssertTrue(r.raw.hasPrefix("Access to fetch") || r.raw.contains("Access to fetch"))
        }
        XCTAssertEqual(reports[0].location.line, 1)
        XCTAssertTrue(reports[6].detail.contains("repeated 3 times"), reports[6].detail)
    }

    func testChromeCompanionLineGivesMethodAndStatus() {
        let (reports, outcomes) = feed(.console, [
            "page.js:12 " + chromePrefix + preflightWrap + "It does not have HTTP ok status.",
            "page.js:12 POST https://api.example.com/prod/orders net::ERR_FAILED 403 (Forbidden)",
            "Uncaught (in promise) TypeError: Failed to fetch",
        ])
        XCTAssertEqual(outcomes, [nil, nil, nil])
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].method, "POST")
        XCTAssertEqual(reports[0].status, 403)
        XCTAssertEqual(reports[0].failureClass, .preflightRejected)
    }

    func testCompanionBeforeMessageAndAlone() {
        let (reports, outcomes) = feed(.console, [
            "GET https://api.example.com/prod/orders/42 net::ERR_FAILED 401 (Unauthorized)",
            "Access to fetch at 'https://api.example.com/prod/orders/42' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            "noise", "noise", "noise", "noise", "noise",
            "DELETE https://api.example.com/prod/orders/7 net::ERR_FAILED",
            "GET https://cdn.example.com/x.js net::ERR_NAME_NOT_RESOLVED",
        ])
        XCTAssertEqual(outcomes[0], nil)
        XCTAssertEqual(outcomes[1], nil)
        XCTAssertEqual(outcomes[8], .notCORS)
        XCTAssertEqual(reports.count, 2)
        XCTAssertEqual(reports[0].method, "GET")
        XCTAssertEqual(reports[0].status, 401)
        XCTAssertEqual(reports[0].failureClass, .missingAllowOrigin)
        XCTAssertEqual(reports[1].failureClass, .unknown)
        XCTAssertEqual(reports[1].confidence, .inferred)
        XCTAssertEqual(reports[1].method, "DELETE")
        XCTAssertEqual(reports[1].url, "https://api.example.com/prod/orders/7")
    }

    func testSafariThreeLinesMakeOneReport() {
        let (reports, outcomes) = feed(.console, [
            "[Error] Preflight response is not successful. Status code: 403",
            "[Error] Fetch API cannot load https://api.example.com/prod/orders due to access control checks.",
            "[Error] Failed to load resource: Preflight response is not successful. Status code: 403",
        ])
        XCTAssertEqual(outcomes, [nil, nil, nil])
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].failureClass, .preflightRejected)
        XCTAssertEqual(reports[0].status, 403)
        XCTAssertEqual(reports[0].url, api)
        XCTAssertEqual(reports[0].browser, "safari")
    }

    func testCauseAfterCauseFreeLineUpgrades() {
        let (reports, _) = feed(.console, [
            "XMLHttpRequest cannot load https://api.example.com/prod/orders due to access control checks.",
            "Origin https://app.example.com is not allowed by Access-Control-Allow-Origin. Status code: 401",
        ])
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].failureClass, .missingAllowOrigin)
        XCTAssertEqual(reports[0].url, api)
        XCTAssertEqual(reports[0].status, 401)
        XCTAssertEqual(reports[0].confidence, .confirmed)
    }

    func testUnknownKeepsRawAndTwoDistinctRequestsStayApart() {
        let (reports, _) = feed(.console, [
            ffPrefix + "CORS request did not succeed). Status code: (null).",
            "Access to fetch at 'https://api.example.com/a' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            "Access to fetch at 'https://api.example.com/b' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
        ])
        XCTAssertEqual(reports.count, 3)
        XCTAssertEqual(reports[0].failureClass, .unknown)
        XCTAssertTrue(reports[0].raw.contains("CORS request did not succeed"))
        XCTAssertEqual(reports.map(\.url), [api, "https://api.example.com/a", "https://api.example.com/b"])
    }

    func testRawIsTrimmed() {
        let long = chromePrefix + "No 'Access-Control-Allow-Origin' header is present on the requested resource." + String(repeating: "x", count: 5000)
        let (reports, _) = feed(.console, [long])
        XCTAssertLessThanOrEqual(reports[0].raw.count, 2000)
    }
}

final class WebDriverAndBeaconTests: XCTestCase {
    func testWebDriverBrowserLog() {
        let (reports, outcomes) = feed(.webdriverLog, [
            #"{"level": "SEVERE", "message": "https://app.example.com/checkout - Access to fetch at 'https://api.example.com/prod/orders' from origin 'https://app.example.com' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status.", "source": "javascript", "timestamp": 1795254312345}"#,
            #"{"level": "SEVERE", "message": "https://api.example.com/prod/orders - Failed to load resource: net::ERR_FAILED", "source": "network", "timestamp": 1795254312346}"#,
            #"{"level": "INFO", "message": "https://app.example.com/static/js/main.4f1c.js 2:18844 \"order submit failed\"", "source": "console-api", "timestamp": 1795254312350}"#,
            #"{"level": "SEVERE", "message": "https://app.example.com/#/orders/42 - Access to XMLHttpRequest at 'https://api.example.com/prod/orders/42' from origin 'https://app.example.com' has been blocked by CORS policy: Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response.", "timestamp": 1795254322345, "type": ""}"#,
            #"{"level": "SEVERE", "message": "https://app.example.com/static/js/main.js 2:100 \"Access to fetch at 'https://api.example.com/prod/x' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.\"", "source": "console-api", "timestamp": 1795254332345}"#,
            #"{"level": "SEVERE", "message": "https://api.example.com/prod/x - Failed to load resource: the server responded with a status of 502 ()", "source": "network", "timestamp": 1795254332346}"#,
            #"{"level": "SEVERE", "message": "https://app.example.com/x.png - Failed to load resource: the server responded with a status of 404 ()", "source": "network", "timestamp": 1795254392346}"#,
            #"{'level': 'SEVERE', 'message': "https://app.example.com/checkout - Access to fetch at 'https://api.example.com/prod/y' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.", 'source': 'javascript', 'timestamp': 1795254312345}"#,
            #"{"level": "SEVERE""#,
        ])
        XCTAssertEqual(outcomes, [nil, nil, .notCORS, nil, nil, nil, .notCORS, nil, .malformedJSON])
        XCTAssertEqual(reports.count, 4)
        XCTAssertEqual(reports[0].time, t0)
        XCTAssertEqual(reports[0].failureClass, .preflightRejected)
        XCTAssertEqual(reports[0].url, api)
        XCTAssertEqual(reports[1].failureClass, .headerNotAllowed)
        XCTAssertEqual(reports[1].offending, "x-api-key")
        XCTAssertEqual(reports[2].failureClass, .missingAllowOrigin)
        XCTAssertEqual(reports[2].status, 502)
        XCTAssertEqual(reports[3].url, "https://api.example.com/prod/y")
    }

    func testBeacon() {
        let (reports, outcomes) = feed(.beacon, [
            #"{"message": "TypeError: Failed to fetch", "ts": 1795254312345, "url": "https://api.example.com/prod/orders", "page": "https://app.example.com/checkout", "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "ip": "203.0.113.25"}"#,
            #"{"msg": "Network Error", "method": "post", "url": "https://api.example.com/prod/orders", "status": 0, "origin": "https://app.example.com", "time": "2026-11-21T09:45:22.345Z"}"#,
            #"{"type": "error", "text": "Access to fetch at 'https://api.example.com/prod/orders' from origin 'https://app.example.com' has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.", "location": {"url": "https://app.example.com/main.js", "lineNumber": 1}, "timestamp": 1795254332}"#,
            #"{"message": "checkout rendered", "ts": 1795254312345}"#,
            #"{"error": {"message": "NetworkError when attempting to fetch resource."}, "timestamp": 1795254342345}"#,
            #"{"ts": 1795254312345}"#,
            #"not json"#,
        ])
        XCTAssertEqual(outcomes, [nil, nil, nil, .notCORS, nil, .missingField, .malformedJSON])
        XCTAssertEqual(reports.count, 4)
        let r = reports[0]
        XCTAssertEqual(r.failureClass, .unknown)
        XCTAssertEqual(r.confidence, .inferred)
        XCTAssertEqual(r.time, t0)
        XCTAssertEqual(r.url, api)
        XCTAssertEqual(r.pageOrigin, app)
        XCTAssertEqual(r.clientIP, "203.0.113.25")
        XCTAssertEqual(r.browser, "chrome")
        XCTAssertEqual(reports[1].method, "POST")
        XCTAssertEqual(reports[1].time, t0 + 10_000)
        XCTAssertEqual(reports[2].failureClass, .methodNotAllowed)
        XCTAssertEqual(reports[2].time, 1_795_254_332_000)
        XCTAssertEqual(reports[3].browser, "firefox")
    }
}
