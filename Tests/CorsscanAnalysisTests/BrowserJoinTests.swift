import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

final class BrowserJoinTests: XCTestCase {
    func report(_ ms: Int64, _ c: FailureClass, _ stage: Stage?, url: String = "https://api.example.com/prod/orders/42",
                method: String? = "POST", ip: String? = nil, ua: String? = nil, line: Int64 = 1) -> BrowserReport {
        BrowserReport(time: t0 + ms, failureClass: c, stage: stage, browser: "chrome", url: url, method: method,
                      pageOrigin: "https://app.example.com", userAgent: ua, clientIP: ip,
                      detail: "\(c.rawValue) says the browser", raw: "raw", location: SourceLocation(input: 1, line: line))
    }

    func testChromeMissingAllowOriginOnPreflightJoinedTo403IsPreflightRejected() {
        var s = RecordScript()
        s.add(0, .options, "/orders/{orderId}", 403, errorType: "MISSING_AUTHENTICATION_TOKEN")
        let (c, inc) = correlate(s.records, reports: [report(40, .missingAllowOrigin, .preflight)])
        XCTAssertEqual(inc.count, 1)
        XCTAssertEqual(inc[0].failureClass, .preflightRejected)
        XCTAssertEqual(inc[0].confidence, .confirmed)
        XCTAssertEqual(inc[0].origin, "https://app.example.com")
        XCTAssertTrue(inc[0].evidence.contains("MISSING_AUTHENTICATION_TOKEN"))
        XCTAssertTrue(inc[0].evidence.contains("browser.log:1"))
        XCTAssertEqual(c.joinedIncidents().joined, 1)
    }

    func testMissingAllowOriginOnGatewayErrorIsMasked() {
        var s = RecordScript()
        s.add(0, .options, "/orders/{orderId}", 204)
        s.add(90, .post, "/orders/{orderId}", 401, errorType: "UNAUTHORIZED")
        s.add(60_000, .get, "/health", 200)
        let (_, inc) = correlate(s.records, reports: [report(150, .missingAllowOrigin, .response)])
        XCTAssertEqual(inc.map(\.failureClass), [.gatewayErrorMasked])
        XCTAssertEqual(inc[0].confidence, .confirmed)
    }

    func testBlockedAfterPreflightGetsTheBrowsersCause() {
        var s = RecordScript()
        s.add(0, .options, "/orders/{orderId}", 204)
        s.add(60_000, .get, "/health", 200)
        // Clock skewed by 1.5 s; stage-prefixed URL vs template path.
        let (_, inc) = correlate(s.records, reports: [report(-1_500, .headerNotAllowed, .preflight)])
        XCTAssertEqual(inc.count, 1)
        XCTAssertEqual(inc[0].failureClass, .headerNotAllowed)
        XCTAssertEqual(inc[0].confidence, .confirmed)
        XCTAssertEqual(inc[0].source, SourceLocation(input: 0, line: 1))
    }

    func testResponseStageFailureOnA200IsAnIncidentOnlyWithBrowserEvidence() {
        var s = RecordScript()
        s.add(0, .options, "/orders/{orderId}", 204)
        s.add(70, .post, "/orders/{orderId}", 200)
        s.add(60_000, .get, "/health", 200)
        XCTAssertTrue(correlate(s.records).1.isEmpty)
        let (_, inc) = correlate(s.records, reports: [report(120, .missingAllowOrigin, .response)])
        XCTAssertEqual(inc.count, 1)
        XCTAssertEqual(inc[0].failureClass, .missingAllowOrigin)
        XCTAssertEqual(inc[0].stage, .response)
        XCTAssertEqual(inc[0].method, "POST")
        XCTAssertEqual(inc[0].status, 200)
    }

    func testClosestOfTwoCandidatesWins() {
        var s = RecordScript()
        s.add(0, .options, "/orders/{orderId}", 204, requestId: "far")
        s.add(100, .post, "/orders/{orderId}", 200)
        s.add(4_000, .options, "/orders/{orderId}", 204, requestId: "near")
        s.add(4_100, .post, "/orders/{orderId}", 200)
        s.add(60_000, .get, "/health", 200)
        let (_, inc) = correlate(s.records, reports: [report(4_150, .originMismatch, .response)])
        XCTAssertEqual(inc.count, 1)
        XCTAssertEqual(inc[0].source.line, 4)
    }

