import CZlib
import CorsscanGenerator
#if canImport(Glibc)
import Glibc
#endif

/// Independent gunzip for the tests: all members of a file, and how many there were.
func generatorGunzip(path: String) throws -> (bytes: [UInt8], members: Int) {
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
