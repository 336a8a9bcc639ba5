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
///
/// Noncopyable: it owns its slots (raw memory) outright, so no operation checks for a
/// shared buffer or counts references (each map lives in one owner).
struct HashedKeyMap<Value>: ~Copyable {
    private struct Slot {
        /// 0: empty.
        var key: UInt64
        /// The caller's tag (`set(_:_:tag:)`), 0 when set through the subscript.
        var tag: UInt64
        var value: Value?
    }
    /// `mask + 1` slots, a power of two, every one initialised (key 0: empty).
    private var slots: UnsafeMutablePointer<Slot>
    private var mask: Int
    private var shift: UInt64
    private(set) var count = 0

    init() {
        slots = Self.emptySlots(16)
        mask = 15
        shift = 60
    }

    deinit {
        slots.deinitialize(count: mask + 1)
        slots.deallocate()
    }

    private static func emptySlots(_ n: Int) -> UnsafeMutablePointer<Slot> {
        let p = UnsafeMutablePointer<Slot>.allocate(capacity: n)
        p.initialize(repeating: Slot(key: 0, tag: 0, value: nil), count: n)
        return p
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
        var i = home(k)
        while true {
            let key = slots[i].key
            if key == k { return i }
            if key == 0 { return nil }
            i = (i + 1) & mask
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
        return slots[i].tag
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
        guard let i = find(Self.stored(key)), slots[i].tag == tag else { return nil }
        return remove(at: i)
    }

    mutating func removeAll() {
        self = HashedKeyMap()
    }

    @discardableResult
    private mutating func insert(_ k: UInt64, _ v: consuming Value, tag: UInt64) -> Value? {
        var incoming: Value? = consume v  // moved into the slot below
        // Grown first (a replacement at the threshold grows a little early), so one probe
        // finds either the key or the empty slot it goes into.
        if (count + 1) * 2 > mask + 1 { resize((mask + 1) * 2) }
        var i = home(k)
        while true {
            let key = slots[i].key
            if key == k {
                let old = slots[i].value.take()
                slots[i].value = incoming.take()
                slots[i].tag = tag
                return old
            }
            if key == 0 { break }
            i = (i + 1) & mask
        }
        slots[i].key = k
        slots[i].tag = tag
        slots[i].value = incoming.take()
        count += 1
        return nil
    }

    /// Empties slot `found` and returns its value.
    private mutating func remove(at found: Int) -> Value? {
        let s = slots, m = mask, sh = shift
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
                swap(&s[i], &s[j])
                i = j
            }
        }
        s[i].key = 0
        count -= 1
        if mask + 1 > 1024, count * 16 < mask + 1 { resize((mask + 1) / 2) }
        return old
    }

    private mutating func resize(_ size: Int) {
        let old = slots, oldCount = mask + 1
        slots = Self.emptySlots(size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        for s in 0..<oldCount where old[s].key != 0 {
            var i = home(old[s].key)
            while slots[i].key != 0 { i = (i + 1) & mask }
            swap(&slots[i], &old[s])
        }
        old.deinitialize(count: oldCount)
        old.deallocate()
    }
}
