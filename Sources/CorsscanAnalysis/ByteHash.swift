import CorsscanCore

/// 64-bit FNV-1a over bytes: the keys of correlation state, computed without allocating.
///
/// Collisions between distinct clients need ~2^32 tracked keys to become likely; the
/// state is bounded far below that (`AnalysisOptions.maxTrackedClients`).
struct ByteHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    mutating func add<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for b in bytes {
            value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        // Field separator so ("ab","c") and ("a","bc") differ.
        value = (value ^ 0xFF) &* 0x0000_0100_0000_01B3
    }

    @inline(__always)
    mutating func add(_ v: UInt64) {
        value = (value ^ v) &* 0x0000_0100_0000_01B3
    }

    static func of<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h = ByteHash()
        h.add(bytes)
        return h.value
    }
}
