@testable import CorsscanReport
import Foundation
import XCTest

final class AtomicFileWriterTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "corsscan-report-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        _ = chmod(dir, 0o755)
        try? FileManager.default.removeItem(atPath: dir)
    }

    func read(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

    func entries() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir).sorted()) ?? [] }

    func testTargetNeverHalfWritten() throws {
        let path = dir + "/report.html"
        try AtomicFileWriter.write(Array("old".utf8), to: path)
        let w = try AtomicFileWriter(path: path)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        for _ in 0..<20 {   // 6 MB, several buffer flushes
            try w.write(chunk)
            XCTAssertEqual(read(path), Array("old".utf8))
        }
        XCTAssertEqual(entries().count, 2, "target and one temp file")
        XCTAssertTrue(FileManager.default.fileExists(atPath: w.temporaryPath))
        try w.commit()
        XCTAssertEqual(read(path)?.count, 6_000_000)
        XCTAssertEqual(entries(), ["report.html"])
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o644)
    }

    func testAbortRemovesTempFile() throws {
        let path = dir + "/summary.json"
        let w = try AtomicFileWriter(path: path)
        try w.write(Array("partial".utf8))
        XCTAssertEqual(entries().count, 1)
        w.abort()
        w.abort()
        XCTAssertEqual(entries(), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testDeinitAborts() throws {
        let path = dir + "/x.csv"
        do {
            let w = try AtomicFileWriter(path: path)
            try w.write([1, 2, 3])
        }
        XCTAssertEqual(entries(), [])
    }

    func testUnwritableDirectoryNamesThePath() throws {
        let missing = dir + "/no/such/dir/report.html"
        XCTAssertThrowsError(try AtomicFileWriter(path: missing)) { e in
            let d = String(describing: e)
            XCTAssertTrue(d.contains(dir + "/no/such/dir"), d)
        }
        // A parent that is a file (fails even for root, unlike permissions).
        try AtomicFileWriter.write([1], to: dir + "/plain")
        XCTAssertThrowsError(try AtomicFileWriter(path: dir + "/plain/report.html")) { e in
            let d = String(describing: e)
            XCTAssertTrue(d.contains(self.dir + "/plain") && d.contains("Not a directory"), d)
        }
        if getuid() != 0 {
            let ro = dir + "/ro"
            try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: false)
            XCTAssertEqual(chmod(ro, 0o555), 0)
            defer { _ = chmod(ro, 0o755) }
            XCTAssertThrowsError(try AtomicFileWriter.write([1], to: ro + "/report.html")) { e in
                let d = String(describing: e)
                XCTAssertTrue(d.contains(ro), d)
                XCTAssertTrue(d.contains("ermission denied"), d)
            }
            XCTAssertThrowsError(try OutputDirectory.prepare(ro)) { e in
                XCTAssertTrue(String(describing: e).contains(ro))
            }
        }
    }

    func testRelativePathAndSplit() {
        XCTAssertEqual(AtomicFileWriter.split("a/b/c.txt").dir, "a/b")
        XCTAssertEqual(AtomicFileWriter.split("c.txt").dir, ".")
        XCTAssertEqual(AtomicFileWriter.split("/c.txt").dir, "/")
        XCTAssertEqual(AtomicFileWriter.split("/c.txt").name, "c.txt")
    }

    func testPrepareCreatesNestedDirectories() throws {
        let nested = dir + "/a/b/c"
        try OutputDirectory.prepare(nested)
        try OutputDirectory.prepare(nested)   // idempotent
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: nested, isDirectory: &isDir) && isDir.boolValue)
        try AtomicFileWriter.write(Array("f".utf8), to: dir + "/file")
        XCTAssertThrowsError(try OutputDirectory.prepare(dir + "/file")) { e in
            let d = String(describing: e)
            XCTAssertTrue(d.contains(self.dir + "/file") && d.contains("not a directory"), d)
        }
        XCTAssertThrowsError(try OutputDirectory.prepare(dir + "/file/sub")) { e in
            XCTAssertTrue(String(describing: e).contains(self.dir + "/file"))
        }
    }
}

final class AtomicFileWriterMisuseTests: XCTestCase {
    func testWriteAfterCommitThrows() throws {
        let path = NSTemporaryDirectory() + "corsscan-misuse-\(getpid()).txt"
        defer { unlink(path) }
        let w = try AtomicFileWriter(path: path)
        try w.write("hello\n")
        try w.commit()
        XCTAssertThrowsError(try w.write([1])) { e in XCTAssertTrue(String(describing: e).contains(path)) }
        XCTAssertThrowsError(try w.commit())
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("hello\n".utf8))
    }
}
