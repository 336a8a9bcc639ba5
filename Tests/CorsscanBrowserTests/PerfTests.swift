import CorsscanCore
import XCTest

@testable import CorsscanBrowser

final class PerfTests: XCTestCase {
    func testThroughputSmoke() {
        var lines: [String] = []
        for i in 0..<2000 {
            lines.append("2026-11-21T09:45:12.345Z Access to fetch at 'https://api.example.com/prod/orders/\(i)' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.")
            lines.append("POST https://api.example.com/prod/orders/\(i) net::ERR_FAILED 403 (Forbidden)")
            lines.append("some unrelated console noise from the application, fairly long, like most log lines are \(i)")
        }
        let start = ContinuousClock.now
        let (reports, _) = feed(.console, lines)
        let elapsed = ContinuousClock.now - start
        XCTAssertEqual(reports.count, 2000)
        XCTAssertEqual(reports[1999].status, 403)
        print("console: \(lines.count) lines in \(elapsed)")
    }
}
