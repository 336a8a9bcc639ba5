import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

/// `Correlator.collectsReleased`: every record added is handed back exactly once — at once
/// when the correlator keeps nothing of it, else when it lets go of it — so the pipeline
/// can free it on the thread that allocated it.
final class ReleaseHandOffTests: XCTestCase {
    /// Runs `records`, collecting the lines handed back after each `add`.
    private func run(_ records: [AccessRecord], collect: Bool) -> (handedBack: [[Int64]], incidents: [Incident], totals: RunReport.Totals) {
        let c = Correlator(options: AnalysisOptions())
        c.collectsReleased = collect
        var after: [[Int64]] = []
        for r in records {
            c.add(r)
            var lines: [Int64] = []
            c.handOffReleased { lines.append($0.location.line) }
            after.append(lines.sorted())
        }
        c.finish()
        return (after, c.incidents.sorted(by: Incident.reportOrder), c.totals)
    }

    func testHeldRecordsAreHandedBackWhenLetGo() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)                        // 1: claimed by 2
        s.add(120, .post, "/orders", 201)                         // 2
        s.add(1_000, .options, "/cart", 204, ip: "198.51.100.7")  // 3: replaced by 4
        s.add(1_100, .options, "/cart", 204, ip: "198.51.100.7")  // 4: never followed → blocked
        s.add(50_000, .get, "/health", 200)                       // 5: 4's window is over
        s.add(200_000, .get, "/health", 200)                      // 6: and so is its late horizon
        let records = s.records
        let (handed, incidents, totals) = run(records, collect: true)

        XCTAssertEqual(handed[0], [], "a pending preflight is kept")
        XCTAssertEqual(handed[1], [1, 2], "the claimed preflight goes back with its follow-up")
        XCTAssertEqual(handed[2], [])
        XCTAssertEqual(handed[3], [3], "a preflight replaced by a newer one for the same key goes back")
        // Line 4 is held as recently blocked (a late follow-up could still retract it) and
        // let go once that horizon has passed.
        XCTAssertEqual(handed[4], [5])
        XCTAssertEqual(handed[5], [4, 6])
        let all = handed.flatMap { $0 }
        XCTAssertEqual(all.sorted(), Array(1...6), "every record goes back exactly once")

        // Collecting changes where memory is freed, nothing else.
        let (none, plainIncidents, plainTotals) = run(records, collect: false)
        XCTAssertTrue(none.allSatisfy(\.isEmpty))
        XCTAssertEqual(incidents, plainIncidents)
        XCTAssertEqual(incidents.map(\.failureClass), [.blockedAfterPreflight])
        XCTAssertEqual(totals, plainTotals)
    }

    /// A one-second request that found no preflight is held for that second (a preflight of
    /// the same second may be merged after it), then handed back.
    func testUnclaimedOneSecondRequestsAreHandedBack() {
        func rec(_ line: Int64, _ ms: Int64, _ method: HTTPMethod, _ ip: String) -> AccessRecord {
            AccessRecord(time: t0 + ms, method: method, status: method == .options ? 204 : 200,
                         location: SourceLocation(input: 0, line: line),
                         fields: [.sourceIP: ip, .userAgent: chromeUA, .resourcePath: "/orders",
                                  .requestId: "req-\(line)"],
                         timeInSeconds: true)
        }
        let records = [
            rec(1, 0, .post, "203.0.113.1"),      // unclaimed until its preflight (2) arrives
            rec(2, 0, .options, "203.0.113.1"),   // claims 1
            rec(3, 0, .get, "203.0.113.2"),       // unclaimed, no preflight ever
            rec(4, 5_000, .get, "203.0.113.3"),   // 3's second is over
        ]
        let (handed, incidents, _) = run(records, collect: true)
        XCTAssertEqual(handed[0], [], "held for a preflight of its second")
        XCTAssertEqual(handed[1], [1, 2])
        XCTAssertEqual(handed[2], [])
        XCTAssertEqual(handed[3], [3], "its second is over; 4 is held in turn")
        XCTAssertTrue(incidents.isEmpty)
    }

    /// A repeat of a record already used is dropped as a duplicate, and goes back at once.
    func testDuplicateGoesBackAtOnce() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204, requestId: "same-id")
        var copy = s.records[0]
        copy.location.line = 2
        let (handed, _, totals) = run([s.records[0], copy], collect: true)
        XCTAssertEqual(handed, [[], [2]])
        XCTAssertEqual(totals.preflights, 1)
    }
}
