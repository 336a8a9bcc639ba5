import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

/// Incidents leave memory once final; what is drained plus what is held equals a run that
/// holds everything, in report order.
final class DrainTests: XCTestCase {
    func script() -> [AccessRecord] {
        var s = RecordScript()
        for k in 0..<400 {
            let base = Int64(k) * 20_000
            let ip = "198.51.100.\(k % 200)"
            switch k % 4 {
            case 0: s.add(base, .options, "/orders", 403, ip: ip, errorType: "MISSING_AUTHENTICATION_TOKEN")
            case 1: s.add(base, .options, "/orders", 204, ip: ip)  // blocked
            case 2:
                s.add(base, .options, "/orders", 204, ip: ip)
                s.add(base + 50, .post, "/orders", 401, ip: ip, errorType: "UNAUTHORIZED")
            default:
                // A late follow-up (29 s timeout) retracting its blocked verdict.
                s.add(base, .options, "/users/{id}", 204, ip: ip)
                s.add(base + 15_000, .get, "/health", 200, ip: "192.0.2.1")
                s.add(base + 100, .put, "/users/{id}", 504, ip: ip, errorType: "INTEGRATION_TIMEOUT")
            }
        }
        return s.records
    }

    func testDrainedPlusHeldEqualsHeldOnly() {
        let all = correlate(script()).1

        let c = Correlator()
        var drained: [Incident] = []
        var batches = 0
        c.drain = { batch in
            XCTAssertEqual(batch, batch.sorted(by: Incident.reportOrder))
            if let last = drained.last, let first = batch.first {
                XCTAssertTrue(Incident.reportOrder(last, first), "batches come in report order")
            }
            drained += batch
            batches += 1
        }
        for r in script() { c.add(r) }
        c.finish()
        let held = c.joinedIncidents().incidents
        XCTAssertGreaterThan(batches, 10)
        XCTAssertLessThan(held.count, all.count / 10, "most incidents left memory")
        XCTAssertEqual((drained + held).sorted(by: Incident.reportOrder), all)
        XCTAssertEqual(c.totals.incidents, Int64(all.count))
    }

    func testJoinCandidatesStayHeld() {
        var s = RecordScript()
        s.add(0, .options, "/orders", 204)
        for k in 1...20 { s.add(Int64(k) * 60_000, .get, "/health", 200, ip: "192.0.2.1") }
        let rep = BrowserReport(time: t0 + 40, failureClass: .headerNotAllowed, stage: .preflight,
                                url: "https://api.example.com/prod/orders", method: "POST",
                                detail: "authorization not allowed", location: SourceLocation(input: 1, line: 1))
        let c = Correlator(browserReports: [rep], inputPaths: ["gw", "browser"])
        var drained: [Incident] = []
        c.drain = { drained += $0 }
        for r in s.records { c.add(r) }
        c.finish()
        XCTAssertTrue(drained.isEmpty)
        XCTAssertEqual(c.joinedIncidents().incidents.map(\.failureClass), [.headerNotAllowed])
    }
}

final class DuplicateRecordTests: XCTestCase {
    func testTheSameRecordInTwoExportsCountsOnce() {
        var a = RecordScript(input: 0)
        a.add(0, .options, "/orders", 403, errorType: "MISSING_AUTHENTICATION_TOKEN", requestId: "0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410")
        var b = RecordScript(input: 1)
        b.add(0, .options, "/orders", 403, errorType: "MISSING_AUTHENTICATION_TOKEN", requestId: "0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410")
        b.add(5, .options, "/orders", 403, errorType: "MISSING_AUTHENTICATION_TOKEN", requestId: "1c0e8032-6d5f-4b9c-8a21-0f23d7b8f521")
        let (c, inc) = correlate(a.records + b.records)
        XCTAssertEqual(inc.count, 2)
        XCTAssertEqual(c.totals.preflights, 2)
        XCTAssertEqual(c.duplicates[1]?.count, 1)
        XCTAssertEqual(c.duplicates[1]?.lines, [1])
    }

    /// A copy later in the same file arrives late (a Firehose redelivery at the end of its
    /// object, `cat a b a`): dropped while within the last `maxRecentRequestIds` records,
    /// kept beyond them (memory stays bounded).
    func testALateCopyInTheSameFileCountsOnce() {
        var s = RecordScript(input: 0)
        for k in 0..<30 {
            s.add(Int64(k) * 60_000, .options, "/orders", 403, ip: "203.0.113.\(k)", errorType: "MISSING_AUTHENTICATION_TOKEN",
                  requestId: "req-\(k)")
        }
        let once = s.records
        XCTAssertEqual(correlate(once).1.count, 30)
        // The 30 records (half an hour of data) again, later in the file.
        var again = once
        for k in again.indices { again[k].location.line += 30 }
        let (c, inc) = correlate(once + again)
        XCTAssertEqual(inc.count, 30, "the repeats are not counted twice")
        XCTAssertEqual(c.duplicates[0]?.count, 30)
        XCTAssertEqual(c.duplicates[0]?.lines.first, 31)

        // Beyond the bound a copy is a record again: with 20 remembered, each copy comes 30
        // records after its original.
        var small = AnalysisOptions()
        small.maxRecentRequestIds = 20
        let (c2, inc2) = correlate(once + again, options: small)
        XCTAssertNil(c2.duplicates[0])
        XCTAssertEqual(inc2.count, 60)
        small.maxRecentRequestIds = 30
        XCTAssertEqual(correlate(once + again, options: small).0.duplicates[0]?.count, 30)
    }
}
