import CorsscanCore
import XCTest

@testable import CorsscanBrowser

/// Regression tests for hostile browser evidence found while hardening (issue 7).
final class HostileBrowserInputTests: XCTestCase {
    func consume(_ format: BrowserFormat, _ lines: [String]) -> [BrowserReport] {
        var r = BrowserLineReader(format: format, input: 0)
        for (i, l) in lines.enumerated() {
            var b = Array(l.utf8)
            _ = b.withUnsafeMutableBufferPointer { r.consume(UnsafeBufferPointer($0), number: Int64(i + 1)) }
        }
        return r.finish()
    }

    /// A beacon/WebDriver `timestamp` beyond Int64 milliseconds used to trap converting to Int64.
    func testHugeEpochTimestampsAreIgnoredNotFatal() {
        let msg = "Access to fetch at 'https://api.example.com/x' from origin 'https://a.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
        for ts in ["1e300", "9223372036854775807", "9.3e18", "-1e300", "1e19"] {
            let reports = consume(.beacon, [#"{"message":"\#(msg)","timestamp":\#(ts)}"#])
            XCTAssertEqual(reports.count, 1, ts)
            let wd = consume(.webdriverLog, [#"{"level":"SEVERE","message":"https://a.example/ 0 \#(msg)","source":"network","timestamp":\#(ts)}"#])
            XCTAssertLessThanOrEqual(wd.count, 1, ts)
        }
    }

    /// A CDP `wallTime` beyond Int64 milliseconds used to trap.
    func testHugeCDPWallTimeIsIgnoredNotFatal() {
        for wall in ["1e300", "-1e300", "9.3e15", "1.7976931348623157e308"] {
            let sent = #"{"method":"Network.requestWillBeSent","params":{"request":{"headers":{"Origin":"https://a.example"},"method":"GET","url":"https://api.example.com/x"},"requestId":"1","timestamp":1.5,"type":"Fetch","wallTime":\#(wall)}}"#
            let failed = #"{"method":"Network.loadingFailed","params":{"corsErrorStatus":{"corsError":"MissingAllowOriginHeader","failedParameter":""},"errorText":"net::ERR_FAILED","requestId":"1","timestamp":2.5,"type":"Fetch"}}"#
            let reports = consume(.cdp, [sent, failed])
            XCTAssertEqual(reports.count, 1, wall)
        }
    }
}
