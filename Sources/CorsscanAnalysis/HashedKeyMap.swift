/// A hash map from already-hashed `UInt64` keys (a `ByteHash` value) to values: open
/// addressing with linear probing and backward-shift deletion, no per-lookup hashing of
/// the key beyond one multiply.
///
/// `Dictionary` would hash every key again with SipHash; the correlator looks up several
/// keys per record, so this is on the hot path. Each slot holds its key next to its value,
/// so a lookup in a table larger than the cache costs one miss, not two. Grows at half
/// full and shrinks again when a sixteenth full, so memory follows the live entries; it keeps
/// at least 1,024 slots once grown that far, so a map whose size swings around a few dozen
/// entries (pending preflights) does not reallocate over and over.
struct HashedKeyMap<Value> {
    private struct Slot {
        /// 0: empty.
        var key: UInt64
        /// The caller's tag (`set(_:_:tag:)`), 0 when set through the subscript.
        var tag: UInt64
        var value: Value?
    }
    private var slots: [Slot]
    private var mask: Int
    private var shift: UInt64
    private(set) var count = 0

    init() {
        slots = Array(repeating: Slot(key: 0, tag: 0, value: nil), count: 16)
        mask = 15
        shift = 60
    }

    var isEmpty: Bool { count == 0 }

    /// 0 marks an empty slot; a real key 0 is stored as another constant (two hashes
    /// colliding is already accepted).
    @inline(__always)
    private static func stored(_ key: UInt64) -> UInt64 { key == 0 ? 0x9E37_79B9_7F4A_7C15 : key }

    @inline(__always)
    private func home(_ k: UInt64) -> Int { Self.home(k, shift) }

    /// The home slot of `k` in a table of `1 << (64 - shift)` slots (static, for loops over
    /// the slots' buffer while it is being written).
    @inline(__always)
    private static func home(_ k: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The slot holding `k`, or nil.
    @inline(__always)
    private func find(_ k: UInt64) -> Int? {
        slots.withUnsafeBufferPointer { s in
            var i = home(k)
            while true {
                let key = s[i].key
                if key == k { return i }
                if key == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    subscript(key: UInt64) -> Value? {
        get {
            guard let i = find(Self.stored(key)) else { return nil }
            return slots[i].value
        }
        set {
            if let newValue { insert(Self.stored(key), newValue, tag: 0) } else { removeValue(forKey: key) }
        }
    }

    /// Sets the value for `key` with a tag of the caller's (a serial number, say), read back
    /// by `tag(forKey:)`; returns the value it replaced.
    @discardableResult
    mutating func set(_ key: UInt64, _ value: consuming Value, tag: UInt64) -> Value? {
        insert(Self.stored(key), value, tag: tag)
    }

    /// The tag the entry for `key` was set with (0 when set through the subscript), nil when
    /// there is no entry. Reads no value (copies and retains nothing).
    func tag(forKey key: UInt64) -> UInt64? {
        guard let i = find(Self.stored(key)) else { return nil }
        return slots.withUnsafeBufferPointer { $0[i].tag }
    }

    /// Removes and returns the value for `key`.
    @discardableResult
    mutating func removeValue(forKey key: UInt64) -> Value? {
        guard let i = find(Self.stored(key)) else { return nil }
        return remove(at: i)
    }

    /// Removes and returns the value for `key` if its entry carries `tag` (an expiry queue's
    /// entry is still the map's): one probe, nothing copied when the tag differs.
    @discardableResult
    mutating func removeValue(forKey key: UInt64, ifTag tag: UInt64) -> Value? {
        guard let i = find(Self.stored(key)), slots.withUnsafeBufferPointer({ $0[i].tag }) == tag else { return nil }
        return remove(at: i)
    }

    mutating func removeAll() {
        self = HashedKeyMap()
    }

    // Slots are read and written through the buffer's pointer: `slots[i].key` on the array
    // itself copies the whole slot (retaining its value) in generic code.

    @discardableResult
    private mutating func insert(_ k: UInt64, _ v: consuming Value, tag: UInt64) -> Value? {
        var incoming: Value? = consume v  // moved into the slot below
        if let i = find(k) {
            return slots.withUnsafeMutableBufferPointer { s in
                let old = s[i].value.take()
                s[i].value = incoming.take()
                s[i].tag = tag
                return old
            }
        }
        if (count + 1) * 2 > slots.count { resize(slots.count * 2) }
        let h = home(k), m = mask
        slots.withUnsafeMutableBufferPointer { s in
            var i = h
            while s[i].key != 0 { i = (i + 1) & m }
            s[i].key = k
            s[i].tag = tag
            s[i].value = incoming.take()
        }
        count += 1
        return nil
    }

    /// Empties slot `found` and returns its value.
    private mutating func remove(at found: Int) -> Value? {
        let (m, sh) = (mask, shift)
        let old = slots.withUnsafeMutableBufferPointer { s in
            let old = s[found].value.take()
            // Backward shift: pull later entries of the probe run into the hole.
            var i = found
            var j = i
            while true {
                j = (j + 1) & m
                let kj = s[j].key
                if kj == 0 { break }
                let h = Self.home(kj, sh)
                // Move kj into i when its home is not in (i, j] (cyclically).
                let inRange = i <= j ? (h > i && h <= j) : (h > i || h <= j)
                if !inRange {
                    s.swapAt(i, j)
                    i = j
                }
            }
            s[i].key = 0
            return old
        }
        count -= 1
        if slots.count > 1024, count * 16 < slots.count { resize(slots.count / 2) }
        return old
    }

    private mutating func resize(_ size: Int) {
        var old = Array(repeating: Slot(key: 0, tag: 0, value: nil), count: size)
        swap(&old, &slots)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        for s in 0..<old.count where old[s].key != 0 {
            var i = home(old[s].key)
            while slots[i].key != 0 { i = (i + 1) & mask }
            swap(&slots[i], &old[s])
        }
    }
}
