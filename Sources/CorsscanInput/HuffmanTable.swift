// Decode tables for DEFLATE's canonical Huffman codes (RFC 1951 3.2.2), built so one
// table lookup on the low bits of the bit buffer gives a symbol's whole meaning: a
// literal byte, a length or distance base with its extra-bit count, end of block, an
// invalid code, or a pointer into a second-level table for codes longer than the
// first level's index.

/// One decode-table entry, packed in 32 bits:
///
/// | bits | meaning |
/// |---|---|
/// | 0–7 | bits to drop for this entry: code length plus extra bits (a subtable pointer: the first level's index bits) |
/// | 8–11 | code length, where the extra bits start (a subtable pointer: the subtable's index bits) |
/// | 12 | literal |
/// | 13 | subtable pointer |
/// | 14 | end of block |
/// | 15 | invalid code |
/// | 16–31 | literal byte, length or distance base, or the subtable's start |
enum HuffmanEntry {
    static let literal: UInt32 = 1 << 12
    static let subtable: UInt32 = 1 << 13
    static let endOfBlock: UInt32 = 1 << 14
    static let invalid: UInt32 = 1 << 15
    /// Any of subtable, end of block, invalid: not a literal, length or distance.
    static let exceptional: UInt32 = subtable | endOfBlock | invalid

    /// The slot a subtable pointer `entry` leads to, for the bit buffer `bits` after the
    /// first level's bits were dropped.
    @inline(__always)
    static func subtableSlot(_ entry: UInt32, _ bits: UInt64) -> Int {
        Int(entry &>> 16) &+ Int(truncatingIfNeeded: bits & ((1 &<< UInt64((entry &>> 8) & 0xF)) &- 1))
    }

    /// The extra-bits value of `entry` in `saved`, the bit buffer before `entry`'s bits were dropped.
    @inline(__always)
    static func extra(_ saved: UInt64, _ entry: UInt32) -> UInt32 {
        let all = saved & ((1 &<< UInt64(entry & 0xFF)) &- 1)
        return UInt32(truncatingIfNeeded: all &>> UInt64((entry &>> 8) & 0xF))
    }
}

/// Builds and holds the decode tables of one code (literal/length, distance or the
/// code-length code).
///
/// The first level is indexed by `rootBits` bits; longer codes (up to 15 bits) go
/// through fixed-size subtables of `15 - rootBits` index bits, one per distinct
/// first-level prefix. Table slots that no code reaches (an incomplete code) hold
/// `HuffmanEntry.invalid`.
struct HuffmanTable: ~Copyable {
    let rootBits: Int
    private let subBits: Int
    /// First level followed by the subtables.
    let entries: UnsafeMutablePointer<UInt32>
    private let capacity: Int

