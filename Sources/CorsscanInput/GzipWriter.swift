import CZlib
import CorsscanCore
import Glibc

/// Writes gzip files, optionally as several members back to back (the shape of a
/// Firehose object). Used by the test-data generator and tests.
///
/// Write errors are remembered and thrown by `close()`.
public final class GzipWriter {
    private let fd: Int32
    private let path: String
    private var deflater: Deflater
    private var memberHasData = false
    private var membersWritten = 0
    private var writeError: InputError?
    private var closed = false

    /// Creates (or truncates) `path`.
    public init(path: String, level: Int32 = 6) throws(InputError) {
        deflater = try Deflater(level: level)
        var fd: Int32
        repeat {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        } while fd < 0 && errno == EINTR
        if fd < 0 {
            throw InputError(.unreadable, offset: 0, "cannot create \(path): \(Platform.message(errno))")
        }
        self.fd = fd
        self.path = path
    }

    deinit {
        if !closed { _ = Glibc.close(fd) }
    }

    public func write(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { p in
            write(UnsafeRawBufferPointer(p))
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { write($0) }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard !closed, bytes.count > 0 else { return }
        memberHasData = true
        deflater.feed(bytes, finish: false, sink: emit)
    }

    /// Ends the current gzip member; the next write starts a new one. Does nothing
    /// when the current member is empty.
    public func finishMember() {
        guard !closed, memberHasData else { return }
        endMember()
    }

    private func endMember() {
        deflater.feed(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, sink: emit)
        deflater.reset()
        memberHasData = false
        membersWritten += 1
    }

    /// Finishes the last member (an empty file becomes one empty member) and closes.
    public func close() throws(InputError) {
        if closed { return }
        if memberHasData || membersWritten == 0 { endMember() }
        closed = true
        if Glibc.close(fd) != 0 && writeError == nil {
            writeError = InputError(.unreadable, offset: 0, "cannot close \(path): \(Platform.message(errno))")
        }
        if let e = writeError { throw e }
    }

    private func emit(_ chunk: UnsafeRawBufferPointer) {
        guard writeError == nil, var p = chunk.baseAddress else { return }
        var left = chunk.count
        while left > 0 {
            let r = Glibc.write(fd, p, left)
            if r < 0 {
                if errno == EINTR { continue }
                writeError = InputError(.unreadable, offset: 0, "cannot write \(path): \(Platform.message(errno))")
                return
            }
            p += r
            left -= r
        }
    }

    /// One gzip member holding `bytes`. The window and hash table are sized to the
    /// input (a few KB of state for a small one, zlib's defaults from 32 KB up).
    public static func gzip(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var out: [UInt8] = []
        var windowBits: Int32 = 9
        while windowBits < 15 && (1 << windowBits) < bytes.count { windowBits += 1 }
        let d: Deflater
        do throws(InputError) {
            d = try Deflater(level: level, windowBits: windowBits, memLevel: max(1, windowBits - 7))
        } catch { fatalError("\(error)") }
        bytes.withUnsafeBytes { b in
            d.feed(b, finish: true) { out.append(contentsOf: $0) }
        }
        return out
    }
}

/// One `z_stream` set up for gzip deflation, pinned in memory (zlib keeps a
/// pointer back to it).
final class Deflater {
    private let strm: UnsafeMutablePointer<z_stream>
    private let out: UnsafeMutablePointer<UInt8>
    private static let outCapacity = 64 << 10

    /// `windowBits` 9…15 and `memLevel` 1…9 as in zlib's `deflateInit2` (gzip wrapper added).
    init(level: Int32, windowBits: Int32 = 15, memLevel: Int32 = 8) throws(InputError) {
        strm = .allocate(capacity: 1)
        strm.initialize(to: z_stream())
        out = .allocate(capacity: Deflater.outCapacity)
        let rc = corsscan_deflateInit2(strm, level, windowBits + 16, memLevel)
        if rc != Z_OK {
            // `self` is fully initialised: deinit frees the buffers.
            throw InputError(.invalid, offset: 0, "zlib deflateInit2 failed (\(rc))")
        }
    }

    deinit {
        deflateEnd(strm)
        strm.deinitialize(count: 1)
        strm.deallocate()
        out.deallocate()
    }

    func reset() { deflateReset(strm) }

    /// Compresses `input`; with `finish` also ends the member. Output goes to `sink`.
    func feed(_ input: UnsafeRawBufferPointer, finish: Bool, sink: (UnsafeRawBufferPointer) -> Void) {
        strm.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        strm.pointee.avail_in = UInt32(input.count)
        while true {
            strm.pointee.next_out = out
            strm.pointee.avail_out = UInt32(Deflater.outCapacity)
            let rc = deflate(strm, finish ? Z_FINISH : Z_NO_FLUSH)
            let n = Deflater.outCapacity - Int(strm.pointee.avail_out)
            if n > 0 { sink(UnsafeRawBufferPointer(start: out, count: n)) }
            precondition(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR, "deflate failed (\(rc))")
            if finish {
                if rc == Z_STREAM_END { break }
            } else if strm.pointee.avail_in == 0 && strm.pointee.avail_out != 0 {
                break
            }
        }
        strm.pointee.next_in = nil
    }
}
