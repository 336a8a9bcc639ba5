import Foundation
import XCTest
import CorsscanCore
import CorsscanInput
@testable import CorsscanCommand

/// The threaded `AccessLogSource` (inflate and decode threads, batches one way, used records
/// and their arrays the other) yields exactly what decoding inline does.
final class AccessLogSourceTests: XCTestCase {
    private func open(_ path: String, threaded: Bool) throws -> AccessLogSource {
        let source = try ByteSource(path: path)
        let (plan, kind, format) = try InputProbe.plan(for: source, path: path, template: nil)
        guard case .accessLines = plan else { throw XCTSkip("not planned as access-log lines") }
        return AccessLogSource(source: source, index: 0, stats: InputStats(path: path, kind: kind, format: format),
                               plan: plan, template: nil, since: nil, until: nil, threaded: threaded) { _ in }
    }

    private struct Seen: Equatable {
        var time: Int64, line: Int64, status: UInt16, path: [UInt8]
    }

    func testThreadedWithHandBackMatchesInline() throws {
        // Several batches (512 records each) plus a partial one, with a few lines to skip.
        var text = ""
        for i in 0..<3_000 {
            if i % 701 == 5 { text += "not a log line\n"; continue }
            let s = i % 50
            text += "198.51.100.\(i % 200) - - [21/Nov/2026:08:\(String(format: "%02d", (i / 60) % 60)):\(String(format: "%02d", i % 60)) +0000] "
                + "\"\(i % 3 == 0 ? "OPTIONS" : "GET") /orders/\(i) HTTP/1.1\" \(s == 7 ? 403 : 200) 12 req-\(i) ext\(i)=\n"
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corsscan-als-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("access.log").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        func seen(_ r: AccessRecord) -> Seen {
            Seen(time: r.time, line: r.location.line, status: r.status, path: Array(r.bytes(.resourcePath)))
        }
        let inline = try open(path, threaded: false)
        var want: [Seen] = []
        while let r = inline.next() { want.append(seen(r)) }
        inline.close()

        let threaded = try open(path, threaded: true)
        var used = UsedRecords(inputs: 1)
        used.opened(threaded)
        var got: [Seen] = []
        while let r = threaded.next() {
            got.append(seen(r))
            used.add(r)  // handed back 512 at a time, released on the decode thread
        }
        threaded.close()
        used.closed(0)

        XCTAssertGreaterThan(want.count, 2 * AccessLogSource.batchSize)
        XCTAssertEqual(got, want)
        XCTAssertEqual(threaded.stats.lines, inline.stats.lines)
        XCTAssertEqual(threaded.stats.records, inline.stats.records)
        XCTAssertEqual(threaded.stats.records, Int64(want.count))
    }
}
