import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

/// Cases found in review: each once gave a wrong verdict.
final class ReviewRegressionTests: XCTestCase {
    func testPreflightWithoutResourcePathJoinsChromesMessage() {
        // REST logs a missing OPTIONS method with resourcePath "-" (reference §1.2).
        var s = RecordScript()
        s.add(0, .options, "-", 403, length: 42)
        let rep = BrowserReport(time: t0 + 345, failureClass: .missingAllowOrigin, stage: .preflight, browser: "chrome",
                                url: "https://api.example.com/prod/orders", method: "POST", pageOrigin: "https://app.example.com",
                                detail: "preflight without Allow-Origin", location: SourceLocation(input: 1, line: 1))
        let (_, inc) = correlate(s.records, reports: [rep])
        XCTAssertEqual(inc.map(\.failureClass), [.preflightRejected])
        XCTAssertEqual(inc[0].confidence, .confirmed)
        XCTAssertEqual(inc[0].gatewayError, "MISSING_AUTHENTICATION_TOKEN")
    }

    func testGreedyOptionsRouteIsFollowedByAnyPath() {
        // AWS's fix for an authorizer on $default: an OPTIONS /{proxy+} route.
        var s = RecordScript()
        s.add(0, .options, "OPTIONS /{proxy+}", 204, pathField: .routeKey)
        s.add(60, .get, "GET /users", 200, pathField: .routeKey)
        s.add(60_000, .get, "GET /health", 200, ip: "192.0.2.9", pathField: .routeKey)
        let (c, inc) = correlate(s.records)
        XCTAssertTrue(inc.isEmpty, "\(inc)")
        XCTAssertEqual(c.totals.followed, 1)
    }

    func testSameSecondFollowUpMergedBeforeItsPreflight() {
        // Two log streams, one-second times: the GET (file a) is merged before the OPTIONS (file b).
        func rec(_ input: Int32, _ m: HTTPMethod, _ status: UInt16, _ ms: Int64) -> AccessRecord {
            AccessRecord(time: t0 + ms, method: m, status: status, location: SourceLocation(input: input, line: 1),
                         fields: [.sourceIP: "203.0.113.25", .resourcePath: "/orders"], timeInSeconds: true)
        }
        let (c, inc) = correlate([rec(0, .post, 401, 0), rec(1, .options, 204, 0),
                                  AccessRecord(time: t0 + 60_000, method: .get, status: 200,
                                               location: SourceLocation(input: 0, line: 2), fields: [.sourceIP: "x"])])
        XCTAssertEqual(c.totals.followed, 1)
        XCTAssertEqual(inc.map(\.failureClass), [], "a 401 without error type or body length is no proven gateway error")
        var withType = rec(0, .post, 401, 0)
        withType = AccessRecord(time: withType.time, method: .post, status: 401, location: withType.location,
                                fields: [.sourceIP: "203.0.113.25", .resourcePath: "/orders", .errorType: "UNAUTHORIZED"],
                                timeInSeconds: true)
        let (_, inc2) = correlate([withType, rec(1, .options, 204, 0)])
        XCTAssertEqual(inc2.map(\.failureClass), [.gatewayErrorMasked])
    }

    func testWindowEdgeAtOneSecondResolution() {
        // The preflight is logged to the second (really at :10.9), its follow-up with
        // milliseconds 10.5 s after the logged second: 9.6 s apart in reality.
        let opt = AccessRecord(time: t0 + 10_000, method: .options, status: 204, location: SourceLocation(input: 0, line: 1),
                               fields: [.sourceIP: "203.0.113.25", .resourcePath: "/orders"], timeInSeconds: true)
        let post = AccessRecord(time: t0 + 20_500, method: .post, status: 201, location: SourceLocation(input: 1, line: 1),
                                fields: [.sourceIP: "203.0.113.25", .resourcePath: "/orders"])
        let end = AccessRecord(time: t0 + 90_000, method: .get, status: 200, location: SourceLocation(input: 1, line: 2))
        let (c, inc) = correlate([opt, post, end])
        XCTAssertTrue(inc.isEmpty)
        XCTAssertEqual(c.totals.followed, 1)
    }

    func testMaskedAfterGatewayAnsweredPreflightWithoutRoute() {
        var s = RecordScript()
        s.add(0, .options, "-", 204, pathField: .routeKey)
        s.add(50, .post, "POST /orders", 201, pathField: .routeKey)
        s.add(30_000, .post, "POST /orders", 401, errorType: "UNAUTHORIZED", pathField: .routeKey)
        let (_, inc) = correlate(s.records)
        XCTAssertEqual(inc.map(\.failureClass), [.gatewayErrorMasked])
    }

    func testReportStaysWithTheClosestRequest() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(1_000, .post, "/orders", 401, errorType: "UNAUTHORIZED")
        s.add(7_000, .post, "/orders", 200)
        s.add(60_000, .get, "/health", 200, ip: "192.0.2.9")
        let rep = BrowserReport(time: t0 + 7_100, failureClass: .missingAllowOrigin, stage: .response, browser: "chrome",
                                url: "https://api.example.com/prod/orders", method: "POST",
                                detail: "no Allow-Origin", location: SourceLocation(input: 1, line: 1))
        let (_, inc) = correlate(s.records, reports: [rep])
        XCTAssertEqual(inc.map(\.failureClass), [.gatewayErrorMasked, .missingAllowOrigin])
        XCTAssertEqual(inc[0].confidence, .inferred)
        XCTAssertEqual(inc[1].status, 200)
    }

    func testUntimedReportsAreNotMergedNorDated1970() {
        var s = RecordScript()
        s.add(0, .get, "/health", 200)
        let reps = (1...3).map { n in
            BrowserReport(time: nil, failureClass: .headerNotAllowed, stage: .preflight, url: "https://api.example.com/prod/users/7",
                          method: "PUT", detail: "authorization not allowed", location: SourceLocation(input: 1, line: Int64(n)))
        }
        let (_, inc) = correlate(s.records, reports: reps)
        XCTAssertEqual(inc.count, 3)
        XCTAssertTrue(inc.allSatisfy { $0.time == t0 })
    }

    func testRepeatedPreflightsOfOneClientKeepStateSmall() {
        let c = Correlator()
        for i in 0..<5_000 {
            c.add(AccessRecord(time: t0 + Int64(i) * 1000, method: i % 2 == 0 ? .options : .post, status: 200,
                               location: SourceLocation(input: 0, line: Int64(i + 1)),
                               fields: [.sourceIP: "203.0.113.25", .resourcePath: "/orders"]))
        }
        XCTAssertLessThan(c.stateEntries, 20)
    }
}
