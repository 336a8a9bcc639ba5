import CorsscanCore
@testable import CorsscanReport
import Foundation
import XCTest

final class GoldenTests: XCTestCase {
    func incidentsCSV(_ r: RunReport) -> [UInt8] {
        var out = Array(CSVOutput.incidentsHeader.utf8)
        let all = r.samples.values.flatMap { $0 }.sorted(by: Incident.reportOrder)
        for i in all { CSVOutput.appendIncident(i, source: r.sourceText(i.source), to: &out) }
        return out
    }

    func testIncidentsCSVGolden() throws {
        try Golden.check(incidentsCSV(Fixtures.report(hostileFields: false)), "incidents.csv")
    }

    func testSummaryCSVGolden() throws {
        try Golden.check(CSVOutput.summary(Fixtures.report(hostileFields: false)), "summary.csv")
    }

    func testSummaryJSONGolden() throws {
        try Golden.check(JSONOutput.summary(Fixtures.report(hostileFields: false)), "summary.json")
    }

    func testHostileSummaryJSONGolden() throws {
        try Golden.check(JSONOutput.summary(Fixtures.report()), "summary-hostile.json")
    }

    func testPrometheusGolden() throws {
        try Golden.check(PrometheusOutput.render(Fixtures.report(hostileFields: false)), "metrics.prom")
    }

    /// Also the file to look at in a browser when changing the report.
    func testHTMLGolden() throws {
        try Golden.check(HTMLReport.render(Fixtures.report(hostileFields: false)), "report.html")
        try Golden.check(HTMLReport.render(RunReport(version: "0.1.0-test", generated: 0, windowSeconds: 10, maxSkewSeconds: 300)),
                         "report-empty.html")
    }

    func testTextSummaryGolden() throws {
        try Golden.check(Array(TextSummary.render(Fixtures.report(hostileFields: false), reportDirectory: "Reports",
                                                  color: false).utf8), "summary.txt")
    }

    func testEmptyJSONGolden() throws {
        try Golden.check(JSONOutput.summary(RunReport(version: "0.1.0-test", generated: 0, windowSeconds: 10, maxSkewSeconds: 300)),
                         "summary-empty.json")
    }

    /// Byte-identical output for the same report (dictionaries inside are iterated in
    /// random order per process, so render from fresh copies several times).
    func testDeterminism() {
        for _ in 0..<5 {
            let a = Fixtures.report(), b = Fixtures.report()
            XCTAssertEqual(JSONOutput.summary(a), JSONOutput.summary(b))
            XCTAssertEqual(CSVOutput.summary(a), CSVOutput.summary(b))
            XCTAssertEqual(PrometheusOutput.render(a), PrometheusOutput.render(b))
            XCTAssertEqual(HTMLReport.render(a), HTMLReport.render(b))
            XCTAssertEqual(TextSummary.render(a, reportDirectory: "out", color: true),
                           TextSummary.render(b, reportDirectory: "out", color: true))
        }
    }
}

