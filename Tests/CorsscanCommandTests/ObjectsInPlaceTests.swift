import Foundation
import XCTest
import CorsscanCore
import CorsscanInput
import CorsscanAccessLog

/// Envelopes walked where they lie in the reader's buffer (`JSONObjectReader.peekObject`,
/// `LogEventContainer.scanPrefix`, `takeObject`) give exactly the items, numbers, offsets,
/// events and errors that reading each object first (`next()`) and then walking it gives.
final class ObjectsInPlaceTests: XCTestCase {
    private enum Item: Equatable {
        case object(String, number: Int64, offset: Int64)
        case oversize(Int64)
        case garbage(Int64, Int)
        case truncated(Int64, String)
    }

    private struct Read: Equatable {
        var items: [Item] = []
        /// Each object's events (message, time) as `LogEventContainer.scan` gives them.
        var events: [[String]] = []
        var error: String?
        var inPlace = 0
    }

    private static let marker = Array(#"{"messageType":"#.utf8)

    private func read(_ path: String, chunk: Int, max: Int, inPlace: Bool, minBytes: Int) throws -> Read {
        var r = JSONObjectReader(try ByteSource(path: path, readChunk: chunk), maxObjectBytes: max, startMarker: Self.marker)
        var scratch = LogEventContainer.Scratch()
        var out = Read()
        func events(_ object: UnsafeBufferPointer<UInt8>) -> [String] {
            var list: [String] = [], count = 0
            let kind = LogEventContainer.scan(object, eventCount: &count, scratch: &scratch) { m, t in
                list.append("\(t) " + String(decoding: m, as: UTF8.self))
            }
            return ["\(kind) \(count)"] + list
        }
        while true {
            if inPlace, let bytes = r.peekObject(minBytes: minBytes),
               let (kind, length) = LogEventContainer.scanPrefix(bytes, scratch: &scratch) {
                // What the walk found, delivered before anything else touches the scratch.
                var list: [String] = []
                if kind == .data {
                    LogEventContainer.deliver(&scratch, in: UnsafeBufferPointer(rebasing: bytes[0..<length])) { m, t in
                        list.append("\(t) " + String(decoding: m, as: UTF8.self))
                    }
                }
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<length]), as: UTF8.self)
                let count = scratch.eventCount
                if let (n, o) = r.takeObject(length: length) {
                    out.items.append(.object(text, number: n, offset: o))
                    out.events.append(["\(kind) \(count)"] + list)
                    out.inPlace += 1
                    continue
                }
            }
            do throws(InputError) {
                guard let item = try r.next() else { return out }
                switch item {
                case .object(let b, let n, let o):
                    out.items.append(.object(String(decoding: b, as: UTF8.self), number: n, offset: o))
                    out.events.append(events(b))
                case .oversize(let n): out.items.append(.oversize(n))
                case .garbage(let n, let c): out.items.append(.garbage(n, c))
                case .truncated(let n, let p): out.items.append(.truncated(n, String(decoding: p, as: UTF8.self)))
                }
            } catch {
                out.error = "\(error)"
                return out
            }
        }
    }

    /// SplitMix64: the same streams on every run.
    private struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// One piece of a stream: envelopes of every shape the walk meets (and some it refuses),
    /// other objects, stray text.
    private func piece(_ g: inout Rng, _ k: Int) -> String {
        let messages = [
            #""{\"requestId\":\"r\#(k)\",\"ip\":\"203.0.113.\#(k % 250)\",\"status\":\"200\"}""#,
            #""{\"ua\":\"Mozilla \\\"quoted\\\" \\\\ caf\u00e9 \\/x\",\"n\":\#(k)}""#,
            #""198.51.100.1 - - [21/Nov/2026:08:00:00 +0000] \"GET /x HTTP/1.1\" 200 12""#,
            #""brace } and bracket ] inside""#,
            #""""#,
        ]
        func events(_ n: Int) -> String {
            (0..<n).map { i in
                let m = messages[g.below(messages.count)]
                return g.below(4) == 0 ? #"{ "message" : \#(m) , "id":"\#(i)", "timestamp":1795248000\#(i % 10)00 }"#
                    : #"{"id":"\#(i)","timestamp":17952480000\#(i % 10)2,"message":\#(m)}"#
            }.joined(separator: g.below(3) == 0 ? ", " : ",")
        }
        switch g.below(14) {
        case 0...5:
            return #"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g","logStream":"s","subscriptionFilters":["to-firehose"],"logEvents":[\#(events(1 + g.below(6)))]}"#
        case 6:
            return #"{"owner":"1","logEvents":[\#(events(2))],"messageType":"DATA_MESSAGE","extra":{"a":[1,{"b":"}"}]}}"#
        case 7:
            return #"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1795247940000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#
        case 8:
            // A start marker inside: the reader cuts the object there.
            return #"{"messageType":"DATA_MESSAGE","x":{"messageType":"y"},"logEvents":[\#(events(1))]}"#
        case 9:
            // Bare values holding brackets or quotes: the depth count disagrees with a lenient walk.
            let bare = [#"a{b"#, #"]"#, #"x"y"#, #"[1"#, #"}"#][g.below(5)]
            return #"{"messageType":"DATA_MESSAGE","n":\#(bare),"logEvents":[\#(events(1))]}"#
        case 10:
            return #"{"requestId":"r\#(k)","status":"403","path":"/a{b}"}"#
        case 11:
            return ["stray line }\n", "  \n\t", "] junk", "\n"][g.below(4)]
        case 12:
            return #"{"events":[\#(events(2))],"nextForwardToken":"f/1"}"#
        default:
            // Broken: an unterminated string or a missing bracket.
            return [#"{"messageType":"DATA_MESSAGE","logEvents":[{"message":"open}]}"#,
                    #"{"messageType":"DATA_MESSAGE","logEvents":[{"message":"x"}}"#][g.below(2)]
        }
    }

    func testInPlaceWalkGivesWhatReadingFirstGives() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var g = Rng(state: 42)
        var inPlace = 0, objects = 0, streams = 0
        for s in 0..<120 {
            var text = ""
            for k in 0..<(1 + g.below(12)) {
                text += piece(&g, k)
                if g.below(3) == 0 { text += ["\n", " ", "\r\n", ""][g.below(4)] }
            }
            var bytes = Array(text.utf8)
            if g.below(5) == 0 { bytes = Array(bytes.prefix(g.below(bytes.count + 1))) }  // cut short
            let path = dir.appendingPathComponent("s\(s)").path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            for chunk in [7, 64, 4096] {
                for max in [300, 8 << 20] {
                    let want = try read(path, chunk: chunk, max: max, inPlace: false, minBytes: 0)
                    for minBytes in [1, 200, 1 << 20] {
                        let got = try read(path, chunk: chunk, max: max, inPlace: true, minBytes: minBytes)
                        XCTAssertEqual(got.items, want.items, "stream \(s), chunk \(chunk), max \(max), minBytes \(minBytes):\n\(text)")
                        XCTAssertEqual(got.events, want.events, "stream \(s), chunk \(chunk), max \(max), minBytes \(minBytes)")
                        XCTAssertEqual(got.error, want.error, "stream \(s), chunk \(chunk), max \(max), minBytes \(minBytes)")
                        inPlace += got.inPlace
                        objects += want.items.filter { if case .object = $0 { true } else { false } }.count
                    }
                }
            }
            streams += 1
        }
        XCTAssertEqual(streams, 120)
        // Most envelopes are walked in place; the rest (cut, refused, other objects) are read.
        XCTAssertGreaterThan(inPlace, objects / 3)
        XCTAssertLessThan(inPlace, objects)
    }
}
