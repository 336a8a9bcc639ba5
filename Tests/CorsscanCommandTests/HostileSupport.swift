import CorsscanInput
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the hostile-input tests: bounded runs, summary.json, line accounting, RSS.
enum Hostile {
    static let pinned = ["--now", "2026-11-21T12:00:00Z", "--no-progress", "-q"]

    /// Runs the binary; kills it after `timeout` seconds (then `timedOut` is true).
    static func run(_ args: [String], timeout: TimeInterval = 120, stdin: FileHandle? = nil,
                    cwd: URL? = nil) throws -> (CLIRun, timedOut: Bool) {
        let p = Process()
        p.executableURL = CLI.binary
        if let cwd { p.currentDirectoryURL = cwd }
        p.arguments = args
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("corsscan-stderr-\(UUID().uuidString)")
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("corsscan-stdout-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: errURL)
            try? FileManager.default.removeItem(at: outURL)
        }
        let errHandle = try FileHandle(forWritingTo: errURL)
        let outHandle = try FileHandle(forWritingTo: outURL)
        p.standardError = errHandle
        p.standardOutput = outHandle
        p.standardInput = stdin ?? FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        lastPeakRSSMiB = 0
        while p.isRunning {
            lastPeakRSSMiB = max(lastPeakRSSMiB, peakRSSMiB(of: p.processIdentifier))
            if Date() > deadline {
                timedOut = true
                kill(p.processIdentifier, SIGKILL)
                break
            }
            usleep(20_000)
        }
        p.waitUntilExit()
        try errHandle.close()
        try outHandle.close()
        let r = CLIRun(status: p.terminationStatus,
                       stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                       stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
        return (r, timedOut)
    }

    /// Runs the binary with `pinned`, `--out out` and `inputs`, asserts it ended in time with
    /// one of `statuses`, and returns the run with summary.json, its line accounting checked.
    @discardableResult
    static func runChecked(_ inputs: [String], out: URL, timeout: TimeInterval = 120, stdin: FileHandle? = nil,
                           statuses: Set<Int32>, _ context: String,
                           file: StaticString = #filePath, line: UInt = #line) throws -> (run: CLIRun, summary: [String: Any]) {
        let (r, timedOut) = try run(pinned + ["--out", out.path] + inputs, timeout: timeout, stdin: stdin)
        XCTAssertFalse(timedOut, "\(context): timed out", file: file, line: line)
        XCTAssertTrue(statuses.contains(r.status), "\(context): status \(r.status): \(r.stderr)", file: file, line: line)
        let s = try summary(out)
        assertAccounting(s, context, file: file, line: line)
        return (r, s)
    }

    static func summary(_ out: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: out.appendingPathComponent("summary.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func inputs(_ s: [String: Any]) -> [[String: Any]] { s["inputs"] as? [[String: Any]] ?? [] }

    static func input(_ s: [String: Any], endingWith suffix: String) -> [String: Any]? {
        inputs(s).first { ($0["path"] as? String)?.hasSuffix(suffix) == true }
    }

    static func skipped(_ i: [String: Any], _ reason: String) -> Int { (i["skipped"] as? [String: Int])?[reason] ?? 0 }

    static func int(_ v: Any?) -> Int { (v as? Int) ?? (v as? NSNumber)?.intValue ?? -1 }

    /// Lines read = lines used + lines skipped by reason, per input and in total.
    static func assertAccounting(_ s: [String: Any], _ context: String = "", file: StaticString = #filePath, line: UInt = #line) {
        var lines = 0, records = 0, skipped = 0
        for i in inputs(s) {
            let l = int(i["lines"]), r = int(i["records"])
            let sk = (i["skipped"] as? [String: Int])?.values.reduce(0, +) ?? -1
            XCTAssertEqual(l, r + sk, "\(context): input \(i["path"] ?? "?") lines ≠ records + skipped: \(i)", file: file, line: line)
            lines += l; records += r; skipped += sk
        }
        let totals = s["totals"] as? [String: Any] ?? [:]
        XCTAssertEqual(int(totals["lines"]), lines, "\(context): totals.lines", file: file, line: line)
        XCTAssertEqual(int(totals["records"]), records, "\(context): totals.records", file: file, line: line)
        XCTAssertEqual(int(totals["skipped"]), skipped, "\(context): totals.skipped", file: file, line: line)
    }

    /// The peak resident set of the last `run`'s process in MiB, as last seen in
    /// /proc/PID/status (VmHWM) while it ran (sampled every 20 ms: a lower bound of the
    /// true peak, which a process that allocates as it goes reaches before it exits).
    nonisolated(unsafe) static var lastPeakRSSMiB = 0

    static func peakRSSMiB(of pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// The largest resident set of any child waited for so far, in MiB (`ru_maxrss` is KiB).
    static func childrenMaxRSSMiB() -> Int {
        var u = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &u)
        return Int(u.ru_maxrss) / 1024
    }

    /// A JSON access-log line (REST JSON preset keys plus extras) made with JSONSerialization.
    static func jsonLine(_ fields: [String: Any]) throws -> String {
        let d = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return String(decoding: d, as: UTF8.self)
    }

    static func write(_ s: String, to u: URL) throws { try Data(s.utf8).write(to: u) }
}
