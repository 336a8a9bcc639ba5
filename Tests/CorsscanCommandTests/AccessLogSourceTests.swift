import Foundation
import XCTest
import CorsscanCore
import CorsscanInput
import CorsscanAccessLog
import CorsscanAnalysis
@testable import CorsscanCommand

/// The threaded `AccessLogSource` (inflate and decode threads, batches one way, used records
/// and their arrays the other) yields exactly what decoding inline does; fieldless records
/// change no verdict.
final class AccessLogSourceTests: XCTestCase {
    private func open(_ path: String, threaded: Bool, fieldless: Bool = false,
                      template: LogTemplate? = nil) throws -> AccessLogSource {
        let source = try ByteSource(path: path)
        let (plan, kind, format) = try InputProbe.plan(for: source, path: path, template: template)
        switch plan {
        case .accessLines, .accessObjects: break
        default: throw XCTSkip("not planned as access logs")
        }
        return AccessLogSource(source: source, index: 0, stats: InputStats(path: path, kind: kind, format: format),
                               plan: plan, template: template, since: nil, until: nil, threaded: threaded,
                               fieldless: fieldless) { _ in }
    }

    /// Every access log of SampleLogs (each preset, CloudWatch export, Firehose, the
    /// hand-written edge cases) correlated from full records and from records built
    /// fieldless where `Correlator.needsFields` allows gives the same incidents, totals and
    /// duplicates, and the fieldless ones are the records that neither preflight nor fail.
    func testFieldlessRecordsChangeNoVerdict() throws {
        let root = CLI.repoRoot.appendingPathComponent("SampleLogs")
        let format = try String(contentsOf: CLI.repoRoot.appendingPathComponent("docs/sample-stage-format.txt"), encoding: .utf8)
        let template = try LogTemplate(format.trimmingCharacters(in: .newlines))
        var files: [String] = []
        for case let u as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
        where !u.hasDirectoryPath && !u.path.contains("/browser/") && !u.path.contains("rest-exec-log") {
            files.append(u.path)
        }
        var fieldlessSeen = 0, filesRun = 0, incidentsSeen = 0
        for path in files.sorted() {
            func correlate(fieldless: Bool) throws -> (Correlator, Int) {
                let source = try open(path, threaded: false, fieldless: fieldless,
                                      template: path.hasSuffix("custom-09.log.gz") ? template : nil)
                let c = Correlator(options: AnalysisOptions())
                var without = 0
                while let r = source.next() {
                    if !r.hasFields {
                        without += 1
                        XCTAssertFalse(Correlator.needsFields(method: r.method, status: r.status), path)
                    } else if fieldless {
                        XCTAssertTrue(Correlator.needsFields(method: r.method, status: r.status), path)
                    }
                    c.add(r)
                }
                source.close()
                c.finish()
                return (c, without)
            }
            let (full, none) = try correlate(fieldless: false)
            let (lean, without) = try correlate(fieldless: true)
            XCTAssertEqual(none, 0)
            XCTAssertEqual(lean.incidents, full.incidents, path)
            XCTAssertEqual(lean.totals, full.totals, path)
            XCTAssertEqual(lean.duplicates.mapValues(\.count), full.duplicates.mapValues(\.count), path)
            XCTAssertEqual(lean.duplicates.mapValues(\.lines), full.duplicates.mapValues(\.lines), path)
            fieldlessSeen += without
            incidentsSeen += full.incidents.count
            filesRun += 1
        }
        XCTAssertGreaterThanOrEqual(filesRun, 12, "SampleLogs' access logs")
        XCTAssertGreaterThan(incidentsSeen, 50)
        XCTAssertGreaterThan(fieldlessSeen, 1_000, "most successful requests are built fieldless")
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
