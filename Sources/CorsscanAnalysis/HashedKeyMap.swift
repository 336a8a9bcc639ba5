/// A hash map from already-hashed `UInt64` keys (a `ByteHash` value) to values: open
/// addressing with linear probing and backward-shift deletion, no per-lookup hashing of
/// the key beyond one multiply.
///
/// `Dictionary` would hash every key again with SipHash; the correlator looks up several
/// keys per record, so this is on the hot path. Grows at half full and shrinks again when
/// an eighth full, so memory follows the live entries.
struct HashedKeyMap<Value> {
    private var keys: [UInt64]
    private var values: [Value?]
    private var mask: Int
    private var shift: UInt64
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 16)
        values = Array(repeating: nil, count: 16)
        mask = 15
        shift = 60
    }

    var isEmpty: Bool { count == 0 }

    /// 0 marks an empty slot; a real key 0 is stored as another constant (two hashes
    /// colliding is already accepted).
    @inline(__always)
    private static func stored(_ key: UInt64) -> UInt64 { key == 0 ? 0x9E37_79B9_7F4A_7C15 : key }

    @inline(__always)
    private func home(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) &>> shift) }

    /// The slot holding `k`, or nil.
    @inline(__always)
    private func find(_ k: UInt64) -> Int? {
        keys.withUnsafeBufferPointer { ks in
            var i = home(k)
            while true {
                let s = ks[i]
                if s == k { return i }
                if s == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    subscript(key: UInt64) -> Value? {
        get {
            guard let i = find(Self.stored(key)) else { return nil }
            return values[i]
        }
        set {
            if let newValue { insert(Self.stored(key), newValue) } else { remove(Self.stored(key)) }
        }
    }

    func contains(_ key: UInt64) -> Bool { find(Self.stored(key)) != nil }

    /// Removes and returns the value for `key`.
    @discardableResult
    mutating func removeValue(forKey key: UInt64) -> Value? {
        remove(Self.stored(key))
    }

    mutating func removeAll() {
        self = HashedKeyMap()
    }

    private mutating func insert(_ k: UInt64, _ v: Value) {
        if let i = find(k) {
            values[i] = v
            return
        }
        if (count + 1) * 2 > keys.count { resize(keys.count * 2) }
        var i = home(k)
        while keys[i] != 0 { i = (i + 1) & mask }
        keys[i] = k
        values[i] = v
        count += 1
    }

    @discardableResult
    private mutating func remove(_ k: UInt64) -> Value? {
        guard var i = find(k) else { return nil }
        var old: Value? = nil
        swap(&old, &values[i])
        count -= 1
        // Backward shift: pull later entries of the probe run into the hole.
        var j = i
        while true {
            j = (j + 1) & mask
            let kj = keys[j]
            if kj == 0 { break }
            let h = home(kj)
            // Move kj into i when its home is not in (i, j] (cyclically).
            let inRange = i <= j ? (h > i && h <= j) : (h > i || h <= j)
            if !inRange {
                keys[i] = kj
                values.swapAt(i, j)
                i = j
            }
        }
        keys[i] = 0
        if keys.count > 64, count * 8 < keys.count { resize(keys.count / 2) }
        return old
    }

    private mutating func resize(_ size: Int) {
        var oldKeys = [UInt64](repeating: 0, count: size)
        var oldValues = [Value?](repeating: nil, count: size)
        swap(&oldKeys, &keys)
        swap(&oldValues, &values)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        for s in 0..<oldKeys.count where oldKeys[s] != 0 {
            var i = home(oldKeys[s])
            while keys[i] != 0 { i = (i + 1) & mask }
            keys[i] = oldKeys[s]
            swap(&values[i], &oldValues[s])
        }
    }
}
