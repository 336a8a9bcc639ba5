import CorsscanCore
@testable import CorsscanInput
import Foundation
import XCTest

final class ByteSourceTests: XCTestCase {
    func testPlainAndGzipGiveSameLines() throws {
        let dir = TempDir()
        let text = sampleLog(lines: 500)
        let plain = dir.write("a.log", text)
        let gz = dir.write("a.log.gz", GzipWriter.gzip(text))
        let noExt = dir.write("firehose-object", GzipWriter.gzip(text))
        let p = try readLines(plain)
        let g = try readLines(gz)
        let n = try readLines(noExt)
        XCTAssertNil(p.error)
        XCTAssertNil(g.error)
        XCTAssertEqual(p.items.count, 500)
        XCTAssertEqual(p.items, oracleLines(text))
        XCTAssertEqual(g.items, p.items)
        XCTAssertEqual(n.items, p.items)

        let src = try ByteSource(path: gz)
        XCTAssertTrue(src.isGzip)
        XCTAssertEqual(src.fileSize, Int64(GzipWriter.gzip(text).count))
        var r = LineReader(src)
        while try r.next() != nil {}
        XCTAssertEqual(src.decompressedBytes, Int64(text.count))
        XCTAssertEqual(src.compressedBytesRead, src.fileSize)
        src.close()
        src.close()

        let ps = try ByteSource(path: plain)
        XCTAssertFalse(ps.isGzip)
        XCTAssertEqual(ps.gzipLayers, 0)
    }

    func testMultiMember() throws {
        let dir = TempDir()
        let parts = [sampleLog(lines: 10, seed: 1), sampleLog(lines: 20, seed: 2), sampleLog(lines: 5, seed: 3)]
        let path = dir.path + "/multi.gz"
        let w = try GzipWriter(path: path)
        for p in parts {
            w.write(p)
            w.finishMember()
        }
        try w.close()
        let concatenated = parts.reduce([], +)
        // Same as gzip members glued together by hand.
        let byHand = dir.write("byhand", parts.map { GzipWriter.gzip($0) }.reduce([], +))
        let (bytes, err) = try readAll(path)
        XCTAssertNil(err)
        XCTAssertEqual(bytes, concatenated)
        XCTAssertEqual(try readLines(byHand).items, oracleLines(concatenated))
        XCTAssertEqual(try readLines(path).items.count, 35)
    }

    func testNestedGzip() throws {
        let dir = TempDir()
        let envelopes = Array(#"{"messageType":"DATA_MESSAGE","logEvents":[]}{"messageType":"CONTROL_MESSAGE"}"#.utf8)
        // CloudWatch gzips each record; Firehose concatenates them and gzips again.
        let inner = GzipWriter.gzip(Array(envelopes[0..<45])) + GzipWriter.gzip(Array(envelopes[45...]))
        let outer = GzipWriter.gzip(Array(inner[0..<20])) + GzipWriter.gzip(Array(inner[20...]))
        let path = dir.write("nested", outer)
        let src = try ByteSource(path: path)
        XCTAssertEqual(src.gzipLayers, 2)
        XCTAssertTrue(src.isGzip)
        XCTAssertEqual(try src.peek(2), [ASCII.openBrace, ASCII.quote])
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let (bytes, err) = try readAll(path, chunk: chunk)
            XCTAssertNil(err)
            XCTAssertEqual(bytes, envelopes, "chunk \(chunk)")
        }
        // Damage in the inner layer is reported after the good bytes.
        var badInner = inner
        badInner[badInner.count - 6] ^= 0xFF   // inner CRC
        let p2 = dir.write("nested-bad", GzipWriter.gzip(badInner))
        let (bytes, err) = try readAll(p2)
        XCTAssertEqual(bytes, envelopes)
        XCTAssertEqual(err?.kind, .badCRC)
        XCTAssertTrue(err?.message.contains("layer 2") ?? false, err?.message ?? "")
    }