    func testIPInReportMustMatch() {
        var s = RecordScript()
        s.add(0, .options, "/orders/{orderId}", 204, ip: "198.51.100.7")
        s.add(60_000, .get, "/health", 200)
        let (_, inc) = correlate(s.records, reports: [report(30, .methodNotAllowed, .preflight, ip: "203.0.113.99")])
        // Not joined: the gateway's blocked-after-preflight plus the standalone browser incident.
        XCTAssertEqual(Set(inc.map(\.failureClass)), [.blockedAfterPreflight, .methodNotAllowed])
    }

    func testUnjoinedReportsStandAloneAndDuplicatesMerge() {
        let reps = [report(0, .unknown, nil, line: 1), report(300, .originMismatch, .response, line: 2),
                    report(90_000, .privateNetwork, .preflight, url: "http://192.168.1.10/api", line: 3)]
        let (_, inc) = correlate([], reports: reps)
        XCTAssertEqual(inc.map(\.failureClass), [.originMismatch, .privateNetwork])
        XCTAssertEqual(inc[0].path, "/prod/orders/42")
        XCTAssertTrue(inc[0].evidence.contains("no matching gateway record"))
    }

    func testRequestIdJoinsExactlyEvenWithoutTime() {
        var s = RecordScript()
        s.add(0, .options, "/orders/{orderId}", 204)
        s.add(90, .post, "/orders/{orderId}", 200, requestId: "6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03")
        s.add(60_000, .get, "/health", 200)
        var rep = report(0, .multipleAllowOrigin, .response)
        rep.time = nil
        rep.requestId = "6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03"
        let (c, inc) = correlate(s.records, reports: [rep])
        XCTAssertEqual(inc.map(\.failureClass), [.multipleAllowOrigin])
        XCTAssertEqual(inc[0].source.line, 2)
        XCTAssertEqual(c.joinedIncidents().joined, 1)
    }

    func testLateFollowUpRetractsBlockedVerdict() {
        // The follow-up's record is written when its 29 s integration timeout ends, so it
        // arrives long after the preflight's window closed.
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(15_000, .get, "/health", 200, ip: "192.0.2.1")
        s.add(150, .post, "/orders", 504, errorType: "INTEGRATION_TIMEOUT")
        s.add(90_000, .get, "/health", 200, ip: "192.0.2.1")
        let (c, inc) = correlate(s.records)
        XCTAssertEqual(inc.map(\.failureClass), [.gatewayErrorMasked])
        XCTAssertEqual(c.totals.followed, 1)
    }

    func testURLPathMatching() {
        let r = AccessRecord(time: t0, method: .get, location: SourceLocation(input: 0, line: 1),
                             fields: [.resourcePath: "/users/{id}/cart", .routeKey: "-"])
        XCTAssertTrue(PathMatching.urlPath("/prod/users/42/cart", matches: r))
        XCTAssertTrue(PathMatching.urlPath("/users/42/cart", matches: r))
        XCTAssertFalse(PathMatching.urlPath("/users/42", matches: r))
        let proxy = AccessRecord(time: t0, method: .get, location: SourceLocation(input: 0, line: 1),
                                 fields: [.routeKey: "ANY /{proxy+}"])
        XCTAssertTrue(PathMatching.urlPath("/anything/at/all", matches: proxy))
        XCTAssertEqual(PathMatching.urlPath("https://api.example.com/prod/x?y=1#z"), "/prod/x")
        XCTAssertEqual(PathMatching.urlPath("https://api.example.com"), "/")
    }

    /// A record names its path by a concrete path, a template, or a route key's path part.
    func testHasPath() {
        func record(_ fields: [AccessRecord.Field: String]) -> AccessRecord {
            AccessRecord(time: 0, method: .get, location: SourceLocation(input: 0, line: 1), fields: fields)
        }
        XCTAssertTrue(PathMatching.hasPath(record([.path: "/prod/x"])))
        XCTAssertTrue(PathMatching.hasPath(record([.resourcePath: "/x/{id}"])))
        XCTAssertTrue(PathMatching.hasPath(record([.routeKey: "GET /x"])))
        XCTAssertTrue(PathMatching.hasPath(record([.routeKey: "/x"])))
        XCTAssertFalse(PathMatching.hasPath(record([.routeKey: "$default"])))
        XCTAssertFalse(PathMatching.hasPath(record([.routeKey: "GET "])))
        XCTAssertFalse(PathMatching.hasPath(record([.routeKey: "GET x"])))
        XCTAssertFalse(PathMatching.hasPath(record([.sourceIP: "203.0.113.9"])))
    }
}
