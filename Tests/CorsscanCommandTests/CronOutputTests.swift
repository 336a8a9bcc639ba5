import Foundation
import XCTest

/// What a cron job and a dashboard rely on: Prometheus output, colour only for people.
final class CronOutputTests: XCTestCase {
    let pinned = ["--now", "2026-11-21T12:00:00Z", "--no-progress"]

    func testPromFileForTheTextfileCollector() throws {
        let out = try CLI.tempDir()
        let prom = out.appendingPathComponent("corsscan.prom")
        let r = try CLI.run(pinned + ["-q", "--out", out.path, "--prom", prom.path,
                                      CLI.fixtures.appendingPathComponent("basic").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try CLI.read(prom)
        XCTAssertTrue(text.contains("# TYPE corsscan_incidents gauge"))
        XCTAssertTrue(text.contains(#"corsscan_incidents{class="preflight-rejected",stage="preflight"} 1"#), text)
        XCTAssertTrue(text.contains("corsscan_last_run_timestamp_seconds 1795262400"), text)
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            XCTAssertNotNil(line.range(of: #"^[a-z_]+(\{.*\})? -?[0-9.e+]+$"#, options: .regularExpression), String(line))
        }
    }

    /// Runs the binary under `script` so stdout is a terminal.
    func runOnTerminal(_ args: [String], env: [String: String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("no script(1)") }
        let cmd = ([CLI.binary.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", cmd, "/dev/null"]
        var e = ProcessInfo.processInfo.environment
        e["NO_COLOR"] = nil
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func testColourOnlyOnATerminalAndNeverWithNoColor() throws {
        let out = try CLI.tempDir().path
        let args = pinned + ["--out", out, CLI.fixtures.appendingPathComponent("basic").path]
        let tty = try runOnTerminal(args, env: [:])
        XCTAssertTrue(tty.contains("preflight-rejected"), tty)
        XCTAssertTrue(tty.contains("\u{1B}["), "colour on a terminal")
        let noColor = try runOnTerminal(args, env: ["NO_COLOR": "1"])
        XCTAssertTrue(noColor.contains("preflight-rejected"))
        XCTAssertFalse(noColor.contains("\u{1B}["), "NO_COLOR respected")
    }
}
