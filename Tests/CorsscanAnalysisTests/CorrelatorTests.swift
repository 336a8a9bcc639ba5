import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

final class CorrelatorTests: XCTestCase {
    func testFollowUpAtWindowEdge() {
        // Exactly 10 000 ms later: a follow-up. 10 001 ms: too late → blocked.
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(10_000, .post, "/orders", 201)
        var (c, inc) = correlate(s.records)
        XCTAssertEqual(inc.count, 0)
        XCTAssertEqual(c.totals.followed, 1)

        s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(10_001, .post, "/orders", 201)
        (c, inc) = correlate(s.records)
        XCTAssertEqual(inc.map(\.failureClass), [.blockedAfterPreflight])
        XCTAssertEqual(inc[0].stage, .preflight)
        XCTAssertEqual(inc[0].confidence, .inferred)
        XCTAssertEqual(inc[0].method, "OPTIONS")
        XCTAssertEqual(c.totals.followed, 0)

        s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(9_999, .post, "/orders", 201)
        (c, inc) = correlate(s.records)
        XCTAssertTrue(inc.isEmpty)
    }

    func testClientsSharingAnIPAreDistinguishedByUserAgent() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204, ua: chromeUA)
        s.add(50, .options, "/orders", 204, ua: firefoxUA)
        s.add(120, .post, "/orders", 201, ua: firefoxUA)
        s.add(30_000, .get, "/health", 200)
        let (c, inc) = correlate(s.records)
        XCTAssertEqual(inc.count, 1)
        XCTAssertEqual(inc[0].userAgent, chromeUA)
        XCTAssertEqual(inc[0].failureClass, .blockedAfterPreflight)
        XCTAssertEqual(c.totals.followed, 1)
        XCTAssertEqual(c.totals.preflights, 2)
    }

    func testOneClientTwoPaths() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(10, .options, "/users/{id}", 204)
        s.add(100, .put, "/users/{id}", 200)
        s.add(60_000, .get, "/health", 200)
        let (_, inc) = correlate(s.records)
        XCTAssertEqual(inc.map(\.path), ["/orders"])
    }

    func testRetriedPreflightsOnlyLatestCounts() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(500, .options, "/orders", 204)
        s.add(900, .options, "/orders", 204)
        s.add(1_000, .post, "/orders", 201)
        s.add(60_000, .get, "/health", 200)
        let (c, inc) = correlate(s.records)
        XCTAssertTrue(inc.isEmpty, "\(inc)")
        XCTAssertEqual(c.totals.followed, 1)
        XCTAssertEqual(c.totals.preflights, 3)
    }

    func testHTTPRouteKeysCompareByPathPart() {
        var s = RecordScript()
        s.add(0, .options, "OPTIONS /orders/{id}", 204, pathField: .routeKey)
        s.add(80, .delete, "DELETE /orders/{id}", 204, pathField: .routeKey)
        s.add(100, .options, "OPTIONS /carts", 204, pathField: .routeKey)
        s.add(60_000, .get, "GET /health", 200, pathField: .routeKey)
        let (_, inc) = correlate(s.records)
        XCTAssertEqual(inc.map(\.path), ["/carts"])
    }

    func testRawPathsPreferredWhenLogged() {
        var s = RecordScript()
        // The OPTIONS that matched no method has no resourcePath, but both have the raw path.
        s.add(0, .options, "-", 204, rawPath: "/prod/orders/42")
        s.add(80, .post, "/orders/{orderId}", 200, rawPath: "/prod/orders/42")
        s.add(60_000, .get, "/health", 200, rawPath: "/prod/health")
        let (_, inc) = correlate(s.records)
        XCTAssertTrue(inc.isEmpty, "\(inc)")
    }

    func testPreflightWithoutPathMatchesAnyPathOfTheClient() {
        // HTTP API preset: a gateway-answered preflight logs routeKey "-".
        var s = RecordScript()
        s.add(0, .options, "-", 204, pathField: .routeKey)
        s.add(70, .post, "POST /orders", 201, pathField: .routeKey)
        s.add(60_000, .get, "GET /health", 200, pathField: .routeKey)
        let (c, inc) = correlate(s.records)
        XCTAssertTrue(inc.isEmpty)
        XCTAssertEqual(c.totals.followed, 1)
    }

    func testEveryGatewayResponseTypeOnPreflightIsRejectedWithItsCause() {
        let cases: [(String, UInt16, String)] = [
            ("MISSING_AUTHENTICATION_TOKEN", 403, "no OPTIONS method"),
            ("UNAUTHORIZED", 401, "authorizer"), ("ACCESS_DENIED", 403, "denies"),
            ("INVALID_API_KEY", 403, "API key"), ("EXPIRED_TOKEN", 403, "IAM"),
            ("INVALID_SIGNATURE", 403, "SigV4"), ("WAF_FILTERED", 403, "WAF"),
            ("THROTTLED", 429, "throttled"), ("QUOTA_EXCEEDED", 429, "quota"),
            ("INTEGRATION_FAILURE", 504, "integration failed"), ("INTEGRATION_TIMEOUT", 504, "timed out"),
            ("DEFAULT_5XX", 500, "5xx"), ("DEFAULT_4XX", 400, "4xx"),
            ("AUTHORIZER_CONFIGURATION_ERROR", 500, "misconfigured"),
        ]
        for (type, status, cause) in cases {
            var s = RecordScript()
            s.add(0, .options, "/orders", status, errorType: type)
            let (_, inc) = correlate(s.records)
            XCTAssertEqual(inc.count, 1, type)
            XCTAssertEqual(inc.first?.failureClass, .preflightRejected, type)
            XCTAssertEqual(inc.first?.gatewayError, type)
            XCTAssertTrue(inc.first?.evidence.contains(cause) ?? false, "\(type): \(inc.first?.evidence ?? "")")
        }
    }

    func testPreflightCauseFromDefaultBodyLengthWhenTypeNotLogged() {
        var s = RecordScript()
        s.add(0, .options, "-", 403, length: 42)
        s.add(1, .options, "/a", 401, length: 26)
        s.add(2, .options, "/b", 302)
        let (_, inc) = correlate(s.records)
        XCTAssertEqual(inc.map(\.failureClass), [.preflightRejected, .preflightRejected, .redirectNotAllowed])
        XCTAssertTrue(inc[0].evidence.contains("MISSING_AUTHENTICATION_TOKEN"))
        XCTAssertTrue(inc[1].evidence.contains("UNAUTHORIZED"))
    }

    func testGatewayErrorOnFollowUpIsMasked() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(85, .post, "/orders", 401, errorType: "UNAUTHORIZED")
        // A Lambda's own 500 (no error type) is not a gateway response: not masked.
        s.add(200, .options, "/users/{id}", 204)
        s.add(300, .get, "/users/{id}", 500)
        // Later request of the same client to /orders without a new preflight (cached): 429.
        s.add(5_000, .post, "/orders", 429, errorType: "THROTTLED")
        // Another client with no preflight: a 401 there is not a CORS failure we can prove.
        s.add(6_000, .post, "/orders", 401, ip: "198.51.100.7", errorType: "UNAUTHORIZED")
        s.add(60_000, .get, "/health", 200)
        let (_, inc) = correlate(s.records)
        XCTAssertEqual(inc.map(\.failureClass), [.gatewayErrorMasked, .gatewayErrorMasked])
        XCTAssertEqual(inc[0].stage, .response)
        XCTAssertEqual(inc[0].status, 401)
        XCTAssertEqual(inc[0].followupStatus, 401)
        XCTAssertEqual(inc[0].gatewayError, "UNAUTHORIZED")
        XCTAssertEqual(inc[1].gatewayError, "THROTTLED")

        var o = AnalysisOptions()
        o.gatewayResponsesHaveCORS = true
        XCTAssertTrue(correlate(s.records, options: o).1.isEmpty)
    }

    func testEndOfDataInsideWindowIsUndetermined() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)
        s.add(5_000, .get, "/health", 200)
        let (c, inc) = correlate(s.records)
        XCTAssertTrue(inc.isEmpty)
        XCTAssertEqual(c.totals.undetermined, 1)
    }

    func testStateStaysBoundedWithManyClients() {
        var o = AnalysisOptions()
        o.maxTrackedClients = 1_000
        o.maxPendingPreflights = 1_000
        let c = Correlator(options: o)
        for i in 0..<20_000 {
            c.add(AccessRecord(time: t0 + Int64(i), method: .options, status: 204,
                               location: SourceLocation(input: 0, line: Int64(i + 1)),
                               fields: [.sourceIP: "10.0.\(i / 256).\(i % 256)", .resourcePath: "/x"]))
        }
        c.finish()
        XCTAssertGreaterThan(c.totals.evicted, 0)
        XCTAssertLessThanOrEqual(c.totals.undetermined + Int64(c.incidents.count), 1_000)
    }
}
