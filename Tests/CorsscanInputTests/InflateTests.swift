import CZlib
import CorsscanCore
@testable import CorsscanInput
import XCTest

/// corsscan's own DEFLATE decoder (`GzipStage`) against zlib: the same bytes for every
/// stream zlib writes, and the same verdict for damaged streams.
final class InflateTests: XCTestCase {
    /// zlib's deflate with any level, strategy, window and memory level, as one gzip member.
    static func zlibGzip(_ data: [UInt8], level: Int32, strategy: Int32, windowBits: Int32 = 15,
                         memLevel: Int32 = 8) -> [UInt8] {
        var s = z_stream()
        precondition(corsscan_deflateInit2(&s, level, windowBits + 16, memLevel) == Z_OK)
        precondition(deflateParams(&s, level, strategy) == Z_OK)
        defer { deflateEnd(&s) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, UInt(data.count))) + 64)
        var input = data
        let produced = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                s.next_in = inp.baseAddress
                s.avail_in = UInt32(inp.count)
                s.next_out = o.baseAddress
                s.avail_out = UInt32(o.count)
                precondition(deflate(&s, Z_FINISH) == Z_STREAM_END)
                return o.count - Int(s.avail_out)
            }
        }
        return Array(out[0..<produced])
    }

    /// zlib's inflate (`windowBits` -15: raw DEFLATE, 31: one gzip member): its output, how
    /// many input bytes it took when the data ends cleanly (with a good check for gzip), and
    /// its last return code (`Z_DATA_ERROR` for invalid data, `Z_BUF_ERROR` when cut).
    static func zlibInflate(_ data: [UInt8], windowBits: Int32) -> (bytes: [UInt8], used: Int?, rc: Int32) {
        var s = z_stream()
        precondition(corsscan_inflateInit2(&s, windowBits) == Z_OK)
        defer { inflateEnd(&s) }
        var input = data
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var rc = Z_OK
        var used: Int?
        input.withUnsafeMutableBufferPointer { inp in
            s.next_in = inp.baseAddress
            s.avail_in = UInt32(inp.count)
            while rc == Z_OK {
                let got = chunk.withUnsafeMutableBufferPointer { o -> Int in
                    s.next_out = o.baseAddress
                    s.avail_out = UInt32(o.count)
                    rc = inflate(&s, Z_NO_FLUSH)
                    return o.count - Int(s.avail_out)
                }
                out += chunk[0..<got]
                if rc == Z_OK && got == 0 { rc = Z_BUF_ERROR }
            }
            if rc == Z_STREAM_END { used = inp.count - Int(s.avail_in) }
        }
        return (out, used, rc)
    }

    /// Inputs that exercise every block kind and copy path: log text, random bytes
    /// (stored blocks), runs (distance 1), short periods (distances 2–7), long repeats.
    static func corpus(seed: UInt64) -> [(String, [UInt8])] {
        var rng = SplitMix(state: seed)
        var random = [UInt8](repeating: 0, count: 40_000)
        for i in random.indices { random[i] = UInt8(truncatingIfNeeded: rng.next()) }
        var periods: [UInt8] = []
        for p in 2...9 {
            let unit = (0..<p).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for _ in 0..<(300 + Int(rng.next() % 700)) { periods += unit }
            periods += [UInt8](repeating: UInt8(p), count: Int(rng.next() % 400))
        }
        var mixed: [UInt8] = []
        for i in 0..<250 {
            switch rng.next() % 4 {
            case 0: mixed += random[(i * 97) % 30_000..<((i * 97) % 30_000 + Int(rng.next() % 300))]
            case 1: mixed += sampleLog(lines: 3, seed: rng.next())
            case 2: mixed += [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: Int(rng.next() % 600))
            default: mixed += mixed.suffix(Int(rng.next() % 30_000))
            }
        }
        return [("empty", []), ("one byte", [0x41]), ("log", sampleLog(lines: 600, seed: seed)),
                ("random", random), ("periods", periods), ("mixed", mixed)]
    }

    /// The gzip check (`GzipStage.crc32Update`: folded 16-byte blocks where the CPU allows,
    /// zlib for the rest) equals zlib's `crc32` for every length to 300 at every alignment,
    /// for large buffers, and when continued across calls of any split.
    func testCRC32MatchesZlib() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let data: [UInt8] = (0..<70_000).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        data.withUnsafeBufferPointer { b in
            let base = b.baseAddress!
            func zlib(_ crc: UInt, _ at: Int, _ n: Int) -> UInt { crc32(crc, base + at, UInt32(n)) }
            for offset in 0..<16 {
                for n in 0...300 {
                    XCTAssertEqual(GzipStage.crc32Update(0, base + offset, n), zlib(0, offset, n), "\(offset) \(n)")
                }
            }
            for n in [1024, 4096 + 7, 65_536, 69_999] {
                XCTAssertEqual(GzipStage.crc32Update(0, base, n), zlib(0, 0, n), "\(n)")
            }
            var crc: UInt = 0
            var at = 0
            var step = 1
            while at < data.count {
                let n = min(step, data.count - at)
                crc = GzipStage.crc32Update(crc, base + at, n)
                at += n
                step = step * 3 % 997 + 13
            }
            XCTAssertEqual(crc, zlib(0, 0, data.count))
        }
    }

    func testSameBytesAsZlibForEveryLevelAndStrategy() throws {
        let dir = TempDir()
        let strategies: [(String, Int32)] = [("default", Z_DEFAULT_STRATEGY), ("filtered", Z_FILTERED),
                                             ("huffman", Z_HUFFMAN_ONLY), ("rle", Z_RLE), ("fixed", Z_FIXED)]
        var checked = 0
        for (name, data) in InflateTests.corpus(seed: 7) {
            for level: Int32 in [0, 1, 6, 9] {
                for (sName, strategy) in strategies {
                    for (windowBits, memLevel): (Int32, Int32) in level == 0 || level == 6 ? [(15, 8)] : [(15, 8), (9, 1)] {
                        let gz = InflateTests.zlibGzip(data, level: level, strategy: strategy,
                                                       windowBits: windowBits, memLevel: memLevel)
                        let path = dir.write("t.gz", gz)
                        let what = "\(name) level \(level) \(sName) window \(windowBits)"
                        let (bytes, err) = try readAll(path)
                        XCTAssertNil(err, what)
                        XCTAssertTrue(bytes == data, what)
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, 6 * 6 * 5)
    }

    /// Tiny reads stop the decoder at every possible place in its input and output.
    func testSameBytesWhateverTheReadSizes() throws {
        let dir = TempDir()
        let data = Array(InflateTests.corpus(seed: 3).last!.1.prefix(50_000))
        var gz: [UInt8] = []
        for (level, strategy) in [(Int32(6), Z_DEFAULT_STRATEGY), (1, Z_FIXED), (0, Z_DEFAULT_STRATEGY), (9, Z_RLE)] {
            gz += InflateTests.zlibGzip(data, level: level, strategy: strategy)
        }
        let path = dir.write("multi.gz", gz)
        for chunk in [1, 3, 7, 64, 1000, 65_537] {
            let (bytes, err) = try readAll(path, chunk: chunk)
            XCTAssertNil(err, "chunk \(chunk)")
            XCTAssertTrue(bytes == data + data + data + data, "chunk \(chunk): \(bytes.count) bytes")
        }
    }

    /// Every cut of a member is `truncatedGzip`, after a prefix of the data.
    func testEveryCutIsTruncated() throws {
        let dir = TempDir()
        let data = sampleLog(lines: 30, seed: 5) + [UInt8](repeating: 0x20, count: 300)
        for (level, strategy) in [(Int32(6), Z_DEFAULT_STRATEGY), (1, Z_FIXED), (0, Z_DEFAULT_STRATEGY)] {
            let gz = InflateTests.zlibGzip(data, level: level, strategy: strategy)
            // Every cut near the ends (header, last block, trailer), every 5th between.
            for cut in 2..<gz.count where cut < 80 || cut > gz.count - 80 || cut % 5 == 0 {
                let path = dir.write("cut.gz", Array(gz[0..<cut]))
                let (bytes, err) = try readAll(path, chunk: cut % 2 == 0 ? ByteSource.chunkSize : 5)
                XCTAssertEqual(err?.kind, .truncatedGzip, "level \(level) cut \(cut): \(String(describing: err))")
                XCTAssertTrue(bytes.count <= data.count && bytes == Array(data[0..<bytes.count]), "level \(level) cut \(cut)")
            }
        }
    }

    /// Damaged DEFLATE data, given the right check for whatever zlib makes of it, so the
    /// verdict is the decoder's own. When zlib decodes it cleanly, the decoder gives the same
    /// bytes without error. When zlib refuses it (then without a trailer), the decoder gives
    /// exactly the bytes zlib gave before its error and the matching error: corrupt for
    /// invalid data, truncated for data that stops inside a symbol.
    func testDamagedStreamsGetZlibsVerdict() throws {
        let dir = TempDir()
        var rng = SplitMix(state: 99)
        let sources = InflateTests.corpus(seed: 11).filter { $0.1.count > 100 }
        var clean = 0, corrupt = 0, cut = 0
        for round in 0..<600 {
            let (_, data) = sources[round % sources.count]
            let slice = Array(data.prefix(500 + Int(rng.next() % 5000)))
            let strategy: Int32 = [Z_DEFAULT_STRATEGY, Z_FIXED, Z_HUFFMAN_ONLY, Z_RLE][Int(rng.next() % 4)]
            let gz = InflateTests.zlibGzip(slice, level: Int32(1 + rng.next() % 9), strategy: strategy)
            var deflate = Array(gz[10..<(gz.count - 8)])
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(deflate.count))
                deflate[at] ^= UInt8(1 << (rng.next() % 8))
            }
            if round % 4 == 3 { deflate.removeLast(1 + Int(rng.next() % UInt64(min(40, deflate.count - 1)))) }
            let oracle = InflateTests.zlibInflate(deflate, windowBits: -15)
            var damaged = Array(gz[0..<10])
            if let used = oracle.used {
                let crc = oracle.bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
                damaged += deflate[0..<used]
                for v in [UInt32(crc), UInt32(truncatingIfNeeded: oracle.bytes.count)] {
                    damaged += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
                }
            } else {
                damaged += deflate
            }
            let path = dir.write("damaged.gz", damaged)
            let (bytes, err) = try readAll(path, chunk: round % 3 == 0 ? 7 : ByteSource.chunkSize)
            XCTAssertTrue(bytes == oracle.bytes, "round \(round): \(bytes.count) bytes, zlib \(oracle.bytes.count)")
            if oracle.used != nil {
                XCTAssertNil(err, "round \(round)")
                clean += 1
            } else if oracle.rc == Z_DATA_ERROR {
                XCTAssertEqual(err?.kind, .corruptGzip, "round \(round): \(String(describing: err))")
                corrupt += 1
            } else {
                XCTAssertEqual(err?.kind, .truncatedGzip, "round \(round): zlib \(oracle.rc), \(String(describing: err))")
                cut += 1
            }
        }
        XCTAssertGreaterThan(clean, 30)
        XCTAssertGreaterThan(corrupt, 100)
        XCTAssertGreaterThan(cut, 30)
    }

    /// A member whose DEFLATE data is written by hand with the fixed code: `literals`, then
    /// one match of `length` 3 at `distance` 3, then end of block.
    static func fixedMember(literals: [UInt8], match: Bool) -> (member: [UInt8], output: [UInt8]) {
        var out: [UInt8] = []
        var acc = 0, n = 0
        func bits(_ v: Int, _ count: Int) {          // least significant bit first
            for i in 0..<count {
                acc |= ((v >> i) & 1) << n
                n += 1
                if n == 8 { out.append(UInt8(acc)); acc = 0; n = 0 }
            }
        }
        func code(_ c: Int, _ count: Int) {          // Huffman codes: most significant bit first
            for i in (0..<count).reversed() { bits((c >> i) & 1, 1) }
        }
        bits(1, 1)   // last block
        bits(1, 2)   // fixed code
        var output: [UInt8] = []
        for l in literals {
            code(0x30 + Int(l), 8)   // literals 0–143
            output.append(l)
        }
        if match {
            code(1, 7)   // symbol 257: length 3
            code(2, 5)   // distance code 2: distance 3
            // (With fewer than three bytes before it the match is invalid: no output for it.)
            if output.count >= 3 { for _ in 0..<3 { output.append(output[output.count - 3]) } }
        }
        code(0, 7)       // end of block
        if n > 0 { out.append(UInt8(acc)) }
        let crc = output.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        var member: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + out
        for v in [UInt32(crc), UInt32(output.count)] {
            member += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
        }
        return (member, output)
    }

    /// Matches reach back into their own member only, also after the window has slid.
    func testMatchesStayInTheirMember() throws {
        let dir = TempDir()
        // Members larger than the window: it slides inside them and between them.
        var gz: [UInt8] = [], expected: [UInt8] = []
        for seed in 1...3 {
            let d = sampleLog(lines: 1500, seed: UInt64(seed))
            gz += InflateTests.zlibGzip(d, level: 6, strategy: Z_DEFAULT_STRATEGY)
            expected += d
        }
        XCTAssertGreaterThan(expected.count, 3 * GzipStage.historySize + GzipStage.outputChunk)
        for chunk in [ByteSource.chunkSize, 1000] {
            let (bytes, err) = try readAll(dir.write("big.gz", gz), chunk: chunk)
            XCTAssertNil(err)
            XCTAssertTrue(bytes == expected, "chunk \(chunk)")
        }
        // A match after three literals of its own member is fine; a member that starts with
        // one refers to the previous member's bytes, which zlib refuses ("too far back").
        let first = InflateTests.fixedMember(literals: Array("abc".utf8), match: true)
        XCTAssertEqual(first.output, Array("abcabc".utf8))
        XCTAssertTrue(InflateTests.zlibInflate(first.member, windowBits: 31).used != nil)
        let (ok, okErr) = try readAll(dir.write("ok.gz", first.member + first.member))
        XCTAssertNil(okErr)
        XCTAssertEqual(ok, Array("abcabcabcabc".utf8))
        let second = InflateTests.fixedMember(literals: [], match: true)
        XCTAssertNil(InflateTests.zlibInflate(second.member, windowBits: 31).used)
        let (bytes, err) = try readAll(dir.write("bad.gz", first.member + second.member))
        XCTAssertEqual(bytes, Array("abcabc".utf8))
        XCTAssertEqual(err?.kind, .corruptGzip)
        XCTAssertTrue(err?.message.contains("too far back") ?? false, String(describing: err))
    }

    /// Header fields zlib reads (extra field, name, comment, header CRC) are skipped
    /// the same way; what zlib refuses is corrupt.
    func testHeaderFields() throws {
        let dir = TempDir()
        let data = sampleLog(lines: 20, seed: 9)
        let plain = InflateTests.zlibGzip(data, level: 6, strategy: Z_DEFAULT_STRATEGY)
        let body = Array(plain[10...])
        func header(flags: UInt8, method: UInt8 = 8, extra: [UInt8] = []) -> [UInt8] {
            [0x1F, 0x8B, method, flags, 1, 2, 3, 4, 0, 3] + extra
        }
        let name = Array("access.log".utf8) + [0]
        let comment = Array("from S3".utf8) + [0]
        let fextra: [UInt8] = [6, 0, 0x41, 0x70, 2, 0, 9, 9]
        var withAll = header(flags: 0x04 | 0x08 | 0x10 | 0x02, extra: fextra + name + comment)
        let crc = withAll.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        withAll += [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF)]
        var badHeaderCRC = withAll
        badHeaderCRC[badHeaderCRC.count - 1] ^= 1
        let cases: [(String, [UInt8], InputError.Kind?)] = [
            ("all fields", withAll + body, nil),
            ("name only", header(flags: 0x08, extra: name) + body, nil),
            ("bad header crc", badHeaderCRC + body, .corruptGzip),
            ("reserved flag", header(flags: 0x20) + body, .corruptGzip),
            ("method 7", header(flags: 0, method: 7) + body, .corruptGzip),
            ("cut in name", header(flags: 0x08, extra: Array("acc".utf8)), .truncatedGzip),
        ]
        for (what, gz, kind) in cases {
            let path = dir.write("h.gz", gz)
            let (bytes, err) = try readAll(path, chunk: 3)
            XCTAssertEqual(err?.kind, kind, what)
            XCTAssertEqual(InflateTests.zlibInflate(gz, windowBits: 31).used != nil, kind == nil, "zlib disagrees: \(what)")
            if kind == nil { XCTAssertTrue(bytes == data, what) }
        }
    }

    func testCodeLengthRules() {
        var table = HuffmanTable(rootBits: 8, maxSymbols: 32)
        let symbols = DeflateSymbols.distanceEntries
        func build(_ lengths: [UInt8], incompleteAllowed: Bool = true) -> HuffmanTable.Problem? {
            do {
                try lengths.withUnsafeBufferPointer { l throws(HuffmanTable.Problem) in
                    try table.build(lengths: l.baseAddress!, count: l.count, incompleteAllowed: incompleteAllowed,
                                    symbols: symbols)
                }
                return nil
            } catch {
                return error
            }
        }
        XCTAssertNil(build([1, 1]))
        XCTAssertNil(build([2, 1, 2]))
        XCTAssertEqual(build([1, 1, 1]), .overSubscribed)
        XCTAssertEqual(build([2, 2, 2]), .incomplete)
        XCTAssertNil(build([0, 1]), "one one-bit code is allowed (zlib)")
        XCTAssertNil(build([0, 0]), "no distance code at all is allowed")
        XCTAssertEqual(build([0, 1], incompleteAllowed: false), .incomplete)
    }

    /// Random complete codes of up to 15 bits, built one after another into the same
    /// table (stale subtable pointers of the previous code must not leak), decode every
    /// symbol's code to that symbol.
    func testRandomCodesDecodeEverySymbol() {
        var rng = SplitMix(state: 5)
        var table = HuffmanTable(rootBits: 11, maxSymbols: 288)
        let symbols = (0..<288).map { UInt32($0) << 16 }
        for round in 0..<200 {
            // Split random leaves of a one-leaf tree until there are n symbols.
            let n = 2 + Int(rng.next() % 287)
            var lengths: [UInt8] = [0]
            while lengths.count < n {
                let splittable = lengths.indices.filter { lengths[$0] < 15 }
                if splittable.isEmpty { break }
                let i = splittable[Int(rng.next() % UInt64(splittable.count))]
                lengths[i] += 1
                lengths.append(lengths[i])
            }
            for i in stride(from: lengths.count - 1, to: 0, by: -1) {
                lengths.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
            let built: Bool = lengths.withUnsafeBufferPointer { l in
                (try? table.build(lengths: l.baseAddress!, count: l.count, incompleteAllowed: false,
                                  symbols: symbols)) != nil
            }
            XCTAssertTrue(built, "round \(round)")
            // Canonical codes, the slow way: by (length, symbol).
            var code = 0, previous = 0
            for (symbol, length) in lengths.enumerated().sorted(by: { ($0.1, $0.0) < ($1.1, $1.0) }) {
                code <<= Int(length) - previous
                previous = Int(length)
                var reversed = 0
                for b in 0..<Int(length) where code & (1 << (Int(length) - 1 - b)) != 0 { reversed |= 1 << b }
                var entry = table.entries[reversed & 2047]
                var used = 0
                if entry & HuffmanEntry.subtable != 0 {
                    used = 11
                    let sub = Int(entry >> 16) + (reversed >> 11) & ((1 << Int((entry >> 8) & 0xF)) - 1)
                    entry = table.entries[sub]
                }
                XCTAssertEqual(Int(entry >> 16), symbol, "round \(round) symbol \(symbol)")
                XCTAssertEqual(used + Int(entry & 0xFF), Int(length), "round \(round) symbol \(symbol)")
                code += 1
            }
        }
    }
}
