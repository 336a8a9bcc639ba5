import CorsscanCore
@testable import CorsscanInput
import Foundation
import XCTest

enum JItem: Equatable {
    case object(String, Int64, Int64)
    case oversize(Int64)
    case garbage(Int64, Int)
    case truncated(Int64)
}

func readObjects(_ path: String, chunk: Int = ByteSource.chunkSize, max: Int = 8 << 20, marker: String? = nil)
    throws(InputError) -> ([JItem], InputError?)
{
    var r = JSONObjectReader(try ByteSource(path: path, readChunk: chunk), maxObjectBytes: max,
                             startMarker: marker.map { Array($0.utf8) })
    var out: [JItem] = []
    while true {
        do throws(InputError) {
            guard let item = try r.next() else { return (out, nil) }
            switch item {
            case .object(let b, let n, let o): out.append(.object(String(decoding: b, as: UTF8.self), n, o))
            case .oversize(let n): out.append(.oversize(n))
            case .garbage(let n, let c): out.append(.garbage(n, c))
            case .truncated(let n, _): out.append(.truncated(n))
            }
        } catch {
            return (out, error)
        }
    }
}

/// The bytes each `.truncated` item hands over, in order.
func readPartials(_ path: String, chunk: Int, max: Int = 8 << 20, marker: String?) throws(InputError) -> [String] {
    var r = JSONObjectReader(try ByteSource(path: path, readChunk: chunk), maxObjectBytes: max,
                             startMarker: marker.map { Array($0.utf8) })
    var out: [String] = []
    while true {
        guard let item = try? r.next() else { return out }
        if case .truncated(_, let p) = item { out.append(String(decoding: p, as: UTF8.self)) }
    }
}

final class JSONObjectReaderTests: XCTestCase {
    static let input = #"{"a":"}{"}{"b":[1,{"c":2}]}"# + "\n" + #"{"d":"\\\"}"}"# + "\nstray line }\n\t" + #"{"e":{}}"# + " junk"