    func testPeekDoesNotConsume() throws {
        let dir = TempDir()
        let text = sampleLog(lines: 50)
        for (name, data) in [("p", text), ("g.gz", GzipWriter.gzip(text))] {
            let path = dir.write(name, data)
            for chunk in [1, 3, 100_000] {
                let src = try ByteSource(path: path, readChunk: chunk)
                XCTAssertEqual(try src.peek(5), Array(text[0..<5]))
                XCTAssertEqual(try src.peek(100), Array(text[0..<100]))
                XCTAssertEqual(try src.peek(3), Array(text[0..<3]))
                var r = LineReader(src)
                var n = 0
                while let item = try r.next() {
                    if case .line(let b, 1) = item { XCTAssertEqual(Array(b), oracleLines(text).first.map { if case .line(let x, _) = $0 { x } else { [] } }) }
                    n += 1
                }
                XCTAssertEqual(n, 50)
                XCTAssertEqual(src.decompressedBytes, Int64(text.count))
            }
        }
        let empty = dir.write("empty", [])
        XCTAssertEqual(try ByteSource(path: empty).peek(10), [])
    }

    func testTruncatedGzip() throws {
        let dir = TempDir()
        let text = sampleLog(lines: 3000)
        let gz = GzipWriter.gzip(text)
        let all = oracleLines(text)
        for cut in [gz.count / 3, gz.count / 2, gz.count - 9, gz.count - 1] {
            let path = dir.write("cut.gz", Array(gz[0..<cut]))
            let (items, err) = try readLines(path)
            XCTAssertEqual(err?.kind, .truncatedGzip, "cut \(cut)")
            XCTAssertEqual(err?.offset, Int64(cut))
            XCTAssertTrue(err?.message.contains("starting at byte 0 ends early") ?? false, err?.message ?? "")
            var complete = items
            if case .truncated(let n)? = complete.last {
                complete.removeLast()
                XCTAssertEqual(n, Int64(complete.count + 1))
            } else {
                // Only when the cut falls at the very end can every line be complete.
                XCTAssertGreaterThanOrEqual(cut, gz.count - 9)
            }
            XCTAssertEqual(complete, Array(all[0..<complete.count]))
            if cut < gz.count / 2 + 1 { XCTAssertGreaterThan(complete.count, 10) }
        }
        // Cut inside the second member's header: the first is intact.
        let two = gz + GzipWriter.gzip(Array("tail line\n".utf8))
        let path = dir.write("two.gz", Array(two[0..<(gz.count + 7)]))
        let (items, err) = try readLines(path)
        XCTAssertEqual(items, all)
        XCTAssertEqual(err?.kind, .truncatedGzip)
        XCTAssertTrue(err?.message.contains("starting at byte \(gz.count)") ?? false, err?.message ?? "")
        // Only the magic: nothing to deliver, still truncated.
        let magic = dir.write("magic.gz", [0x1F, 0x8B])
        let m = try readLines(magic)
        XCTAssertEqual(m.items, [])
        XCTAssertEqual(m.error?.kind, .truncatedGzip)
    }

    func testBadCRCAndLength() throws {
        let dir = TempDir()
        let text = sampleLog(lines: 200)
        let gz = GzipWriter.gzip(text)
        for (what, index) in [("crc", gz.count - 8), ("length", gz.count - 1)] {
            var bad = gz
            bad[index] ^= 0x55
            let path = dir.write("bad-\(what).gz", bad)
            for chunk in [1, 977, ByteSource.chunkSize] {
                let (items, err) = try readLines(path, chunk: chunk)
                XCTAssertEqual(items, oracleLines(text), what)
                XCTAssertEqual(err?.kind, .badCRC, what)
                XCTAssertTrue(err?.message.contains("gzip member starting at byte 0") ?? false)
            }
        }
    }

    func testCorruptDeflateData() throws {
        let dir = TempDir()
        var gz = GzipWriter.gzip(sampleLog(lines: 20))
        gz[10] = 0xFF   // first block header: reserved block type 3
        let (bytes, err) = try readAll(dir.write("corrupt.gz", gz))
        XCTAssertEqual(bytes, [])
        XCTAssertEqual(err?.kind, .corruptGzip)
        // Damage in the middle of a later member: earlier members still delivered.
        let first = sampleLog(lines: 30)
        var second = GzipWriter.gzip(sampleLog(lines: 30, seed: 9))
        second[10] = 0xFF
        let path = dir.write("corrupt2.gz", GzipWriter.gzip(first) + second)
        let (lines, err2) = try readLines(path)
        XCTAssertEqual(lines, oracleLines(first))
        XCTAssertEqual(err2?.kind, .corruptGzip)
    }

