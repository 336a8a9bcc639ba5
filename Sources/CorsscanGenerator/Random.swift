/// SplitMix64: tiny, fast, fully deterministic across platforms.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n.
    @inline(__always)
    public mutating func int(_ n: Int) -> Int {
        precondition(n > 0)
        return Int((next() >> 11) % UInt64(n))
    }

    @inline(__always)
    public mutating func range(_ lo: Int, _ hi: Int) -> Int { lo + int(hi - lo + 1) }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    public mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }

    /// Index drawn with the given weights.
    public mutating func weighted(_ w: [Double]) -> Int {
        let total = w.reduce(0, +)
        var x = unit() * total
        for (i, v) in w.enumerated() {
            if x < v { return i }
            x -= v
        }
        return w.count - 1
    }
}

/// Stateless hash for derived values (request IDs etc.).
@inline(__always)
func mix64(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var r = SplitMix64(seed: a ^ (b &* 0xD6E8_FEB8_6659_FD93))
    _ = r.next()
    return r.next()
}
