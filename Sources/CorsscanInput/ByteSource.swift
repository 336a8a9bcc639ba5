import CZlib
import CorsscanCore
import Glibc

/// The decompressed bytes of one input, streamed through fixed-size buffers.
///
/// The kind is decided by content, never only by name: input starting with the
/// gzip magic `1f 8b` is inflated member after member (Firehose objects are many
/// members back to back); anything else passes through unchanged. When the
/// inflated output itself starts with `1f 8b` (Firehose S3 compression on top of
/// CloudWatch's own gzip) it is inflated again, up to `maxLayers` layers.
///
/// A name ending in `.gz` whose non-empty content is not gzip fails in `init` with
/// `notGzip`. Errors found while reading are thrown only after every good byte
/// before them has been returned; after an error `read` returns 0.
public final class ByteSource {
    /// Default size of one `read(2)` and of each layer's input buffer.
    public static let chunkSize = 256 << 10
    /// The file's gzip plus nested gzip layers found inside it.
    public static let maxLayers = 3

    /// The path as given (`-` for stdin).
    public let path: String
    /// The number of gzip layers (0 = plain input).
    public private(set) var gzipLayers = 0
    public var isGzip: Bool { gzipLayers > 0 }
    /// Bytes read from the file so far (compressed size for gzip).
    public var compressedBytesRead: Int64 { file.bytesRead }
    /// Decompressed bytes returned by `read` so far.
    public private(set) var decompressedBytes: Int64 = 0
    /// Size on disk for regular files, nil for pipes and stdin.
    public let fileSize: Int64?

    private let file: FileStage
    private var top: ByteStage
    private let outputLimit: Int
    /// Bytes produced by `peek` and not yet returned by `read`.
    private var peeked: [UInt8] = []
    private var peekedUsed = 0
    /// An error met while peeking, thrown by `read` once the peeked bytes are gone.
    private var pending: InputError?
    private var failed = false

    /// Opens an input.
    ///
    /// - Parameter path: a file path, or `-` for standard input.
    public convenience init(path: String) throws(InputError) {
        try self.init(path: path, readChunk: ByteSource.chunkSize)
    }

    /// Opens an input with every `read(2)` and every `read(into:)` result limited to
    /// `readChunk` bytes: a test hook for feeding consumers in chunks of any size.
    public init(path: String, readChunk: Int) throws(InputError) {
        precondition(readChunk > 0)
        self.path = path
        outputLimit = readChunk
        let fd = try Platform.openForReading(path)
        file = FileStage(fd: fd, chunkLimit: readChunk)
        fileSize = Platform.regularFileSize(fd)
        top = file

        let first = ByteSource.sniff(file, 2)
        if let e = first.error {
            file.close()
            throw e
        }
        var head = first.bytes
        let gzipMagic = head.count == 2 && head[0] == 0x1F && head[1] == 0x8B
        if !gzipMagic {
            if !head.isEmpty && path.lowercased().hasSuffix(".gz") {
                file.close()
                throw InputError(.notGzip, offset: 0, "the name ends in .gz but the content is not gzip (no 1f 8b header)")
            }
            top = PrefixStage(head, upstream: file)
            return
        }
        var stage: ByteStage = PrefixStage(head, upstream: file)
        while true {
            let g = try GzipStage(upstream: stage, outermost: gzipLayers == 0, layer: gzipLayers + 1)
            gzipLayers += 1
            stage = g
            if gzipLayers == ByteSource.maxLayers { break }
            let next = ByteSource.sniff(g, 2)
            head = next.bytes
            if let e = next.error {
                // Damage within the first bytes: deliver what came, then the error.
                pending = e
                peeked = head
                top = g
                return
            }
            stage = PrefixStage(head, upstream: g)
            if !(head.count == 2 && head[0] == 0x1F && head[1] == 0x8B) { break }
        }
        top = stage
    }

    /// Reads up to `n` bytes from a stage (fewer only at the end of input or
    /// before an error, which is returned rather than thrown so no byte is lost).
    private static func sniff(_ s: ByteStage, _ n: Int) -> (bytes: [UInt8], error: InputError?) {
        let tmp = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 1)
        defer { tmp.deallocate() }
        var got = 0
        var err: InputError?
        while got < n {
            do throws(InputError) {
                let r = try s.read(into: tmp + got, capacity: n - got)
                if r == 0 { break }
                got += r
            } catch {
                err = error
                break
            }
        }
        return (Array(UnsafeRawBufferPointer(start: tmp, count: got)), err)
    }

    deinit { file.close() }

    /// Closes the file (idempotent); later reads return 0.
    public func close() {
        file.close()
        failed = true
        pending = nil
        peeked = []
        peekedUsed = 0
    }

    /// Fills `buffer` with the next decompressed bytes.
    ///
    /// - Returns: the number of bytes written, 0 at the end of the input.
    /// - Throws: the error that stopped the input, only once every byte before it
    ///   has been returned.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let cap = min(buffer.count, outputLimit)
        if peekedUsed < peeked.count {
            let n = min(cap, peeked.count - peekedUsed)
            peeked.withUnsafeBytes { src in
                base.copyMemory(from: src.baseAddress! + peekedUsed, byteCount: n)
            }
            peekedUsed += n
            if peekedUsed == peeked.count { peeked = []; peekedUsed = 0 }
            decompressedBytes += Int64(n)
            return n
        }
        if let e = pending {
            pending = nil
            failed = true
            throw e
        }
        if failed { return 0 }
        do throws(InputError) {
            let n = try top.read(into: base, capacity: cap)
            decompressedBytes += Int64(n)
            return n
        } catch {
            failed = true
            throw error
        }
    }

    /// The first up to `n` decompressed bytes not yet read, without consuming them.
    ///
    /// Fewer than `n` bytes come back only at the end of the input or before an
    /// error; the error itself is thrown later by `read`.
    public func peek(_ n: Int) throws(InputError) -> [UInt8] {
        if peekedUsed > 0 {
            peeked.removeFirst(peekedUsed)
            peekedUsed = 0
        }
        if peeked.count < n && pending == nil && !failed {
            let want = n - peeked.count
            let tmp = UnsafeMutableRawPointer.allocate(byteCount: want, alignment: 1)
            defer { tmp.deallocate() }
            var got = 0
            while got < want {
                do throws(InputError) {
                    let r = try top.read(into: tmp + got, capacity: min(want - got, outputLimit))
                    if r == 0 { break }
                    got += r
                } catch {
                    pending = error
                    break
                }
            }
            peeked.append(contentsOf: UnsafeRawBufferPointer(start: tmp, count: got))
        }
        return Array(peeked.prefix(n))
    }
}