    func testTrailingGarbage() throws {
        let dir = TempDir()
        let a = sampleLog(lines: 40, seed: 4)
        let b = sampleLog(lines: 40, seed: 5)
        let gz = GzipWriter.gzip(a) + GzipWriter.gzip(b)
        for garbage: [UInt8] in [Array("oops\n".utf8), [0, 0, 0, 0], [0x1F], [0x1F, 0x00, 0x01]] {
            let path = dir.write("garbage.gz", gz + garbage)
            for chunk in [1, 5, ByteSource.chunkSize] {
                let (items, err) = try readLines(path, chunk: chunk)
                if garbage == [0x1F] {
                    // A lone 1f could be a member start: it ends early.
                    XCTAssertEqual(err?.kind, .truncatedGzip)
                } else {
                    XCTAssertEqual(err?.kind, .trailingGarbage, "\(garbage)")
                    XCTAssertEqual(err?.offset, Int64(gz.count))
                }
                XCTAssertEqual(items, oracleLines(a + b))
            }
        }
    }

    func testGzNameButPlainContent() throws {
        let dir = TempDir()
        // Detected by content: text under a .gz name (decompressed on download) is read as
        // text, long or short, with multi-byte UTF-8 cut anywhere by the sniffed prefix.
        let long = String(repeating: "GET /caf\u{E9}/\u{1F600} 200\n", count: 40)
        for text in ["GET / 200\n", "GET / 200", long] {
            for chunk in [1, 5, ByteSource.chunkSize] {
                let path = dir.write("access.log.gz", text)
                let expected = text.split(separator: "\n").enumerated().map { Line.line(Array($1.utf8), Int64($0 + 1)) }
                let (items, err) = try readLines(path, chunk: chunk)
                XCTAssertNil(err)
                XCTAssertEqual(items, expected, "chunk \(chunk)")
            }
        }
        // Binary that is not gzip (damaged header, another compressor) is a named error.
        for bad: [UInt8] in [[0x1F, 0x8C, 0x08, 0, 0, 0], [0x42, 0x5A, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x8E, 0x03], Array("log\u{0}line\n".utf8),
                             Array("caf".utf8) + [0xE9, 0x20, 0x6F, 0x6B]] {
            let path = dir.write("access.log.gz", bad)
            XCTAssertThrowsError(try ByteSource(path: path), "\(bad)") { e in
                XCTAssertEqual((e as? InputError)?.kind, .notGzip)
                XCTAssertEqual((e as? InputError)?.offset, 0)
            }
        }
        let other = dir.write("access.log", "GET / 200\n")
        XCTAssertEqual(try readLines(other).items, [.line(Array("GET / 200".utf8), 1)])
    }

