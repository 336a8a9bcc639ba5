import XCTest
@testable import CorsscanCore

final class TimestampTests: XCTestCase {
    let t0: Int64 = 1_795_254_312_000  // 2026-11-21T09:45:12Z (reference running example)

    func testCLF() {
        XCTAssertEqual(Timestamp.parse("21/Nov/2026:09:45:12 +0000"), t0)
        XCTAssertEqual(Timestamp.parse("21/Nov/2026:10:45:12 +0100"), t0)
        XCTAssertEqual(Timestamp.parse("21/nov/2026:09:45:12"), t0)
        XCTAssertNil(Timestamp.parse("32/Nov/2026:09:45:12 +0000"))
        XCTAssertNil(Timestamp.parse("21/Foo/2026:09:45:12 +0000"))
        // The last instant with a four-digit year, and past it (it would print as year 10000).
        XCTAssertEqual(Timestamp.parse("31/Dec/9999:23:59:59 +0000"), Timestamp.maxMillis - 1000)
        XCTAssertNil(Timestamp.parse("31/Dec/9999:23:59:59 -1400"))
        XCTAssertNil(Timestamp.parse("9999-12-31T23:00:00-02:00"))
    }

    func testISO() {
        XCTAssertEqual(Timestamp.parse("2026-11-21T09:45:12.345Z"), t0 + 345)
        XCTAssertEqual(Timestamp.parse("2026-11-21T09:45:12Z"), t0)
        XCTAssertEqual(Timestamp.parse("2026-11-21T09:45:12"), t0)
        XCTAssertEqual(Timestamp.parse("2026-11-21 09:45:12.345"), t0 + 345)
        XCTAssertEqual(Timestamp.parse("2026-11-21T09:45:12.345000+00:00"), t0 + 345)
        XCTAssertEqual(Timestamp.parse("2026-11-21T10:45:12+01:00"), t0)
        XCTAssertEqual(Timestamp.parse("2026-11-21T10:45:12+0100"), t0)
        XCTAssertEqual(Timestamp.parse("2026-11-21T09:45"), t0 - 12_000)
        XCTAssertEqual(Timestamp.parse("2026-11-21"), 1_795_219_200_000)
        XCTAssertNil(Timestamp.parse("2026-13-21T09:45:12Z"))
        XCTAssertNil(Timestamp.parse("2026-02-30T09:45:12Z"))
        XCTAssertNil(Timestamp.parse("2026-11-21T09:45:12Zjunk"))
    }

    func testEpochByMagnitude() {
        XCTAssertEqual(Timestamp.parse("1795254312"), t0)
        XCTAssertEqual(Timestamp.parse("1795254312345"), t0 + 345)
        XCTAssertEqual(Timestamp.parse("1795254312345678"), t0 + 345)
        XCTAssertEqual(Timestamp.parse("1795254312.345"), t0 + 345)
        XCTAssertNil(Timestamp.parse("99999999999999999999"))
        XCTAssertNil(Timestamp.parse("12x"))
        XCTAssertNil(Timestamp.parse(""))
    }

    /// The digit-by-digit formatting agrees with zero-padded decimal fields everywhere,
    /// including the years it leaves to the general path (before 0000, after 9999).
    func testISO8601MatchesPaddedFields() {
        func padded(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        var rng = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, -1, 999, 1000, 86_399_999, -62_167_219_200_000, -62_167_219_200_001,
                              253_402_300_799_999, 253_402_300_800_000]
        for ms in edges + (0..<2000).map({ _ in Int64.random(in: -70_000_000_000_000...300_000_000_000_000, using: &rng) }) {
            let c = Timestamp.civil(ms)
            let want = "\(padded(c.year, 4))-\(padded(c.month, 2))-\(padded(c.day, 2))T\(padded(c.hour, 2)):"
                + "\(padded(c.minute, 2)):\(padded(c.second, 2)).\(padded(c.millis, 3))Z"
            XCTAssertEqual(Timestamp.iso8601(ms), want, "\(ms)")
        }
        XCTAssertEqual(Timestamp.iso8601(253_402_300_799_999), "9999-12-31T23:59:59.999Z")
        XCTAssertEqual(Timestamp.iso8601(253_402_300_800_000), "10000-01-01T00:00:00.000Z")
    }

    func testFormatRoundTrip() {
        XCTAssertEqual(Timestamp.iso8601(t0 + 5), "2026-11-21T09:45:12.005Z")
        XCTAssertEqual(Timestamp.iso8601(0), "1970-01-01T00:00:00.000Z")
        for ms in stride(from: Int64(0), to: 4_000_000_000_000, by: 97_654_321_987) {
            XCTAssertEqual(Timestamp.parse(Timestamp.iso8601(ms)), ms)
        }
    }
}

final class AccessRecordTests: XCTestCase {
    func testFieldsRoundTripAndDashIsMissing() {
        var b = AccessRecordBuilder()
        b.set(.userAgent, Array("Mozilla/5.0 \"quoted\"".utf8))
        b.set(.sourceIP, Array("203.0.113.25".utf8))
        b.set(.errorType, Array("-".utf8))
        b.set(.integrationError, Array("last".utf8))
        b.method = HTTPMethod(bytes: Array("options".utf8))
        let r = b.build(location: SourceLocation(input: 0, line: 7))
        XCTAssertEqual(r.string(.sourceIP), "203.0.113.25")
        XCTAssertEqual(r.string(.userAgent), "Mozilla/5.0 \"quoted\"")
        XCTAssertNil(r.string(.errorType))
        XCTAssertEqual(r.string(.integrationError), "last")
        XCTAssertEqual(r.method, .options)
        XCTAssertEqual(AccessRecord.Field.allCases.count, 14, "FieldEnds holds 14 offsets")
    }

    func testMethods() {
        for m in HTTPMethod.allCases where m != .none && m != .other {
            XCTAssertEqual(HTTPMethod(m.text), m)
            XCTAssertEqual(HTTPMethod(m.text.lowercased()), m)
        }
        XCTAssertEqual(HTTPMethod("-"), HTTPMethod.none)
        XCTAssertEqual(HTTPMethod("PROPFIND"), .other)
        XCTAssertEqual(HTTPMethod("GETX"), .other)
    }
}