    static let expected: [JItem] = [
        .object(#"{"a":"}{"}"#, 1, 0),
        .object(#"{"b":[1,{"c":2}]}"#, 2, 10),
        .object(#"{"d":"\\\"}"}"#, 3, 28),
        .garbage(4, 10),
        .object(#"{"e":{}}"#, 5, 56),
        .garbage(6, 4),
    ]

    func testSplitsConcatenatedObjects() throws {
        let dir = TempDir()
        let bytes = Array(Self.input.utf8)
        let plain = dir.write("j", bytes)
        let gz = dir.write("j.gz", GzipWriter.gzip(Array(bytes[0..<15])) + GzipWriter.gzip(Array(bytes[15...])))
        for chunk in 1...bytes.count {
            for path in [plain, gz] {
                let (items, err) = try readObjects(path, chunk: chunk)
                XCTAssertNil(err)
                XCTAssertEqual(items, Self.expected, "chunk \(chunk)")
            }
        }
    }

    func testOversizeAndTruncatedObjects() throws {
        let dir = TempDir()
        let big = #"{"big":""# + String(repeating: "}", count: 100) + #"","x":[{}]}"#
        let text = #"{"ok":1}"# + big + #"{"ok":2}{"cut":"#
        let path = dir.write("o", Array(text.utf8))
        for chunk in [1, 3, 50, 4096] {
            let (items, err) = try readObjects(path, chunk: chunk, max: 20)
            XCTAssertEqual(items, [
                .object(#"{"ok":1}"#, 1, 0), .oversize(2), .object(#"{"ok":2}"#, 3, Int64(8 + big.utf8.count)), .truncated(4),
            ], "chunk \(chunk)")
            // A plain file that ends inside an object was cut short: a named error after the items.
            XCTAssertEqual(err?.kind, .truncated, "chunk \(chunk)")
            XCTAssertEqual(err?.offset, Int64(text.utf8.count))
        }
    }

    /// An envelope cut off mid-stream (inside a string or a nested value) does not swallow
    /// the ones after it: reading resumes at the next start marker, and the cut is named.
    func testCutObjectResumesAtTheNextStartMarker() throws {
        let dir = TempDir()
        let a = #"{"messageType":"DATA_MESSAGE","logEvents":[{"message":"{\"a\":1}"}]}"#
        let b = #"{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x}{\"b"#  // cut inside a string
        let c = #"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"#                // cut inside a value
        let d = #"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#
        let text = a + b + c + "\n" + d + a
        let marker = #"{"messageType":"#
        for gz in [false, true] {
            for chunk in [1, 5, 16, 4096] {
                let bytes = Array(text.utf8)
                let path = dir.write(gz ? "m.gz" : "m", gz ? GzipWriter.gzip(bytes) : bytes)
                let (items, err) = try readObjects(path, chunk: chunk, marker: marker)
                let offA = Int64(a.utf8.count), offD = Int64((a + b + c).utf8.count + 1)
                XCTAssertEqual(items, [.object(a, 1, 0), .truncated(2), .truncated(3), .object(d, 4, offD),
                                       .object(a, 5, offD + Int64(d.utf8.count))], "gz \(gz) chunk \(chunk)")
                XCTAssertEqual(err?.kind, .truncated, "gz \(gz) chunk \(chunk)")
                XCTAssertTrue(err?.message.contains("object 2 (from byte \(offA))") ?? false, err?.message ?? "")
                // Each cut object hands over its bytes up to the cut.
                XCTAssertEqual(try readPartials(path, chunk: chunk, marker: marker), [b, c + "\n"], "gz \(gz) chunk \(chunk)")
                // Without the marker the first cut swallows the rest.
                let (plain, _) = try readObjects(path, chunk: chunk)
                XCTAssertEqual(plain.count, 2)
            }
        }
        // An oversize object cut off by the next marker: skipped, the next one read.
        let big = #"{"messageType":"DATA_MESSAGE","pad":""# + String(repeating: "p", count: 200)
        let path = dir.write("o", Array((a + big + a).utf8))
        let (items, err) = try readObjects(path, chunk: 7, max: 100, marker: marker)
        XCTAssertEqual(items, [.object(a, 1, 0), .oversize(2), .object(a, 3, Int64((a + big).utf8.count))])
        XCTAssertEqual(err?.kind, .truncated)
    }

    func testInputEndingInsideAnObjectIsNamed() throws {
        let dir = TempDir()
        // Cut inside a string, inside a nested array, and inside an oversize object being skipped.
        for (text, max, items, partials) in [
            (#"{"a":1} {"b":"x}{"#, 64, [JItem.object(#"{"a":1}"#, 1, 0), .truncated(2)], [#"{"b":"x}{"#]),
            (#"{"a":[1,{"#, 64, [.truncated(1)], [#"{"a":[1,{"#]),
            (#"{"a":1}{"big":"0123456789012345678901234567890123456789"#, 16, [.object(#"{"a":1}"#, 1, 0), .oversize(2)], []),
        ] {
            for gz in [false, true] {
                let bytes = Array(text.utf8)
                let path = dir.write(gz ? "t.gz" : "t", gz ? GzipWriter.gzip(bytes) : bytes)
                let (got, err) = try readObjects(path, chunk: 7, max: max)
                XCTAssertEqual(got, items, text)
                XCTAssertEqual(try readPartials(path, chunk: 7, max: max, marker: nil), partials, text)
                XCTAssertEqual(err?.kind, .truncated, text)
                XCTAssertTrue(err?.message.contains("ends inside a JSON object") ?? false)
            }
        }
        // Complete objects with trailing whitespace: a clean end.
        let (got, err) = try readObjects(dir.write("ok", Array("{\"a\":1}\n \n".utf8)))
        XCTAssertEqual(got, [.object(#"{"a":1}"#, 1, 0)])
        XCTAssertNil(err)
    }

    func testReadErrorInsideObject() throws {
        let dir = TempDir()
        var gz = GzipWriter.gzip(Array(#"{"a":1}{"b":"unfinished"#.utf8))
        gz.removeLast(8)
        let (items, err) = try readObjects(dir.write("e.gz", gz))
        XCTAssertEqual(items, [.object(#"{"a":1}"#, 1, 0), .truncated(2)])
        XCTAssertEqual(err?.kind, .truncatedGzip)
    }

    func testFirehoseShape() throws {
        let dir = TempDir()
        let path = dir.path + "/firehose"
        let w = try GzipWriter(path: path)
        var expected: [JItem] = []
        var offset: Int64 = 0
        for i in 0..<50 {
            let env = #"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"\#(i)","timestamp":1795254311812,"message":"{ \"requestId\":\"r\#(i)\", \"status\":\"403\" }"}]}"#
            w.write(env.utf8)
            w.finishMember()
            expected.append(.object(env, Int64(i + 1), offset))
            offset += Int64(env.utf8.count)
        }
        try w.close()
        let (items, err) = try readObjects(path)
        XCTAssertNil(err)
        XCTAssertEqual(items, expected)
    }

    /// Long strings with escapes in every position, split at every chunk size,
    /// against a byte-at-a-time oracle.
    func testLongStringsEveryChunkSize() throws {
        let dir = TempDir()
        var text = ""
        for k in 0..<12 {
            let filler = String(repeating: "m", count: k)
            text += #"{"message":"\#(filler){ \"requestId\":\"r\#(k)\", \"s\":\"\\\\\" }\#(filler)\\","x":["}\#(filler)"]}"#
            if k % 3 == 0 { text += "\n" }
        }
        let bytes = Array(text.utf8)
        // Oracle.
        var expected: [JItem] = []
        var depth = 0, inStr = false, esc = false, start = 0
        for (i, b) in bytes.enumerated() {
            if inStr {
                if esc { esc = false } else if b == ASCII.backslash { esc = true } else if b == ASCII.quote { inStr = false }
                continue
            }
            switch b {
            case ASCII.quote: inStr = true
            case ASCII.openBrace, ASCII.openBracket:
                if depth == 0 { start = i }
                depth += 1
            case ASCII.closeBrace, ASCII.closeBracket:
                depth -= 1
                if depth == 0 {
                    expected.append(.object(String(decoding: bytes[start...i], as: UTF8.self), Int64(expected.count + 1), Int64(start)))
                }
            default: break
            }
        }
        XCTAssertEqual(expected.count, 12)
        let path = dir.write("long", bytes)
        for chunk in 1...bytes.count {
            XCTAssertEqual(try readObjects(path, chunk: chunk).0, expected, "chunk \(chunk)")
        }
    }
}
