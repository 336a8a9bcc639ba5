import CorsscanCore
import Dispatch
import XCTest

@testable import CorsscanAnalysis

/// Joining stays bounded when browser reports and gateway records are dense in one window
/// (issue 7: every record used to be compared with every report in its ~42 s window).
final class HostileJoinTests: XCTestCase {
    func report(_ ms: Int64, line: Int64, path: String) -> BrowserReport {
        BrowserReport(time: t0 + ms, failureClass: .missingAllowOrigin, stage: .response, browser: "chrome",
                      url: "https://api.example.com/prod" + path, method: "GET", pageOrigin: "https://app.example.com",
                      detail: "d", raw: "raw", location: SourceLocation(input: 1, line: line))
    }

    func testDenseReportsAndRecordsJoinInBoundedTime() {
        let n = 3_000
        var s = RecordScript()
        for i in 0..<n { s.add(Int64(i), .get, "/orders/{id}", 200, ip: "10.0.\(i >> 8).\(i & 255)", rawPath: "/prod/orders/\(i)") }
        let reports = (0..<n).map { report(Int64($0) + 20, line: Int64($0 + 1), path: "/orders/\($0)") }
        let start = DispatchTime.now().uptimeNanoseconds
        let (_, inc) = correlate(s.records, reports: reports)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertLessThan(seconds, 60, "bounded work per record")
        XCTAssertGreaterThan(inc.count, 0)
    }

    func testTheRightReportJoinsAmongMoreThanTheScanLimit() {
        var s = RecordScript()
        s.add(30_000, .get, "/orders/{orderId}", 401, errorType: "UNAUTHORIZED", rawPath: "/prod/orders/42")
        // Many reports for other paths around it, the matching one nearest in time.
        var reports: [BrowserReport] = []
        for k in 0..<(BrowserJoiner.maxScan * 4) {
            reports.append(report(29_000 + Int64(k * 10), line: Int64(k + 1), path: "/other/\(k)"))
        }
        reports.append(report(30_050, line: 99_999, path: "/orders/42"))
        let (c, _) = correlate(s.records, reports: reports)
        XCTAssertEqual(c.joinedIncidents().joined, 1)
    }
}
