// Multi-member gzip (RFC 1952) with a DEFLATE (RFC 1951) decoder of its own.
//
// Inflating is the one stage every byte of every input goes through, and zlib's
// inflate was the slowest thread of a single-file run. This decoder keeps zlib's
// checks (header, block and code validation, distance bounds, CRC-32 and length of
// every member; the CRC by carry-less multiplication where the CPU has it, else zlib's)
// and decodes with one table lookup per symbol
// from a 64-bit bit buffer refilled eight bytes at a time, copying matches a word
// at a time, in the manner of libdeflate.

import CSIMD
import CZlib
import CorsscanCore
import Glibc

/// Multi-member gzip inflation over another stage.
///
/// Members follow each other directly; after a member's trailer the next bytes must
/// start another member (`1f 8b`), anything else is `trailingGarbage`. Offsets in
/// messages are positions in this stage's input; `InputError.offset` is a file
/// offset (for an inner layer: how far the outer layer had read the file).
///
/// Output is decoded into a window buffer that keeps the last 32 KiB for matches to
/// refer back to, and copied out by `read`.
final class GzipStage: ByteStage {
    /// Input buffer size: a chunk for the file's own gzip (less when the whole file is
    /// smaller), 64 KiB for a layer inside it (it reads what the outer layer inflated).
    static func inputCapacity(layer: Int, fileSize: Int64?) -> Int {
        guard layer == 1 else { return 64 << 10 }
        guard let size = fileSize, size < Int64(ByteSource.chunkSize) else { return ByteSource.chunkSize }
        return max(4096, Int(size))
    }

    /// DEFLATE's largest match distance: the history a window must keep.
    static let historySize = 32 << 10
    /// Output decoded per `produce` call at most (plus one match).
    static let outputChunk = 256 << 10
    /// Room after `outLimit` for the last round: three literals, a 258-byte match and
    /// the word copy's overrun.
    static let outputSlack = 320
    static let literalRootBits = 11
    static let distanceRootBits = 8

    private let upstream: ByteStage
    /// Whether this layer reads the file directly (offsets are exact then).
    private let outermost: Bool
    /// 1 for the file's own gzip, 2 for gzip inside that, …
    let layer: Int

    // Input: `inBase[inNext..<inEnd]` is unread; eight bytes before `inNext` are kept
    // when compacting, so bytes still in the bit buffer can be handed back.
    private let inputCapacity: Int
    private let inBase: UnsafeMutablePointer<UInt8>
    private var inNext = 0
    private var inEnd = 0
    private var upstreamPos: Int64 = 0   // bytes pulled from upstream so far
    private var upstreamEOF = false
    private static let inputKeep = 8
    private static let inputPad = 32

    // Bits taken from the input but not used yet, least significant first. Bits above
    // `bitCount` may hold the next input byte's bits already (never anything else).
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0

    // Output: `window[delivered..<outPos]` is decoded and not yet returned.
    private let window: UnsafeMutablePointer<UInt8>
    private let outLimit = GzipStage.historySize + GzipStage.outputChunk
    private var outPos = 0
    private var delivered = 0
    /// Where the current member's output starts in `window` (negative once slid out).
    private var memberOutStart = 0
    /// Output before `checkedUpTo` is in `crc` and `memberSize`.
    private var checkedUpTo = 0
    private var crc: UInt = 0
    private var memberSize: UInt32 = 0

    private enum Phase { case betweenMembers, blockHeader, stored, huffman, trailer }
    private var phase = Phase.betweenMembers
    private var lastBlock = false
    private var storedLeft = 0
    private var usingFixed = false

