import CorsscanCore
@testable import CorsscanReport
import Foundation
import XCTest

final class HTMLReportTests: XCTestCase {
    func html(_ r: RunReport) -> String { String(decoding: HTMLReport.render(r), as: UTF8.self) }

    func matches(_ pattern: String, in s: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        let ns = s as NSString
        return re.matches(in: s, range: NSRange(location: 0, length: ns.length)).map {
            $0.numberOfRanges > 1 ? ns.substring(with: $0.range(at: 1)) : ns.substring(with: $0.range)
        }
    }

    func testSectionsPresent() {
        for r in [Fixtures.report(), Fixtures.report(hostileFields: false),
                  RunReport(version: "1", generated: 0, windowSeconds: 10, maxSkewSeconds: 0)] {
            let s = html(r)
            for id in ["headline", "timeline", "top", "classes", "inputs", "notes"] {
                XCTAssertEqual(matches("<section id=\"\(id)\"", in: s).count, 1, id)
            }
            XCTAssertTrue(s.hasPrefix("<!DOCTYPE html>"))
            XCTAssertTrue(s.hasSuffix("</html>\n"))
        }
    }

    func testEmptyRun() {
        let s = html(RunReport(version: "1", generated: 0, windowSeconds: 10, maxSkewSeconds: 0))
        XCTAssertTrue(s.contains("No CORS failures found"))
        XCTAssertTrue(s.contains("No inputs were read."))
        XCTAssertFalse(s.contains("<svg class=\"chart\""))
    }

    func testHostileValuesOnlyEscaped() {
        let r = Fixtures.report()
        let s = html(r)
        let bytes = HTMLReport.render(r)
        // No raw control bytes other than TAB and LF; no NUL.
        for b in bytes { XCTAssertFalse(b < 0x20 && b != 0x09 && b != 0x0A || b == 0x7F, "control byte \(b)") }
        // No script anywhere, one style element, holding only our CSS.
        XCTAssertEqual(matches("<script", in: s).count, 0)
        XCTAssertEqual(matches("<style", in: s).count, 1)
        XCTAssertEqual(matches("</style", in: s).count, 1)
        let style = matches("<style>([\\s\\S]*?)</style>", in: s)
        XCTAssertEqual(style, ["\n" + HTMLReport.css])
        // Log values cannot open a tag (`<` is always escaped), so every tag is our markup;
        // check each tag's attributes.
        let tags = matches("(<[A-Za-z][^>]*>)", in: s)
        XCTAssertGreaterThan(tags.count, 100)
        for tag in tags {
            XCTAssertFalse(tag.lowercased().hasPrefix("<img") || tag.lowercased().hasPrefix("<script")
                           || tag.lowercased().hasPrefix("<iframe") || tag.lowercased().hasPrefix("<object"), tag)
            XCTAssertEqual(matches("\\son\\w+\\s*=", in: tag).count, 0, "event handler attribute in \(tag)")
            for v in matches("\\s(?:src|href|xlink:href|action|formaction|data|poster|background)\\s*=\\s*\"([^\"]*)\"", in: tag) {
                XCTAssertTrue(v.hasPrefix("#"), "external reference \(v)")
            }
            XCTAssertEqual(matches("\\s(?:src|href)\\s*=\\s*[^\"\\s]", in: tag).count, 0, "unquoted URL attribute in \(tag)")
            for v in matches("url\\(([^)]*)\\)", in: tag) { XCTAssertTrue(v.hasPrefix("#"), "url(\(v)) in \(tag)") }
            XCTAssertFalse(tag.lowercased().contains("javascript:"), tag)
        }
        XCTAssertEqual(matches("url\\(", in: HTMLReport.css).count, 0)
        XCTAssertEqual(matches("@import", in: HTMLReport.css).count, 0)
        // Our own markup and CSS name no URL at all.
        XCTAssertEqual(matches("https?://", in: HTMLReport.css).count, 0)
        // Each hostile field value appears escaped, never raw.
        for v in Fixtures.allStrings(r) {
            let escaped = HTMLEscaping.escape(v)
            XCTAssertTrue(s.contains(escaped), "value not rendered: \(v.debugDescription)")
            if escaped != v { XCTAssertFalse(s.contains(v), "raw value in HTML: \(v.debugDescription)") }
        }
        for raw in ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "</style><style>"] {
            XCTAssertFalse(s.contains(raw))
        }
    }

    func testEscaping() {
        XCTAssertEqual(HTMLEscaping.escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(HTMLEscaping.escape("a\u{0}b\rc\u{1B}d\u{7F}\u{85}\t\n"), "a\u{2400}b\u{240D}c\u{241B}d\u{2421}\u{FFFD}\t\n")
    }

    func testHeadlineNamesTheFirstFix() {
        let s = html(Fixtures.report(hostileFields: false))
        let headline = matches("<section id=\"headline\">([\\s\\S]*?)</section>", in: s).first ?? ""
        XCTAssertTrue(headline.contains("Fix this first"))
        XCTAssertTrue(headline.contains("preflight-rejected"))
        XCTAssertTrue(headline.contains(HTMLEscaping.escape(HTMLReport.sentence(ClassGuide.entry(.preflightRejected).firstFix))))
        XCTAssertTrue(headline.contains("47.1%"), "40 of 85")
        // One card per present class, with REST/HTTP/Lambda fixes and the gateway responses snippet.
        XCTAssertEqual(matches("<article class=\"card\"", in: s).count, 4)
        XCTAssertTrue(s.contains("DEFAULT_4XX"))
        XCTAssertTrue(s.contains("DEFAULT_5XX"))
        XCTAssertTrue(s.contains("CorsConfiguration"))
        XCTAssertTrue(s.contains("logs/a.log.gz:"), "sample source file:line")
        XCTAssertTrue(s.contains("truncated-gzip at byte 4096"))
        XCTAssertTrue(s.contains("@media print"))
    }

    func testTimelineBuckets() {
        func chart(minutes: [Int64]) -> Timeline {
            let pts = minutes.map { RunReport.MinuteCount(minute: Fixtures.t0 + $0 * 60_000, counts: [.unknown: 1]) }
            return Timeline(points: pts, first: pts.first!.minute, last: pts.last!.minute)
        }
        XCTAssertEqual(chart(minutes: [0]).bucketMs, 60_000)
        XCTAssertEqual(chart(minutes: [0, 90]).bucketMs, 60_000)
        XCTAssertEqual(chart(minutes: [0, 200]).bucketMs, 5 * 60_000)
        XCTAssertEqual(chart(minutes: [0, 1000]).bucketMs, 15 * 60_000)
        XCTAssertEqual(chart(minutes: [0, 3000]).bucketMs, 3_600_000)
        XCTAssertEqual(chart(minutes: [0, 20_000]).bucketMs, 6 * 3_600_000)
        XCTAssertEqual(chart(minutes: [0, 60 * 24 * 60]).bucketMs, 86_400_000)
        XCTAssertLessThanOrEqual(chart(minutes: [0, 60 * 24 * 400]).buckets.count, Timeline.maxBuckets)
        let c = chart(minutes: [0, 1, 7, 200])
        XCTAssertEqual(c.buckets.reduce(0) { $0 + ($1[.unknown] ?? 0) }, 4)
        XCTAssertEqual(Timeline.tickStep(1), 1)
        XCTAssertEqual(Timeline.tickStep(7), 2)
        XCTAssertEqual(Timeline.tickStep(23), 5)
        XCTAssertEqual(Timeline.tickStep(480), 100)
    }

    func testTimelineHasAxesAndLegend() {
        let s = html(Fixtures.report(hostileFields: false))
        let tl = matches("<section id=\"timeline\">([\\s\\S]*?)</section>", in: s).first ?? ""
        XCTAssertTrue(tl.contains("<svg class=\"chart\""))
        XCTAssertTrue(tl.contains("time (UTC)"))
        XCTAssertTrue(tl.contains("11-21 09:45"))
        XCTAssertTrue(tl.contains("class=\"legend\""))
        XCTAssertTrue(tl.contains("Data table"))
        XCTAssertEqual(matches("<pattern id=\"tl-", in: tl).count, 4)
    }

    func testClassStylesAreDistinct() {
        let styles = FailureClass.allCases.map { HTMLReport.style($0.order) }
        XCTAssertEqual(Set(styles.map { "\($0.color)/\($0.pattern)" }).count, FailureClass.allCases.count)
    }
}

