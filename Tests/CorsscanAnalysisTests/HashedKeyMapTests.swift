import XCTest
@testable import CorsscanAnalysis

/// The correlator's hash map and key hash against the standard library as the oracle.
final class HashedKeyMapTests: XCTestCase {
    /// Random inserts, overwrites and removals (clustered keys force long probe runs and
    /// backward shifts across the table's end; growth and shrinking happen on the way). Each
    /// entry's tag travels with it through every shift and resize.
    func testMatchesDictionaryUnderRandomOperations() {
        var rng = TestRandom(seed: 42)
        for round in 0..<4 {
            var map = HashedKeyMap<Int64>()
            var oracle: [UInt64: Int64] = [:]
            var tags: [UInt64: UInt64] = [:]
            let keySpace: UInt64 = [50, 500, 5000, 1 << 40][round]
            for step in 0..<60_000 {
                // Key 0 is legal too (stored under a substitute).
                let k = rng.next() % keySpace &* (round == 1 ? 1 << 58 : 1)
                switch rng.next() % 10 {
                case 0..<2:
                    map[k] = Int64(step)
                    oracle[k] = Int64(step)
                    tags[k] = 0
                case 2..<5:
                    map.set(k, Int64(step), tag: UInt64(step) * 3 + 1)
                    oracle[k] = Int64(step)
                    tags[k] = UInt64(step) * 3 + 1
                case 5..<8:
                    XCTAssertEqual(map.removeValue(forKey: k), oracle.removeValue(forKey: k))
                    tags[k] = nil
                default:
                    XCTAssertEqual(map[k], oracle[k])
                    XCTAssertEqual(map.tag(forKey: k), tags[k])
                }
                XCTAssertEqual(map.count, oracle.count)
                if step % 20_000 == 19_999 {
                    // Drain most entries so the table shrinks, then check every survivor.
                    for key in oracle.keys where rng.next() % 8 != 0 {
                        XCTAssertEqual(map.removeValue(forKey: key), oracle.removeValue(forKey: key))
                        tags[key] = nil
                    }
                    for (key, v) in oracle {
                        XCTAssertEqual(map[key], v)
                        XCTAssertEqual(map.tag(forKey: key), tags[key])
                    }
                    XCTAssertEqual(map.count, oracle.count)
                }
            }
            for (key, v) in oracle {
                XCTAssertEqual(map[key], v, "round \(round)")
                XCTAssertEqual(map.tag(forKey: key), tags[key], "round \(round)")
            }
        }
    }

    func testRemoveAllAndMissingKeys() {
        var map = HashedKeyMap<String>()
        XCTAssertNil(map[7])
        XCTAssertNil(map.tag(forKey: 7))
        XCTAssertNil(map.removeValue(forKey: 7))
        map[7] = "a"
        map[0] = "zero"
        XCTAssertEqual(map[0], "zero")
        XCTAssertEqual(map.count, 2)
        map[7] = nil
        XCTAssertNil(map[7])
        map.removeAll()
        XCTAssertTrue(map.isEmpty)
        XCTAssertNil(map[0])
    }

    /// One key whatever container the bytes come in; fields are delimited; nearby inputs
    /// (one byte or one word apart, every length up to 40) do not collide.
    func testByteHashAgreesAcrossContainersAndSeparatesFields() {
        let text = Array("203.0.113.7 Mozilla/5.0 (X11; Linux x86_64) /orders/{orderId}".utf8)
        var seen = Set<UInt64>()
        for n in 0...40 {
            let a = Array(text[0..<n])
            let fromArray = ByteHash.of(a)
            XCTAssertEqual(fromArray, ByteHash.of(a[...]))
            XCTAssertEqual(fromArray, ByteHash.of(String(decoding: a, as: UTF8.self).utf8))
            XCTAssertEqual(fromArray, a.withUnsafeBufferPointer { p in var h = ByteHash(); h.add(p); return h.value })
            XCTAssertTrue(seen.insert(fromArray).inserted, "length \(n) collides")
            if n > 0 {
                var b = a
                b[n - 1] ^= 1
                XCTAssertTrue(seen.insert(ByteHash.of(b)).inserted, "last byte flipped, length \(n)")
            }
        }
        var ab = ByteHash(); ab.add(Array("ab".utf8)); ab.add(Array("c".utf8))
        var abc = ByteHash(); abc.add(Array("a".utf8)); abc.add(Array("bc".utf8))
        XCTAssertNotEqual(ab.value, abc.value)
        var empty = ByteHash(); empty.add([UInt8]()); empty.add(Array("x".utf8))
        var x = ByteHash(); x.add(Array("x".utf8)); x.add([UInt8]())
        XCTAssertNotEqual(empty.value, x.value)
    }
}

/// A deterministic 64-bit generator (PCG-style LCG, output mixed) for the tests.
private struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let x = state ^ (state >> 29)
        return x &* 0xBF58_476D_1CE4_E5B9 ^ (x >> 32)
    }
}

/// The duplicate check's memory of recent record hashes, against an array of the last
/// `capacity` distinct hashes as the oracle.
final class RecentHashesTests: XCTestCase {
    func testRemembersExactlyTheLastCapacityDistinctHashes() {
        var rng = TestRandom(seed: 7)
        for (capacity, keySpace) in [(1, UInt64(4)), (5, 12), (64, 200), (1000, 1 << 40), (300, 700)] {
            var set = RecentHashes(capacity: capacity)
            var oracle: [UInt64] = []
            for step in 0..<30_000 {
                // Clustered keys (multiples of 2^58 share a home) force probe runs across the end.
                let k = rng.next() % keySpace &* (step % 3 == 0 ? 1 << 58 : 1)
                let fresh = !oracle.contains(k)
                XCTAssertEqual(set.insert(k), fresh, "capacity \(capacity) step \(step)")
                if fresh {
                    oracle.append(k)
                    if oracle.count > capacity { oracle.removeFirst() }
                }
                XCTAssertEqual(set.count, oracle.count)
                if step % 5_000 == 4_999 {
                    for o in oracle { XCTAssertTrue(set.contains(o), "capacity \(capacity)") }
                }
            }
        }
    }
}
