import XCTest
@testable import CorsscanCore

/// The word-at-a-time helpers and caches of the per-line path against plain code.
final class HotPathTests: XCTestCase {
    /// Every length from 0 to 80, every position of a single differing byte.
    func testSmallBytesEqualAndCopyMatchPlainLoops() {
        let source = (0..<96).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for n in 0...80 {
            source.withUnsafeBufferPointer { src in
                var dst = [UInt8](repeating: 0xEE, count: n + 16)
                dst.withUnsafeMutableBufferPointer { d in SmallBytes.copy(d.baseAddress!, src.baseAddress!, n) }
                XCTAssertEqual(Array(dst[0..<n]), Array(source[0..<n]), "copy of \(n)")
                XCTAssertTrue(dst[n...].allSatisfy { $0 == 0xEE }, "copy of \(n) wrote past its end")
                dst.withUnsafeBufferPointer { d in
                    XCTAssertTrue(SmallBytes.equal(d.baseAddress!, src.baseAddress!, n), "equal \(n)")
                }
                for k in 0..<n {
                    var other = Array(source[0..<n]) + [0]
                    other[k] ^= 0x20
                    other.withUnsafeBufferPointer { o in
                        XCTAssertFalse(SmallBytes.equal(o.baseAddress!, src.baseAddress!, n), "differs at \(k) of \(n)")
                    }
                }
            }
        }
    }

    /// The memo gives what a fresh parse gives, for repeats, near-repeats, long texts
    /// (not memoised) and unparseable ones.
    func testTimestampMemoAgreesWithParse() {
        let texts = [
            "21/Nov/2026:08:00:00 +0000", "21/Nov/2026:08:00:00 +0000", "21/Nov/2026:08:00:01 +0000",
            "21/Nov/2026:08:00:00 +0000", "1795248000034", "1795248000034", "1795248000035", "1795248000",
            "2026-11-21T08:00:02.758Z", "2026-11-21T08:00:02.758000000+00:00 with a long tail", "not a time",
            "not a time", "", "21/Nov/2026:08:00:00 +000", "21/Nov/2026:08:00:00 +0000 ", "99999999999999999999",
        ]
        var memo = TimestampMemo()
        for t in texts + texts.reversed() {
            let bytes = Array(t.utf8)
            bytes.withUnsafeBufferPointer { p in
                XCTAssertEqual(memo.parse(p), Timestamp.parse(buffer: p), t)
            }
        }
    }

    /// Nanoseconds (19 digits) parse; past what Int64 holds is refused, not wrapped.
    func testEpochDigitCounts() {
        XCTAssertEqual(Timestamp.parse("1795254312345678901"), 1_795_254_312_345)
        XCTAssertNil(Timestamp.parse("17952543123456789012"))
        XCTAssertNil(Timestamp.parse("9999999999999999999"))
    }

    /// A builder copied mid-record is a value: setting a field on one leaves the other alone,
    /// also when the scratch has to grow.
    func testBuilderCopiesAreIndependent() {
        var a = AccessRecordBuilder()
        a.set(.sourceIP, Array("203.0.113.9".utf8))
        var b = a
        b.set(.sourceIP, Array("198.51.100.7".utf8))
        b.set(.userAgent, Array(repeating: UInt8(ascii: "x"), count: 5000))
        a.set(.path, Array("/a".utf8))
        a.method = .get; a.time = 1
        b.method = .post; b.time = 2
        let ra = a.build(location: SourceLocation(input: 0, line: 1))
        let rb = b.build(location: SourceLocation(input: 0, line: 2))
        XCTAssertEqual(ra.string(.sourceIP), "203.0.113.9")
        XCTAssertNil(ra.string(.userAgent))
        XCTAssertEqual(ra.string(.path), "/a")
        XCTAssertEqual(rb.string(.sourceIP), "198.51.100.7")
        XCTAssertEqual(rb.bytes(.userAgent).count, 5000)
        XCTAssertNil(rb.string(.path))
        // Reset keeps nothing of the last record.
        a.reset()
        XCTAssertFalse(a.has(.sourceIP))
        XCTAssertTrue(a.bytes(.path).isEmpty)
    }
}
