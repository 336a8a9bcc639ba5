// The stages a `ByteSource` chains together: the file itself, then zero, one or
// two gzip layers. Each stage pulls from the one before it with fixed buffers.

import CZlib
import CorsscanCore
import Glibc
import Synchronization

/// One link of the decompression chain.
///
/// Contract of `read(into:)`: returns bytes written (> 0), or 0 at a clean end.
/// A stage throws only when it has nothing left to return before the error: bytes
/// produced before a failure are returned first and the error is thrown by the
/// next call.
protocol ByteStage: AnyObject {
    func read(into p: UnsafeMutableRawPointer, capacity: Int) throws(InputError) -> Int
    /// The position in the file that corresponds to what this stage has consumed,
    /// for error offsets.
    var fileOffset: Int64 { get }
}

/// Raw bytes of the file (or stdin), optionally limited per `read(2)` for tests.
final class FileStage: ByteStage {
    let fd: Int32
    let chunkLimit: Int
    /// Written by the reading thread, read by any (progress).
    private let readCount = Atomic<Int64>(0)
    var bytesRead: Int64 { readCount.load(ordering: .relaxed) }
    private var closed = false

    init(fd: Int32, chunkLimit: Int) {
        self.fd = fd
        self.chunkLimit = chunkLimit
    }

    var fileOffset: Int64 { bytesRead }

    func read(into p: UnsafeMutableRawPointer, capacity: Int) throws(InputError) -> Int {
        if closed { return 0 }
        let n = try Platform.read(fd, p, min(capacity, chunkLimit), offset: bytesRead)
        readCount.add(Int64(n), ordering: .relaxed)
        return n
    }

    func close() {
        if !closed {
            closed = true
            Platform.close(fd)
        }
    }

    deinit { close() }
}

/// Bytes already read from a stage (while sniffing for magic) put back in front of it.
final class PrefixStage: ByteStage {
    let upstream: ByteStage
    private var prefix: [UInt8]
    private var used = 0

    init(_ prefix: [UInt8], upstream: ByteStage) {
        self.prefix = prefix
        self.upstream = upstream
    }

    var fileOffset: Int64 { upstream.fileOffset }

    func read(into p: UnsafeMutableRawPointer, capacity: Int) throws(InputError) -> Int {
        if used < prefix.count {
            let n = min(capacity, prefix.count - used)
            prefix.withUnsafeBytes { src in
                p.copyMemory(from: src.baseAddress! + used, byteCount: n)
            }
            used += n
            if used == prefix.count { prefix = [] ; used = 0 }
            return n
        }
        return try upstream.read(into: p, capacity: capacity)
    }
}
