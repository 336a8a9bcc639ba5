import Foundation
import XCTest

/// Replays every saved fuzz crasher (`Fuzz/crashers/TARGET/*`) through the plain build of
/// `corsscan-fuzz`, which runs the same target code as the libFuzzer build.
final class FuzzRegressionTests: XCTestCase {
    func testSavedCrashersNoLongerCrash() throws {
        let fuzz = CLI.binary.deletingLastPathComponent().appendingPathComponent("corsscan-fuzz")
        let root = CLI.repoRoot.appendingPathComponent("Fuzz/crashers")
        let targets = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { name in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
        }.sorted()
        var replayed = 0
        for t in targets {
            let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(t).path).filter { !$0.hasPrefix(".") }
            guard !files.isEmpty else { continue }
            let p = Process()
            p.executableURL = fuzz
            p.arguments = [t, root.appendingPathComponent(t).path]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, "\(t): \(text)")
            XCTAssertTrue(text.contains("\(files.count) input(s) ran without a crash"), "\(t): \(text)")
            replayed += files.count
        }
        XCTAssertGreaterThan(replayed, 0, "the regression inputs were found")
    }

    /// Every fuzz target runs on an empty input and on a few bytes in the plain build too.
    func testEveryTargetRunsInThePlainBuild() throws {
        let fuzz = CLI.binary.deletingLastPathComponent().appendingPathComponent("corsscan-fuzz")
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data().write(to: dir.appendingPathComponent("empty"))
        try Data([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x7B, 0x22, 0x0A, 0x00, 0xFF, 0x3C]).write(to: dir.appendingPathComponent("bytes"))
        let list = Process()
        list.executableURL = fuzz
        list.arguments = ["--list"]
        let pipe = Pipe()
        list.standardOutput = pipe
        try list.run()
        let names = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        list.waitUntilExit()
        XCTAssertGreaterThanOrEqual(names.count, 14)
        for n in names {
            let p = Process()
            p.executableURL = fuzz
            p.arguments = [String(n), dir.path]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, String(n))
        }
    }
}