final class JSONTests: XCTestCase {
    func parse(_ bytes: [UInt8]) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func testValidJSONRoundTripsHostileStrings() throws {
        let r = Fixtures.report()
        let bytes = JSONOutput.summary(r)
        let doc = try parse(bytes)
        XCTAssertEqual(doc["schema"] as? Int, 1)
        let inputs = try XCTUnwrap(doc["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.map { $0["path"] as? String }, r.inputs.map(\.path))
        XCTAssertEqual(inputs[1]["error"] as? String, r.inputs[1].error!.description)
        XCTAssertTrue(inputs[0]["error"] is NSNull)
        let rows = try XCTUnwrap(doc["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["path"] as? String }, r.rows.map(\.path))
        XCTAssertEqual(doc["notes"] as? [String], r.notes)
        // Only printable ASCII and newlines/spaces for the layout; no raw <, >, &, controls.
        for b in bytes {
            XCTAssertFalse(b < 0x20 && b != 0x0A, "raw control byte \(b)")
            XCTAssertFalse(b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == UInt8(ascii: "&"))
        }
    }

    func testKeyOrder() throws {
        let text = String(decoding: JSONOutput.summary(Fixtures.report(hostileFields: false)), as: UTF8.self)
        func pos(_ k: String) -> String.Index { text.range(of: "\"\(k)\":")!.lowerBound }
        let top = ["schema", "corsscan", "generated", "window_s", "time_range", "inputs", "totals", "by_class", "rows"]
        XCTAssertEqual(top.map(pos), top.map(pos).sorted())
        let totals = ["lines", "records", "skipped", "preflights", "followed", "incidents", "undetermined", "late", "joined", "evicted"]
        let t = text[text.range(of: "\"totals\":")!.upperBound...]
        let tp = totals.map { t.range(of: "\"\($0)\":")!.lowerBound }
        XCTAssertEqual(tp, tp.sorted())
        // by_class in FailureClass order.
        let b = text[text.range(of: "\"by_class\":")!.upperBound...]
        let bp = ["preflight-rejected", "header-not-allowed", "gateway-error-masked", "blocked-after-preflight"].map {
            b.range(of: "\"\($0)\":")!.lowerBound
        }
        XCTAssertEqual(bp, bp.sorted())
    }

    func testEmptyRunHasNullTimeRange() throws {
        let doc = try parse(JSONOutput.summary(RunReport(version: "x", generated: 0, windowSeconds: 10, maxSkewSeconds: 0)))
        let tr = try XCTUnwrap(doc["time_range"] as? [String: Any])
        XCTAssertTrue(tr["first"] is NSNull)
        XCTAssertTrue(tr["last"] is NSNull)
        XCTAssertEqual((doc["by_class"] as? [String: Any])?.count, 0)
    }

    func testStringEscapes() {
        var out: [UInt8] = []
        JSONWriter.appendString("a\"b\\c\u{0}\u{1F}\u{7F}<>&\u{2028}é\n", to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self),
                       "\"a\\\"b\\\\c\\u0000\\u001f\\u007f\\u003c\\u003e\\u0026\\u2028é\\u000a\"")
    }
}

final class PrometheusTests: XCTestCase {
    func testLabelEscaping() {
        XCTAssertEqual(PrometheusOutput.label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd")
    }

    func testHostileExpositionIsWellFormed() {
        let text = String(decoding: PrometheusOutput.render(Fixtures.report()), as: UTF8.self)
        var seen = Set<String>()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { continue }
            // name{labels} value — labels only contain escaped quotes.
            let s = String(line)
            XCTAssertTrue(s.hasPrefix("corsscan_"), s)
            XCTAssertTrue(seen.insert(String(s[..<s.lastIndex(of: " ")!])).inserted, "duplicate series \(s)")
            if let open = s.firstIndex(of: "{") {
                var inQuotes = false, escaped = false
                var closeAt: String.Index? = nil
                for idx in s[s.index(after: open)...].indices {
                    let ch = s[idx]
                    if escaped { escaped = false; XCTAssertTrue("\\\"n".contains(ch), s); continue }
                    if ch == "\\" && inQuotes { escaped = true; continue }
                    if ch == "\"" { inQuotes.toggle(); continue }
                    if ch == "}" && !inQuotes { closeAt = idx; break }
                }
                let close = try! XCTUnwrap(closeAt, s)
                XCTAssertTrue(Int64(s[s.index(close, offsetBy: 2)...]) != nil, s)
            }
        }
        XCTAssertTrue(text.contains("corsscan_incidents{class=\"gateway-error-masked\",stage=\"preflight\"} 5\n"))
        XCTAssertTrue(text.contains("corsscan_class_incidents{class=\"unknown\"} 0\n"))
        XCTAssertTrue(text.hasSuffix("corsscan_last_run_timestamp_seconds 1763725500.045\n"))
        XCTAssertFalse(text.utf8.contains(0))
    }
}