    /// - Parameter maxSymbols: the most symbols a code of this table can have, which
    ///   bounds the number of subtables.
    init(rootBits: Int, maxSymbols: Int) {
        self.rootBits = rootBits
        subBits = 15 - rootBits
        capacity = (1 << rootBits) + (subBits > 0 ? maxSymbols << subBits : 0)
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: HuffmanEntry.invalid, count: capacity)
    }

    deinit { entries.deallocate() }

    /// Why a set of code lengths is not a usable code.
    enum Problem: Error { case overSubscribed, incomplete }

    /// Fills the table for the code given by `lengths` (0 = symbol unused).
    ///
    /// `symbol(s)` gives symbol `s`'s entry without its bit counts: flags and value,
    /// with the number of extra bits in bits 0–7. With `incompleteAllowed` (literal/
    /// length and distance codes) a code may be incomplete when it is a single one-bit
    /// code or has no codes at all, as zlib allows; every other incomplete or
    /// over-subscribed code is refused.
    mutating func build(lengths: UnsafePointer<UInt8>, count n: Int, incompleteAllowed: Bool,
                        symbols: [UInt32]) throws(Problem) {
        precondition(symbols.count >= n)
        var lengthCount = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var nextCode = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        try withUnsafeMutableBytes(of: &lengthCount) { raw throws(Problem) in
            let count = raw.baseAddress!.assumingMemoryBound(to: Int.self)
            for s in 0..<n { count[Int(lengths[s])] += 1 }
            count[0] = 0
            var left = 1
            var maxLength = 0
            for len in 1...15 {
                left <<= 1
                left -= count[len]
                if left < 0 { throw .overSubscribed }
                if count[len] > 0 { maxLength = len }
            }
            if left > 0 && !(incompleteAllowed && maxLength <= 1) { throw .incomplete }
            withUnsafeMutableBytes(of: &nextCode) { rawNext in
                let next = rawNext.baseAddress!.assumingMemoryBound(to: Int.self)
                var code = 0
                for len in 1...15 {
                    code = (code + count[len - 1]) << 1
                    next[len] = code
                }
                symbols.withUnsafeBufferPointer { sym in
                    fill(lengths: lengths, count: n, next: next, symbols: sym.baseAddress!, complete: left == 0)
                }
            }
        }
    }

    private func fill(lengths: UnsafePointer<UInt8>, count n: Int, next: UnsafeMutablePointer<Int>,
                      symbols: UnsafePointer<UInt32>, complete: Bool) {
        let rootSize = 1 << rootBits
        // A complete code writes every first-level slot; subtables are cleared as made.
        if !complete {
            entries.update(repeating: HuffmanEntry.invalid, count: rootSize)
        } else if (0..<n).contains(where: { Int(lengths[$0]) > rootBits }) {
            // The slots of long codes' prefixes may still point at an older table's
            // subtables: clear them first (codes from a copy of the counters).
            var code = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &code) { raw in
                let c = raw.baseAddress!.assumingMemoryBound(to: Int.self)
                c.update(from: next, count: 16)
                for s in 0..<n {
                    let len = Int(lengths[s])
                    if len == 0 { continue }
                    let value = c[len]
                    c[len] = value + 1
                    if len > rootBits {
                        entries[reverse(value, len) & (rootSize - 1)] = HuffmanEntry.invalid
                    }
                }
            }
        }
        var subtablesUsed = 0
        for s in 0..<n {
            let len = Int(lengths[s])
            if len == 0 { continue }
            let code = next[len]
            next[len] = code + 1
            // DEFLATE sends codes most significant bit first into a least-significant-
            // first bit stream: the table is indexed by the reversed code.
            let reversed = reverse(code, len)
            let sym = symbols[s]
            let extraBits = sym & 0xFF
            let base = sym & ~0xFF
            if len <= rootBits {
                let entry = base | UInt32(len) << 8 | (UInt32(len) + extraBits)
                var i = reversed
                while i < rootSize {
                    entries[i] = entry
                    i += 1 << len
                }
            } else {
                let prefix = reversed & (rootSize - 1)
                var start: Int
                if entries[prefix] & HuffmanEntry.subtable != 0 {
                    start = Int(entries[prefix] >> 16)
                } else {
                    start = rootSize + subtablesUsed << subBits
                    subtablesUsed += 1
                    precondition(start + (1 << subBits) <= capacity, "more subtables than symbols")
                    entries.advanced(by: start).update(repeating: HuffmanEntry.invalid, count: 1 << subBits)
                    entries[prefix] = UInt32(start) << 16 | HuffmanEntry.subtable | UInt32(subBits) << 8 | UInt32(rootBits)
                }
                let rest = len - rootBits
                let entry = base | UInt32(rest) << 8 | (UInt32(rest) + extraBits)
                var i = reversed >> rootBits
                while i < 1 << subBits {
                    entries[start + i] = entry
                    i += 1 << rest
                }
            }
        }
    }
}

/// The low `length` bits of `code` in reverse order.
@inline(__always)
private func reverse(_ code: Int, _ length: Int) -> Int {
    var v = UInt16(truncatingIfNeeded: code)
    v = (v & 0x5555) << 1 | (v >> 1) & 0x5555
    v = (v & 0x3333) << 2 | (v >> 2) & 0x3333
    v = (v & 0x0F0F) << 4 | (v >> 4) & 0x0F0F
    v = v << 8 | v >> 8
    return Int(v >> UInt16(16 - length))
}

/// DEFLATE's symbol meanings (RFC 1951 3.2.5) in the form `HuffmanTable.build` takes.
enum DeflateSymbols {
    /// `literalLength(s)` for s in 0..<288.
    static let literalLengthEntries: [UInt32] = (0..<288).map(literalLength)
    /// `distance(s)` for s in 0..<32.
    static let distanceEntries: [UInt32] = (0..<32).map(distance)
    /// `codeLength(s)` for s in 0..<19.
    static let codeLengthEntries: [UInt32] = (0..<19).map(codeLength)

    /// Literal/length symbol `s`: 0–255 literal, 256 end of block, 257–285 lengths, 286–287 invalid.
    static func literalLength(_ s: Int) -> UInt32 {
        if s < 256 { return UInt32(s) << 16 | HuffmanEntry.literal }
        if s == 256 { return HuffmanEntry.endOfBlock }
        if s > 285 { return HuffmanEntry.invalid }
        let i = s - 257
        return UInt32(lengthBase[i]) << 16 | UInt32(lengthExtra[i])
    }

    /// Distance symbol `s`: 0–29 distances, 30–31 invalid.
    static func distance(_ s: Int) -> UInt32 {
        if s > 29 { return HuffmanEntry.invalid }
        return UInt32(distanceBase[s]) << 16 | UInt32(distanceExtra[s])
    }

    /// Code-length symbol `s` (0–18): its value, extra bits are read by hand.
    static func codeLength(_ s: Int) -> UInt32 { UInt32(s) << 16 }

    static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                       35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                       3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                         257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                         8193, 12289, 16385, 24577]
    static let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                         7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order code-length code lengths are sent in.
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}
