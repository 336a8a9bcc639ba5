import CorsscanCore
import Foundation
import XCTest

/// Fixed `RunReport`s for the writer tests, built in code so every field is under control.
enum Fixtures {
    /// Attacker-style values: HTML/script injection, URL schemes, CSS breakout, spreadsheet
    /// formulas, leading TAB/CR, quotes and commas, NUL, escape sequences, invalid UTF-8.
    static let hostile: [String] = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        "</style><style>body{background:url(http://evil.example/x)}</style>",
        "=HYPERLINK(\"http://x\")",
        "+cmd",
        "-1+1",
        "@SUM(1)",
        "\tTAB-leading",
        "\rCR-leading",
        "quote \"and\", comma",
        "nul\u{0}byte",
        "esc\u{1B}[31mred\u{1B}]0;title\u{7}",
        String(decoding: [0x62, 0x61, 0x64, 0xFF, 0xFE, 0xC3, 0x28], as: UTF8.self),
        "line\nbreak'single'&amp;",
    ]

    /// A hostile value tagged with the field it goes into, so a test can tell fields apart.
    static func h(_ field: String, _ k: Int, _ payloads: [String] = hostile) -> String {
        "\(field)#" + payloads[k % payloads.count]
    }

    static let t0: Int64 = 1_763_718_300_000 // 2025-11-21T09:45:00.000Z

    static func incident(_ c: FailureClass, _ stage: Stage, _ k: Int, line: Int64, input: Int32 = 0,
                         status: Int? = 403, followup: Int? = nil, hostileFields: Bool = true,
                         payloads: [String] = hostile) -> Incident {
        func h(_ field: String, _ k: Int) -> String { Fixtures.h(field, k, payloads) }
        return Incident(time: t0 + Int64(k) * 61_000 + 123, failureClass: c, stage: stage,
                 confidence: k % 2 == 0 ? .inferred : .confirmed,
                 clientIP: hostileFields ? h("ip", k) : "203.0.113.\(k)",
                 userAgent: hostileFields ? h("ua", k + 1) : "Mozilla/5.0 (X11; Linux x86_64)",
                 origin: hostileFields ? h("origin", k + 2) : "https://app.example.com",
                 method: hostileFields ? h("method", k + 3) : "OPTIONS",
                 path: hostileFields ? h("path", k + 4) : "/orders",
                 status: status,
                 gatewayError: hostileFields ? h("gwerr", k + 5) : "MISSING_AUTHENTICATION_TOKEN",
                 requestId: hostileFields ? h("reqid", k + 6) : "c0ffee-\(k)",
                 followupStatus: followup,
                 source: SourceLocation(input: input, line: line),
                 evidence: hostileFields ? h("evidence", k + 7) : "OPTIONS 403 MISSING_AUTHENTICATION_TOKEN")
    }

    /// The golden report: every string field hostile, several classes, two inputs (one
    /// with an error and skips), notes.
    ///
    /// - Parameter payloads: the hostile values cycled through the fields.
    static func report(hostileFields: Bool = true, payloads: [String] = hostile) -> RunReport {
        func v(_ field: String, _ k: Int, _ plain: String) -> String { hostileFields ? h(field, k, payloads) : plain }
        var a = InputStats(path: v("inpath", 0, "logs/a.log.gz"), kind: .accessLog, format: v("format", 1, "rest-json"))
        a.compressedBytes = 12_345
        a.bytes = 98_765
        a.lines = 1_000
        a.records = 990
        a.skip(.blank, line: 7)
        a.skip(.blank, line: 9)
        a.skip(SkipReason(v("reason", 2, "custom-reason")), line: 11)
        a.skip(.malformedJSON, line: 3, count: 7)
        a.late = 4
        var b = InputStats(path: v("inpath", 3, "logs/b.txt"), kind: .browserReport, format: "chrome-console")
        b.bytes = 2_048
        b.compressedBytes = 2_048
        b.lines = 20
        b.records = 20
        b.error = InputError(.truncatedGzip, offset: 4_096, v("errmsg", 4, "unexpected end of file"))

        var samples: [FailureClass: [Incident]] = [:]
        var k = 0
        for (c, stage) in [(FailureClass.preflightRejected, Stage.preflight), (.gatewayErrorMasked, .response),
                           (.blockedAfterPreflight, .preflight), (.headerNotAllowed, .preflight)] {
            samples[c] = (0..<2).map { j in
                k += 1
                return incident(c, stage, k, line: Int64(10 * k + j), input: Int32(j % 2), followup: j == 1 ? 200 : nil,
                                hostileFields: hostileFields, payloads: payloads)
            }
        }
        var rows: [RunReport.SummaryRow] = []
        for (i, (c, stage, n)) in [(FailureClass.preflightRejected, Stage.preflight, 40),
                                   (.gatewayErrorMasked, .response, 25), (.gatewayErrorMasked, .preflight, 5),
                                   (.blockedAfterPreflight, .preflight, 12), (.headerNotAllowed, .preflight, 3)].enumerated() {
            rows.append(RunReport.SummaryRow(failureClass: c, stage: stage, method: v("rmethod", i, "GET"),
                                             path: v("rpath", i + 1, "/orders/{id}"), origin: v("rorigin", i + 2, "https://app.example.com"),
                                             count: n, firstSeen: t0 + Int64(i) * 1000, lastSeen: t0 + 3_600_000 + Int64(i)))
        }
        var perMinute: [RunReport.MinuteCount] = []
        for m in 0..<50 where m % 3 != 1 {
            var counts: [FailureClass: Int] = [.preflightRejected: 1 + m % 2]
            if m % 5 == 0 { counts[.gatewayErrorMasked] = 3 }
            if m % 7 == 0 { counts[.blockedAfterPreflight] = 2 }
            if m == 42 { counts[.headerNotAllowed] = 3 }
            perMinute.append(RunReport.MinuteCount(minute: t0 + Int64(m) * 60_000, counts: counts))
        }
        var totals = RunReport.Totals()
        totals.lines = 1_020
        totals.records = 1_010
        totals.skipped = 10
        totals.preflights = 300
        totals.followed = 240
        totals.incidents = 85
        totals.undetermined = 2
        totals.late = 4
        totals.joined = 6
        totals.evicted = 1
        return RunReport(
            version: "0.1.0-test", generated: t0 + 7_200_000 + 45, windowSeconds: 10, maxSkewSeconds: 300,
            firstTime: t0, lastTime: t0 + 3_600_000, inputs: [a, b], totals: totals,
            byClass: [.preflightRejected: 40, .gatewayErrorMasked: 30, .blockedAfterPreflight: 12, .headerNotAllowed: 3],
            rows: rows, perMinute: perMinute,
            topRoutes: [.init(label: v("route", 0, "OPTIONS /orders"), count: 40), .init(label: v("route", 1, "POST /orders"), count: 30)],
            topOrigins: [.init(label: v("torigin", 2, "https://app.example.com"), count: 70)],
            topClients: [.init(label: v("client", 3, "203.0.113.9 Mozilla/5.0"), count: 55), .init(label: "", count: 1)],
            samples: samples,
            notes: [v("note", 4, "raise --max-skew"), "Some records were late; consider raising --max-skew."])
    }

    /// Every string that a hostile fixture holds, for "appears only escaped" checks.
    static func allStrings(_ r: RunReport) -> [String] {
        var out: [String] = []
        for s in r.inputs {
            out += [s.path, s.format] + s.skipped.keys.map(\.rawValue)
            if let e = s.error { out.append(e.message) }
        }
        for row in r.rows { out += [row.method, row.path, row.origin] }
        for x in r.topRoutes + r.topOrigins + r.topClients { out.append(x.label) }
        for (_, list) in r.samples {
            for i in list {
                out += [i.clientIP, i.userAgent, i.origin, i.method, i.path, i.gatewayError, i.requestId, i.evidence]
            }
        }
        out += r.notes
        return out.filter { $0.contains("#") }
    }
}

/// Golden files under `Golden/`, next to this file; `CORSSCAN_RECORD_GOLDEN=1` re-records.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(_ bytes: [UInt8], _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["CORSSCAN_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            return
        }
        guard let expected = FileManager.default.contents(atPath: url.path) else {
            XCTFail("missing golden file \(name); run with CORSSCAN_RECORD_GOLDEN=1", file: file, line: line)
            return
        }
        if [UInt8](expected) != bytes {
            let got = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let want = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            var detail = "sizes \(bytes.count) vs \(expected.count)"
            for i in 0..<max(got.count, want.count) {
                let g = i < got.count ? String(got[i]) : "<eof>"
                let w = i < want.count ? String(want[i]) : "<eof>"
                if g != w { detail = "line \(i + 1):\n  got:  \(g.debugDescription)\n  want: \(w.debugDescription)"; break }
            }
            XCTFail("\(name) differs from golden (\(detail)); re-record with CORSSCAN_RECORD_GOLDEN=1 if intended",
                    file: file, line: line)
        }
    }
}