final class ClassGuideTests: XCTestCase {
    func testEveryClassHasAdvice() {
        for c in FailureClass.allCases {
            let e = ClassGuide.entry(c)
            for s in [e.title, e.explanation, e.fixREST, e.fixHTTP, e.fixLambda, e.firstFix] {
                XCTAssertFalse(s.isEmpty, c.rawValue)
            }
        }
        XCTAssertFalse(ClassGuide.entry(.blockedAfterPreflight).likelyCauses.isEmpty)
        XCTAssertTrue(ClassGuide.entry(.gatewayErrorMasked).snippet.contains("DEFAULT_5XX"))
        XCTAssertTrue(ClassGuide.entry(.preflightRejected).snippet.contains("MOCK"))
    }
}

final class TextSummaryTests: XCTestCase {
    func testPlainSummary() {
        let s = TextSummary.render(Fixtures.report(hostileFields: false), reportDirectory: "Reports", color: false)
        XCTAssertFalse(s.contains("\u{1B}"))
        XCTAssertTrue(s.hasPrefix("85 CORS failures in 1,010 records (2 inputs"), s)
        XCTAssertTrue(s.contains("preflight-rejected"))
        XCTAssertTrue(s.contains("Fix first: preflight-rejected"))
        XCTAssertTrue(s.contains("Top routes: OPTIONS /orders (40)"))
        XCTAssertTrue(s.contains("logs/b.txt: truncated-gzip at byte 4096"))
        XCTAssertTrue(s.contains("Report: Reports/report.html"))
        XCTAssertTrue(s.contains("Note: raise --max-skew"))
    }

    func testColorOnlyWhenAsked() {
        let s = TextSummary.render(Fixtures.report(hostileFields: false), reportDirectory: nil, color: true)
        XCTAssertTrue(s.contains("\u{1B}[1m"))
        XCTAssertFalse(s.contains("Report:"))
    }

    func testHostileValuesCannotEscapeTheTerminal() {
        let r = Fixtures.report()
        let s = TextSummary.render(r, reportDirectory: "out\u{1B}[2J", color: false)
        XCTAssertFalse(s.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) }, s.debugDescription)
    }

    func testEmptyRun() {
        let s = TextSummary.render(RunReport(version: "1", generated: 0, windowSeconds: 10, maxSkewSeconds: 0),
                                   reportDirectory: nil, color: false)
        XCTAssertEqual(s, "No CORS failures found in 0 records (0 inputs).\n")
    }
}
