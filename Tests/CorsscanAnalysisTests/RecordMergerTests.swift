import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

final class RecordMergerTests: XCTestCase {
    func rec(_ input: Int32, _ line: Int64, _ ms: Int64) -> AccessRecord {
        AccessRecord(time: t0 + ms, method: .get, status: 200, location: SourceLocation(input: input, line: line))
    }

    func drain(_ m: RecordMerger) -> [AccessRecord] {
        var out: [AccessRecord] = []
        while let r = m.next() { out.append(r) }
        return out
    }

    func testOutOfOrderWithinSkewIsSorted() {
        let recs = [rec(0, 1, 1000), rec(0, 2, 3000), rec(0, 3, 500), rec(0, 4, 2000), rec(0, 5, 2000), rec(0, 6, 9000)]
        let m = RecordMerger(inputs: [LazyInput(firstTime: t0 + 1000, index: 0, open: { ArraySource(recs) })], maxSkewMs: 5000)
        let out = drain(m)
        XCTAssertEqual(out.map { $0.time - t0 }, [500, 1000, 2000, 2000, 3000, 9000])
        XCTAssertEqual(out.map(\.location.line), [3, 1, 4, 5, 2, 6], "ties keep file order")
        XCTAssertEqual(m.late, 0)
    }

    /// A flood inside one skew interval is not held whole: the buffers stay within
    /// `maxBuffered`, records still come out in order, and the early releases are counted.
    func testReorderBuffersAreBounded() {
        final class Counting: RecordSource {
            let records: [AccessRecord]
            var i = 0
            init(_ r: [AccessRecord]) { records = r }
            func next() -> AccessRecord? { defer { i += 1 }; return i < records.count ? records[i] : nil }
            func close() {}
        }
        let a = Counting((0..<1000).map { rec(0, Int64($0 + 1), Int64($0 / 10)) })
        let b = Counting((0..<1000).map { rec(1, Int64($0 + 1), Int64($0 / 10)) })
        let m = RecordMerger(inputs: [LazyInput(firstTime: t0, index: 0, open: { a }),
                                      LazyInput(firstTime: t0, index: 1, open: { b })],
                             maxSkewMs: 60_000, maxBuffered: 50)
        var out: [AccessRecord] = []
        while let r = m.next() {
            out.append(r)
            XCTAssertLessThanOrEqual(min(a.i, 1000) + min(b.i, 1000) - out.count, 51, "held at once")
        }
        XCTAssertEqual(out.count, 2000)
        XCTAssertEqual(out.map(\.time), out.map(\.time).sorted(), "in time order")
        XCTAssertGreaterThan(m.releasedEarly, 0)
        XCTAssertEqual(m.late, 0)
        // One input alone (pulled in a loop, not through the heap) keeps the same bound.
        let one = Counting((0..<1000).map { rec(0, Int64($0 + 1), Int64($0 / 10)) })
        let single = RecordMerger(inputs: [LazyInput(firstTime: t0, index: 0, open: { one })],
                                  maxSkewMs: 60_000, maxBuffered: 50)
        var n = 0
        while single.next() != nil {
            n += 1
            XCTAssertLessThanOrEqual(min(one.i, 1000) - n, 50, "held at once, one input")
        }
        XCTAssertEqual(n, 1000)
        XCTAssertEqual(single.releasedEarly, 1000 - 49, "all but the 49 held when the input ended (as through the heap)")
        // Without the bound the same input is held whole and released in order, none early.
        let c = RecordMerger(inputs: [LazyInput(firstTime: t0, index: 0, open: { ArraySource((0..<1000).map { self.rec(0, Int64($0 + 1), Int64($0 / 10)) }) })],
                             maxSkewMs: 60_000)
        XCTAssertEqual(drain(c).count, 1000)
        XCTAssertEqual(c.releasedEarly, 0)
    }

    /// An input not opened yet becomes due while the only open one is being pulled: it opens
    /// before that one's next record goes, so its early record (earlier than its peeked first
    /// time, beyond the peek) still comes out in order.
    func testWaitingInputOpensBeforeTheOpenOneReleasesMore() {
        let a = [rec(0, 1, 0), rec(0, 2, 10_000), rec(0, 3, 20_000)]
        let b = (0..<16).map { rec(1, Int64($0 + 1), 12_000) } + [rec(1, 17, 9_000), rec(1, 18, 30_000)]
        let m = RecordMerger(inputs: [LazyInput(firstTime: t0, index: 0, open: { ArraySource(a) }),
                                      LazyInput(firstTime: t0 + 12_000, index: 1, open: { ArraySource(b) })],
                             maxSkewMs: 5000)
        let out = drain(m)
        XCTAssertEqual(out.map { $0.time - t0 }, [0, 9_000, 10_000] + Array(repeating: 12_000, count: 16) + [20_000, 30_000])
        XCTAssertEqual(m.late, 0)
    }

