import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

/// Cases found in the second review: each once gave a wrong result.
final class SecondReviewTests: XCTestCase {
    func sec(_ input: Int32, _ line: Int64, _ m: HTTPMethod, _ path: String, _ status: UInt16, _ s: Int64,
             errorType: String? = nil, id: String? = nil, ua: String = chromeUA) -> AccessRecord {
        var f: [AccessRecord.Field: String] = [.sourceIP: "203.0.113.25", .userAgent: ua, .resourcePath: path,
                                               .requestId: id ?? "req-\(input)-\(line)"]
        if let e = errorType { f[.errorType] = e }
        return AccessRecord(time: t0 + s * 1000, method: m, status: status, location: SourceLocation(input: input, line: line),
                            fields: f, timeInSeconds: true)
    }

    func testSameSecondMaskedFollowUpIsOneIncident() {
        let recs = [sec(0, 1, .options, "/a", 204, 0), sec(0, 2, .get, "/a", 200, 1),
                    sec(0, 3, .get, "/b", 401, 12, errorType: "UNAUTHORIZED"), sec(1, 1, .options, "/b", 204, 12),
                    sec(0, 4, .get, "/health", 200, 90)]
        let (c, inc) = correlate(recs)
        XCTAssertEqual(inc.map(\.failureClass), [.gatewayErrorMasked])
        XCTAssertEqual(c.totals.followed, 2)
    }

    func testDistinctRequestsSharingAClientChosenIdAreKept() {
        let recs = [sec(0, 1, .options, "/a", 403, 0, errorType: "MISSING_AUTHENTICATION_TOKEN", id: "same-id"),
                    sec(0, 2, .options, "/b", 403, 0, errorType: "MISSING_AUTHENTICATION_TOKEN", id: "same-id", ua: firefoxUA)]
        let (c, inc) = correlate(recs)
        XCTAssertEqual(inc.count, 2)
        XCTAssertTrue(c.duplicates.isEmpty)
    }

    func testVeryLateFollowUpDoesNotRetractADrainedIncident() {
        // A preflight logged 60 s late is declared blocked at once; its follow-up arrives
        // 100 s after that. Draining or not, the verdict must be the same.
        func script() -> [AccessRecord] {
            var s = RecordScript()
            s.add(0, .options, "/x", 204, ip: "192.0.2.1")
            for k in 1...13 { s.add(Int64(k) * 3_000, .get, "/health", 200, ip: "192.0.2.2") }
            // Blocked at 51 s: its expiry entry (until 170 s) is queued before the late one's.
            s.add(40_000, .options, "/z", 204, ip: "192.0.2.4")
            for k in 14...20 { s.add(Int64(k) * 3_000, .get, "/health", 200, ip: "192.0.2.2") }
            s.add(1, .options, "/y", 204, ip: "192.0.2.3")  // logged at 1 ms, seen at 60 s
            for k in 21...50 { s.add(Int64(k) * 3_000, .get, "/health", 200, ip: "192.0.2.2") }
            s.add(3_000, .put, "/y", 200, ip: "192.0.2.3")  // its follow-up, seen at 150 s
            for k in 51...200 { s.add(Int64(k) * 3_000, .get, "/health", 200, ip: "192.0.2.2") }
            return s.records
        }
        let (plain, all) = correlate(script())
        let c = Correlator()
        var drained: [Incident] = []
        c.drain = { drained += $0 }
        for r in script() { c.add(r) }
        c.finish()
        XCTAssertEqual((drained + c.joinedIncidents().incidents).sorted(by: Incident.reportOrder), all)
        XCTAssertEqual(c.totals.followed, plain.totals.followed)
        XCTAssertEqual(c.totals.incidents, Int64(all.count))
    }

    func testSlowRequestJoinsItsReportDespiteManyOtherReports() {
        var s = RecordScript()
        s.add(0, .options, "/slow", 204)
        s.add(100, .get, "/slow", 504, errorType: "INTEGRATION_TIMEOUT")
        s.add(90_000, .get, "/health", 200, ip: "192.0.2.9")
        var reports = (0..<300).map { k in
            BrowserReport(time: t0 + Int64(k) * 100, failureClass: .missingAllowOrigin, stage: .response,
                          url: "https://api.example.com/prod/other", method: "GET", clientIP: "198.51.100.\(k % 250)",
                          detail: "other", location: SourceLocation(input: 1, line: Int64(k + 1)))
        }
        reports.append(BrowserReport(time: t0 + 29_150, failureClass: .missingAllowOrigin, stage: .response,
                                     url: "https://api.example.com/prod/slow", method: "GET",
                                     detail: "no Allow-Origin", location: SourceLocation(input: 1, line: 999)))
        let (_, inc) = correlate(s.records, reports: reports)
        let slow = inc.filter { $0.path.hasSuffix("/slow") }
        XCTAssertEqual(slow.map(\.failureClass), [.gatewayErrorMasked])
        XCTAssertEqual(slow.first?.confidence, .confirmed)
    }
}
