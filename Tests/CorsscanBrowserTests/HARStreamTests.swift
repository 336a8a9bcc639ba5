import CorsscanCore
import XCTest

#if canImport(Glibc)
import Glibc
#endif

@testable import CorsscanBrowser

/// HAR documents streamed entry by entry: chunk boundaries, member order, truncation,
/// damage, limits and bodies too large to hold.
final class HARStreamTests: XCTestCase {
    typealias Read = (UnsafeMutableRawBufferPointer) throws(InputError) -> Int

    /// A reader over `bytes` giving at most `chunk` bytes a call, then `error` (if any).
    static func reader(_ bytes: [UInt8], chunk: Int, error: InputError? = nil) -> Read {
        var at = 0
        return { (out: UnsafeMutableRawBufferPointer) throws(InputError) -> Int in
            let n = min(chunk, out.count, bytes.count - at)
            if n == 0, let error { throw error }
            bytes.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + at, byteCount: n) }
            at += n
            return n
        }
    }

    func stream(_ doc: String, chunk: Int = 1 << 16, error: InputError? = nil, maxEntries: Int = HARReader.maxEntries,
                maxKeptBytes: Int = HARReader.maxKeptBytes) -> ([BrowserReport], InputStats) {
        var stats = InputStats(path: "x.har", kind: .browserReport, format: "har")
        let r = HARReader.read(from: Self.reader(Array(doc.utf8), chunk: chunk, error: error), input: 5, stats: &stats,
                               maxEntries: maxEntries, maxKeptBytes: maxKeptBytes)
        XCTAssertEqual(stats.lines, stats.records + stats.skippedTotal, "accounting")
        return (r, stats)
    }

    func whole(_ doc: String) -> ([BrowserReport], InputStats) {
        var stats = InputStats(path: "x.har", kind: .browserReport, format: "har")
        var t = doc
        let r = t.withUTF8 { HARReader.read($0, input: 5, stats: &stats) }
        return (r, stats)
    }

    /// Everything a run reports about an input, as text to compare.
    func same(_ a: ([BrowserReport], InputStats), _ b: ([BrowserReport], InputStats), _ context: String,
              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(String(describing: a.0), String(describing: b.0), context, file: file, line: line)
        XCTAssertEqual(String(describing: a.1), String(describing: b.1), context, file: file, line: line)
    }

    static let request = #"{"request":{"method":"GET","url":"https://api.example.com/n","headers":[{"name":"Origin","value":"https://app.example.com"}]},"response":{"status":200,"headers":[]},"startedDateTime":"2026-11-21T09:45:12.000Z"}"#
    static let plain = #"{"request":{"method":"GET","url":"https://app.example.com/"},"response":{"status":200}}"#

    func har(_ entries: [String]) -> String {
        #"{"log":{"version":"1.2","entries":["# + entries.joined(separator: ",") + "]}}"
    }

    func testChunkBoundariesDoNotMatter() {
        let expected = whole(harFixture)
        XCTAssertEqual(expected.0.count, 3)
        for chunk in [1, 2, 3, 7, 64, 1000, 1 << 20] {
            same(stream(harFixture, chunk: chunk), expected, "chunk \(chunk)")
        }
    }

    func testMembersInAnyOrder() {
        let expected = whole(harFixture)
        let entries = harFixture[harFixture.range(of: #""entries":["#)!.upperBound...]
            .dropLast(4)  // "]}}\n"
        let decoy = #""x":{"log":{"entries":[\#(Self.request)]}},"comment":"{\"log\":{\"entries\":[","#
        let docs = [
            // pages and creator after entries, an escaped key, decoys before the real log.
            #"{\#(decoy)"log" : {"entr\u0069es" :[\#(entries)] ,"pages":[{"id":"p]}"}],"creator":{"name":"x"},"version":"1.2"}}"#,
            #"{"log":{"entries":[\#(entries)],"version":"1.2"},"entries":[\#(Self.request)],"log2":{}}"#,
            // A second log or entries member is ignored (lookups take the first).
            #"{"log":{"entries":[\#(entries)],"entries":[\#(Self.request)]},"log":{"entries":[]}}"#,
            "\u{FEFF}\n\t{ \"log\" :\r\n{ \"entries\" : [ \(entries) ] } }  \n",
        ]
        for (i, d) in docs.enumerated() {
            same(stream(d, chunk: 5), expected, "doc \(i)")
        }
    }

    func testStringsWithJSONPunctuation() {
        let value = #"https://app.example.com/{}[]\"\\,:\u0022"#
        let e = #"{"request":{"method":"GET","url":"https://api.example.com/{x}","headers":[{"name":"Origin","value":"https://app.example.com"}]},"response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"\#(value)"}],"content":{"text":"]}]}{\"[\\"}},"_initiator":{"type":"script","url":"}]"}}"#
        for chunk in [1, 3, 1 << 16] {
            let (r, s) = stream(har([e, e]), chunk: chunk)
            XCTAssertNil(s.error)
            XCTAssertEqual(s.lines, 2)
            XCTAssertEqual(r.count, 2)
            XCTAssertEqual(r.first?.allowOriginSeen, #"https://app.example.com/{}[]"\,:""#)
        }
    }

    /// Cut at every third byte: the complete entries before the cut are used, the error names the
    /// truncation, and the count of entries read only grows with the cut.
    func testTruncatedAtEveryByte() {
        let full = Array(harFixture.utf8)
        var last: Int64 = 0
        for k in stride(from: 0, to: full.count, by: 3) {
            let cut = String(decoding: full[..<k], as: UTF8.self)
            let (_, s) = stream(cut, chunk: 7)
            XCTAssertEqual(s.error?.kind, .truncated, "cut at \(k)")
            XCTAssertTrue(s.error?.message.hasSuffix("entries read") ?? false, "\(String(describing: s.error))")
            let read = s.lines - s.skipped[.truncated, default: 0]
            XCTAssertGreaterThanOrEqual(read, last, "cut at \(k)")
            last = read
        }
        XCTAssertEqual(last, 7)
        XCTAssertNil(stream(String(decoding: full, as: UTF8.self)).1.error)
    }

    func testTruncatedInsideAnEntryUsesTheEntriesBefore() {
        let doc = har([Self.request, Self.plain, Self.request])
        let cut = String(doc.prefix(doc.count - 30))
        let (r, s) = stream(cut)
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(s.lines, 3)
        XCTAssertEqual(s.records, 1)
        XCTAssertEqual(s.skipped[.notCORS], 1)
        XCTAssertEqual(s.skipped[.truncated], 1)
        XCTAssertEqual(s.error?.kind, .truncated)
        XCTAssertEqual(s.error?.message, "the HAR ends inside entry 3; 2 entries read")
        // Between entries and before the closing brackets: no partial entry.
        XCTAssertEqual(stream(String(doc.dropLast(3))).1.error?.message, "the HAR ends inside log.entries after entry 3; 3 entries read")
        XCTAssertEqual(stream(String(doc.dropLast(1))).1.error?.message, "the HAR ends before its closing brackets; 3 entries read")
        let between = String(doc.prefix(doc.count - 3 - Self.request.count))
        XCTAssertEqual(stream(between).1.error?.message, "the HAR ends inside log.entries after entry 2; 2 entries read")
        XCTAssertEqual(stream(between).1.lines, 2)
    }

    /// A read error (a damaged gzip) ends the input: the entries before it are used and the
    /// read error, not the truncation it causes, is recorded.
    func testReadErrorIsRecordedAfterTheEntriesBeforeIt() {
        let doc = har([Self.request, Self.request, Self.request])
        let gz = InputError(.truncatedGzip, offset: 99, "gzip member starting at byte 0 ends early")
        let (r, s) = stream(String(doc.prefix(doc.count - 30)), chunk: 16, error: gz)
        XCTAssertEqual(r.count, 2)
        XCTAssertEqual(s.error, gz)
        XCTAssertEqual(s.skipped[.truncated], 1)
        // After a complete document too.
        XCTAssertEqual(stream(doc, error: gz).1.error, gz)
        XCTAssertEqual(stream(doc, error: gz).0.count, 3)
    }

    func testSyntaxErrorInALaterEntry() {
        for bad in [#"{"request":{"url":"x" "method":"GET"}}"#, #"{"request":{"url":01}}"#, #"{"request":{"url":"\q"}}"#,
                    #"{"request":{"url":tru}}"#, #"{"request":}"#] {
            let (r, s) = stream(har([Self.request, Self.request, bad, Self.request]), chunk: 3)
            XCTAssertEqual(r.count, 2, bad)
            XCTAssertEqual(s.lines, 3, bad)
            XCTAssertEqual(s.skipped[.malformedJSON], 1, bad)
            XCTAssertEqual(s.error?.kind, .invalid, bad)
        }
        // Outside the entries: no partial entry, still named.
        let (r, s) = stream(#"{"log":{"entries":[\#(Self.request)],"version":1.2.x}}"#)
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(s.lines, 1)
        XCTAssertEqual(s.error?.kind, .invalid)
        // Deep nesting is refused, not recursed into.
        let deep = String(repeating: "[", count: 100_000)
        let d = stream(har([Self.request, deep]))
        XCTAssertEqual(d.1.error?.kind, .invalid)
        XCTAssertEqual(d.0.count, 1)
        // Bytes after the document: one malformed unit, no error.
        let t = stream(har([Self.request]) + "\n}garbage")
        XCTAssertNil(t.1.error)
        XCTAssertEqual(t.1.skipped[.malformedJSON], 1)
    }

    func testTooManyEntriesStopsAndKeepsThoseRead() {
        let doc = har(Array(repeating: Self.request, count: 10))
        let (r, s) = stream(doc, maxEntries: 4)
        XCTAssertEqual(r.count, 4)
        XCTAssertEqual(s.lines, 4)
        XCTAssertEqual(s.error?.kind, .tooLarge)
        XCTAssertEqual(s.error?.message, "HAR with more than 4 entries; the first 4 were read")
        // Exactly at the limit: no error.
        XCTAssertNil(stream(har(Array(repeating: Self.request, count: 4)), maxEntries: 4).1.error)
        // Kept entries over the memory budget; entries without Origin cost nothing.
        let cost = HARReader.Entry(JSONValue.parse(Self.request)!, line: 1).cost
        let mixed = har(Array(repeating: [Self.plain, Self.request], count: 5).flatMap { $0 })
        let (r2, s2) = stream(mixed, maxKeptBytes: 3 * cost)
        XCTAssertEqual(r2.count, 3)
        XCTAssertEqual(s2.lines, 7)
        XCTAssertEqual(s2.error?.kind, .tooLarge)
    }

    func testOversizeEntryIsSkipped() {
        let big = #"{"_initiator":{"stack":["# + String(repeating: "0,", count: HARScanner.maxEntryValues) + "0]}}"
        let (r, s) = stream(har([Self.request, big, Self.request]), chunk: 4096)
        XCTAssertNil(s.error)
        XCTAssertEqual(r.count, 2)
        XCTAssertEqual(s.skipped[.oversizeLine], 1)
        XCTAssertEqual(s.oversizeSample, [2])
    }

    /// Skip samples are the first lines in order, whether the entries were kept or not.
    func testNotCORSSamplesInLineOrder() {
        let pass = #"{"request":{"method":"GET","url":"https://api.example.com/n","headers":[{"name":"Origin","value":"https://app.example.com"}]},"response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"}]}}"#
        let (_, s) = stream(har([pass, Self.plain, pass, pass, Self.plain, Self.plain, pass, Self.request]))
        XCTAssertEqual(s.skipped[.notCORS], 7)
        XCTAssertEqual(s.skipSamples[.notCORS], [1, 2, 3, 4, 5])
    }

    /// A 64 MB response body is streamed past, never held: the entry it is in is still
    /// checked, and the process's peak memory grows by far less than the body.
    func testHugeBodyIsNotHeld() {
        let size = 64 << 20
        let head = Array(#"{"log":{"entries":[{"response":{"status":200,"headers":[],"content":{"text":""#.utf8)
        let pattern = Array(#"{}[]\"\\ab"#.utf8)
        let tail = Array(#""}},"request":{"method":"GET","url":"https://api.example.com/n","headers":[{"name":"Origin","value":"https://app.example.com"}]}},"#.utf8)
            + Array(Self.plain.utf8) + Array("]}}".utf8)
        // The same block over and over (arrays share their storage): nothing is allocated.
        let block = Array(repeating: pattern, count: 6_000).flatMap { $0 }
        let segments = [head] + Array(repeating: block, count: size / block.count) + [tail]
        var (segment, at) = (0, 0)
        let source = { (out: UnsafeMutableRawBufferPointer) throws(InputError) -> Int in
            guard segment < segments.count else { return 0 }
            let n = min(out.count, segments[segment].count - at)
            segments[segment].withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + at, byteCount: n) }
            at += n
            if at == segments[segment].count { (segment, at) = (segment + 1, 0) }
            return n
        }
        let before = Self.maxRSSMiB()
        var stats = InputStats(path: "x.har", kind: .browserReport, format: "har")
        let r = HARReader.read(from: source, input: 0, stats: &stats)
        XCTAssertNil(stats.error)
        XCTAssertEqual(stats.lines, 2)
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(r.first?.failureClass, .missingAllowOrigin)
        XCTAssertLessThan(Self.maxRSSMiB() - before, 32, "the body is not held")
    }

    static func maxRSSMiB() -> Int {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Int(u.ru_maxrss) / 1024
    }
}

extension InputStats {
    fileprivate var oversizeSample: [Int64] { skipSamples[.oversizeLine] ?? [] }
}
