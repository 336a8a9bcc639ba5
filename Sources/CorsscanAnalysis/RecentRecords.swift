/// The duplicate check's memory: whether a record's fingerprint (a hash of its request id,
/// time, method, status, client and path) was seen among the last `capacity` fingerprints
/// remembered — exactly the answer of a plain "last N" set, without that set's
/// two random probes per record into a table larger than the cache.
///
/// It relies on two facts. A repeat has its original's time (the time is part of the
/// fingerprint). And records arrive in time order (`RecordMerger`), except late ones (older
/// than the newest time seen). So:
/// - a record at the newest time can only repeat one of the same time that also arrived in
///   order: those are kept in a small set that is emptied (in O(1), by generation) when the
///   time moves on;
/// - in-order records are also appended to a ring in arrival order, which is time order, so
///   a late record finds a same-time original there by binary search;
/// - late records themselves go into a map of their own (rare: a copy later in the same
///   file, a record beyond `--max-skew`).
/// Each entry carries its arrival number, so "among the last `capacity`" is the same test
/// everywhere.
struct RecentRecords: ~Copyable {
    let capacity: Int
    /// Fingerprints remembered so far (the arrival number of the next one).
    private var arrivals: Int64 = 0
    /// The newest time seen.
    private var newest: Int64 = .min

    // In-order entries, oldest first from `ringHead` (circular once `capacity` long).
    private struct Entry {
        var time: Int64
        var hash: UInt64
        var arrival: Int64
    }
    private var ring: [Entry] = []
    private var ringHead = 0

    // The set of fingerprints at time `newest` (open addressing; a slot belongs to the set
    // only when its generation is the current one).
    private struct Slot {
        var hash: UInt64
        var generation: UInt64
        var arrival: Int64
    }
    private var group = Self.emptyGroup(64)
    private var generation: UInt64 = 1

    /// A set of `size` slots, none in any generation yet.
    private static func emptyGroup(_ size: Int) -> [Slot] {
        Array(repeating: Slot(hash: 0, generation: 0, arrival: 0), count: size)
    }
    private var groupCount = 0

    // Late entries: fingerprint → arrival, and their arrival order for forgetting.
    private var late = HashedKeyMap<Int64>()
    private var lateOrder = RingQueue<(hash: UInt64, arrival: Int64)>()

    /// Memory held, in entries (for tests of the bound).
    var footprint: (ring: Int, groupSlots: Int, late: Int) { (ring.count, group.count, late.count) }

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Remembers the fingerprint `hash` of a record at `time` unless it is among the last
    /// `capacity` remembered; returns whether it was new (false: a repeat, not remembered again).
    mutating func insert(_ hash: UInt64, time: Int64) -> Bool {
        let oldest = arrivals - Int64(capacity)  // the first arrival still remembered
        if time >= newest {
            if time > newest {
                newest = time
                // Sized for the time just ended: a set much larger than its entries scatters
                // them over cache lines touched once a second.
                if group.count > 64, groupCount * 8 < group.count {
                    var size = 64
                    while size < groupCount * 2 { size *= 2 }
                    group = Self.emptyGroup(size)
                }
                generation &+= 1
                groupCount = 0
            }
            guard addToGroup(hash, since: oldest) else { return false }
            appendToRing(time, hash)
        } else {
            if ringContains(hash, time: time, since: oldest) { return false }
            if let a = late[hash], a >= oldest { return false }
            late[hash] = arrivals
            lateOrder.append((hash, arrivals))
            while let f = lateOrder.first, f.arrival <= arrivals - Int64(capacity) {
                lateOrder.removeFirst()
                if late[f.hash] == f.arrival { late[f.hash] = nil }
            }
        }
        arrivals += 1
        return true
    }

    // MARK: - The newest time's set

    @inline(__always)
    private static func home(_ h: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) &>> 32) & mask
    }

    /// Adds `hash` to the newest time's set; false when it is there already (arrived at
    /// `oldest` or later). An entry forgotten since takes the new arrival.
    private mutating func addToGroup(_ hash: UInt64, since oldest: Int64) -> Bool {
        if (groupCount + 1) * 2 > group.count { growGroup() }
        let (g, a) = (generation, arrivals)
        let added = group.withUnsafeMutableBufferPointer { s in
            let mask = s.count - 1
            var i = Self.home(hash, mask)
            while s[i].generation == g {
                if s[i].hash == hash {
                    guard s[i].arrival < oldest else { return false }
                    s[i].arrival = a
                    return true
                }
                i = (i + 1) & mask
            }
            s[i] = Slot(hash: hash, generation: g, arrival: a)
            groupCount += 1
            return true
        }
        return added
    }

    /// Doubles the set; once it is 4 × `capacity` slots (one time with more records than
    /// `capacity`) starts it over with only the entries still remembered instead, so it
    /// never grows beyond that.
    private mutating func growGroup() {
        let old = group
        let size = old.count >= 4 * capacity ? old.count : old.count * 2
        let (previous, oldest) = (generation, arrivals - Int64(capacity))
        group = Self.emptyGroup(size)
        generation &+= 1
        groupCount = 0
        let (g, mask) = (generation, size - 1)
        for s in old where s.generation == previous && s.arrival >= oldest {
            var i = Self.home(s.hash, mask)
            while group[i].generation == g { i = (i + 1) & mask }
            group[i] = Slot(hash: s.hash, generation: g, arrival: s.arrival)
            groupCount += 1
        }
    }

    // MARK: - The ring of in-order entries

    private mutating func appendToRing(_ time: Int64, _ hash: UInt64) {
        let e = Entry(time: time, hash: hash, arrival: arrivals)
        if ring.count < capacity {
            ring.append(e)
        } else {
            let h = ringHead
            ring.withUnsafeMutableBufferPointer { $0[h] = e }
            ringHead = h + 1 == capacity ? 0 : h + 1
        }
    }

    /// Whether an in-order entry with this time and fingerprint arrived at `oldest` or later:
    /// binary search for the time (the ring is in time order), then a scan of its entries.
    private func ringContains(_ hash: UInt64, time: Int64, since oldest: Int64) -> Bool {
        let n = ring.count
        guard n > 0 else { return false }
        @inline(__always) func at(_ k: Int) -> Entry { let j = ringHead + k; return ring[j >= n ? j - n : j] }
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            if at(mid).time < time { lo = mid + 1 } else { hi = mid }
        }
        var k = lo
        while k < n, at(k).time == time {
            let e = at(k)
            if e.hash == hash, e.arrival >= oldest { return true }
            k += 1
        }
        return false
    }
}
