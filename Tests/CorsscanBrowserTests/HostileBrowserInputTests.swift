import CorsscanCore
import Dispatch
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
    /// Browser evidence is held for joining; past `maxHeld` lines are skipped as
    /// report-limit, each line still gets exactly one outcome, and memory stays bounded.
    func testHeldEvidenceIsBounded() {
        let cors = { (i: Int) in
            "2026-11-21T08:00:\(10 + i % 40).000Z Access to fetch at 'https://api.example.com/prod/orders/\(i)' from origin 'https://shop.example.net' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
        }
        let cdpRequest = { (i: Int) in
            #"{"method":"Network.requestWillBeSent","params":{"requestId":"\#(i)","request":{"url":"https://api.example.com/x","method":"GET","headers":{}},"wallTime":1795248000}}"#
        }
        for (format, line) in [(BrowserFormat.console, cors), (.cdp, cdpRequest)] {
            var r = BrowserLineReader(format: format, input: 0, maxHeld: 25)
            var used = 0, limited = 0, other = 0
            for i in 0..<100 {
                var b = Array(line(i).utf8)
                switch b.withUnsafeMutableBufferPointer({ r.consume(UnsafeBufferPointer($0), number: Int64(i + 1)) }) {
                case nil: used += 1
                case .reportLimit?: limited += 1
                default: other += 1
                }
            }
            XCTAssertEqual(used, 25, "\(format)")
            XCTAssertEqual(limited, 75, "\(format)")
            XCTAssertEqual(other, 0, "\(format)")
            XCTAssertEqual(r.held, 25, "\(format)")
            if format == .console { XCTAssertEqual(r.finish().count, 25) }
        }
    }

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
        // Outside 1970–9999 a wallTime is no time (times far apart once overflowed the
        // report's duration and stalled its timeline); a real one is kept.
        for (wall, time) in [("1e300", nil), ("-1e300", nil), ("9.3e15", nil), ("1.7976931348623157e308", nil),
                             ("4.7e15", nil), ("-4.7e15", nil), ("-1", nil), ("2.6e11", nil),
                             ("1795254312.5", Int64(1_795_254_312_500))] {
            let sent = #"{"method":"Network.requestWillBeSent","params":{"request":{"headers":{"Origin":"https://a.example"},"method":"GET","url":"https://api.example.com/x"},"requestId":"1","timestamp":1.5,"type":"Fetch","wallTime":\#(wall)}}"#
            let failed = #"{"method":"Network.loadingFailed","params":{"corsErrorStatus":{"corsError":"MissingAllowOriginHeader","failedParameter":""},"errorText":"net::ERR_FAILED","requestId":"1","timestamp":2.5,"type":"Fetch"}}"#
            let reports = consume(.cdp, [sent, failed])
            XCTAssertEqual(reports.count, 1, wall)
            XCTAssertEqual(reports.first?.time, time, wall)
        }
    }

    func har(_ entries: [String]) -> String {
        #"{"log":{"version":"1.2","entries":["# + entries.joined(separator: ",") + "]}}"
    }

    func read(_ doc: String) -> ([BrowserReport], InputStats) {
        var stats = InputStats(path: "x.har", kind: .browserReport, format: "har")
        var b = Array(doc.utf8)
        let r = b.withUnsafeMutableBufferPointer { HARReader.read(UnsafeBufferPointer($0), input: 0, stats: &stats) }
        return (r, stats)
    }

    /// Many preflights and requests to one URL used to pair in quadratic time (20k + 20k
    /// entries: minutes); pairing now looks at a bounded number of candidates.
    func testManyPreflightsToOneURLPairInBoundedTime() {
        let pre = #"{"startedDateTime":"2026-11-21T09:45:11.000Z","request":{"method":"OPTIONS","url":"https://api.example.com/x","headers":[{"name":"Origin","value":"https://a.example"},{"name":"Access-Control-Request-Method","value":"PUT"}]},"response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://a.example"}]}}"#
        let req = #"{"startedDateTime":"2026-11-21T09:45:11.000Z","request":{"method":"PUT","url":"https://api.example.com/x","headers":[{"name":"Origin","value":"https://a.example"}]},"response":{"status":200,"headers":[]}}"#
        let n = 20_000
        let doc = har(Array(repeating: pre, count: n) + Array(repeating: req, count: n))
        let start = DispatchTime.now().uptimeNanoseconds
        // 40k kept entries are over `maxKeptBytes`: raised here, the pairing is what is timed.
        var stats = InputStats(path: "x.har", kind: .browserReport, format: "har")
        var at = doc.utf8.startIndex
        let reports = HARReader.read(from: { (out: UnsafeMutableRawBufferPointer) throws(InputError) -> Int in
            var n = 0
            while n < out.count, at < doc.utf8.endIndex {
                out[n] = doc.utf8[at]
                n += 1
                at = doc.utf8.index(after: at)
            }
            return n
        }, input: 0, stats: &stats, maxKeptBytes: 256 << 20)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertLessThan(seconds, 60, "pairing is not quadratic")
        XCTAssertEqual(stats.lines, Int64(2 * n))
        XCTAssertEqual(stats.lines, stats.records + stats.skippedTotal)
        XCTAssertGreaterThan(reports.count, 0)
    }

    /// A HAR of millions of tiny entries (what a small gzip bomb inflates to) stops after
    /// `maxEntries` with a named `too-large` error; the entries before it are counted.
    func testHARWithTooManyEntriesIsRefused() {
        let doc = #"{"log":{"version":"1.2","entries":["# + String(repeating: "0,", count: HARReader.maxEntries + 5) + "0]}}"
        let (reports, stats) = read(doc)
        XCTAssertTrue(reports.isEmpty)
        XCTAssertEqual(stats.error?.kind, .tooLarge)
        XCTAssertEqual(stats.lines, Int64(HARReader.maxEntries))
        XCTAssertEqual(stats.skipped[.notCORS], Int64(HARReader.maxEntries))
    }
}
