import CorsscanCore
@testable import CorsscanInput
import Foundation
import XCTest

final class LineReaderTests: XCTestCase {
    func testLineBreaks() throws {
        let dir = TempDir()
        let text = "first\r\n\nthird\r\r\n\r\nlast without LF\r"
        let expected: [Line] = [
            .line(Array("first".utf8), 1), .line([], 2), .line(Array("third\r".utf8), 3),
            .line([], 4), .line(Array("last without LF".utf8), 5),
        ]
        for (name, data) in [("t.log", Array(text.utf8)), ("t.gz", GzipWriter.gzip(Array(text.utf8)))] {
            let (items, err) = try readLines(dir.write(name, data))
            XCTAssertNil(err)
            XCTAssertEqual(items, expected)
        }
        XCTAssertEqual(try readLines(dir.write("blank", "\n\n\n")).items, [.line([], 1), .line([], 2), .line([], 3)])
        XCTAssertEqual(try readLines(dir.write("one", "x")).items, [.line([0x78], 1)])
        XCTAssertEqual(try readLines(dir.write("cr", "\r")).items, [.line([], 1)])
    }

    /// Every read size from 1 byte to the whole input gives the same lines.
    func testEveryChunkSize() throws {
        let dir = TempDir()
        var text = Array("a\r\nbb\n\n\r\nccc\r\r\n".utf8) + sampleLog(lines: 6) + Array("\n\nend".utf8)
        text += Array(repeating: ASCII.space, count: 40) + Array("\r\n".utf8)
        let expected = oracleLines(text)
        let expectedSmall = oracleLines(text, maxLineBytes: 30)
        let plain = dir.write("plain", text)
        let gz = dir.write("gz", GzipWriter.gzip(text))
        let multi = dir.write("multi", GzipWriter.gzip(Array(text[0..<100])) + GzipWriter.gzip(Array(text[100...])))
        for chunk in 1...text.count {
            for path in [plain, gz, multi] {
                XCTAssertEqual(try readLines(path, chunk: chunk).items, expected, "chunk \(chunk) \(path)")
                XCTAssertEqual(try readLines(path, chunk: chunk, maxLineBytes: 30).items, expectedSmall, "chunk \(chunk) \(path)")
            }
        }
    }

    func testOversizeSmallLimit() throws {
        let dir = TempDir()
        let text = "0123456789\n" + "0123456789A\n" + "0123456789\r\n" + "0123456789A\r\n"
            + String(repeating: "y", count: 1000) + "\nafter\n" + String(repeating: "z", count: 50)
        let expected: [Line] = [
            .line(Array("0123456789".utf8), 1), .oversize(2), .line(Array("0123456789".utf8), 3),
            .oversize(4), .oversize(5), .line(Array("after".utf8), 6), .oversize(7),
        ]
        let path = dir.write("o", text)
        for chunk in [1, 2, 3, 10, 11, 12, 13, 100, 4096] {
            XCTAssertEqual(try readLines(path, chunk: chunk, maxLineBytes: 10).items, expected, "chunk \(chunk)")
        }
    }

    func testOversizeDefaultLimitWith2MiBLine() throws {
        let dir = TempDir()
        var text = Array("before\n".utf8)
        text += Array(repeating: UInt8(ascii: "q"), count: 2 << 20)
        text += Array("\nafter\n".utf8)
        text += Array(repeating: UInt8(ascii: "r"), count: 1 << 20)   // exactly the limit: kept
        text += Array("\nend".utf8)
        for (name, data) in [("big", text), ("big.gz", GzipWriter.gzip(text))] {
            let src = try ByteSource(path: dir.write(name, data))
            var r = LineReader(src)
            var got: [String] = []
            while let item = try r.next() {
                switch item {
                case .line(let b, let n): got.append("\(n):\(b.count == 1 << 20 ? "1MiB" : String(decoding: b, as: UTF8.self))")
                case .oversize(let n): got.append("\(n):oversize")
                case .truncated(let n): got.append("\(n):truncated")
                }
            }
            XCTAssertEqual(got, ["1:before", "2:oversize", "3:after", "4:1MiB", "5:end"])
            XCTAssertEqual(r.lineNumber, 5)
        }
    }

    func testTruncatedLineThenError() throws {
        let dir = TempDir()
        let text = Array("complete one\ncomplete two\npartial thr".utf8)
        var gz = GzipWriter.gzip(text)
        gz.removeLast(8)   // drop the trailer: all data decodes, the member never ends
        let path = dir.write("t.gz", gz)
        for chunk in [1, 7, 4096] {
            let (items, err) = try readLines(path, chunk: chunk)
            XCTAssertEqual(items, [.line(Array("complete one".utf8), 1), .line(Array("complete two".utf8), 2), .truncated(3)])
            XCTAssertEqual(err?.kind, .truncatedGzip)
        }
    }
}
