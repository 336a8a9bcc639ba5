import CorsscanCore

/// A 64-bit hash over bytes, eight at a time: the keys of correlation state, computed
/// without allocating.
///
/// Each 8-byte word is folded in with a 64×64→128-bit multiply (as in wyhash); every
/// `add` ends with the byte count, so ("ab","c") and ("a","bc") differ. Not seeded: only
/// equality of keys matters, and nothing in the output depends on the values. Collisions
/// between distinct clients need ~2^32 tracked keys to become likely; the state is bounded
/// far below that (`AnalysisOptions.maxTrackedClients`, `maxPendingPreflights`).
struct ByteHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    static let k0: UInt64 = 0xA076_1D64_78BD_642F
    static let k1: UInt64 = 0xE703_7ED1_A0B4_28DB

    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let m = (a ^ k0).multipliedFullWidth(by: b ^ k1)
        return m.high ^ m.low
    }

    @inline(__always)
    mutating func add(_ p: UnsafeBufferPointer<UInt8>) {
        var h = value
        let n = p.count
        if n > 0, let base = p.baseAddress {
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i + 8 <= n {
                h = Self.mix(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), h)
                i += 8
            }
            if i < n {
                // The last 1–7 bytes as one little-endian word, as a byte loop would build it,
                // from whole-word loads inside the bytes: the last eight shifted down when there
                // are eight, else two overlapping four-byte loads.
                let rem = n - i
                var w: UInt64
                if n >= 8 {
                    w = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) &>> UInt64(8 * (8 - rem))
                } else if n >= 4 {
                    let lo = UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
                    let hi = UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
                    w = lo | hi &<< UInt64(8 * (n - 4))
                } else {
                    w = 0
                    var shift: UInt64 = 0
                    while i < n {
                        w |= UInt64(base[i]) &<< shift
                        shift += 8
                        i += 1
                    }
                }
                h = Self.mix(w, h)
            }
        }
        value = Self.mix(UInt64(n) | 0x5A00_0000_0000_0000, h)
    }

    /// The same hash for any contiguous collection (`[UInt8]`, slices, UTF-8 views).
    @inline(__always)
    mutating func add<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var done = false
        bytes.withContiguousStorageIfAvailable { add($0); done = true }
        if !done { Array(bytes).withUnsafeBufferPointer { add($0) } }
    }

    @inline(__always)
    mutating func add(_ v: UInt64) {
        value = Self.mix(v, value)
    }

    static func of<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h = ByteHash()
        h.add(bytes)
        return h.value
    }
}