    private var dynamicLiterals = HuffmanTable(rootBits: GzipStage.literalRootBits, maxSymbols: 288)
    private var dynamicDistances = HuffmanTable(rootBits: GzipStage.distanceRootBits, maxSymbols: 32)
    private var fixedLiterals = HuffmanTable(rootBits: GzipStage.literalRootBits, maxSymbols: 288)
    private var fixedDistances = HuffmanTable(rootBits: GzipStage.distanceRootBits, maxSymbols: 32)
    private var codeLengthTable = HuffmanTable(rootBits: 7, maxSymbols: 0)
    private let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: 320)

    private var memberStart: Int64 = 0
    private var memberCount = 0
    private var failure: InputError?
    private var finished = false

    init(upstream: ByteStage, outermost: Bool, layer: Int, inputCapacity: Int) throws(InputError) {
        self.upstream = upstream
        self.inputCapacity = inputCapacity
        self.outermost = outermost
        self.layer = layer
        let inSize = GzipStage.inputKeep + inputCapacity + GzipStage.inputPad
        inBase = .allocate(capacity: inSize)
        inBase.initialize(repeating: 0, count: inSize)
        window = .allocate(capacity: outLimit + GzipStage.outputSlack)
        lengths.initialize(repeating: 0, count: 320)
        for s in 0..<288 { lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8 }
        do {
            try fixedLiterals.build(lengths: lengths, count: 288, incompleteAllowed: true,
                                    symbols: DeflateSymbols.literalLengthEntries)
            lengths.update(repeating: 5, count: 32)
            try fixedDistances.build(lengths: lengths, count: 32, incompleteAllowed: true,
                                     symbols: DeflateSymbols.distanceEntries)
        } catch {
            preconditionFailure("DEFLATE's fixed codes are complete")
        }
    }

    deinit {
        inBase.deallocate()
        window.deallocate()
        lengths.deallocate()
    }

    /// Position in this stage's input of the next byte not yet decoded.
    private var inputPos: Int64 { upstreamPos - Int64(inEnd - inNext) - Int64(bitCount >> 3) }

    var fileOffset: Int64 { outermost ? inputPos : upstream.fileOffset }

    private func errorOffset(_ local: Int64) -> Int64 { outermost ? local : upstream.fileOffset }

    private var layerNote: String { layer == 1 ? "" : " (gzip layer \(layer), offsets in the decompressed layer \(layer - 1))" }

    func read(into p: UnsafeMutableRawPointer, capacity: Int) throws(InputError) -> Int {
        var written = 0
        while written < capacity {
            let ready = outPos - delivered
            if ready > 0 {
                let n = min(ready, capacity - written)
                (p + written).copyMemory(from: window + delivered, byteCount: n)
                delivered += n
                written += n
                continue
            }
            if failure != nil || finished { break }
            produce()
        }
        if written == 0, let e = failure {
            failure = nil
            finished = true
            throw e
        }
        return written
    }

    // MARK: - Decoding

    /// Decodes into the window until it is full, the input ends, or an error (kept in
    /// `failure`, after the output before it).
    private func produce() {
        if outPos >= outLimit { slide() }
        do throws(InputError) {
            decoding: while outPos < outLimit {
                switch phase {
                case .betweenMembers:
                    if try !startMember() {
                        finished = true
                        break decoding
                    }
                case .blockHeader:
                    try readBlockHeader()
                case .stored:
                    try copyStored()
                case .huffman:
                    if try decodeHuffman() { phase = lastBlock ? .trailer : .blockHeader }
                case .trailer:
                    try readTrailer()
                }
            }
        } catch {
            failure = error
        }
        updateCheck()
    }

    /// Keeps the last `historySize` bytes of output at the front of the window.
    private func slide() {
        updateCheck()
        let keep = min(GzipStage.historySize, outPos)
        let shift = outPos - keep
        window.update(from: window + shift, count: keep)
        outPos = keep
        delivered = keep
        checkedUpTo = keep
        memberOutStart -= shift
    }

    /// Whether `corsscan_crc32_fold` runs on this CPU.
    private static let foldCRC = corsscan_crc32_fold_available() != 0

    /// zlib's `crc32(crc, p, n)`: whole 16-byte blocks by folding (`CSIMD`) where the CPU
    /// can, the rest by zlib.
    static func crc32Update(_ crc: UInt, _ p: UnsafePointer<UInt8>, _ n: Int) -> UInt {
        var crc = crc, p = p, n = n
        if n >= 64, foldCRC {
            let blocks = n & ~15
            crc = UInt(corsscan_crc32_fold(UInt32(truncatingIfNeeded: crc), p, blocks))
            p += blocks
            n -= blocks
        }
        return n == 0 ? crc : crc32(crc, p, UInt32(n))
    }

    private func updateCheck() {
        let n = outPos - checkedUpTo
        guard n > 0 else { return }
        crc = GzipStage.crc32Update(crc, window + checkedUpTo, n)
        memberSize &+= UInt32(truncatingIfNeeded: n)
        checkedUpTo = outPos
    }

    /// Makes at least `n` unread bytes available unless the input ends first; returns
    /// how many are available.
    @discardableResult
    private func fillInput(_ n: Int) throws(InputError) -> Int {
        while inEnd - inNext < n && !upstreamEOF {
            let from = inNext - min(GzipStage.inputKeep, inNext)
            if from > 0 {
                inBase.update(from: inBase + from, count: inEnd - from)
                inNext -= from
                inEnd -= from
            }
            let got = try upstream.read(into: inBase + inEnd, capacity: GzipStage.inputKeep + inputCapacity - inEnd)
            if got == 0 {
                upstreamEOF = true
                // Loads past the end read zeros, never stale bytes.
                (inBase + inEnd).update(repeating: 0, count: GzipStage.inputPad)
            } else {
                inEnd += got
                upstreamPos += Int64(got)
            }
        }
        return inEnd - inNext
    }

    private func truncated() -> InputError {
        InputError(.truncatedGzip, offset: errorOffset(upstreamPos),
                   "gzip member starting at byte \(memberStart) ends early, input ends at byte \(upstreamPos)\(layerNote)")
    }

    private func corrupt(_ what: String) -> InputError {
        let at = inputPos
        return InputError(.corruptGzip, offset: errorOffset(at),
                          "gzip member starting at byte \(memberStart) is corrupt near byte \(at): \(what)\(layerNote)")
    }

    /// Ensures `n` (≤ 56) bits in the bit buffer, a byte at a time.
    private func needBits(_ n: Int) throws(InputError) {
        while bitCount < n {
            if inNext == inEnd, try fillInput(1) == 0 { throw truncated() }
            bitBuffer |= UInt64(inBase[inNext]) << UInt64(bitCount)
            inNext += 1
            bitCount += 8
        }
    }

    /// Adds input bytes until there are `n` (≤ 56) bits or the input is used up; never
    /// reports the end (a short code may still fit in what is left).
    private func fillBits(_ n: Int) throws(InputError) {
        while bitCount < n {
            if inNext == inEnd, try fillInput(1) == 0 { return }
            bitBuffer |= UInt64(inBase[inNext]) << UInt64(bitCount)
            inNext += 1
            bitCount += 8
        }
    }

    private func takeBits(_ n: Int) throws(InputError) -> Int {
        try needBits(n)
        let v = Int(truncatingIfNeeded: bitBuffer & ((1 << UInt64(n)) - 1))
        bitBuffer >>= UInt64(n)
        bitCount -= n
        return v
    }

    /// Drops the bits up to the next byte boundary and hands whole buffered bytes back
    /// to the input.
    private func alignToByte() {
        bitBuffer = 0
        inNext -= bitCount >> 3
        bitCount = 0
    }

    /// Starts the next member, or returns false at a clean end of input.
    private func startMember() throws(InputError) -> Bool {
        let avail = try fillInput(2)
        if avail == 0 { return false }
        let b0 = inBase[inNext]
        let b1: UInt8? = avail > 1 ? inBase[inNext + 1] : nil
        if b0 != 0x1F || (b1 != nil && b1 != 0x8B) {
            let at = inputPos
            if memberCount == 0 {
                throw InputError(.notGzip, offset: errorOffset(at), "no gzip header at byte \(at)\(layerNote)")
            }
            throw InputError(
                .trailingGarbage, offset: errorOffset(at),
                "bytes after gzip member \(memberCount) (byte \(at) on) are not gzip\(layerNote)")
        }
        memberStart = inputPos
        memberCount += 1
        try readHeader()
        crc = 0
        memberSize = 0
        checkedUpTo = outPos
        memberOutStart = outPos
        lastBlock = false
        phase = .blockHeader
        return true
    }

    /// The gzip header (RFC 1952 2.3), with zlib's checks.
    private func readHeader() throws(InputError) {
        var headerCRC: UInt = 0
        func byte() throws(InputError) -> Int {
            if inNext == inEnd, try fillInput(1) == 0 { throw truncated() }
            var b = inBase[inNext]
            inNext += 1
            headerCRC = crc32(headerCRC, &b, 1)
            return Int(b)
        }
        _ = try byte()
        _ = try byte()
        if try byte() != 8 { throw corrupt("unknown compression method") }
        let flags = try byte()
        if flags & 0xE0 != 0 { throw corrupt("unknown header flags set") }
        for _ in 0..<6 { _ = try byte() }   // MTIME, XFL, OS
        if flags & 0x04 != 0 {                // FEXTRA
            let low = try byte()
            let length = low | (try byte()) << 8
            for _ in 0..<length { _ = try byte() }
        }
        if flags & 0x08 != 0 { while try byte() != 0 {} }   // FNAME
        if flags & 0x10 != 0 { while try byte() != 0 {} }   // FCOMMENT
        if flags & 0x02 != 0 {                              // FHCRC
            let expected = Int(headerCRC & 0xFFFF)
            let low = try byte()
            if low | (try byte()) << 8 != expected { throw corrupt("header crc mismatch") }
        }
    }

    private func readTrailer() throws(InputError) {
        bitBuffer >>= UInt64(bitCount & 7)
        bitCount -= bitCount & 7
        // Each check as soon as it is read, as zlib does.
        updateCheck()
        if UInt(try takeBits(32)) != crc {
            throw InputError(.badCRC, offset: errorOffset(inputPos),
                             "gzip member starting at byte \(memberStart) fails its check (incorrect data check)\(layerNote)")
        }
        let expectedSize = try takeBits(32)
        alignToByte()
        if UInt32(expectedSize) != memberSize {
            throw InputError(.badCRC, offset: errorOffset(inputPos),
                             "gzip member starting at byte \(memberStart) fails its check (incorrect length check)\(layerNote)")
        }
        phase = .betweenMembers
    }

    private func readBlockHeader() throws(InputError) {
        let header = try takeBits(3)
        lastBlock = header & 1 != 0
        switch header >> 1 {
        case 0:
            bitBuffer >>= UInt64(bitCount & 7)
            bitCount -= bitCount & 7
            let length = try takeBits(16)
            let complement = try takeBits(16)
            if length != ~complement & 0xFFFF { throw corrupt("invalid stored block lengths") }
            alignToByte()
            storedLeft = length
            phase = .stored
        case 1:
            usingFixed = true
            phase = .huffman
        case 2:
            try readDynamicTables()
            usingFixed = false
            phase = .huffman
        default:
            throw corrupt("invalid block type")
        }
    }

    private func copyStored() throws(InputError) {
        while storedLeft > 0 && outPos < outLimit {
            var avail = inEnd - inNext
            if avail == 0 {
                avail = try fillInput(1)
                if avail == 0 { throw truncated() }
            }
            let n = min(storedLeft, avail, outLimit - outPos)
            (window + outPos).update(from: inBase + inNext, count: n)
            inNext += n
            outPos += n
            storedLeft -= n
        }
        if storedLeft == 0 { phase = lastBlock ? .trailer : .blockHeader }
    }

    /// A dynamic block's code definitions (RFC 1951 3.2.7).
    private func readDynamicTables() throws(InputError) {
        let literalCount = try takeBits(5) + 257
        let distanceCount = try takeBits(5) + 1
        let codeLengthCount = try takeBits(4) + 4
        if literalCount > 286 || distanceCount > 30 { throw corrupt("too many length or distance symbols") }
        lengths.update(repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            lengths[DeflateSymbols.codeLengthOrder[i]] = UInt8(try takeBits(3))
        }
        // No code-length code at all: zlib reads every length as 0 from one bit each (and
        // then finds no end-of-block code); the same here, for the same verdict.
        let noCodeLengthCode = (0..<19).allSatisfy { lengths[$0] == 0 }
        if !noCodeLengthCode {
            do {
                try codeLengthTable.build(lengths: lengths, count: 19, incompleteAllowed: false,
                                          symbols: DeflateSymbols.codeLengthEntries)
            } catch {
                throw corrupt("invalid code lengths set")
            }
        }
        let total = literalCount + distanceCount
        var i = 0
        while i < total {
            try fillBits(7)
            let entry = noCodeLengthCode ? 1 : codeLengthTable.entries[Int(truncatingIfNeeded: bitBuffer & 0x7F)]
            let bits = Int(entry & 0xFF)
            if bits > bitCount { throw truncated() }
            bitBuffer >>= UInt64(bits)
            bitCount -= bits
            let symbol = Int(entry >> 16)
            if symbol < 16 {
                lengths[i] = UInt8(symbol)
                i += 1
                continue
            }
            let value: UInt8
            let repeats: Int
            switch symbol {
            case 16:
                let extra = try takeBits(2)
                if i == 0 { throw corrupt("invalid bit length repeat") }
                value = lengths[i - 1]
                repeats = 3 + extra
            case 17:
                value = 0
                repeats = 3 + (try takeBits(3))
            default:
                value = 0
                repeats = 11 + (try takeBits(7))
            }
            if i + repeats > total { throw corrupt("invalid bit length repeat") }
            (lengths + i).update(repeating: value, count: repeats)
            i += repeats
        }
        if lengths[256] == 0 { throw corrupt("invalid code -- missing end-of-block") }
        do {
            try dynamicLiterals.build(lengths: lengths, count: literalCount, incompleteAllowed: true,
                                      symbols: DeflateSymbols.literalLengthEntries)
        } catch {
            throw corrupt("invalid literal/lengths set")
        }
        do {
            try dynamicDistances.build(lengths: lengths + literalCount, count: distanceCount, incompleteAllowed: true,
                                       symbols: DeflateSymbols.distanceEntries)
        } catch {
            throw corrupt("invalid distances set")
        }
    }

    /// Input bytes the fast loop wants unread before a round: its refills read at most
    /// 4 × 7 bytes plus an 8-byte load.
    private static let fastInputMargin = 64

    /// Decodes a Huffman block's symbols until its end (returns true) or a full window
    /// (false), in the fast loop while the input has `fastInputMargin` bytes to go and
    /// carefully after that.
    private func decodeHuffman() throws(InputError) -> Bool {
        while true {
            if outPos >= outLimit { return false }
            if inEnd - inNext < GzipStage.fastInputMargin {
                if !upstreamEOF { try fillInput(GzipStage.fastInputMargin) }
                if inEnd - inNext < GzipStage.fastInputMargin { return try decodeCarefully() }
            }
            switch try decodeFast() {
            case .endOfBlock: return true
            case .outputFull: return false
            case .inputLow: continue
            }
        }
    }

    private enum FastExit { case endOfBlock, outputFull, inputLow }

    /// The fast loop, after libdeflate's: the next literal/length entry is looked up
    /// before the bit buffer is refilled and before a match is copied, so those
    /// overlap with the lookup; up to three literals are decoded per refill. A round
    /// starts with at least 56 bits buffered and `fastInputMargin` input bytes unread.
    private func decodeFast() throws(InputError) -> FastExit {
        let lit = usingFixed ? fixedLiterals.entries : dynamicLiterals.entries
        let dist = usingFixed ? fixedDistances.entries : dynamicDistances.entries
        let litMask: UInt64 = (1 << UInt64(GzipStage.literalRootBits)) - 1
        let distMask: UInt64 = (1 << UInt64(GzipStage.distanceRootBits)) - 1
        let literal = HuffmanEntry.literal
        let exceptional = HuffmanEntry.exceptional
        let historyStart = window + max(0, memberOutStart)
        let outEnd = window + outLimit
        let inFastEnd = inBase + inEnd - GzipStage.fastInputMargin
        var out = window + outPos
        var bits = self.bitBuffer
        var count = UInt64(self.bitCount)
        var inp = inBase + inNext
        var exit = FastExit.inputLow
        var lowCount: Int { Int(count & 0xFF) }

        // libdeflate's trick: `count` is only ever read through its low byte (shifts
        // take the low 6 bits), so a whole entry is subtracted from it and an entry
        // shifts the buffer unmasked; an entry's low byte never exceeds the count's,
        // so the low byte stays exact.
        @inline(__always) func refill() {
            bits |= UnsafeRawPointer(inp).loadUnaligned(as: UInt64.self).littleEndian &<< count
            inp += Int(((63 &- count) &>> 3) & 7)
            count |= 56
        }
        @inline(__always) func consume(_ e: UInt32) {
            bits &>>= UInt64(e)
            count &-= UInt64(e)
        }
        func save() {
            bitBuffer = bits
            bitCount = Int(count & 0xFF)
            inNext = inp - inBase
            outPos = out - window
        }

        refill()
        var entry = lit[Int(truncatingIfNeeded: bits & litMask)]
        while true {
            var saved = bits
            consume(entry)
            if entry & literal != 0 {
                // Up to two more literals without a refill: three literals of at most
                // 11 bits (first-level entries) and a length of 16 leave 18 bits.
                var byte = UInt8(truncatingIfNeeded: entry &>> 16)
                entry = lit[Int(truncatingIfNeeded: bits & litMask)]
                saved = bits
                consume(entry)
                out.pointee = byte
                out += 1
                if entry & literal != 0 {
                    byte = UInt8(truncatingIfNeeded: entry &>> 16)
                    entry = lit[Int(truncatingIfNeeded: bits & litMask)]
                    saved = bits
                    consume(entry)
                    out.pointee = byte
                    out += 1
                    if entry & literal != 0 {
                        byte = UInt8(truncatingIfNeeded: entry &>> 16)
                        entry = lit[Int(truncatingIfNeeded: bits & litMask)]
                        refill()
                        out.pointee = byte
                        out += 1
                        if _slowPath(out >= outEnd || inp > inFastEnd) {
                            exit = out >= outEnd ? .outputFull : .inputLow
                            break
                        }
                        continue
                    }
                }
            }
            if _slowPath(entry & exceptional != 0) {
                if entry & HuffmanEntry.endOfBlock != 0 {
                    exit = .endOfBlock
                    break
                }
                if entry & HuffmanEntry.subtable == 0 {
                    save()
                    throw corrupt("invalid literal/length code")
                }
                entry = lit[HuffmanEntry.subtableSlot(entry, bits)]
                saved = bits
                consume(entry)
                refill()
                if entry & literal != 0 {
                    let byte = UInt8(truncatingIfNeeded: entry &>> 16)
                    entry = lit[Int(truncatingIfNeeded: bits & litMask)]
                    out.pointee = byte
                    out += 1
                    if _slowPath(out >= outEnd || inp > inFastEnd) {
                        exit = out >= outEnd ? .outputFull : .inputLow
                        break
                    }
                    continue
                }
                if entry & HuffmanEntry.endOfBlock != 0 {
                    exit = .endOfBlock
                    break
                }
                if entry & HuffmanEntry.invalid != 0 {
                    save()
                    throw corrupt("invalid literal/length code")
                }
            }
            let length = Int(entry &>> 16) &+ Int(HuffmanEntry.extra(saved, entry))

            // A distance takes at most 8 + 7 + 13 bits; 11 more for the next lookup.
            if lowCount < 39 { refill() }
            var d = dist[Int(truncatingIfNeeded: bits & distMask)]
            if _slowPath(d & exceptional != 0) {
                if d & HuffmanEntry.subtable != 0 {
                    consume(UInt32(GzipStage.distanceRootBits))
                    d = dist[HuffmanEntry.subtableSlot(d, bits)]
                }
                if d & exceptional != 0 {
                    count &= 0xFF
                    save()
                    throw corrupt("invalid distance code")
                }
            }
            saved = bits
            consume(d)
            let distance = Int(d &>> 16) &+ Int(HuffmanEntry.extra(saved, d))
            if _slowPath(distance > out - historyStart) {
                save()
                throw corrupt("invalid distance too far back")
            }
            entry = lit[Int(truncatingIfNeeded: bits & litMask)]
            refill()
            copyMatch(to: out, distance: distance, length: length)
            out += length
            if _slowPath(out >= outEnd || inp > inFastEnd) {
                exit = out >= outEnd ? .outputFull : .inputLow
                break
            }
        }
        save()
        return exit
    }

    /// Decodes a Huffman block's symbols one at a time until its end (returns true) or
    /// a full window (false): the careful loop for the last bytes of the input.
    ///
    /// Each round refills the bit buffer to at least 56 bits with one unaligned
    /// 8-byte load, enough for a length and a distance with their extra bits. While
    /// the input's end is near (the last bytes of the file), every symbol is checked
    /// against it: a symbol that would need bits past the end means the input was cut.
    private func decodeCarefully() throws(InputError) -> Bool {
        let lit = usingFixed ? fixedLiterals.entries : dynamicLiterals.entries
        let dist = usingFixed ? fixedDistances.entries : dynamicDistances.entries
        let litMask: UInt64 = (1 << UInt64(GzipStage.literalRootBits)) - 1
        let distMask: UInt64 = (1 << UInt64(GzipStage.distanceRootBits)) - 1
        let historyStart = window + max(0, memberOutStart)
        let outEnd = window + outLimit
        var out = window + outPos
        var bitBuffer = self.bitBuffer
        var bitCount = UInt64(self.bitCount)
        var base = inBase
        var inp = base + inNext
        // Rounds may load 8 bytes from `inp` while it is at most `fastEnd`.
        var fastEnd = upstreamEOF ? base + inEnd + 8 : base + inEnd - 8
        var nearEnd = upstreamEOF
        var endBits = inEnd * 8

        func save() {
            self.bitBuffer = bitBuffer
            self.bitCount = Int(bitCount)
            inNext = inp - base
            outPos = out - window
            if inNext > inEnd {
                // Bytes loaded from past the end are the zero padding: not input.
                self.bitCount -= (inNext - inEnd) * 8
                inNext = inEnd
            }
        }
        @inline(__always) func drop(_ n: UInt64) {
            bitBuffer &>>= n
            bitCount &-= n
        }
        /// Whether the bits used so far reach past the end of the input.
        func pastEnd() -> Bool { (inp - base) * 8 - Int(bitCount) > endBits }
        /// Whether the bits of an invalid `entry` (at least one) would reach past it.
        func pastEnd(after entry: UInt32) -> Bool {
            (inp - base) * 8 - Int(bitCount) + max(1, Int(entry & 0xFF)) > endBits
        }

        while out < outEnd {
            if _slowPath(inp > fastEnd) {
                save()
                try fillInput(8)
                base = inBase
                inp = base + inNext
                bitBuffer = self.bitBuffer
                bitCount = UInt64(self.bitCount)
                fastEnd = upstreamEOF ? base + inEnd + 8 : base + inEnd - 8
                nearEnd = upstreamEOF
                endBits = inEnd * 8
                if inp > fastEnd { throw truncated() }
            }
            bitBuffer |= UnsafeRawPointer(inp).loadUnaligned(as: UInt64.self).littleEndian &<< bitCount
            inp += Int((63 &- bitCount) &>> 3)
            bitCount |= 56

            var entry = lit[Int(truncatingIfNeeded: bitBuffer & litMask)]
            if _slowPath(entry & HuffmanEntry.exceptional != 0) {
                if entry & HuffmanEntry.subtable != 0 {
                    drop(UInt64(GzipStage.literalRootBits))
                    entry = lit[HuffmanEntry.subtableSlot(entry, bitBuffer)]
                }
                if entry & HuffmanEntry.endOfBlock != 0 {
                    drop(UInt64(entry & 0xFF))
                    save()
                    if nearEnd && pastEnd() { throw truncated() }
                    return true
                }
                if entry & HuffmanEntry.invalid != 0 {
                    // zlib reads an invalid code's bits first (one for an empty slot).
                    save()
                    if nearEnd && pastEnd(after: entry) { throw truncated() }
                    throw corrupt("invalid literal/length code")
                }
            }
            let saved = bitBuffer
            drop(UInt64(entry & 0xFF))
            if entry & HuffmanEntry.literal != 0 {
                if _slowPath(nearEnd) && pastEnd() { save(); throw truncated() }
                out.pointee = UInt8(truncatingIfNeeded: entry &>> 16)
                out += 1
                continue
            }
            let length = Int(entry &>> 16) &+ Int(HuffmanEntry.extra(saved, entry))

            var d = dist[Int(truncatingIfNeeded: bitBuffer & distMask)]
            if _slowPath(d & HuffmanEntry.exceptional != 0) {
                if d & HuffmanEntry.subtable != 0 {
                    drop(UInt64(GzipStage.distanceRootBits))
                    d = dist[HuffmanEntry.subtableSlot(d, bitBuffer)]
                }
                if d & HuffmanEntry.exceptional != 0 {
                    save()
                    if nearEnd && pastEnd(after: d) { throw truncated() }
                    throw corrupt("invalid distance code")
                }
            }
            let savedD = bitBuffer
            drop(UInt64(d & 0xFF))
            let distance = Int(d &>> 16) &+ Int(HuffmanEntry.extra(savedD, d))
            if _slowPath(nearEnd) && pastEnd() { save(); throw truncated() }
            if _slowPath(distance > out - historyStart) {
                save()
                throw corrupt("invalid distance too far back")
            }
            copyMatch(to: out, distance: distance, length: length)
            out += length
        }
        save()
        return false
    }

    /// Copies a match of `length` bytes from `distance` back; may write up to 37 bytes
    /// past its end (the window has room for that).
    @inline(__always)
    private func copyMatch(to out: UnsafeMutablePointer<UInt8>, distance: Int, length: Int) {
        let end = out + length
        var dst = UnsafeMutableRawPointer(out)
        var src = UnsafeRawPointer(out - distance)
        if distance >= 8 {
            // Most matches are short: five words unconditionally, then two at a time.
            for _ in 0..<5 {
                dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
                dst += 8
                src += 8
            }
            while dst < UnsafeMutableRawPointer(end) {
                dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
                dst += 8
                src += 8
                dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
                dst += 8
                src += 8
            }
        } else if distance == 1 {
            let v = UInt64(src.load(as: UInt8.self)) &* 0x0101_0101_0101_0101
            repeat {
                dst.storeBytes(of: v, as: UInt64.self)
                dst += 8
            } while dst < UnsafeMutableRawPointer(end)
        } else {
            var d = out
            var s = out - distance
            repeat {
                d.pointee = s.pointee
                d += 1
                s += 1
            } while d < end
        }
    }
}
