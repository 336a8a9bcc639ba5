/// The last `capacity` distinct 64-bit hashes inserted, for "seen recently?" checks: a ring
/// of hashes in arrival order and an open-addressing set over them (linear probing,
/// backward-shift deletion). 8 bytes a slot, so at most ~24 bytes per remembered hash —
/// a third of a `HashedKeyMap` with a ring queue beside it.
struct RecentHashes {
    let capacity: Int
    /// Hashes in arrival order; once full, `oldest` is overwritten next.
    private var ring: [UInt64] = []
    private var oldest = 0
    /// 0: empty slot.
    private var table: [UInt64]
    private var mask: Int
    private var shift: UInt64
    var count: Int { ring.count }

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        table = Array(repeating: 0, count: 16)
        mask = 15
        shift = 60
    }

    /// Inserts `hash` unless present; returns whether it was inserted (false: seen recently).
    /// At capacity the oldest hash is forgotten.
    mutating func insert(_ hash: UInt64) -> Bool {
        let k = hash == 0 ? 0x9E37_79B9_7F4A_7C15 : hash
        if find(k) != nil { return false }
        if ring.count < capacity {
            ring.append(k)
            if ring.count * 2 > table.count { resize(table.count * 2) }
        } else {
            let old = ring[oldest]
            ring[oldest] = k
            oldest = oldest + 1 == capacity ? 0 : oldest + 1
            remove(old)
        }
        let (h, m) = (home(k), mask)
        table.withUnsafeMutableBufferPointer { t in
            var i = h
            while t[i] != 0 { i = (i + 1) & m }
            t[i] = k
        }
        return true
    }

    func contains(_ hash: UInt64) -> Bool { find(hash == 0 ? 0x9E37_79B9_7F4A_7C15 : hash) != nil }

    @inline(__always)
    private func home(_ k: UInt64) -> Int { Self.home(k, shift) }

    /// The home slot of `k` in a table of `1 << (64 - shift)` slots (static, so loops over
    /// the table's buffer can use it while the table is being written).
    @inline(__always)
    private static func home(_ k: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    @inline(__always)
    private func find(_ k: UInt64) -> Int? {
        table.withUnsafeBufferPointer { t in
            var i = home(k)
            while true {
                if t[i] == k { return i }
                if t[i] == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    private mutating func remove(_ k: UInt64) {
        guard let found = find(k) else { return }
        let (m, sh) = (mask, shift)
        table.withUnsafeMutableBufferPointer { t in
            // Backward shift: pull later entries of the probe run into the hole.
            var i = found
            var j = i
            while true {
                j = (j + 1) & m
                let kj = t[j]
                if kj == 0 { break }
                let h = Self.home(kj, sh)
                // Move kj into i when its home is not in (i, j] (cyclically).
                let inRange = i <= j ? (h > i && h <= j) : (h > i || h <= j)
                if !inRange {
                    t[i] = kj
                    i = j
                }
            }
            t[i] = 0
        }
    }

    private mutating func resize(_ size: Int) {
        let old = table
        table = Array(repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        for k in old where k != 0 {
            var i = home(k)
            while table[i] != 0 { i = (i + 1) & mask }
            table[i] = k
        }
    }
}
