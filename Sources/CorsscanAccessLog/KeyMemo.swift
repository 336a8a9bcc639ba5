import CorsscanCore

/// The keys a parser met at each position of the previous record, with the hashes it
/// derived from them: lines of one format repeat their keys in the same order, so one
/// byte comparison replaces hashing a key again. Only ever changes speed, never results:
/// a key that differs in any byte, length or context is hashed as usual.
struct KeyMemo: Sendable {
    static let maxPositions = 64
    static let maxKeyBytes = 32

    private var bytes: [UInt8] = []
    private var lengths: [Int] = []
    private var contexts: [UInt64] = []
    private var values: [(UInt64, UInt64)] = []

    init() {}

    /// The values stored for exactly `key` (bytes `lo..<hi` of `p`) at `position` under
    /// `context`, else nil.
    @inline(__always)
    func lookup(position: Int, context: UInt64, _ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> (UInt64, UInt64)? {
        guard position < lengths.count, lengths[position] == hi - lo, contexts[position] == context else { return nil }
        let same = bytes.withUnsafeBufferPointer { b in
            SmallBytes.equal(b.baseAddress! + position * Self.maxKeyBytes, p.baseAddress! + lo, hi - lo)
        }
        return same ? values[position] : nil
    }

    /// Remembers `key` at `position` (ignored for long keys and positions past the limit).
    @inline(__always)
    mutating func store(position: Int, context: UInt64, _ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int,
                               values v: (UInt64, UInt64)) {
        let n = hi - lo
        guard n <= Self.maxKeyBytes, position < Self.maxPositions, position <= lengths.count else { return }
        if position == lengths.count {
            bytes.append(contentsOf: repeatElement(0, count: Self.maxKeyBytes))
            lengths.append(-1)
            contexts.append(0)
            values.append((0, 0))
        }
        bytes.withUnsafeMutableBufferPointer { b in
            (b.baseAddress! + position * Self.maxKeyBytes).update(from: p.baseAddress! + lo, count: n)
        }
        lengths[position] = n
        contexts[position] = context
        values[position] = v
    }
}