    func testLateBeyondSkewIsCountedAndStillReturned() {
        let recs = [rec(0, 1, 0), rec(0, 2, 10_000), rec(0, 3, 20_000), rec(0, 4, 1_000)]
        let m = RecordMerger(inputs: [LazyInput(firstTime: t0, index: 0, open: { ArraySource(recs) })], maxSkewMs: 5000)
        let out = drain(m)
        XCTAssertEqual(out.count, 4)
        XCTAssertEqual(m.late, 1)
        XCTAssertEqual(m.lateByInput[0], 1)
    }

    func testInterleavedFilesMergeByTime() {
        let a = [rec(0, 1, 0), rec(0, 2, 200), rec(0, 3, 400)]
        let b = [rec(1, 1, 100), rec(1, 2, 300), rec(1, 3, 500)]
        let m = RecordMerger(inputs: [
            LazyInput(firstTime: t0 + 100, index: 1, open: { ArraySource(b) }),
            LazyInput(firstTime: t0, index: 0, open: { ArraySource(a) }),
        ], maxSkewMs: 5000)
        XCTAssertEqual(drain(m).map { $0.time - t0 }, [0, 100, 200, 300, 400, 500])
    }

    func testManyFilesWithSmallOpenBound() {
        // 200 hourly files: never more than the bound open, every record returned in order.
        var inputs: [LazyInput] = []
        var openNow = 0, maxOpenNow = 0
        for f in 0..<200 {
            let recs = (0..<5).map { rec(Int32(f), Int64($0 + 1), Int64(f) * 3_600_000 + Int64($0) * 1000) }
            inputs.append(LazyInput(firstTime: recs[0].time, index: Int32(f), open: {
                openNow += 1
                maxOpenNow = max(maxOpenNow, openNow)
                return ArraySource(recs, onClose: { openNow -= 1 })
            }))
        }
        let m = RecordMerger(inputs: inputs.reversed(), maxSkewMs: 5000, maxOpen: 4)
        let out = drain(m)
        XCTAssertEqual(out.count, 1000)
        XCTAssertEqual(out.map(\.time), out.map(\.time).sorted())
        XCTAssertLessThanOrEqual(maxOpenNow, 4)
        XCTAssertLessThanOrEqual(m.maxOpenSeen, 4)
        XCTAssertEqual(m.late, 0)
    }

    func testInputsDelayedByTheOpenBoundAreCounted() {
        // Three files covering the same minute, at most one open: two are merged late.
        let inputs = (0..<3).map { f in
            let recs = (0..<5).map { rec(Int32(f), Int64($0 + 1), Int64($0) * 10_000) }
            return LazyInput(firstTime: recs[0].time, index: Int32(f), open: { ArraySource(recs) })
        }
        let m = RecordMerger(inputs: inputs, maxSkewMs: 5000, maxOpen: 1)
        XCTAssertEqual(drain(m).count, 15)
        XCTAssertEqual(m.delayedInputs, 2)
        XCTAssertGreaterThan(m.late, 0)
        let wide = RecordMerger(inputs: inputs, maxSkewMs: 5000, maxOpen: 3)
        XCTAssertEqual(drain(wide).count, 15)
        XCTAssertEqual(wide.delayedInputs, 0)
        XCTAssertEqual(wide.late, 0)
    }

    func testMergedStreamCorrelatesAcrossFiles() {
        // Preflight in one file (one log stream), its follow-up in another.
        var a = RecordScript(input: 0)
        a.add(0, .options, "/orders", 204)
        a.add(20_000, .get, "/health", 200)
        var b = RecordScript(input: 1)
        b.add(150, .post, "/orders", 201)
        let m = RecordMerger(inputs: [
            LazyInput(firstTime: a.records[0].time, index: 0, open: { ArraySource(a.records) }),
            LazyInput(firstTime: b.records[0].time, index: 1, open: { ArraySource(b.records) }),
        ], maxSkewMs: 5000)
        let c = Correlator()
        while let r = m.next() { c.add(r) }
        c.finish()
        XCTAssertTrue(c.incidents.isEmpty)
        XCTAssertEqual(c.totals.followed, 1)
    }
}
