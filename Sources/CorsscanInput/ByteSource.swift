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
/// A UTF-8 byte order mark at the start of the (decompressed) data is dropped.
///
/// A name ending in `.gz` whose content is neither gzip nor text fails in `init`
/// with `notGzip`; more than `maxLayers` nested layers fail with `tooLarge`. Errors
/// found while reading are thrown only after every good byte before them has been
/// returned; after an error `read` returns 0.
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
    /// The buffer a consumer needs for one `read`: `chunkSize`, or less for a plain
    /// file smaller than that, so a small input does not cost a large buffer.
    public var readSize: Int {
        guard gzipLayers == 0, let size = fileSize, size < Int64(ByteSource.chunkSize) else { return ByteSource.chunkSize }
        return max(4096, Int(size) + 1)
    }

    private let file: FileStage
    private var top: ByteStage
    private let outputLimit: Int
    /// Bytes produced by `peek` and not yet returned by `read`.
    private var peeked: [UInt8] = []
    private var peekedUsed = 0
    /// An error met while peeking, thrown by `read` once the peeked bytes are gone.
    private var pending: InputError?
    private var failed = false
    /// Inflation on its own thread (see `startPrefetch`), nil while reading inline.
    private var prefetch: Prefetch?

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
                // Content decides: text under a .gz name (already decompressed, e.g. by
                // `aws s3 cp`) is read as text; anything else is a damaged gzip file.
                let more = ByteSource.sniff(file, ByteSource.textSniffBytes - head.count)
                head += more.bytes
                guard more.error == nil, ByteSource.looksLikeText(head, complete: head.count < ByteSource.textSniffBytes) else {
                    file.close()
                    throw more.error ?? InputError(.notGzip, offset: 0,
                                                   "the name ends in .gz but the content is neither gzip (no 1f 8b header) nor text")
                }
            }
            top = PrefixStage(head, upstream: file)
            skipByteOrderMark()
            return
        }
        var stage: ByteStage = PrefixStage(head, upstream: file)
        while true {
            let g = try GzipStage(upstream: stage, outermost: gzipLayers == 0, layer: gzipLayers + 1,
                                  inputCapacity: GzipStage.inputCapacity(layer: gzipLayers + 1, fileSize: fileSize))
            gzipLayers += 1
            stage = g
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
            if gzipLayers == ByteSource.maxLayers {
                file.close()
                throw InputError(.tooLarge, offset: 0, "gzip nested more than \(ByteSource.maxLayers) layers deep")
            }
        }
        top = stage
        skipByteOrderMark()
    }

    /// A UTF-8 byte order mark (`EF BB BF`, Windows editors and PowerShell write one) at
    /// the start of the data is not content: it would glue itself to the first line.
    private func skipByteOrderMark() {
        guard let h = try? peek(3), h == [0xEF, 0xBB, 0xBF] else { return }
        peekedUsed = 3
        decompressedBytes = 3
    }

    /// How much of a `.gz`-named file without gzip magic is looked at to tell text from damage.
    static let textSniffBytes = 512

    /// Whether `b` (the start of an input, `complete` when it is the whole input) reads
    /// as text: valid UTF-8 (a sequence cut at the end of a sample is fine) without control
    /// bytes other than tab, LF, FF and CR.
    static func looksLikeText(_ b: [UInt8], complete: Bool) -> Bool {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 {
                if (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0C && c != 0x0D) || c == 0x7F { return false }
                i += 1
                continue
            }
            let n: Int
            switch c {
            case 0xC2...0xDF: n = 1
            case 0xE0...0xEF: n = 2
            case 0xF0...0xF4: n = 3
            default: return false
            }
            var k = 1
            while k <= n {
                guard i + k < b.count else { return !complete }
                guard b[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += n + 1
        }
        return true
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

    deinit {
        prefetch?.stop()
        file.close()
    }

    /// Moves reading and inflating to a thread of its own that keeps up to `chunks`
    /// chunks of `chunkSize` decompressed bytes ready, so the consumer's work overlaps
    /// with inflate. Bytes, their order and errors (thrown after every byte before
    /// them) are exactly those of inline reading. Call once, from the consumer's
    /// thread, before reading; `close()` stops the thread. Eight chunks (2 MiB) let inflate
    /// run far enough ahead to fill a core the decoder leaves free. `niceness` lowers the
    /// thread's priority (see `WorkerThread.lowerPriority`).
    public func startPrefetch(chunks: Int = 8, niceness: Int32 = 0) {
        guard prefetch == nil, !failed, pending == nil else { return }
        prefetch = Prefetch.start(top: top, chunks: max(2, chunks), chunkSize: ByteSource.chunkSize,
                                  niceness: niceness)
    }

    /// Reads from the top stage, inline or through the prefetch thread.
    @inline(__always)
    private func pull(_ p: UnsafeMutableRawPointer, _ capacity: Int) throws(InputError) -> Int {
        if let prefetch { return try prefetch.read(into: p, capacity: capacity) }
        return try top.read(into: p, capacity: capacity)
    }

    /// Closes the file (idempotent); later reads return 0.
    public func close() {
        prefetch?.stop()
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
            let n = try pull(base, cap)
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
                    let r = try pull(tmp + got, min(want - got, outputLimit))
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

/// The producer side of `ByteSource.startPrefetch`: a thread pulling the stage chain
/// into a fixed ring of chunks (allocated once), handed over through two bounded queues
/// (filled chunks one way, emptied ones back).
final class Prefetch {
    private struct Filled {
        var slot: Int
        var count: Int
        /// Set on the last chunk when an error ended the input (thrown after its bytes).
        var error: InputError?
        /// Whether this is the last chunk (not full).
        var last: Bool
    }
    private let chunkSize: Int
    private let memory: UnsafeMutableRawPointer
    private let filled: BoundedQueue<Filled>
    private let free: BoundedQueue<Int>
    private var thread: WorkerThread?
    // Consumer state.
    private var current: Filled?
    private var used = 0
    private var finished = false
    private var stopped = false

    /// The producer thread started over `top`, or nil when no thread could be started
    /// (the source then keeps reading inline).
    static func start(top: ByteStage, chunks: Int, chunkSize: Int, niceness: Int32) -> Prefetch? {
        let p = Prefetch(top: top, chunks: chunks, chunkSize: chunkSize, niceness: niceness)
        return p.thread == nil ? nil : p
    }

    private init(top: ByteStage, chunks: Int, chunkSize: Int, niceness: Int32) {
        self.chunkSize = chunkSize
        memory = .allocate(byteCount: chunks * chunkSize, alignment: 64)
        filled = BoundedQueue(capacity: chunks)
        free = BoundedQueue(capacity: chunks)
        for i in 0..<chunks { free.push(i) }
        let (memory, filled, free) = (self.memory, self.filled, self.free)
        // The stage chain belongs to this thread until `stop()` has joined it.
        thread = WorkerThread.start {
            WorkerThread.lowerPriority(by: niceness)
            while let slot = free.pop() {
                let p = memory + slot * chunkSize
                var n = 0
                var failure: InputError?
                do throws(InputError) {
                    // Fill the chunk (gzip members may end mid-chunk).
                    while n < chunkSize {
                        let r = try top.read(into: p + n, capacity: chunkSize - n)
                        if r == 0 { break }
                        n += r
                    }
                } catch {
                    failure = error
                }
                // A chunk that is not full is the last one (end of input or error).
                guard filled.push(Filled(slot: slot, count: n, error: failure, last: n < chunkSize)) else { return }
                if n < chunkSize { return }
            }
        }
    }

    /// Copies the next bytes out; 0 at the end; the producer's error once its bytes are out.
    func read(into p: UnsafeMutableRawPointer, capacity: Int) throws(InputError) -> Int {
        while true {
            if let c = current {
                if used < c.count {
                    let n = min(capacity, c.count - used)
                    p.copyMemory(from: memory + c.slot * chunkSize + used, byteCount: n)
                    used += n
                    return n
                }
                current = nil
                free.push(c.slot)
                if c.last {
                    finished = true
                    if let err = c.error { throw err }
                    return 0
                }
            }
            if finished { return 0 }
            guard let next = filled.pop() else { finished = true; return 0 }
            current = next
            used = 0
        }
    }

    /// Stops and joins the producer (idempotent); frees the ring.
    func stop() {
        guard !stopped else { return }
        stopped = true
        free.closeAndDrain()
        filled.closeAndDrain()
        thread?.join()
        thread = nil
        memory.deallocate()
    }

    deinit { stop() }
}
