import Foundation
import XCTest

/// Runs the built `corsscan` binary (it sits next to the test bundle) and captures its output.
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static var binary: URL {
        // .build/<triple>/debug/corsscanPackageTests.xctest → .build/<triple>/debug/corsscan
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("corsscan").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("corsscan")
    }

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    @discardableResult
    static func run(_ args: [String], environment: [String: String] = [:], cwd: URL? = nil,
                    shell: Bool = false) throws -> CLIRun {
        let p = Process()
        p.executableURL = shell ? URL(fileURLWithPath: "/bin/bash") : binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = cwd }
        // stdout through a pipe, stderr through a file (no second reader thread needed).
        let out = Pipe()
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("corsscan-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? FileManager.default.removeItem(at: errURL) }
        p.standardOutput = out
        p.standardError = errHandle
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try errHandle.close()
        let errData = try Data(contentsOf: errURL)
        return CLIRun(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func tempDir() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("corsscan-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    static func read(_ u: URL) throws -> String { try String(contentsOf: u, encoding: .utf8) }

    /// Parses RFC 4180 CSV (quoted cells, doubled quotes, LF rows).
    static func parseCSV(_ s: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], cell = ""
        var inQuotes = false
        var it = Array(s).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { cell.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else { cell.append(c) }
            } else {
                switch c {
                case "\"": inQuotes = true
                case ",": row.append(cell); cell = ""
                case "\n": row.append(cell); rows.append(row); row = []; cell = ""
                case "\r": break
                default: cell.append(c)
                }
            }
        }
        if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
        return rows
    }
}
