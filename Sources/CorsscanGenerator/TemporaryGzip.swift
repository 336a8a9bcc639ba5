import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// What the generator needs from a gzip writer. `CorsscanInput.GzipWriter` has the same
/// shape; once it lands on main, swap `makeGzipSink` to return it (one line).
public protocol GzipSink: AnyObject {
    func write(_ bytes: some Collection<UInt8>)
    func finishMember()
    func close() throws
}

extension GeneratorGzipWriter: GzipSink {}

/// The one place that picks the gzip implementation.
func makeGzipSink(path: String, level: Int32) throws -> any GzipSink {
    try GeneratorGzipWriter(path: path, level: level)
}

public struct GeneratorIOError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Minimal streaming gzip writer (multi-member capable) on zlib + stdio.
public final class GeneratorGzipWriter {
    private var stream = z_stream()
    private var file: UnsafeMutablePointer<FILE>?
    private let level: Int32
    private var open = false          // a deflate stream is initialised
    private var pendingInput = false  // bytes written into the current member
    private var out = [UInt8](repeating: 0, count: 1 << 17)
    private var failed = false

    public init(path: String, level: Int32 = 6) throws {
        guard let f = fopen(path, "wb") else { throw GeneratorIOError("cannot create \(path)") }
        file = f
        self.level = level
    }

    private func begin() {
        stream = z_stream()
        let rc = corsscan_deflateInit2(&stream, level, 15 + 16)
        precondition(rc == Z_OK, "deflateInit2 failed: \(rc)")
        open = true
    }

    private func pump(flush: Int32) {
        var rc: Int32 = Z_OK
        repeat {
            out.withUnsafeMutableBufferPointer { o in
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                rc = deflate(&stream, flush)
                let n = o.count - Int(stream.avail_out)
                if n > 0, fwrite(o.baseAddress, 1, n, file) != n { failed = true }
            }
        } while stream.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END)
    }

    public func write(_ bytes: some Collection<UInt8>) {
        if bytes.isEmpty { return }
        if !open { begin() }
        pendingInput = true
        let done: Void? = bytes.withContiguousStorageIfAvailable { buf in feed(buf) }
        if done == nil { let a = Array(bytes); a.withUnsafeBufferPointer { feed($0) } }
    }

    private func feed(_ buf: UnsafeBufferPointer<UInt8>) {
        guard let base = buf.baseAddress else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base)
        stream.avail_in = UInt32(buf.count)
        pump(flush: Z_NO_FLUSH)
        stream.next_in = nil
    }

    public func finishMember() {
        guard open else { return }
        pump(flush: Z_FINISH)
        deflateEnd(&stream)
        open = false
        pendingInput = false
    }

    public func close() throws {
        finishMember()
        if let f = file {
            if fclose(f) != 0 { failed = true }
            file = nil
        }
        if failed { throw GeneratorIOError("write failed") }
    }

    deinit {
        if open { deflateEnd(&stream) }
        if let f = file { fclose(f) }
    }
}

/// Decompresses every gzip member of a file (tests, tooling). Returns the bytes and the member count.
public func generatorGunzip(path: String) throws -> (bytes: [UInt8], members: Int) {
    guard let f = fopen(path, "rb") else { throw GeneratorIOError("cannot open \(path)") }
    defer { fclose(f) }
    var input: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n <= 0 { break }
        input.append(contentsOf: chunk[0..<n])
    }
    var out: [UInt8] = []
    var members = 0
    var s = z_stream()
    guard corsscan_inflateInit2(&s, 15 + 16) == Z_OK else { throw GeneratorIOError("inflateInit2") }
    defer { inflateEnd(&s) }
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    try input.withUnsafeMutableBufferPointer { inp in
        s.next_in = inp.baseAddress
        s.avail_in = UInt32(inp.count)
        while s.avail_in > 0 {
            var rc: Int32 = Z_OK
            try buf.withUnsafeMutableBufferPointer { o in
                s.next_out = o.baseAddress
                s.avail_out = UInt32(o.count)
                rc = inflate(&s, Z_NO_FLUSH)
                if rc != Z_OK && rc != Z_STREAM_END { throw GeneratorIOError("inflate \(rc)") }
                out.append(contentsOf: o[0..<(o.count - Int(s.avail_out))])
            }
            if rc == Z_STREAM_END { members += 1; inflateReset(&s) }
        }
    }
    return (out, members)
}
