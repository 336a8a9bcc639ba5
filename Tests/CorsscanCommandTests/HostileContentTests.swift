import CorsscanInput
import Foundation
import XCTest

/// Issue 7 §3 and §4 end to end: hostile values in every logged field stay inert in the
/// reports, every line is accounted for, a killed run keeps the previous reports, and a
/// failed input is named everywhere with exit status 3.
final class HostileContentTests: XCTestCase {
    static let payloads = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(2)>",
        "javascript:alert(3)",
        "</style><style>*{background:url(//evil.example/x)}</style>",
        "'><svg onload=alert(4)>",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "</textarea></title></pre><script>alert(5)</script>",
        "<!--", "]]>", "{{constructor.constructor('alert(6)')()}}",
    ]

    /// The tags a report may contain (the report's own markup).
    static let allowedTags: Set<String> = [
        "html", "head", "meta", "title", "style", "body", "header", "footer", "main", "nav", "section", "article",
        "h1", "h2", "h3", "h4", "p", "a", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th",
        "td", "code", "pre", "small", "strong", "em", "b", "i", "br", "span", "div", "details", "summary", "svg",
        "rect", "line", "path", "text", "g", "defs", "pattern", "circle", "polyline", "figure", "figcaption", "abbr",
        "sup", "sub", "caption", "tfoot", "colgroup", "col", "hr", "kbd", "mark", "time", "tspan", "desc", "clippath", "use",
    ]

    func hostileInputs(in dir: URL) throws {
        let p = Self.payloads
        // Format detection is strict (a hostile IP or request id does not look like an access
        // log), so benign lines come first; once detected, parsing is lenient and every
        // hostile value below reaches the records.
        var access: [String] = try (0..<20).map { k in
            try Hostile.jsonLine(["requestId": "benign-\(k)", "ip": "203.0.113.9", "requestTime": "21/Nov/2026:09:44:11 +0000",
                                  "httpMethod": "GET", "resourcePath": "/health", "status": "200", "protocol": "HTTP/1.1",
                                  "responseLength": "2"])
        }
        for k in 0..<p.count {
            func v(_ j: Int) -> String { "\(p[(k + j) % p.count])" }
            let sec = String(format: "%02d", k)
            access.append(try Hostile.jsonLine([
                "requestId": v(0), "extendedRequestId": v(1), "ip": v(2), "userAgent": v(3), "origin": v(4),
                "requestTime": "21/Nov/2026:09:45:\(sec) +0000", "httpMethod": "OPTIONS", "resourcePath": v(5),
                "path": v(6), "routeKey": v(7), "status": "403", "protocol": "HTTP/1.1", "responseLength": "42",
                "responseType": "MISSING_AUTHENTICATION_TOKEN", "errorMessage": v(8), "stage": v(9), "domainName": v(10),
                "authorizerError": v(11), "integrationError": v(12),
            ]))
            // A successful preflight then an authorizer 401 without CORS headers: gateway-error-masked.
            access.append(try Hostile.jsonLine([
                "requestId": "ok-" + v(1), "ip": v(13), "userAgent": v(14), "origin": v(0),
                "requestTime": "21/Nov/2026:09:46:\(sec) +0000", "httpMethod": "OPTIONS", "resourcePath": v(2),
                "path": v(3), "status": "204", "protocol": "HTTP/1.1", "responseLength": "0",
            ]))
            access.append(try Hostile.jsonLine([
                "requestId": v(4), "ip": v(13), "userAgent": v(14), "origin": v(0),
                "requestTime": "21/Nov/2026:09:46:\(sec) +0000", "httpMethod": "GET", "resourcePath": v(2),
                "path": v(3), "status": "401", "protocol": "HTTP/1.1", "responseLength": "0",
                "responseType": v(5), "errorMessage": v(6),
            ]))
            // A preflight nobody followed: blocked-after-preflight.
            access.append(try Hostile.jsonLine([
                "requestId": "b-" + v(7), "ip": v(8), "userAgent": v(9), "origin": v(10),
                "requestTime": "21/Nov/2026:09:47:\(sec) +0000", "httpMethod": "OPTIONS", "resourcePath": v(11),
                "path": v(12), "status": "200", "protocol": "HTTP/1.1", "responseLength": "0",
            ]))
        }
        try Hostile.write(access.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("access.log"))

        var console: [String] = []
        var beacon: [String] = []
        for (k, x) in p.enumerated() {
            let url = "https://api.example.com/\(x)"
            console.append("Access to fetch at '\(url)' from origin '\(p[(k + 1) % p.count])' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: The 'Access-Control-Allow-Origin' header has a value '\(p[(k + 2) % p.count])' that is not equal to the supplied origin.")
            console.append("GET \(url) net::ERR_FAILED 403 (\(x))")
            beacon.append(try Hostile.jsonLine(["message": "Access to fetch at '\(url)' from origin 'https://app.example.com' has been blocked by CORS policy: Request header field \(x) is not allowed by Access-Control-Allow-Headers in preflight response.",
                                                "timestamp": 1_795_248_015_421 + k, "url": url, "method": x, "origin": x,
                                                "userAgent": x, "ip": x]))
        }
        try Hostile.write(console.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("chrome-console.txt"))
        try Hostile.write(beacon.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("beacon.jsonl"))

        let entries = p.enumerated().map { k, x -> [String: Any] in
            [
                "startedDateTime": "2026-11-21T09:45:\(String(format: "%02d", k)).000Z",
                "request": ["method": "GET", "url": "https://api.example.com/\(x)",
                            "headers": [["name": "Origin", "value": x], ["name": "X-Custom", "value": x]]] as [String: Any],
                "response": ["status": 200, "headers": [["name": "Access-Control-Allow-Origin", "value": x]]] as [String: Any],
            ]
        }
        let har = try JSONSerialization.data(withJSONObject: ["log": ["version": "1.2", "entries": entries]])
        try har.write(to: dir.appendingPathComponent("session.har"))
        // A hostile file name (the path is shown in every report).
        try Hostile.write("not a log\n", to: dir.appendingPathComponent("<img src=x onerror=alert(7)>=cmd.log"))
    }

    func testHostileValuesAreInertInEveryReport() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logs = dir.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try hostileInputs(in: logs)
        let out = dir.appendingPathComponent("out")
        let prom = dir.appendingPathComponent("metrics.prom")
        let (r, timedOut) = try Hostile.run(Hostile.pinned + ["--out", out.path, "--prom", prom.path, "--format", "text", logs.path])
        XCTAssertFalse(timedOut)
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try Hostile.summary(out)
        Hostile.assertAccounting(s, "hostile")
        XCTAssertEqual(Hostile.inputs(s).count, 5)
        let byClass = s["by_class"] as? [String: Int] ?? [:]
        for c in ["preflight-rejected", "gateway-error-masked", "blocked-after-preflight"] {
            XCTAssertGreaterThan(byClass[c] ?? 0, 0, "\(c) incidents carry the hostile fields: \(byClass) \(Hostile.inputs(s))")
        }

        // report.html: only the report's own tags; payloads present, escaped.
        let html = try CLI.read(out.appendingPathComponent("report.html"))
        var i = html.startIndex
        var tags: [String: Int] = [:]
        while let lt = html[i...].firstIndex(of: "<") {
            var j = html.index(after: lt)
            if j < html.endIndex, html[j] == "/" || html[j] == "!" { j = html.index(after: j) }
            let name = html[j...].prefix { $0.isLetter || $0.isNumber }.lowercased()
            tags[name, default: 0] += 1
            i = html.index(after: lt)
        }
        let unexpected = tags.keys.filter { !$0.isEmpty && !Self.allowedTags.contains($0) && $0 != "doctype" }
        XCTAssertEqual(unexpected, [], "tags that did not come from the report template: \(tags)")
        XCTAssertEqual(tags["script"] ?? 0, 0, "no <script> at all")
        XCTAssertEqual(tags["img"] ?? 0, 0)
        XCTAssertEqual(tags["textarea"] ?? 0, 0)
        XCTAssertEqual(html.components(separatedBy: "</style>").count - 1, html.components(separatedBy: "<style").count - 1,
                       "no extra </style>")
        XCTAssertFalse(html.contains("<!--"), "no comment opened by data")
        for bad in ["href=\"javascript", "src=\"javascript", "href='javascript", " onerror=alert", " onload=alert"] {
            // As text they are escaped ("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"); inside a tag never.
            for tag in html.split(separator: "<").dropFirst() {
                let inside = tag.prefix { $0 != ">" }
                XCTAssertFalse(inside.contains(bad.trimmingCharacters(in: .whitespaces)), "\(bad) inside a tag: <\(inside)>")
            }
        }
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the payload is shown as text")
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(7)&gt;=cmd.log"), "the hostile file name is shown as text")
        // The only href values are the report's own fragment links.
        var rest = html[...]
        while let r = rest.range(of: "href=\"") {
            let value = rest[r.upperBound...].prefix { $0 != "\"" }
            XCTAssertTrue(value.hasPrefix("#"), "href=\"\(value)\"")
            rest = rest[r.upperBound...]
        }

        // CSVs: every text cell neutralised against formulas, and each file parses to rectangular rows.
        for (name, textColumns) in [("incidents.csv", [4, 5, 6, 7, 8, 10, 11, 13, 14]), ("summary.csv", [3, 4, 5])] {
            let text = try CLI.read(out.appendingPathComponent(name))
            let rows = CLI.parseCSV(text)
            XCTAssertGreaterThan(rows.count, 1, name)
            let width = rows[0].count
            for (n, row) in rows.enumerated() {
                XCTAssertEqual(row.count, width, "\(name) row \(n) has \(row.count) cells: \(row)")
                guard n > 0 else { continue }
                for c in textColumns where c - 1 < row.count {
                    let cell = row[c - 1]
                    if let f = cell.unicodeScalars.first {
                        XCTAssertFalse("=+-@\t\r".unicodeScalars.contains(f), "\(name) row \(n) column \(c): \(cell.debugDescription)")
                    }
                }
            }
            XCTAssertTrue(text.contains("'=HYPERLINK"), "\(name): a formula is present, neutralised")
        }

        // summary.json is valid JSON (checked by Hostile.summary); the text summary and the
        // Prometheus file hold no terminal escapes and no raw line breaks inside labels.
        XCTAssertFalse(r.stdout.contains("\u{1B}"))
        let metrics = try CLI.read(prom)
        for line in metrics.split(separator: "\n") where !line.hasPrefix("#") {
            XCTAssertTrue(line.range(of: #"^[a-z_]+(\{.*\})? [0-9.e+-]+$"#, options: .regularExpression) != nil, "prom line: \(line)")
        }
    }

    /// Lines read = lines used + lines skipped by reason, for every SampleLogs file and
    /// every test fixture (one run, per-input accounting in summary.json), and for the
    /// hostile inputs above.
    func testEveryFixtureAndSampleLogAccountsForEveryLine() throws {
        let root = CLI.repoRoot
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let paths = [root.appendingPathComponent("SampleLogs").path, CLI.fixtures.path]
        let (r, _) = try Hostile.run(Hostile.pinned + ["--log-format-file", root.appendingPathComponent("docs/sample-stage-format.txt").path,
                                                       "--out", out.path] + paths, timeout: 300)
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try Hostile.summary(out)
        Hostile.assertAccounting(s, "SampleLogs + fixtures")
        var files = 0
        for p in paths {
            let e = FileManager.default.enumerator(atPath: p)
            while let f = e?.nextObject() as? String {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: p + "/" + f, isDirectory: &isDir), !isDir.boolValue { files += 1 }
            }
        }
        XCTAssertEqual(Hostile.inputs(s).count, files, "every file is an input")
        for i in Hostile.inputs(s) {
            XCTAssertGreaterThan(Hostile.int(i["lines"]), 0, "\(i["path"] ?? "")")
            XCTAssertTrue(i["error"] is NSNull, "\(i)")
        }
    }

    /// SIGKILL while the reports are being written (a temp file has appeared) leaves the
    /// previous reports whole: each file is the old one or a complete new one.
    func testKilledRunLeavesPreviousReportsIntact() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let (first, _) = try Hostile.run(Hostile.pinned + ["--out", out.path, CLI.fixtures.appendingPathComponent("basic").path])
        XCTAssertEqual(first.status, 0, first.stderr)
        let names = ["report.html", "incidents.csv", "summary.csv", "summary.json"]
        var old: [String: Data] = [:]
        for n in names { old[n] = try Data(contentsOf: out.appendingPathComponent(n)) }

        // Many incidents, so incidents.csv takes a while to write.
        let big = dir.appendingPathComponent("many.log.gz")
        let w = try GzipWriter(path: big.path, level: 1)
        var buf: [UInt8] = []
        for i in 0..<150_000 {
            let ip = "10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)"
            buf += "\(ip) - - [21/Nov/2026:09:\(String(format: "%02d", 10 + i * 40 / 150_000)):11 +0000] \"OPTIONS /orders/\(i) HTTP/1.1\" 403 42 req-\(i)\n".utf8
            if buf.count > 1 << 20 { w.write(buf); buf.removeAll(keepingCapacity: true) }
        }
        w.write(buf)
        try w.close()

        var killedWhileWriting = 0
        for attempt in 0..<3 {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = Hostile.pinned + ["--out", out.path, big.path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let deadline = Date().addingTimeInterval(300)
            var sawTemp = false
            while p.isRunning, Date() < deadline {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
                if entries.contains(where: { $0.hasPrefix(".") && $0.contains(".tmp-") }) {
                    if attempt > 0 { usleep(useconds_t(attempt * 3_000)) }
                    sawTemp = true
                    kill(p.processIdentifier, SIGKILL)
                    break
                }
                usleep(500)
            }
            if !sawTemp { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            if sawTemp && p.terminationReason == .uncaughtSignal { killedWhileWriting += 1 }
            for n in names {
                let now = try Data(contentsOf: out.appendingPathComponent(n))
                if now == old[n] { continue }
                // Replaced: then it must be a complete new file.
                let text = String(decoding: now, as: UTF8.self)
                switch n {
                case "summary.json": XCTAssertNoThrow(try JSONSerialization.jsonObject(with: now), n)
                case "report.html": XCTAssertTrue(text.hasSuffix("</html>\n"), "\(n) is whole")
                default: XCTAssertTrue(text.hasSuffix("\n"), "\(n) is whole")
                }
            }
            // The next run replaces everything and leaves no temp file of its own.
            let (again, _) = try Hostile.run(Hostile.pinned + ["--out", out.path, CLI.fixtures.appendingPathComponent("basic").path])
            XCTAssertEqual(again.status, 0)
            for n in names { XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent(n)), old[n], n) }
            // A killed run's temp files are never read as input, even with --out inside the inputs.
            let (inside, _) = try Hostile.run(Hostile.pinned + ["--out", out.path, out.path, CLI.fixtures.appendingPathComponent("basic").path])
            XCTAssertEqual(inside.status, 0, inside.stderr)
            XCTAssertEqual(Hostile.inputs(try Hostile.summary(out)).count, 2)
            for f in try FileManager.default.contentsOfDirectory(atPath: out.path) where f.contains(".tmp-") {
                try FileManager.default.removeItem(at: out.appendingPathComponent(f))
            }
            _ = try Hostile.run(Hostile.pinned + ["--out", out.path, CLI.fixtures.appendingPathComponent("basic").path])
        }
        XCTAssertGreaterThan(killedWhileWriting, 0, "at least one run was killed while writing its reports")
    }

    /// A failed input gives exit status 3 and is named in every output: stderr, summary.json,
    /// report.html, the text summary, --format json and the Prometheus file, whether or not
    /// there are incidents.
    func testFailedInputIsNamedEverywhereWithExit3() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log"))
        let gz = GzipWriter.gzip(Array(good))
        let cut = dir.appendingPathComponent("cut-short.log.gz")
        try Data(gz.prefix(gz.count - 12)).write(to: cut)
        let corrupt = dir.appendingPathComponent("corrupt.log.gz")
        var bad = gz
        for k in stride(from: 40, to: bad.count - 10, by: 7) { bad[k] ^= 0x5A }
        try Data(bad).write(to: corrupt)
        let benign = dir.appendingPathComponent("benign.log")
        try Hostile.write(try Hostile.jsonLine(["requestId": "a", "httpMethod": "GET", "status": "200", "ip": "1.2.3.4",
                                                "requestTime": "21/Nov/2026:09:45:11 +0000"]) + "\n", to: benign)

        for (label, inputs) in [("with incidents", [cut.path, corrupt.path, CLI.fixtures.appendingPathComponent("basic").path]),
                                ("without incidents", [cut.path, corrupt.path, benign.path])] {
            let out = dir.appendingPathComponent("out-\(label.count)")
            let prom = dir.appendingPathComponent("m-\(label.count).prom")
            let (r, _) = try Hostile.run(Hostile.pinned.filter { $0 != "-q" } + ["--out", out.path, "--prom", prom.path] + inputs)
            XCTAssertEqual(r.status, 3, "\(label): \(r.stderr)")
            let (j, _) = try Hostile.run(Hostile.pinned + ["--out", out.path, "--format", "json"] + inputs)
            XCTAssertEqual(j.status, 3, label)
            let html = try CLI.read(out.appendingPathComponent("report.html"))
            let s = try Hostile.summary(out)
            Hostile.assertAccounting(s, label)
            for f in [cut, corrupt] {
                let name = f.lastPathComponent
                XCTAssertTrue(r.stderr.contains(name), "\(label): stderr names \(name): \(r.stderr)")
                XCTAssertTrue(r.stdout.contains(name), "\(label): the text summary names \(name): \(r.stdout)")
                XCTAssertTrue(j.stdout.contains(name), "\(label): --format json names \(name)")
                XCTAssertTrue(html.contains(name), "\(label): report.html names \(name)")
                XCTAssertTrue(try CLI.read(prom).contains(name), "\(label): the Prometheus file names \(name)")
                let i = try XCTUnwrap(Hostile.input(s, endingWith: name))
                XCTAssertFalse(i["error"] is NSNull, "\(label): summary.json has the error of \(name)")
            }
            XCTAssertTrue(Hostile.input(s, endingWith: "benign.log") == nil || Hostile.input(s, endingWith: "benign.log")?["error"] is NSNull)
        }
    }
}