    func testLeadingByteOrderMarkIsDropped() throws {
        let dir = TempDir()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let text = Array("{\"ip\":\"10.0.0.1\"}\nsecond\n".utf8)
        for chunk in [1, 2, 4, ByteSource.chunkSize] {
            for (name, bytes) in [("bom.log", bom + text), ("bom.log.gz", GzipWriter.gzip(bom + text)), ("bom-only", bom)] {
                let (items, err) = try readLines(dir.write(name, bytes), chunk: chunk)
                XCTAssertNil(err)
                XCTAssertEqual(items, name == "bom-only" ? [] : [.line(Array(#"{"ip":"10.0.0.1"}"#.utf8), 1), .line(Array("second".utf8), 2)],
                               "\(name) chunk \(chunk)")
            }
        }
        // Only at the start: a BOM later in the data is content.
        let (items, _) = try readLines(dir.write("mid.log", Array("a\n".utf8) + bom + Array("b\n".utf8)))
        XCTAssertEqual(items, [.line(Array("a".utf8), 1), .line(bom + Array("b".utf8), 2)])
    }

    func testGzipLayersBeyondTheLimitAreNamed() throws {
        let dir = TempDir()
        let text = Array("GET / 200\n".utf8)
        var data = text
        for layers in 1...(ByteSource.maxLayers + 2) {
            data = GzipWriter.gzip(data)
            let path = dir.write("l\(layers).gz", data)
            if layers <= ByteSource.maxLayers {
                let (items, err) = try readLines(path)
                XCTAssertNil(err)
                XCTAssertEqual(items, [.line(Array("GET / 200".utf8), 1)], "\(layers) layers")
            } else {
                XCTAssertThrowsError(try ByteSource(path: path), "\(layers) layers") { e in
                    XCTAssertEqual((e as? InputError)?.kind, .tooLarge)
                    XCTAssertTrue((e as? InputError)?.message.contains("layers") ?? false)
                }
            }
        }
    }

    func testZeroByteFiles() throws {
        let dir = TempDir()
        for name in ["empty.gz", "empty.log", "empty"] {
            let path = dir.write(name, [])
            let (items, err) = try readLines(path)
            XCTAssertEqual(items, [])
            XCTAssertNil(err)
            let src = try ByteSource(path: path)
            XCTAssertEqual(src.fileSize, 0)
            XCTAssertFalse(src.isGzip)
        }
        // An empty gzip member decompresses to nothing.
        let path = dir.path + "/empty-member.gz"
        let w = try GzipWriter(path: path)
        try w.close()
        let (items, err) = try readLines(path)
        XCTAssertEqual(items, [])
        XCTAssertNil(err)
        XCTAssertTrue(try ByteSource(path: path).isGzip)
    }

    func testBinaryGarbageAsPlain() throws {
        let dir = TempDir()
        var rng = SplitMix(state: 42)
        var bytes = (0..<300_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        bytes[0] = 0x00
        let path = dir.write("garbage.bin", bytes)
        for max in [1 << 20, 100] {
            let (items, err) = try readLines(path, maxLineBytes: max)
            XCTAssertNil(err)
            XCTAssertEqual(items, oracleLines(bytes, maxLineBytes: max))
        }
    }

    func testInvalidUTF8PassesThrough() throws {
        let dir = TempDir()
        let bytes: [UInt8] = [0xFF, 0xFE, 0x41, 0x0A, 0xC3, 0x28, 0x0D, 0x0A, 0xED, 0xA0, 0x80]
        for (name, data) in [("u.log", bytes), ("u.gz", GzipWriter.gzip(bytes))] {
            let (items, err) = try readLines(dir.write(name, data))
            XCTAssertNil(err)
            XCTAssertEqual(items, [.line([0xFF, 0xFE, 0x41], 1), .line([0xC3, 0x28], 2), .line([0xED, 0xA0, 0x80], 3)])
        }
    }

    func testUnreadablePaths() throws {
        let dir = TempDir()
        XCTAssertThrowsError(try ByteSource(path: dir.path + "/missing")) { e in
            XCTAssertEqual((e as? InputError)?.kind, .unreadable)
            XCTAssertTrue((e as? InputError)?.message.contains("No such file") ?? false)
        }
        XCTAssertThrowsError(try ByteSource(path: dir.path)) { e in
            XCTAssertEqual((e as? InputError)?.kind, .unreadable)
        }
    }

    func testGzipWriterInteroperatesWithSystemGzip() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gzip") || FileManager.default.isExecutableFile(atPath: "/bin/gzip") else {
            throw XCTSkip("no gzip(1)")
        }
        let dir = TempDir()
        let path = dir.path + "/w.gz"
        let w = try GzipWriter(path: path, level: 9)
        w.write(Array("one\n".utf8))
        w.finishMember()
        w.write("two\n".utf8)
        w.write(ContiguousArray("three\n".utf8))
        try w.close()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -dc '\(path)'"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "one\ntwo\nthree\n")
    }

    func testStdinIsDash() throws {
        let dir = TempDir()
        let text = sampleLog(lines: 30)
        let path = dir.write("stdin.gz", GzipWriter.gzip(text))
        let saved = dup(STDIN_FILENO)
        let fd = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        dup2(fd, STDIN_FILENO)
        close(fd)
        defer {
            dup2(saved, STDIN_FILENO)
            close(saved)
        }
        let src = try ByteSource(path: "-")
        XCTAssertTrue(src.isGzip)
        var r = LineReader(src)
        var n = 0
        while try r.next() != nil { n += 1 }
        XCTAssertEqual(n, 30)
        src.close()
        // Closing the source leaves the process's stdin open.
        XCTAssertNotEqual(fcntl(STDIN_FILENO, F_GETFD), -1)
    }
}
