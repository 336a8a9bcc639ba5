#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The libc details the command needs, in one place.
enum Platform {
    // MARK: - Standard streams

    /// Writes to standard output; returns the error when it failed (nil also when the
    /// reader went away, as with `| head`: what it wanted was written).
    @discardableResult
    static func writeStdout(_ s: String) -> String? { write(1, s) }
    static func writeStderr(_ s: String) { _ = write(2, s) }

    @discardableResult
    static func writeStdout(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { writeAll(1, $0) }
    }

    private static func write(_ fd: Int32, _ s: String) -> String? {
        var s = s
        return s.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    private static func writeAll(_ fd: Int32, _ p: UnsafeRawBufferPointer) -> String? {
        var off = 0
        while off < p.count {
            let n = Glibc.write(fd, p.baseAddress! + off, p.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { return nil }
                return String(cString: strerror(errno))  // a full disk, an I/O error
            }
            off += n
        }
        return nil
    }

    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    static func environment(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }

    // MARK: - Time

    /// Wall-clock time, epoch ms.
    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Monotonic seconds, for rates and progress.
    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: - Files

    /// Reads a small text file (a template); nil with a message on failure.
    static func readSmallFile(_ path: String, limit: Int = 1 << 20) -> Result<String, UsageError> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(UsageError("cannot read '\(path)': \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(UsageError("cannot read '\(path)': \(String(cString: strerror(errno)))"))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buf[0..<n])
            if bytes.count > limit { return .failure(UsageError("'\(path)' is larger than \(limit) bytes")) }
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// The canonical absolute path, or nil if it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }
}
