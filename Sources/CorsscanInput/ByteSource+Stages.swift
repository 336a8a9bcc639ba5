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

/// Multi-member gzip inflation over another stage.
///
/// Members follow each other directly; after each `Z_STREAM_END` the next bytes must
/// start another member (`1f 8b`), anything else is `trailingGarbage`. Offsets in
/// messages are positions in this stage's input; `InputError.offset` is a file
/// offset (for an inner layer: how far the outer layer had read the file).
final class GzipStage: ByteStage {
    /// Input buffer size: a chunk for the file's own gzip (less when the whole file is
    /// smaller), 64 KiB for a layer inside it (it reads what the outer layer inflated).
    static func inputCapacity(layer: Int, fileSize: Int64?) -> Int {
        guard layer == 1 else { return 64 << 10 }
        guard let size = fileSize, size < Int64(ByteSource.chunkSize) else { return ByteSource.chunkSize }
        return max(4096, Int(size))
    }

    private let inputCapacity: Int

    private let upstream: ByteStage
    /// Whether this layer reads the file directly (offsets are exact then).
    private let outermost: Bool
    /// 1 for the file's own gzip, 2 for gzip inside that, …
    let layer: Int
    private let strm: UnsafeMutablePointer<z_stream>
    private let inBuf: UnsafeMutablePointer<UInt8>
    private var upstreamPos: Int64 = 0   // bytes pulled from upstream so far
    private var upstreamEOF = false
    private var inMember = false
    private var memberStart: Int64 = 0
    private var memberCount = 0
    private var pending: InputError?
    private var finished = false

    init(upstream: ByteStage, outermost: Bool, layer: Int, inputCapacity: Int) throws(InputError) {
        self.upstream = upstream
        self.inputCapacity = inputCapacity
        self.outermost = outermost
        self.layer = layer
        strm = .allocate(capacity: 1)
        strm.initialize(to: z_stream())
        inBuf = .allocate(capacity: inputCapacity)
        // 15 + 16: gzip wrapper only (no zlib/raw auto-detection).
        let rc = corsscan_inflateInit2(strm, 15 + 16)
        if rc != Z_OK {
            // `self` is fully initialised: deinit frees the buffers (inflateEnd
            // tolerates a stream whose init failed).
            throw InputError(.corruptGzip, offset: 0, "zlib inflateInit2 failed (\(rc))")
        }
    }

    deinit {
        inflateEnd(strm)
        strm.deinitialize(count: 1)
        strm.deallocate()
        inBuf.deallocate()
    }

    /// Position in this stage's input of the next byte zlib will look at.
    private var inputPos: Int64 { upstreamPos - Int64(strm.pointee.avail_in) }

    var fileOffset: Int64 { outermost ? inputPos : upstream.fileOffset }

    private func errorOffset(_ local: Int64) -> Int64 { outermost ? local : upstream.fileOffset }

    private var layerNote: String { layer == 1 ? "" : " (gzip layer \(layer), offsets in the decompressed layer \(layer - 1))" }

    /// Moves unconsumed input to the front and reads more. Returns false at end of input.
    private func refill() throws(InputError) -> Bool {
        let avail = Int(strm.pointee.avail_in)
        if avail > 0, let next = strm.pointee.next_in, next != inBuf {
            memmove(inBuf, next, avail)
        }
        let n = try upstream.read(into: inBuf + avail, capacity: inputCapacity - avail)
        strm.pointee.next_in = inBuf
        strm.pointee.avail_in = UInt32(avail + n)
        upstreamPos += Int64(n)
        if n == 0 { upstreamEOF = true }
        return n > 0
    }

    func read(into p: UnsafeMutableRawPointer, capacity: Int) throws(InputError) -> Int {
        if let e = pending { pending = nil; finished = true; throw e }
        if finished || capacity == 0 { return 0 }
        var written = 0
        do throws(InputError) {
            while written < capacity {
                if !inMember {
                    // Between members: end of input, another member, or garbage.
                    while strm.pointee.avail_in < 2 && !upstreamEOF {
                        _ = try refill()
                    }
                    let avail = Int(strm.pointee.avail_in)
                    if avail == 0 {
                        finished = true
                        return written
                    }
                    let b0 = strm.pointee.next_in[0]
                    let b1: UInt8? = avail > 1 ? strm.pointee.next_in[1] : nil
                    if b0 != 0x1F || (b1 != nil && b1 != 0x8B) {
                        let at = inputPos
                        if memberCount == 0 {
                            throw InputError(.notGzip, offset: errorOffset(at), "no gzip header at byte \(at)\(layerNote)")
                        }
                        throw InputError(
                            .trailingGarbage, offset: errorOffset(at),
                            "bytes after gzip member \(memberCount) (byte \(at) on) are not gzip\(layerNote)")
                    }
                    if memberCount > 0 {
                        let rc = inflateReset(strm)
                        if rc != Z_OK { throw InputError(.corruptGzip, offset: errorOffset(inputPos), "zlib inflateReset failed (\(rc))") }
                    }
                    inMember = true
                    memberStart = inputPos
                    memberCount += 1
                }
                if strm.pointee.avail_in == 0 && !upstreamEOF {
                    _ = try refill()
                }
                strm.pointee.next_out = (p + written).assumingMemoryBound(to: UInt8.self)
                strm.pointee.avail_out = UInt32(min(capacity - written, Int(UInt32.max)))
                let before = Int(strm.pointee.avail_out)
                let rc = inflate(strm, Z_NO_FLUSH)
                written += before - Int(strm.pointee.avail_out)
                switch rc {
                case Z_STREAM_END:
                    inMember = false
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: needs input or output space.
                    if strm.pointee.avail_out == 0 { continue }
                    if upstreamEOF && strm.pointee.avail_in == 0 {
                        throw InputError(
                            .truncatedGzip, offset: errorOffset(inputPos),
                            "gzip member starting at byte \(memberStart) ends early, input ends at byte \(inputPos)\(layerNote)")
                    }
                    if strm.pointee.avail_in == 0 { continue }  // refill at loop top
                    throw InputError(.corruptGzip, offset: errorOffset(inputPos), "zlib made no progress at byte \(inputPos)\(layerNote)")
                case Z_DATA_ERROR:
                    let msg = strm.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                    if msg.contains("incorrect data check") || msg.contains("incorrect length check") {
                        throw InputError(
                            .badCRC, offset: errorOffset(inputPos),
                            "gzip member starting at byte \(memberStart) fails its check (\(msg))\(layerNote)")
                    }
                    throw InputError(
                        .corruptGzip, offset: errorOffset(inputPos),
                        "gzip member starting at byte \(memberStart) is corrupt near byte \(inputPos): \(msg)\(layerNote)")
                case Z_NEED_DICT:
                    throw InputError(.corruptGzip, offset: errorOffset(inputPos), "gzip member starting at byte \(memberStart) needs a preset dictionary\(layerNote)")
                case Z_MEM_ERROR:
                    throw InputError(.corruptGzip, offset: errorOffset(inputPos), "zlib out of memory\(layerNote)")
                default:
                    throw InputError(.corruptGzip, offset: errorOffset(inputPos), "zlib error \(rc) at byte \(inputPos)\(layerNote)")
                }
            }
        } catch {
            if written > 0 {
                pending = error
                return written
            }
            finished = true
            throw error
        }
        return written
    }
}
