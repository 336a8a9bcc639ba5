import Foundation
import XCTest

/// Runs of the built binary: options, exit statuses, reports on disk.
final class CommandLineTests: XCTestCase {
    let pinned = ["--now", "2026-11-21T12:00:00Z", "--no-progress"]

    func testHelpListsEveryOptionAndVersion() throws {
        let r = try CLI.run(["--help"])
        XCTAssertEqual(r.status, 0)
        for o in ["--out", "--log-format", "--log-format-file", "--window", "--max-skew", "--since", "--until",
                  "--format", "--fail-on", "--prom", "--quiet", "--no-progress", "--version", "--now",
                  "--gateway-responses-have-cors", "e.g."] {
            XCTAssertTrue(r.stdout.contains(o), "help lacks \(o)")
        }
        let v = try CLI.run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.stdout.hasPrefix("corsscan "))
    }

    func testUsageErrorsExit2WithAMessage() throws {
        for args in [["--bogus", "x"], ["--window", "abc", "x"], ["--fail-on", "nope", "x"], [],
                     ["--format", "xml", "x"], ["--since", "yesterday", "x"], ["--out"],
                     ["--log-format", "no variables here", "x"]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("corsscan:"), "\(args)")
            XCTAssertTrue(r.stderr.contains("Usage"), "\(args)")
        }
    }

    func testBasicRunWritesReportsAndAccountsForEveryLine() throws {
        let out = try CLI.tempDir()
        let r = try CLI.run(pinned + ["-q", "--out", out.path, CLI.fixtures.appendingPathComponent("basic").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        for f in ["report.html", "incidents.csv", "summary.csv", "summary.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), f)
        }
        let rows = CLI.parseCSV(try CLI.read(out.appendingPathComponent("incidents.csv")))
        XCTAssertEqual(rows.first, ["time", "class", "stage", "confidence", "client_ip", "user_agent", "origin", "method",
                                    "path", "status", "gateway_error", "request_id", "followup_status", "source", "evidence"])
        let classes = rows.dropFirst().map { $0[1] }
        XCTAssertEqual(Set(classes), ["preflight-rejected", "gateway-error-masked", "blocked-after-preflight", "header-not-allowed"],
                       "\(rows)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual(json["schema"] as? Int, 1)
        let inputs = json["inputs"] as! [[String: Any]]
        XCTAssertEqual(inputs.count, 2)
        for i in inputs {
            let lines = i["lines"] as! Int, records = i["records"] as! Int
            let skipped = (i["skipped"] as! [String: Int]).values.reduce(0, +)
            XCTAssertEqual(lines, records + skipped, "every line used or skipped: \(i)")
        }
        let log = inputs.first { ($0["path"] as! String).hasSuffix("rest-json.log") }!
        XCTAssertEqual(log["lines"] as? Int, 8)
        XCTAssertEqual(log["records"] as? Int, 6)
        XCTAssertEqual(log["kind"] as? String, "access-log")
    }

    func testFailOnDecidesExitStatus() throws {
        let dir = CLI.fixtures.appendingPathComponent("basic").path
        let out = try CLI.tempDir().path
        XCTAssertEqual(try CLI.run(pinned + ["-q", "--out", out, "--fail-on", "any", dir]).status, 1)
        XCTAssertEqual(try CLI.run(pinned + ["-q", "--out", out, "--fail-on", "preflight-rejected", dir]).status, 1)
        XCTAssertEqual(try CLI.run(pinned + ["-q", "--out", out, "--fail-on", "private-network", dir]).status, 0)
    }

    func testCorruptInputGivesExit3AndIsNamed() throws {
        let dir = try CLI.tempDir()
        let good = try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log"))
        try good.write(to: dir.appendingPathComponent("good.log"))
        // Binary that is not gzip under a .gz name (text there would be read as text).
        try Data([0x1F, 0x9D, 0x90, 0x74, 0x00, 0xE8, 0xFF, 0x01]).write(to: dir.appendingPathComponent("broken.gz"))
        let out = try CLI.tempDir()
        let r = try CLI.run(pinned + ["-q", "--out", out.path, dir.path])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("broken.gz"))
        let json = try CLI.read(out.appendingPathComponent("summary.json"))
        XCTAssertTrue(json.contains("not-gzip"), json)
        XCTAssertTrue(try CLI.read(out.appendingPathComponent("report.html")).contains("broken.gz"))
    }

    /// A file name is attacker-chosen too: no terminal escape reaches stderr.
    func testFileNamesCannotSendTerminalEscapes() throws {
        let dir = try CLI.tempDir()
        let good = try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log"))
        try good.write(to: dir.appendingPathComponent("good.log"))
        try Data([0x1F, 0x8B, 0x08, 0x00]).write(to: dir.appendingPathComponent("cut\u{1B}]0;owned\u{07}.gz"))
        let r = try CLI.run(pinned + ["-q", "--out", try CLI.tempDir().path, dir.path])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("cut?]0;owned?.gz"), r.stderr)
        XCTAssertFalse(r.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, r.stderr)
    }

    func testNothingReadableExits2() throws {
        let r = try CLI.run(pinned + ["-q", "--out", try CLI.tempDir().path, "/nonexistent/corsscan/input"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("/nonexistent/corsscan/input"))
    }

    func testNothingReadableKeepsThePreviousReports() throws {
        let out = try CLI.tempDir()
        try CLI.run(pinned + ["-q", "--out", out.path, CLI.fixtures.appendingPathComponent("basic").path])
        let before = try Data(contentsOf: out.appendingPathComponent("incidents.csv"))
        let r = try CLI.run(pinned + ["-q", "--out", out.path, "/nonexistent/mount/logs"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("incidents.csv")), before)
    }

    /// A file that opens but is corrupt from its first byte is not "nothing readable": the
    /// run replaces the old reports with ones that name it, and exits 3.
    func testCorruptFileAloneExits3AndIsNamedInEveryOutput() throws {
        let dir = try CLI.tempDir()
        let out = dir.appendingPathComponent("out")
        try CLI.run(pinned + ["-q", "--out", out.path, CLI.fixtures.appendingPathComponent("basic").path])
        let cases: [(name: String, bytes: [UInt8], kind: String)] = [
            ("garbage.log.gz", Array("MZ\u{0}\u{1}\u{2}".utf8) + [UInt8](repeating: 0xFF, count: 600), "not-gzip"),
            ("cut.log.gz", [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0x4B], "truncated-gzip"),
            ("cut.har", Array(#"{"log":{"version":"1.2","entries":[{"startedDateTime":"2026-"#.utf8), "truncated"),
            // Saved by PowerShell `>`: UTF-16LE with a byte order mark.
            ("powershell.log", [0xFF, 0xFE] + Array("203.0.113.7 - - [21/Nov/2026:09:45:11 +0000] \"OPTIONS /orders HTTP/1.1\" 403 42 r1\r\n".utf8)
                .flatMap { [$0, 0] }, "invalid"),
        ]
        for c in cases {
            let f = dir.appendingPathComponent(c.name)
            try Data(c.bytes).write(to: f)
            let r = try CLI.run(pinned + ["--format", "json", "--out", out.path, f.path])
            XCTAssertEqual(r.status, 3, "\(c.name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(c.name) && r.stderr.contains(c.kind), "\(c.name): \(r.stderr)")
            for text in [r.stdout, try CLI.read(out.appendingPathComponent("summary.json"))] {
                let s = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], c.name)
                let inputs = try XCTUnwrap(s["inputs"] as? [[String: Any]])
                XCTAssertEqual(inputs.count, 1, c.name)
                XCTAssertTrue((inputs.first?["error"] as? String)?.contains(c.kind) == true, "\(c.name): \(inputs)")
                XCTAssertEqual((s["totals"] as? [String: Any])?["incidents"] as? Int, 0, c.name)
            }
            XCTAssertTrue(try CLI.read(out.appendingPathComponent("report.html")).contains(c.name), c.name)
            XCTAssertEqual(CLI.parseCSV(try CLI.read(out.appendingPathComponent("incidents.csv"))).count, 1,
                           "\(c.name): only the header row, the previous run's incidents are gone")
        }
    }

    /// `--format json > summary.json` on a full disk: exit 2 and a message, not success.
    /// A reader that goes away (`| head`) is not an error.
    func testStandardOutputThatCannotBeWrittenIsAnError() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        let out = try CLI.tempDir()
        let basic = CLI.fixtures.appendingPathComponent("basic").path
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = pinned + ["--format", "json", "--out", out.path, basic]
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 2, message)
        XCTAssertTrue(message.contains("standard output"), message)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.json").path))

        let r = try CLI.run(["-c", "\"$0\" \"$@\" | head -c 10 >/dev/null; exit ${PIPESTATUS[0]}", CLI.binary.path]
                            + pinned + ["--format", "json", "--out", out.path, basic], shell: true)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testUnwritableOutIsAClearError() throws {
        let blocker = try CLI.tempDir().appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let r = try CLI.run(pinned + ["-q", "--out", blocker.path + "/sub", CLI.fixtures.appendingPathComponent("basic").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains(blocker.path), r.stderr)
    }

    func testOutputIsByteIdenticalWhateverTheInputOrder() throws {
        let basic = CLI.fixtures.appendingPathComponent("basic")
        let a = try CLI.tempDir(), b = try CLI.tempDir()
        try CLI.run(pinned + ["-q", "--out", a.path, basic.appendingPathComponent("rest-json.log").path,
                              basic.appendingPathComponent("chrome-console.txt").path])
        try CLI.run(pinned + ["-q", "--out", b.path, basic.appendingPathComponent("chrome-console.txt").path,
                              basic.appendingPathComponent("rest-json.log").path])
        for f in ["incidents.csv", "summary.csv", "summary.json", "report.html"] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(f)), try Data(contentsOf: b.appendingPathComponent(f)), f)
        }
    }

    func testStdoutFormats() throws {
        let dir = CLI.fixtures.appendingPathComponent("basic").path
        let out = try CLI.tempDir().path
        let j = try CLI.run(pinned + ["--out", out, "--format", "json", dir])
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)))
        XCTAssertEqual(j.stdout, try CLI.read(URL(fileURLWithPath: out).appendingPathComponent("summary.json")))
        let c = try CLI.run(pinned + ["--out", out, "--format", "csv", dir])
        XCTAssertTrue(c.stdout.hasPrefix("class,stage,method,path,origin,count,first_seen,last_seen"))
        let t = try CLI.run(pinned + ["--out", out, dir])
        XCTAssertTrue(t.stdout.contains("preflight-rejected"), t.stdout)
        XCTAssertTrue(t.stdout.contains(out), "names where the report is")
        XCTAssertFalse(t.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
        XCTAssertEqual(try CLI.run(pinned + ["-q", "--out", out, dir]).stdout, "")
    }

    func testSinceUntilFilter() throws {
        let out = try CLI.tempDir()
        let r = try CLI.run(pinned + ["-q", "--out", out.path, "--since", "2026-11-21T09:46:00Z",
                                      CLI.fixtures.appendingPathComponent("basic/rest-json.log").path])
        XCTAssertEqual(r.status, 0)
        let rows = CLI.parseCSV(try CLI.read(out.appendingPathComponent("incidents.csv")))
        XCTAssertFalse(rows.dropFirst().contains { $0[1] == "preflight-rejected" })
        XCTAssertTrue(try CLI.read(out.appendingPathComponent("summary.json")).contains("outside-time-range"))
    }

    func testOutInsideInputsIsNotReadBack() throws {
        let dir = try CLI.tempDir()
        try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log")).write(to: dir.appendingPathComponent("a.log"))
        let out = dir.appendingPathComponent("Reports")
        try CLI.run(pinned + ["-q", "--out", out.path, dir.path])
        let second = try CLI.run(pinned + ["-q", "--out", out.path, dir.path])
        XCTAssertEqual(second.status, 0)
        let json = try CLI.read(out.appendingPathComponent("summary.json"))
        XCTAssertFalse(json.contains("incidents.csv"), "own reports were read as input")
    }

    func testStdinIsReadAsAnInput() throws {
        let p = Process()
        p.executableURL = CLI.binary
        let out = try CLI.tempDir()
        p.arguments = pinned + ["-q", "--out", out.path, "-"]
        let inPipe = Pipe()
        p.standardInput = inPipe
        try p.run()
        inPipe.fileHandleForWriting.write(try Data(contentsOf: CLI.fixtures.appendingPathComponent("basic/rest-json.log")))
        inPipe.fileHandleForWriting.closeFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let rows = CLI.parseCSV(try CLI.read(out.appendingPathComponent("incidents.csv")))
        XCTAssertEqual(rows.count - 1, 3)
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0[13].hasPrefix("<stdin>:") })
    }
}
