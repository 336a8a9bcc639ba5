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

    /// Times a few seconds apart, in and out of order, across minutes, hours, days and
    /// years, in CLF and ISO forms with zones and fractions: the memo's seconds shortcut
    /// gives what a fresh parse gives, and so do near misses (another minute, zone or
    /// fraction with the same seconds, a leap second, a non-digit in the seconds).
    func testTimestampMemoSecondsShortcut() {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var texts: [String] = []
        var t: Int64 = 1_798_761_540  // 2026-12-31T23:59:00Z
        var step: Int64 = 0
        for i in 0..<400 {
            step = (step * 31 + 7) % 11
            t += step - 3  // mostly forward, sometimes back
            let ms = t * 1000
            let c = Timestamp.civil(ms)
            let clf = "\(two(c.day))/\(months[c.month - 1])/\(c.year):\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
            let date = "\(c.year)-\(two(c.month))-\(two(c.day))", clock = "\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
            let iso = date + "T" + clock
            switch i % 6 {
            case 0, 1: texts.append(clf + " +0000")
            case 2: texts.append(clf + " -0530")
            case 3: texts.append(iso + ".\(100 + i % 7)Z")
            case 4: texts.append(iso + "+01:00")
            default: texts.append(date + " " + clock)
            }
        }
        texts += ["21/Nov/2026:08:00:59 +0000", "21/Nov/2026:08:00:60 +0000", "21/Nov/2026:08:00:07 +0000", "21/Nov/2026:08:00:61 +0000",
                  "21/Nov/2026:08:00:7x +0000", "21/Nov/2026:08:01:07 +0000", "21/Nov/2026:08:01:08 +0100",
                  "2026-11-21T08:00:01.250Z", "2026-11-21T08:00:02.500Z", "2026-11-21T08:00:03.500Z",
                  "31/Feb/2026:08:00:01 +0000", "31/Feb/2026:08:00:02 +0000"]
        var memo = TimestampMemo()
        var nearRepeats = 0
        var previous = ""
        for text in texts + texts.reversed() {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { p in
                XCTAssertEqual(memo.parse(p), Timestamp.parse(buffer: p), text)
            }
            if previous.count == text.count, previous != text { nearRepeats += 1 }
            previous = text
        }
        XCTAssertGreaterThan(nearRepeats, 100)  // texts of one length in a row: the shortcut's cases
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

    /// `HTTPMethod(buffer:)` (word loads, bit 5 cleared) gives what the byte-by-byte
    /// `HTTPMethod(bytes:)` gives: every method in every mix of cases, each with one byte
    /// replaced by every byte value, and random tokens over letters, digits and punctuation.
    func testMethodFromBufferMatchesBytes() {
        var checked = 0
        func check(_ b: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
            let expected = HTTPMethod(bytes: b)
            let fast = b.withUnsafeBufferPointer { HTTPMethod(buffer: $0) }
            XCTAssertEqual(fast, expected, "\(b)", file: file, line: line)
            // The token in the middle of a line, letters around it: only its own bytes count.
            let padded = Array("GETS".utf8) + b + Array("SPUT".utf8)
            let inLine = padded.withUnsafeBufferPointer { HTTPMethod(buffer: UnsafeBufferPointer(rebasing: $0[4..<(4 + b.count)])) }
            XCTAssertEqual(inLine, expected, "\(b) inside a line", file: file, line: line)
            checked += 1
        }
        for m in HTTPMethod.allCases where m != .none && m != .other {
            let word = Array(m.text.utf8)
            for mask in 0..<(1 << word.count) {
                var w = word
                for i in w.indices where mask & (1 << i) != 0 { w[i] |= 0x20 }
                check(w)
                for i in w.indices {
                    for v in 0...255 {
                        var x = w
                        x[i] = UInt8(v)
                        check(x)
                    }
                }
                check(Array(w.dropLast()))
                check(w + [0x53])
            }
        }
        let alphabet = Array("GETHADPOSUCLINRgethadposuclinr-_@`[{09 \u{7F}".utf8) + [0, 0x80, 0xC7, 0xE7]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let n = Int(seed >> 61) + 1  // 1…8
            var b: [UInt8] = []
            var s = seed
            for _ in 0..<n {
                s = s &* 6_364_136_223_846_793_005 &+ 1
                b.append(alphabet[Int(s >> 33) % alphabet.count])
            }
            check(b)
        }
        check([])
        check([ASCII.minus])
        check([0, 0, 0])
        check([0, 0, ASCII.minus])
        // Leading bytes below `A` (the fast path leaves them to the byte loop).
        check([ASCII.space] + Array("GET".utf8))
        check([ASCII.space, ASCII.space, ASCII.space])
        check([0] + Array("get".utf8))
        check([0x40] + Array("PUT".utf8))
        XCTAssertGreaterThan(checked, 400_000)
    }
}
