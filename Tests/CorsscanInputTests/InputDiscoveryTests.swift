import CorsscanCore
@testable import CorsscanInput
import Foundation
import XCTest

final class InputDiscoveryTests: XCTestCase {
    func testNestedDirectoriesSortedAndMarkerSkipped() throws {
        let dir = TempDir()
        dir.write("logs/b/000001.gz", "x")
        dir.write("logs/b/000000.gz", "x")
        dir.write("logs/a/z.log", "x")
        dir.write("logs/.hidden", "x")
        dir.write("logs/aws-logs-write-test", "Permission Check Successful")
        dir.write("logs/B.log", "x")
        let d = InputDiscovery.discover([dir.path + "/logs", "-", dir.path + "/logs/a/z.log", dir.path + "/logs/"])
        let root = dir.path + "/logs/"
        XCTAssertEqual(d.files, ["-", root + ".hidden", root + "B.log", root + "a/z.log", root + "b/000000.gz", root + "b/000001.gz"].map {
            $0.replacingOccurrences(of: "/logs//", with: "/logs/")
        } )
        XCTAssertTrue(d.problems.isEmpty)
    }

    /// One file under several paths (a logrotate `current` symlink, `a//b`, a relative
    /// and an absolute path) is read once, under its first path in byte order.
    func testSameFileUnderSeveralPathsIsListedOnce() throws {
        let dir = TempDir()
        let a = dir.write("logs/a.log", "x")
        let b = dir.write("logs/b.log", "x")
        XCTAssertEqual(symlink(a, dir.path + "/logs/current"), 0)
        XCTAssertEqual(link(b, dir.path + "/hard.log"), 0)
        for order in [[dir.path + "/logs", dir.path + "/logs//a.log", dir.path + "/hard.log"],
                      [dir.path + "/hard.log", dir.path + "/logs//a.log", dir.path + "/logs"]] {
            let d = InputDiscovery.discover(order)
            XCTAssertEqual(d.files, [dir.path + "/hard.log", dir.path + "/logs//a.log"], "\(order)")
            XCTAssertEqual(d.sameFile, [a, b, dir.path + "/logs/current"], "\(order)")
        }
    }

    func testMissingPathIsAProblemOthersListed() throws {
        let dir = TempDir()
        let a = dir.write("a.log", "x")
        let d = InputDiscovery.discover([dir.path + "/nope", a, a + "/below", a])
        XCTAssertEqual(d.files, [a])
        // Problems sorted by path like the files.
        XCTAssertEqual(d.problems.map(\.path), [a + "/below", dir.path + "/nope"])
        XCTAssertTrue(d.problems[0].error.message.contains("Not a directory"), d.problems[0].error.message)
        XCTAssertEqual(d.problems[1].error.kind, .unreadable)
        XCTAssertEqual(d.problems[1].error.offset, 0)
        XCTAssertTrue(d.problems[1].error.message.contains("No such file"), d.problems[1].error.message)
    }

    func testSymlinkLoopTerminates() throws {
        let dir = TempDir()
        let f = dir.write("top/sub/file.log", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/top/sub/loop", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/top/self", withDestinationPath: dir.path + "/top/self")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/top/link.log", withDestinationPath: "sub/file.log")
        let d = InputDiscovery.discover([dir.path + "/top"])
        // link.log is file.log: listed once, under the first path.
        XCTAssertEqual(d.files, [dir.path + "/top/link.log"])
        XCTAssertEqual(d.sameFile, [f])
        // The self-referencing link cannot be resolved: reported, not fatal.
        XCTAssertEqual(d.problems.map(\.path), [dir.path + "/top/self"])
    }

    func testUnreadableSubdirectory() throws {
        guard getuid() != 0 else { throw XCTSkip("root can read everything") }
        let dir = TempDir()
        dir.write("d/locked/x.log", "x")
        let ok = dir.write("d/ok.log", "x")
        chmod(dir.path + "/d/locked", 0)
        defer { chmod(dir.path + "/d/locked", 0o755) }
        let d = InputDiscovery.discover([dir.path + "/d"])
        XCTAssertEqual(d.files, [ok])
        XCTAssertEqual(d.problems.map(\.path), [dir.path + "/d/locked"])
    }
}
