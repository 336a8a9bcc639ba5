import CorsscanCore
@testable import CorsscanReport
import XCTest

/// A strict RFC 4180 parser (LF or CRLF record ends), written here as the oracle.
enum RFC4180 {
    enum ParseError: Error { case quoteInUnquotedField(Int), unterminatedQuote, garbageAfterQuote(Int) }

    static func parse(_ bytes: [UInt8]) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var i = 0
        var atFieldStart = true
        func endField() { record.append(String(decoding: field, as: UTF8.self)); field = [] }
        while i < bytes.count {
            let b = bytes[i]
            if atFieldStart && b == UInt8(ascii: "\"") {
                i += 1
                while true {
                    guard i < bytes.count else { throw ParseError.unterminatedQuote }
                    if bytes[i] == UInt8(ascii: "\"") {
                        if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") { field.append(0x22); i += 2; continue }
                        i += 1
                        break
                    }
                    field.append(bytes[i]); i += 1
                }
                atFieldStart = false
                guard i >= bytes.count || [UInt8(ascii: ","), 0x0A, 0x0D].contains(bytes[i]) else {
                    throw ParseError.garbageAfterQuote(i)
                }
                continue
            }
            switch b {
            case UInt8(ascii: ","):
                endField(); atFieldStart = true
            case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A:
                break
            case 0x0A:
                endField(); records.append(record); record = []; atFieldStart = true
            case UInt8(ascii: "\""):
                throw ParseError.quoteInUnquotedField(i)
            default:
                field.append(b); atFieldStart = false
            }
            i += 1
        }
        if !record.isEmpty || !field.isEmpty { endField(); records.append(record) }
        return records
    }
}

final class CSVTests: XCTestCase {
    /// What a CSV reader gets back for `s`: a `'` before a formula start, NUL shown as ␀.
    func neutralised(_ s: String) -> String {
        let s = s.replacingOccurrences(of: "\u{0}", with: "\u{2400}")
        guard let f = s.unicodeScalars.first else { return s }
        return "=+-@\t\r".unicodeScalars.contains(f) ? "'" + s : s
    }

    func testCellRules() {
        XCTAssertEqual(CSVOutput.cell(""), "")
        XCTAssertEqual(CSVOutput.cell("plain"), "plain")
        XCTAssertEqual(CSVOutput.cell("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVOutput.cell("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVOutput.cell("a\nb"), "\"a\nb\"")
        // NUL stops many CSV readers: written as the visible symbol, quoted or not.
        XCTAssertEqual(CSVOutput.cell("a\u{0}b"), "a\u{2400}b")
        XCTAssertEqual(CSVOutput.cell("=\u{0},x"), "\"'=\u{2400},x\"")
        XCTAssertEqual(CSVOutput.cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"")
        XCTAssertEqual(CSVOutput.cell("+cmd"), "'+cmd")
        XCTAssertEqual(CSVOutput.cell("-1+1"), "'-1+1")
        XCTAssertEqual(CSVOutput.cell("@SUM(1)"), "'@SUM(1)")
        XCTAssertEqual(CSVOutput.cell("\tx"), "'\tx")
        XCTAssertEqual(CSVOutput.cell("\rx"), "\"'\rx\"")
        XCTAssertEqual(CSVOutput.cell("a=b"), "a=b")
    }

    func testEveryHostileValueRoundTrips() throws {
        for s in Fixtures.hostile + Fixtures.hostile.map({ "x" + $0 }) {
            let parsed = try RFC4180.parse(Array((CSVOutput.cell(s) + "\n").utf8))
            XCTAssertEqual(parsed, [[neutralised(s)]], s.debugDescription)
        }
    }

    func testIncidentsRowsRoundTripNeutralised() throws {
        let r = Fixtures.report()
        var out = Array(CSVOutput.incidentsHeader.utf8)
        let incidents = r.samples.values.flatMap { $0 }.sorted(by: Incident.reportOrder)
        // Values that start with a formula character, in every column.
        var evil = incidents[0]
        evil.clientIP = "=1+1"; evil.userAgent = "+ua"; evil.origin = "-o"; evil.method = "@m"
        evil.path = "\t/p"; evil.gatewayError = "\rGE"; evil.requestId = "=id"; evil.evidence = "=cmd|' /C calc'!A0"
        for i in incidents + [evil] { CSVOutput.appendIncident(i, source: r.sourceText(i.source), to: &out) }
        let records = try RFC4180.parse(out)
        XCTAssertEqual(records.count, incidents.count + 2)
        XCTAssertEqual(records[0].joined(separator: ",") + "\n", CSVOutput.incidentsHeader)
        for (i, rec) in zip(incidents + [evil], records.dropFirst()) {
            XCTAssertEqual(rec.count, 15)
            XCTAssertEqual(rec[0], Timestamp.iso8601(i.time))
            XCTAssertEqual(rec[1], i.failureClass.rawValue)
            XCTAssertEqual(rec[2], i.stage.rawValue)
            XCTAssertEqual(rec[3], i.confidence.rawValue)
            XCTAssertEqual(rec[4], neutralised(i.clientIP))
            XCTAssertEqual(rec[5], neutralised(i.userAgent))
            XCTAssertEqual(rec[6], neutralised(i.origin))
            XCTAssertEqual(rec[7], neutralised(i.method))
            XCTAssertEqual(rec[8], neutralised(i.path))
            XCTAssertEqual(rec[9], i.status.map(String.init) ?? "")
            XCTAssertEqual(rec[10], neutralised(i.gatewayError))
            XCTAssertEqual(rec[11], neutralised(i.requestId))
            XCTAssertEqual(rec[12], i.followupStatus.map(String.init) ?? "")
            XCTAssertEqual(rec[13], neutralised(r.sourceText(i.source)))
            XCTAssertEqual(rec[14], neutralised(i.evidence))
            for cell in rec {
                if let f = cell.unicodeScalars.first { XCTAssertFalse("=+-@\t\r".unicodeScalars.contains(f), cell.debugDescription) }
            }
        }
    }

    func testSummaryRoundTrips() throws {
        let r = Fixtures.report()
        let records = try RFC4180.parse(CSVOutput.summary(r))
        XCTAssertEqual(records[0], ["class", "stage", "method", "path", "origin", "count", "first_seen", "last_seen"])
        XCTAssertEqual(records.count, r.rows.count + 1)
        for (row, rec) in zip(r.rows, records.dropFirst()) {
            XCTAssertEqual(rec, [row.failureClass.rawValue, row.stage.rawValue, neutralised(row.method), neutralised(row.path),
                                 neutralised(row.origin), String(row.count), Timestamp.iso8601(row.firstSeen),
                                 Timestamp.iso8601(row.lastSeen)])
        }
    }

    func testNilStatusIsEmpty() {
        var out: [UInt8] = []
        let i = Incident(time: 0, failureClass: .unknown, stage: .response, confidence: .confirmed,
                         source: SourceLocation(input: 0, line: 1))
        CSVOutput.appendIncident(i, source: "?:1", to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "1970-01-01T00:00:00.000Z,unknown,response,confirmed,,,,,,,,,,?:1,\n")
    }
}
