import CorsscanCore
@testable import CorsscanInput
import Foundation
import XCTest

/// A scratch directory removed when the test case ends.
final class TempDir {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "corsscan-input-XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp failed")
        path = String(cString: p!)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let full = path + "/" + name
        let dir = (full as NSString).deletingLastPathComponent
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(bytes))
        return full
    }

    @discardableResult
    func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }
}

/// `LineItem` with owned bytes, for comparisons.
enum Line: Equatable, CustomStringConvertible {
    case line([UInt8], Int64)
    case oversize(Int64)
    case truncated(Int64)

    var description: String {
        switch self {
        case .line(let b, let n): return "\(n):\(String(decoding: b, as: UTF8.self).debugDescription)"
        case .oversize(let n): return "\(n):oversize"
        case .truncated(let n): return "\(n):truncated"
        }
    }
}

/// Reads every line of `path`; returns the items and the error that ended them.
func readLines(_ path: String, chunk: Int = ByteSource.chunkSize, maxLineBytes: Int = 1 << 20)
    throws(InputError) -> (items: [Line], error: InputError?)
{
    let src = try ByteSource(path: path, readChunk: chunk)
    var reader = LineReader(src, maxLineBytes: maxLineBytes)
    var items: [Line] = []
    while true {
        do throws(InputError) {
            guard let item = try reader.next() else { return (items, nil) }
            switch item {
            case .line(let b, let n): items.append(.line(Array(b), n))
            case .oversize(let n): items.append(.oversize(n))
            case .truncated(let n): items.append(.truncated(n))
            }
        } catch {
            // After an error the reader is finished.
            XCTAssertNil(try? reader.next() ?? nil)
            return (items, error)
        }
    }
}

/// Expected lines for `text`, computed the slow obvious way.
func oracleLines(_ bytes: [UInt8], maxLineBytes: Int = 1 << 20) -> [Line] {
    var parts = bytes.split(separator: ASCII.lf, omittingEmptySubsequences: false).map(Array.init)
    if parts.last == [] { parts.removeLast() }
    var out: [Line] = []
    for (i, var p) in parts.enumerated() {
        if p.last == ASCII.cr { p.removeLast() }
        out.append(p.count > maxLineBytes ? .oversize(Int64(i + 1)) : .line(p, Int64(i + 1)))
    }
    return out
}

/// All decompressed bytes of `path`, plus the error that ended them.
func readAll(_ path: String, chunk: Int = ByteSource.chunkSize) throws(InputError) -> ([UInt8], InputError?) {
    let src = try ByteSource(path: path, readChunk: chunk)
    var out: [UInt8] = []
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
    defer { buf.deallocate() }
    while true {
        do throws(InputError) {
            let n = try src.read(into: buf)
            if n == 0 { return (out, nil) }
            out.append(contentsOf: buf[0..<n])
        } catch {
            return (out, error)
        }
    }
}

/// Deterministic pseudo-random bytes.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Access-log-like text: `count` lines of varying length.
func sampleLog(lines count: Int, seed: UInt64 = 1) -> [UInt8] {
    var rng = SplitMix(state: seed)
    var out: [UInt8] = []
    for i in 0..<count {
        let pad = Int(rng.next() % 120)
        let line = "2026-11-21T09:45:\(i % 60).812Z { \"requestId\":\"\(rng.next())\", \"httpMethod\":\"OPTIONS\", \"status\":\"403\", \"pad\":\"\(String(repeating: "x", count: pad))\" }\n"
        out.append(contentsOf: line.utf8)
    }
    return out
}
