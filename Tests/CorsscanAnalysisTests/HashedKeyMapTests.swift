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
                    XCTAssertEqual(map.set(k, Int64(step), tag: UInt64(step) * 3 + 1), oracle[k], "returns what it replaced")
                    oracle[k] = Int64(step)
                    tags[k] = UInt64(step) * 3 + 1
                case 5..<7:
                    XCTAssertEqual(map.removeValue(forKey: k), oracle.removeValue(forKey: k))
                    tags[k] = nil
                case 7:
                    // Removed only when the entry still carries the tag asked for.
                    let asked = rng.next() % 2 == 0 ? tags[k] ?? 1 : 2
                    if tags[k] == asked {
                        XCTAssertEqual(map.removeValue(forKey: k, ifTag: asked), oracle.removeValue(forKey: k))
                        tags[k] = nil
                    } else {
                        XCTAssertNil(map.removeValue(forKey: k, ifTag: asked))
                    }
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
            // The tail read as whole words is the word a byte loop builds (little-endian).
            var reference = ByteHash().value, i = 0
            while i + 8 <= n {
                var w: UInt64 = 0
                for k in 0..<8 { w |= UInt64(a[i + k]) << (8 * UInt64(k)) }
                reference = ByteHash.mix(w, reference)
                i += 8
            }
            if i < n {
                var w: UInt64 = 0
                for k in i..<n { w |= UInt64(a[k]) << (8 * UInt64(k - i)) }
                reference = ByteHash.mix(w, reference)
            }
            XCTAssertEqual(fromArray, ByteHash.mix(UInt64(n) | 0x5A00_0000_0000_0000, reference), "length \(n)")
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

/// The duplicate check's memory (`RecentRecords`) against the plain definition: a
/// fingerprint is a repeat when it is among the last `capacity` distinct fingerprints
/// remembered (a repeat is not remembered again). Streams are in time order with late
/// records mixed in, as the merge delivers them; a fingerprint includes its time.
final class RecentRecordsTests: XCTestCase {
    private struct Case {
        var capacity: Int
        var lateEvery: UInt64      // about one record in this many is late (0: none)
        var timeStep: UInt64       // the time moves on with probability 1 / timeStep
        var repeatEvery: UInt64    // about one record in this many repeats an earlier one
    }

    func testAgreesWithTheLastCapacityDistinctFingerprints() {
        let cases = [
            Case(capacity: 1, lateEvery: 0, timeStep: 1, repeatEvery: 2),
            Case(capacity: 5, lateEvery: 7, timeStep: 3, repeatEvery: 3),
            Case(capacity: 64, lateEvery: 0, timeStep: 50, repeatEvery: 4),     // big same-time groups
            Case(capacity: 64, lateEvery: 5, timeStep: 2, repeatEvery: 3),
            Case(capacity: 300, lateEvery: 40, timeStep: 1000, repeatEvery: 6), // groups beyond capacity
            Case(capacity: 1000, lateEvery: 3, timeStep: 4, repeatEvery: 5),
        ]
        var rng = TestRandom(seed: 11)
        for c in cases {
            var set = RecentRecords(capacity: c.capacity)
            var oracle: [UInt64] = []          // the last `capacity` distinct, oldest first
            var sent: [(hash: UInt64, time: Int64)] = []
            var newest: Int64 = 1_795_000_000_000
            var nextID: UInt64 = 0
            func fingerprint(_ id: UInt64, _ time: Int64) -> UInt64 {
                var h = ByteHash()
                h.add(id)
                h.add(UInt64(bitPattern: time))
                return h.value
            }
            var repeats = 0, lateOnes = 0
            for step in 0..<20_000 {
                if rng.next() % c.timeStep == 0 { newest += Int64(1 + rng.next() % 1000) }
                var record: (hash: UInt64, time: Int64)
                if !sent.isEmpty, rng.next() % c.repeatEvery == 0 {
                    // A repeat of a record sent before: recently (within the capacity or a
                    // little beyond it) or long ago. Late unless it has the newest time.
                    let back = rng.next() % 4 == 0 ? Int(rng.next() % UInt64(sent.count)) : Int(rng.next() % UInt64(min(sent.count, 2 * c.capacity + 2)))
                    record = sent[sent.count - 1 - back]
                    guard record.time <= newest else { continue }
                } else {
                    var time = newest
                    if c.lateEvery > 0, rng.next() % c.lateEvery == 0 { time -= Int64(rng.next() % 5000) }
                    nextID += 1
                    record = (fingerprint(nextID, time), time)
                }
                if record.time < newest { lateOnes += 1 }
                let fresh = !oracle.contains(record.hash)
                XCTAssertEqual(set.insert(record.hash, time: record.time), fresh, "capacity \(c.capacity) step \(step)")
                if fresh {
                    oracle.append(record.hash)
                    if oracle.count > c.capacity { oracle.removeFirst() }
                } else {
                    repeats += 1
                }
                sent.append(record)
            }
            XCTAssertGreaterThan(repeats, 100, "capacity \(c.capacity): repeats exercised")
            if c.lateEvery > 0 { XCTAssertGreaterThan(lateOnes, 100, "capacity \(c.capacity): late records exercised") }
        }
    }

    /// However many records share one time, or arrive late, memory stays bounded by the capacity.
    func testMemoryIsBoundedByTheCapacity() {
        var set = RecentRecords(capacity: 300)
        for k in 0..<100_000 {
            var h = ByteHash()
            h.add(UInt64(k))
            XCTAssertTrue(set.insert(h.value, time: 1_000))  // one time, 100 000 distinct records
        }
        for k in 0..<100_000 {
            var h = ByteHash()
            h.add(UInt64(k) | 1 << 40)
            XCTAssertTrue(set.insert(h.value, time: 999 - Int64(k % 500)))  // all late
        }
        let f = set.footprint
        XCTAssertEqual(f.ring, 300)
        XCTAssertLessThanOrEqual(f.groupSlots, 2048)
        XCTAssertLessThanOrEqual(f.late, 301)
    }
}
