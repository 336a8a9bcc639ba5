import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

/// The report's aggregates stay bounded under hostile cardinality.
final class TallyBoundsTests: XCTestCase {
    func incident(_ i: Int, path: String, client: String) -> Incident {
        Incident(time: t0 + Int64(i), failureClass: .preflightRejected, stage: .preflight, confidence: .inferred,
                 clientIP: client, userAgent: "", origin: "https://app.example.com", method: "OPTIONS", path: path,
                 status: 403, gatewayError: "MISSING_AUTHENTICATION_TOKEN", requestId: "r\(i)", followupStatus: nil,
                 source: SourceLocation(input: 0, line: Int64(i + 1)), evidence: "")
    }

    func testRowsPastTheBoundAreFoldedIntoOtherRows() {
        var tally = IncidentTally()
        let distinct = ReportAggregator.maxRows + 500
        for i in 0..<distinct { tally.add(incident(i, path: "/p/\(i)", client: "10.0.0.1")) }
        for i in 0..<10 { tally.add(incident(distinct + i, path: "/p/0", client: "10.0.0.1")) }
        let r = tally.build(inputs: [], totals: .init(), firstTime: nil, lastTime: nil, options: AnalysisOptions(),
                            version: "t", generated: t0)
        XCTAssertEqual(r.rows.count, ReportAggregator.maxRows + 1)
        XCTAssertEqual(r.rows.reduce(0) { $0 + $1.count }, distinct + 10, "every incident is counted once")
        let other = r.rows.first { $0.path == "(other)" }
        XCTAssertEqual(other?.count, 500)
        XCTAssertEqual(r.rows.first { $0.path == "/p/0" }?.count, 11, "a kept row keeps counting")
        XCTAssertTrue(r.notes.contains { $0.contains("500 incidents were summed in \"(other)\"") }, "\(r.notes)")
    }

    func testTopCountsAreExactBelowTheBoundAndKeepHeavyHitters() {
        var c = BoundedCounts(capacity: 100)
        for i in 0..<150 { c.add("x\(i)") }
        XCTAssertFalse(c.pruned)
        XCTAssertEqual(c.counts.count, 150, "exact below twice the capacity")
        for round in 0..<50 {
            for _ in 0..<3 { c.add("heavy") }
            for i in 0..<100 { c.add("noise-\(round)-\(i)") }
        }
        XCTAssertTrue(c.pruned)
        XCTAssertLessThan(c.counts.count, 200, "bounded")
        XCTAssertEqual(ReportAggregator.top(c.counts).first?.label, "heavy")
        XCTAssertEqual(ReportAggregator.top(c.counts).first?.count, 150, "a label that recurs is never dropped")
    }
}
