import CorsscanInput
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Hostile and broken input end to end (issue 7 §2): the binary survives it, names what
/// it could not read, keeps memory bounded and accounts for every line.
final class HostileInputTests: XCTestCase {
    static func line(_ i: Int, method: String = "GET", status: Int = 200, ip: String = "203.0.113.7",
                     extra: [String: Any] = [:]) throws -> String {
        var f: [String: Any] = [
            "requestId": "req-\(i)", "ip": ip, "caller": "-", "user": "-",
            "requestTime": "21/Nov/2026:09:45:\(String(format: "%02d", 10 + i % 40)) +0000",
            "httpMethod": method, "resourcePath": "/orders", "status": "\(status)", "protocol": "HTTP/1.1",
            "responseLength": "42",
        ]
        for (k, v) in extra { f[k] = v }
        return try Hostile.jsonLine(f)
    }

    /// 1 GiB of one byte in a ~1 MiB gzip between two good lines: one oversize line, the good
    /// lines kept, memory bounded (the line reader discards; nothing holds the whole line).
    func testDecompressionBombIsOneOversizeLineWithinTheMemoryBound() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bomb = dir.appendingPathComponent("bomb.log.gz")
        let w = try GzipWriter(path: bomb.path, level: 9)
        w.write(Array((try Self.line(1) + "\n").utf8))
        let block = [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20)
        for _ in 0..<1024 { w.write(block) }
        w.write(Array(("\n" + (try Self.line(2)) + "\n").utf8))
        try w.close()
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as? Int)
        XCTAssertLessThan(size, 2 << 20, "the bomb is small on disk")

        let out = dir.appendingPathComponent("out")
        let (_, s) = try Hostile.runChecked([bomb.path], out: out, timeout: 300, statuses: [0], "bomb")
        let i = try XCTUnwrap(Hostile.input(s, endingWith: "bomb.log.gz"))
        XCTAssertEqual(Hostile.int(i["records"]), 2)
        XCTAssertEqual(Hostile.skipped(i, "oversize-line"), 1)
        XCTAssertGreaterThan(Hostile.int(i["bytes"]), 1 << 30)
        XCTAssertLessThan(Hostile.childrenMaxRSSMiB(), 1024, "RSS stays bounded")
    }

    /// A HAR decompression bomb (a ~100 KB gzip of millions of tiny entries): refused with a
    /// named too-large error and exit 3, memory bounded (the parsed tree would take gigabytes).
    func testHARBombIsRefusedWithinTheMemoryBound() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("bomb.har.gz")
        let w = try GzipWriter(path: f.path, level: 9)
        w.write(Array(#"{"log":{"version":"1.2","creator":{"name":"x"},"entries":["#.utf8))
        let block = [UInt8](String(repeating: "{},", count: 100_000).utf8)
        for _ in 0..<70 { w.write(block) }
        w.write(Array("{}]}}".utf8))
        try w.close()
        let out = dir.appendingPathComponent("out")
        // With a readable input beside it (the bomb alone also exits 3).
        let good = CLI.fixtures.appendingPathComponent("basic/rest-json.log").path
        let (r, s) = try Hostile.runChecked([f.path, good], out: out, timeout: 300, statuses: [3], "har bomb")
        XCTAssertTrue(r.stderr.contains("bomb.har.gz"), r.stderr)
        XCTAssertTrue(String(describing: Hostile.input(s, endingWith: "bomb.har.gz")?["error"] ?? "").contains("too-large"),
                      "\(Hostile.inputs(s))")
        XCTAssertLessThan(Hostile.childrenMaxRSSMiB(), 1024)
    }

    /// A HAR cut short, as a file, through a pipe and gzipped: the entries before the cut
    /// are used, the run exits 3 and names each file and its error in summary.json.
    func testTruncatedHARIsNamedAndItsCompleteEntriesUsed() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = try Data(contentsOf: CLI.repoRoot.appendingPathComponent("SampleLogs/browser/session.har"))
        let plain = dir.appendingPathComponent("cut.har")
        try full.prefix(13_000).write(to: plain)
        let zipped = GzipWriter.gzip(Array(full))
        let gz = dir.appendingPathComponent("cut.har.gz")
        try Data(zipped.prefix(zipped.count * 2 / 3)).write(to: gz)

        let out = dir.appendingPathComponent("out")
        let (r, s) = try Hostile.runChecked([plain.path, gz.path], out: out, statuses: [3], "truncated har")
        XCTAssertTrue(r.stderr.contains("cut.har:") && r.stderr.contains("cut.har.gz:"), r.stderr)
        let p = try XCTUnwrap(Hostile.input(s, endingWith: "cut.har"))
        XCTAssertTrue(String(describing: p["error"] ?? "").hasPrefix("truncated at byte 13000"), "\(p)")
        XCTAssertEqual(Hostile.skipped(p, "truncated"), 1)
        XCTAssertGreaterThan(Hostile.int(p["records"]), 0)
        let g = try XCTUnwrap(Hostile.input(s, endingWith: "cut.har.gz"))
        XCTAssertTrue(String(describing: g["error"] ?? "").hasPrefix("truncated-gzip"), "\(g)")
        XCTAssertGreaterThan(Hostile.int(g["records"]), 0)
        XCTAssertGreaterThan(Hostile.int((s["totals"] as? [String: Any])?["incidents"]), 0)

        // Through a pipe.
        let (piped, _) = try Hostile.run(Hostile.pinned + ["--out", out.path, "-"], stdin: try FileHandle(forReadingFrom: plain))
        XCTAssertEqual(piped.status, 3, piped.stderr)
        let i = try XCTUnwrap(Hostile.input(try Hostile.summary(out), endingWith: "<stdin>"))
        XCTAssertEqual(i["error"] as? String, p["error"] as? String)
        XCTAssertEqual(Hostile.int(i["records"]), Hostile.int(p["records"]))
    }

    /// A Firehose object cut in the middle of an envelope (a truncated upload, a half-written
    /// export): the events that closed before the cut are used, the rest is one `truncated`
    /// unit, the file is named with exit 3. Also for an envelope cut off by the next one.
    func testCutFirehoseEnvelopeKeepsTheEventsBeforeTheCut() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var envelopes: [String] = []
        var n = 0
        for _ in 0..<3 {
            var events: [String] = []
            for _ in 0..<40 {
                n += 1
                events.append("{\"id\":\"\(n)\",\"timestamp\":1795254311812,\"message\":\(Self.jsonString(try Self.line(n)))}")
            }
            envelopes.append("{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"/aws/apigateway/orders\","
                             + "\"logStream\":\"abc\",\"subscriptionFilters\":[\"f\"],\"logEvents\":[" + events.joined(separator: ",") + "]}")
        }
        // Cut inside event 26 of the second envelope: 40 + 25 complete events.
        let second = envelopes[1]
        let cutAt = second.range(of: "{\"id\":\"66\"")!.upperBound
        let cut = envelopes[0] + String(second[..<cutAt])
        try Hostile.write(cut, to: dir.appendingPathComponent("firehose-cut"))
        try Data(GzipWriter.gzip(Array(cut.utf8))).write(to: dir.appendingPathComponent("firehose-cut-gz"))
        // The same envelope interrupted by the next one (mid-stream damage): 40 + 25 + 40.
        try Hostile.write(cut + envelopes[2], to: dir.appendingPathComponent("firehose-interrupted"))
        for (name, records) in [("firehose-cut", 65), ("firehose-cut-gz", 65), ("firehose-interrupted", 105)] {
            let out = dir.appendingPathComponent("out-\(name)")
            let (r, s) = try Hostile.runChecked([dir.appendingPathComponent(name).path], out: out, statuses: [3], name)
            XCTAssertTrue(r.stderr.contains(name), r.stderr)
            let i = try XCTUnwrap(Hostile.input(s, endingWith: name))
            XCTAssertEqual(Hostile.int(i["records"]), records, "\(name): \(i)")
            XCTAssertEqual(Hostile.skipped(i, "truncated"), 1, "\(name): \(i)")
            XCTAssertTrue(String(describing: i["error"] ?? "").hasPrefix("truncated"), "\(name): \(i)")
        }
    }

    /// A 300 MB response body in a ~300 KB gzip: streamed past, the entry still checked,
    /// memory far below the body.
    func testHARBodyBombIsStreamedPast() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("body.har.gz")
        let w = try GzipWriter(path: f.path, level: 9)
        w.write(Array(#"{"log":{"entries":[{"response":{"status":200,"headers":[],"content":{"text":""#.utf8))
        let block = [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20)
        for _ in 0..<300 { w.write(block) }
        w.write(Array(#""}},"request":{"method":"GET","url":"https://api.example.com/n","headers":[{"name":"Origin","value":"https://app.example.com"}]}}],"version":"1.2"}}"#.utf8))
        try w.close()
        let out = dir.appendingPathComponent("out")
        let (_, s) = try Hostile.runChecked([f.path], out: out, timeout: 300, statuses: [0], "body bomb")
        let i = try XCTUnwrap(Hostile.input(s, endingWith: "body.har.gz"))
        XCTAssertEqual(Hostile.int(i["records"]), 1)
        XCTAssertGreaterThan(Hostile.int(i["bytes"]), 300 << 20)
        XCTAssertLessThan(Hostile.childrenMaxRSSMiB(), 1024)
    }

    /// A 100 MB single line (plain file) between good lines.
    func testHundredMegabyteLineIsSkippedAsOversize() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("long.log")
        _ = FileManager.default.createFile(atPath: f.path, contents: nil)
        let h = try FileHandle(forWritingTo: f)
        h.write(Data((try Self.line(1) + "\n{\"requestId\":\"").utf8))
        let block = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<100 { h.write(block) }
        h.write(Data(("\"}\n" + (try Self.line(2)) + "\n").utf8))
        try h.close()
        let out = dir.appendingPathComponent("out")
        let (_, s) = try Hostile.runChecked([f.path], out: out, timeout: 300, statuses: [0], "long line")
        let i = try XCTUnwrap(Hostile.input(s, endingWith: "long.log"))
        XCTAssertEqual(Hostile.int(i["lines"]), 3)
        XCTAssertEqual(Hostile.int(i["records"]), 2)
        XCTAssertEqual(Hostile.skipped(i, "oversize-line"), 1)
        XCTAssertLessThan(Hostile.childrenMaxRSSMiB(), 1024)
    }

    /// 1 M distinct clients preflighting inside one window, then following up: tracked state
    /// is capped, evictions are counted in `totals.evicted` and noted in the report.
    func testMillionDistinctClientsInOneWindowStayBounded() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("clients.log.gz")
        let w = try GzipWriter(path: f.path, level: 1)
        let n = 1_000_000
        var buf: [UInt8] = []
        buf.reserveCapacity(1 << 20)
        for pass in 0..<2 {
            for i in 0..<n {
                let sec = (pass == 0 ? 11 : 16) + i * 4 / n
                let ip = "10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)"
                let m = pass == 0 ? "OPTIONS" : "POST"
                buf += "\(ip) - - [21/Nov/2026:09:45:\(sec) +0000] \"\(m) /orders HTTP/1.1\" \(pass == 0 ? 204 : 200) 0 r\(pass)-\(i)\n".utf8
                if buf.count > 1 << 20 - 200 { w.write(buf); buf.removeAll(keepingCapacity: true) }
            }
        }
        w.write(buf)
        try w.close()
        let out = dir.appendingPathComponent("out")
        let (_, s) = try Hostile.runChecked([f.path], out: out, timeout: 600, statuses: [0], "clients")
        let totals = try XCTUnwrap(s["totals"] as? [String: Any])
        XCTAssertEqual(Hostile.int(totals["records"]), 2 * n)
        XCTAssertEqual(Hostile.int(totals["preflights"]), n)
        let evicted = Hostile.int(totals["evicted"])
        XCTAssertGreaterThan(evicted, 0, "evictions are counted")
        XCTAssertLessThanOrEqual(evicted, n, "each preflight is evicted at most once")
        XCTAssertTrue(try CLI.read(out.appendingPathComponent("report.html")).contains("evicted"))
        // Pending preflights, remembered clients, request ids and the merge's reorder buffer
        // are each capped: ~100 MB whatever the number of clients (it was 500 MB at 1 M).
        XCTAssertLessThan(Hostile.lastPeakRSSMiB, 256, "client state is capped")
    }

    /// Deep nesting and enormous values in access-log JSON, beacon JSON, CDP, HAR and a
    /// Firehose envelope: no crash, every line accounted for.
    func testDeeplyNestedAndEnormousJSONValues() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let deepObj = String(repeating: "{\"a\":", count: 200_000) + "1" + String(repeating: "}", count: 200_000)
        let deepArr = String(repeating: "[", count: 300_000) + String(repeating: "]", count: 300_000)
        let unbalanced = String(repeating: "[{\"a\":", count: 100_000)
        let bigString = String(repeating: "\\u0041", count: 150_000)
        let manyKeys = "{" + (0..<40_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        let hugeNumber = String(repeating: "9", count: 500_000)
        let access = [
            try Self.line(1),
            "{\"requestId\":\"x\",\"nested\":\(deepObj)}",
            "{\"requestId\":\"x\",\"httpMethod\":\"GET\",\"arr\":\(deepArr)}",
            unbalanced,
            "{\"requestId\":\"x\",\"httpMethod\":\"GET\",\"userAgent\":\"\(bigString)\"}",
            manyKeys,
            "{\"requestId\":\"x\",\"httpMethod\":\"GET\",\"status\":\(hugeNumber),\"requestTimeEpoch\":\(hugeNumber)}",
            try Self.line(2),
        ].joined(separator: "\n") + "\n"
        try Hostile.write(access, to: dir.appendingPathComponent("access.log"))
        let beacon = [
            "{\"message\":\"Access to fetch at 'https://api.example.com/x' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.\",\"timestamp\":1795248015421}",
            "{\"message\":\(deepArr)}", "{\"msg\":\"\(bigString)\",\"url\":\(deepObj)}", unbalanced, manyKeys,
            "{\"message\":\"x\",\"timestamp\":\(hugeNumber)}",
        ].joined(separator: "\n") + "\n"
        try Hostile.write(beacon, to: dir.appendingPathComponent("beacon.jsonl"))
        let cdp = [
            "{\"method\":\"Network.requestWillBeSent\",\"params\":{\"requestId\":\"1\",\"request\":{\"url\":\"https://api.example.com/x\",\"method\":\"GET\",\"headers\":\(deepObj)}}}",
            "{\"method\":\"Network.loadingFailed\",\"params\":{\"requestId\":\"1\",\"corsErrorStatus\":{\"corsError\":\(deepArr)}}}",
            "{\"method\":\"Network.loadingFailed\",\"params\":{\"requestId\":\"\(bigString)\",\"corsErrorStatus\":{\"corsError\":\"MissingAllowOriginHeader\"}}}",
        ].joined(separator: "\n") + "\n"
        try Hostile.write(cdp, to: dir.appendingPathComponent("cdp.jsonl"))
        let har = "{\"log\":{\"version\":\"1.2\",\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"https://api.example.com/x\",\"headers\":[{\"name\":\"Origin\",\"value\":\"https://app.example.com\"}]},\"response\":{\"status\":200,\"headers\":\(deepArr)}},{\"request\":\(deepObj)}]}}"
        try Hostile.write(har, to: dir.appendingPathComponent("session.har"))
        let firehose = "{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"id\":\"1\",\"timestamp\":1795248015421,\"message\":\(Self.jsonString(try Self.line(3)))},{\"id\":\"2\",\"timestamp\":1,\"message\":\(deepObj)}]}{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":\(deepArr)}\(unbalanced)"
        let fh = dir.appendingPathComponent("firehose-1")
        try Data(GzipWriter.gzip(Array(firehose.utf8))).write(to: fh)

        let out = dir.appendingPathComponent("out")
        let (_, s) = try Hostile.runChecked([dir.path], out: out, timeout: 300, statuses: [0, 3], "nested")
        XCTAssertEqual(Hostile.inputs(s).count, 5, "\(Hostile.inputs(s))")
        let a = try XCTUnwrap(Hostile.input(s, endingWith: "access.log"))
        XCTAssertGreaterThanOrEqual(Hostile.int(a["records"]), 2)
    }

    static func jsonString(_ s: String) -> String {
        let d = try! JSONSerialization.data(withJSONObject: [s])
        return String(String(decoding: d, as: UTF8.self).dropFirst().dropLast())
    }

    /// NUL bytes (raw and `\u0000`) and invalid UTF-8 in every field of every format.
    func testNULAndInvalidUTF8InEveryField() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad: [UInt8] = [0x00, 0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82, 0x00, 0xF0, 0x9F, 0x92, 0xED, 0xA0, 0x80]
        func poison(_ s: String) -> [UInt8] {
            // Inserts the bad bytes after every quote and space: every field gets some.
            var out: [UInt8] = []
            for b in s.utf8 {
                out.append(b)
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: " ") || b == UInt8(ascii: ",") { out += bad }
            }
            return out
        }
        var access: [UInt8] = []
        for i in 0..<20 {
            access += poison(try Self.line(i, method: i % 2 == 0 ? "OPTIONS" : "GET", status: 403)) + [0x0A]
            access += Array(try Self.line(100 + i, extra: ["userAgent": "ua\u{0}nul", "path": "/a\u{0}b"]).utf8) + [0x0A]
        }
        try Data(access).write(to: dir.appendingPathComponent("access.log"))
        var clf: [UInt8] = []
        for i in 0..<10 {
            clf += poison("203.0.113.\(i) - - [21/Nov/2026:09:45:1\(i) +0000] \"OPTIONS /orders HTTP/1.1\" 403 42 req\(i)") + [0x0A]
        }
        try Data(clf).write(to: dir.appendingPathComponent("clf.log"))
        let console = poison("Access to fetch at 'https://api.example.com/orders' from origin 'https://app.example.com' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.\n")
        try Data(console + console).write(to: dir.appendingPathComponent("chrome-console.txt"))
        var gz = GzipWriter.gzip(access)
        gz += bad + bad
        try Data(gz).write(to: dir.appendingPathComponent("trailing-garbage.log.gz"))

        let out = dir.appendingPathComponent("out")
        try Hostile.runChecked([dir.path], out: out, timeout: 120, statuses: [0, 3], "nul/utf8")
        let html = try Data(contentsOf: out.appendingPathComponent("report.html"))
        XCTAssertNotNil(String(data: html, encoding: .utf8), "report.html is valid UTF-8")
        XCTAssertFalse(html.contains(0), "no raw NUL in report.html")
        for f in ["incidents.csv", "summary.csv", "summary.json"] {
            let d = try Data(contentsOf: out.appendingPathComponent(f))
            XCTAssertNotNil(String(data: d, encoding: .utf8), "\(f) is valid UTF-8")
            XCTAssertFalse(d.contains(0), "no raw NUL in \(f)")
        }
    }

    /// Absurd numbers and times far in the past or future.
    func testAbsurdNumbersAndTimestamps() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let times = ["01/Jan/0001:00:00:00 +0000", "31/Dec/9999:23:59:59 +0000", "31/Dec/99999:23:59:59 +0000",
                     "21/Nov/2026:09:45:11 +9999", "21/Nov/2026:09:45:11 -9999", "32/Foo/2026:25:61:61 +0000",
                     "99/Nov/2026:09:45:11 +0000", "21/Nov/-2026:09:45:11 +0000", "", "1970-01-01T00:00:00Z",
                     "9999-12-31T23:59:59.999999999Z", "0000-00-00T00:00:00Z", "2026-11-21T09:45:11+99:99"]
        let epochs: [Any] = [0, -1, Int64.max, Int64.min, "99999999999999999999999", 1e308, -1e308, "NaN", "1.5e300",
                             9_007_199_254_740_993, "-0"]
        let numbers: [Any] = [Int64.max, Int64.min, "99999999999999999999", -1, 65536, 1e308, "1e999", "-", "0x1F", "٣", 4_294_967_296]
        var lines: [String] = []
        for (k, t) in times.enumerated() {
            lines.append(try Hostile.jsonLine(["requestId": "t\(k)", "httpMethod": "OPTIONS", "requestTime": t,
                                               "status": numbers[k % numbers.count], "ip": "1.2.3.4"]))
        }
        for (k, e) in epochs.enumerated() {
            lines.append(try Hostile.jsonLine(["requestId": "e\(k)", "httpMethod": "GET", "requestTimeEpoch": e,
                                               "status": numbers[k % numbers.count], "responseLength": numbers[(k + 1) % numbers.count],
                                               "responseLatency": numbers[(k + 2) % numbers.count],
                                               "integrationStatus": numbers[(k + 3) % numbers.count], "ip": "1.2.3.4"]))
        }
        lines.append(try Self.line(1, method: "OPTIONS", status: 403))
        try Hostile.write(lines.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("absurd.log"))
        let beacon = epochs.map { e in
            "{\"message\":\"TypeError: Failed to fetch\",\"timestamp\":\(e is String ? "\"\(e)\"" : "\(e)"),\"url\":\"https://api.example.com/x\"}"
        }.joined(separator: "\n") + "\n"
        try Hostile.write(beacon, to: dir.appendingPathComponent("beacon.jsonl"))
        let console = times.map { "\($0) Access to fetch at 'https://api.example.com/x' from origin 'https://a.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource." }
            .joined(separator: "\n")
        try Hostile.write(console, to: dir.appendingPathComponent("console.txt"))

        for extra in [[String](), ["--since", "0001-01-01T00:00:00Z", "--until", "9999-12-31T23:59:59Z"],
                      ["--window", "999999999"], ["--max-skew", "999999999"]] {
            let out = dir.appendingPathComponent("out")
            let (r, timedOut) = try Hostile.run(Hostile.pinned + extra + ["--out", out.path, dir.path], timeout: 120)
            XCTAssertFalse(timedOut, "\(extra)")
            XCTAssertTrue([0, 2].contains(r.status), "\(extra): status \(r.status): \(r.stderr)")
            if r.status == 0 {
                let s = try Hostile.summary(out)
                Hostile.assertAccounting(s, "absurd \(extra)")
            }
        }
    }

    /// SOURCE_DATE_EPOCH beyond Int64 milliseconds used to trap (`secs * 1000`); now ignored.
    func testAbsurdSourceDateEpochIsIgnored() throws {
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        for v in ["9223372036854775807", "253402300800", "-1", "1e3", ""] {
            let r = try CLI.run(["-q", "--no-progress", "--out", out.path, CLI.fixtures.appendingPathComponent("basic").path],
                                environment: ["SOURCE_DATE_EPOCH": v])
            XCTAssertEqual(r.status, 0, "SOURCE_DATE_EPOCH=\(v): \(r.stderr)")
        }
    }

    /// Symlink loops (a → b → a, and a link to an ancestor) end, and the looping names are reported.
    func testSymlinkLoopsInDirectories() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logs = dir.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log")).write(to: logs.appendingPathComponent("sub/a.log"))
        try FileManager.default.createSymbolicLink(atPath: logs.appendingPathComponent("sub/up").path, withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: logs.appendingPathComponent("self").path, withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: logs.appendingPathComponent("loop-a").path, withDestinationPath: "loop-b")
        try FileManager.default.createSymbolicLink(atPath: logs.appendingPathComponent("loop-b").path, withDestinationPath: "loop-a")
        try FileManager.default.createSymbolicLink(atPath: logs.appendingPathComponent("dangling.log").path, withDestinationPath: "nowhere")
        let out = dir.appendingPathComponent("out")
        let (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, logs.path], timeout: 60)
        XCTAssertFalse(timedOut, "the walk ends")
        XCTAssertEqual(r.status, 3, r.stderr)
        for name in ["loop-a", "loop-b", "dangling.log"] {
            XCTAssertTrue(r.stderr.contains(name), "\(name) named on stderr: \(r.stderr)")
        }
        let s = try Hostile.summary(out)
        Hostile.assertAccounting(s, "symlinks")
        let accessInputs = Hostile.inputs(s).filter { ($0["path"] as? String)?.hasSuffix("a.log") == true }
        XCTAssertEqual(accessInputs.count, 1, "the file is read once: \(Hostile.inputs(s))")
    }

    /// Unreadable inputs: a directory named like a gzip file, a FIFO with no writer inside a
    /// directory (skipped, no hang), a FIFO given directly that gets a writer, a missing
    /// file, and (when not root) a file without read permission.
    func testUnreadableAndSpecialInputs() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logs = dir.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs.appendingPathComponent("dir.log.gz"), withIntermediateDirectories: true)
        try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log")).write(to: logs.appendingPathComponent("good.log"))
        XCTAssertEqual(mkfifo(logs.appendingPathComponent("fifo.log").path, 0o600), 0)
        let empty = dir.appendingPathComponent("empty.log.gz")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())

        // A directory walk skips the FIFO (not a regular file) and does not block on it.
        let out = dir.appendingPathComponent("out")
        var (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, logs.path, empty.path,
                                                              dir.appendingPathComponent("missing.log").path], timeout: 60)
        XCTAssertFalse(timedOut, "no hang on a FIFO without a writer inside a directory")
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("missing.log"), r.stderr)
        var s = try Hostile.summary(out)
        Hostile.assertAccounting(s, "special")
        XCTAssertNotNil(Hostile.input(s, endingWith: "good.log"))

        // A directory named *.gz given directly is named as unreadable.
        (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, logs.appendingPathComponent("good.log").path,
                                                          logs.appendingPathComponent("dir.log.gz").path + "/"], timeout: 60)
        XCTAssertFalse(timedOut)
        XCTAssertEqual(r.status, 0, "an empty directory is just empty: \(r.stderr)")

        // A FIFO named directly is read like a pipe once a writer comes (as `cat` would).
        let fifo = logs.appendingPathComponent("fifo.log").path
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            if fd >= 0 {
                let d = (try? Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log"))) ?? Data()
                d.withUnsafeBytes { _ = Glibc.write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
        }
        writer.start()
        (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, fifo], timeout: 60)
        XCTAssertFalse(timedOut)
        XCTAssertEqual(r.status, 0, r.stderr)
        s = try Hostile.summary(out)
        XCTAssertEqual(Hostile.int(Hostile.input(s, endingWith: "fifo.log")?["records"]), 6)

        // A file that opens but cannot be read (EIO at offset 0), even as root.
        if FileManager.default.fileExists(atPath: "/proc/self/mem") {
            (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, "/proc/self/mem",
                                                              logs.appendingPathComponent("good.log").path], timeout: 60)
            XCTAssertFalse(timedOut)
            XCTAssertEqual(r.status, 3, r.stderr)
            XCTAssertTrue(r.stderr.contains("/proc/self/mem"), r.stderr)
            s = try Hostile.summary(out)
            Hostile.assertAccounting(s, "EIO")
            XCTAssertFalse(Hostile.input(s, endingWith: "/proc/self/mem")?["error"] is NSNull)
            XCTAssertTrue(try CLI.read(out.appendingPathComponent("report.html")).contains("/proc/self/mem"))
        }

        // Permissions (skipped as root, which reads everything).
        if getuid() != 0 {
            let locked = logs.appendingPathComponent("locked.log")
            try Data("x\n".utf8).write(to: locked)
            chmod(locked.path, 0)
            (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, logs.path], timeout: 60)
            XCTAssertEqual(r.status, 3)
            XCTAssertTrue(r.stderr.contains("locked.log"))
        }
    }

    /// Standard input closed at once, and closed in the middle of a gzip member.
    func testStdinClosedEarly() throws {
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        // Nothing at all on stdin: not an error, just nothing read.
        var (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, "-"], timeout: 60, stdin: FileHandle.nullDevice)
        XCTAssertFalse(timedOut)
        XCTAssertTrue([0, 2].contains(r.status), "\(r.status): \(r.stderr)")

        // Half a gzip stream: what was readable is used, the input is named, exit 3.
        let full = GzipWriter.gzip(Array(try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log"))))
        let pipe = Pipe()
        let half = Data(full.prefix(full.count * 2 / 3))
        let feeder = Thread {
            pipe.fileHandleForWriting.write(half)
            try? pipe.fileHandleForWriting.close()
        }
        feeder.start()
        (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, "-"], timeout: 60, stdin: pipe.fileHandleForReading)
        XCTAssertFalse(timedOut)
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("<stdin>"), r.stderr)
        let s = try Hostile.summary(out)
        Hostile.assertAccounting(s, "stdin")
        let i = try XCTUnwrap(Hostile.inputs(s).first)
        XCTAssertNotNil(i["error"] as? [String: Any] ?? i["error"] as? String, "the error is recorded: \(i)")
    }

    /// A Firehose stream bigger than a pipe buffer on stdin: the probe must not open stdin a
    /// second time (it used to steal the first chunk and close fd 0: exit 3, records lost).
    func testFirehoseOnStdinIsReadWhole() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let firehose = try XCTUnwrap(FileManager.default.enumerator(atPath: CLI.repoRoot.appendingPathComponent("SampleLogs/firehose").path)?
            .compactMap { $0 as? String }.first { $0.contains("orders-http-logs") })
        let one = try Data(contentsOf: CLI.repoRoot.appendingPathComponent("SampleLogs/firehose").appendingPathComponent(firehose))
        let big = dir.appendingPathComponent("big-firehose")
        var all = Data()
        for _ in 0..<40 { all += one }
        try all.write(to: big)
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        let (fromFile, _) = try Hostile.run(Hostile.pinned + ["--out", a.path, big.path], timeout: 120)
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        let (fromStdin, timedOut) = try Hostile.run(Hostile.pinned + ["--out", b.path, "-"], timeout: 120,
                                                    stdin: try FileHandle(forReadingFrom: big))
        XCTAssertFalse(timedOut)
        XCTAssertEqual(fromStdin.status, 0, fromStdin.stderr)
        let sa = try Hostile.summary(a), sb = try Hostile.summary(b)
        Hostile.assertAccounting(sb, "stdin firehose")
        XCTAssertEqual(Hostile.int(Hostile.inputs(sb).first?["records"]), Hostile.int(Hostile.inputs(sa).first?["records"]))
        XCTAssertEqual(Hostile.inputs(sb).first?["format"] as? String, Hostile.inputs(sa).first?["format"] as? String)
        // The 40 copies repeat the same records: read whole, then counted once (the rest as
        // `duplicate`).
        XCTAssertGreaterThan(Hostile.int(Hostile.inputs(sb).first?["lines"]), 10_000)
        let skipped = Hostile.inputs(sb).first?["skipped"] as? [String: Any]
        XCTAssertGreaterThan(Hostile.int(skipped?["duplicate"]), 9_000)
    }

    /// `--out` that cannot be written: an existing file, a path under a file, /proc.
    func testOutNotWritable() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        for bad in [file.path, file.path + "/sub", "/proc/corsscan-test"] {
            let (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", bad, CLI.fixtures.appendingPathComponent("basic").path], timeout: 60)
            XCTAssertFalse(timedOut)
            XCTAssertEqual(r.status, 2, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("corsscan:"), r.stderr)
        }
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "x", "the file named by --out is untouched")
    }

    /// `--out` equal to the input directory, or an ancestor of it (`--out .`): the logs are
    /// read (they used to be all filtered out: "nothing readable"), the reports are not.
    func testOutInsideOrEqualToTheInputs() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log")).write(to: dir.appendingPathComponent("a.log"))
        for _ in 0..<2 {
            let (r, _) = try Hostile.run(Hostile.pinned + ["--out", dir.path, dir.path], timeout: 60)
            XCTAssertEqual(r.status, 0, r.stderr)
            let s = try Hostile.summary(dir)
            XCTAssertEqual(Hostile.inputs(s).count, 1, "only a.log is read: \(Hostile.inputs(s).map { $0["path"] ?? "" })")
            Hostile.assertAccounting(s, "out = input")
        }
        let sub = dir.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: dir.appendingPathComponent("a.log"), to: sub.appendingPathComponent("a.log"))
        let (r, _) = try Hostile.run(Hostile.pinned + ["--out", ".", "logs"], timeout: 60, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(Hostile.inputs(try Hostile.summary(dir)).count, 1)
    }
}
