import CorsscanCore
import Glibc

/// One unit produced by `LineReader`.
public enum LineItem {
    /// A line without its LF (and without one CR before it). The bytes belong to the
    /// reader and stay valid until its next call.
    case line(UnsafeBufferPointer<UInt8>, number: Int64)
    /// A line longer than `maxLineBytes`, skipped without being held whole.
    case oversize(number: Int64)
    /// A partial last line cut off by a read error (the error follows on the next call).
    case truncated(number: Int64)
}

/// Splits a `ByteSource` into lines.
///
/// Line break: LF (`0x0A`); one CR (`0x0D`) right before it is dropped, as is one CR
/// at the very end of an unterminated last line. Other bytes, invalid UTF-8
/// included, pass through unchanged. Numbers count from 1 over every line: blank,
/// oversize and truncated ones too.
///
/// Lines are returned as pointers into one internal buffer of
/// `maxLineBytes + 2 + source.readSize` bytes: no copy or allocation per line,
/// and a long partial line is never rescanned (the LF search resumes where it
/// stopped). An oversize line is reported as soon as it is known to be too long and
/// its remaining bytes are discarded up to the next LF.
///
/// When the source throws, a partial trailing line is delivered as `.truncated`, and
/// the error is thrown by the following call; after that `next()` returns nil.
public struct LineReader {
    public var source: ByteSource
    public let maxLineBytes: Int
    private let buf: ReadBuffer
    private let readSize: Int
    private var start = 0      // first byte of the current line
    private var end = 0        // end of valid bytes
    private var scanFrom = 0   // no LF in [start, scanFrom)
    private var discarding = false
    private var eof = false
    private var pending: InputError?
    private var done = false
    /// Lines seen so far (the number of the last item returned).
    public private(set) var lineNumber: Int64 = 0

    public init(_ source: ByteSource, maxLineBytes: Int = 1 << 20) {
        precondition(maxLineBytes > 0)
        self.source = source
        self.maxLineBytes = maxLineBytes
        readSize = source.readSize
        buf = ReadBuffer(capacity: maxLineBytes + 2 + readSize)
    }

    /// The next line, or nil at the end of the input.
    public mutating func next() throws(InputError) -> LineItem? {
        let base = buf.base
        while true {
            if discarding {
                if start < end, let hit = memchr(base + start, Int32(ASCII.lf), end - start) {
                    let lf = hit.assumingMemoryBound(to: UInt8.self) - base
                    start = lf + 1
                    scanFrom = start
                    discarding = false
                    continue
                }
                start = 0; end = 0; scanFrom = 0
            } else if scanFrom < end,
                      let hit = memchr(base + scanFrom, Int32(ASCII.lf), end - scanFrom) {
                let lf = hit.assumingMemoryBound(to: UInt8.self) - base
                var stop = lf
                if stop > start && base[stop - 1] == ASCII.cr { stop -= 1 }
                let lineStart = start
                start = lf + 1
                scanFrom = start
                lineNumber += 1
                if stop - lineStart > maxLineBytes { return .oversize(number: lineNumber) }
                return .line(UnsafeBufferPointer(start: base + lineStart, count: stop - lineStart), number: lineNumber)
            } else {
                scanFrom = end
                // No LF yet. Too long already (even if the last byte is a CR)?
                if end - start > maxLineBytes + 1 {
                    lineNumber += 1
                    discarding = true
                    start = 0; end = 0; scanFrom = 0
                    return .oversize(number: lineNumber)
                }
            }

            // Need more bytes.
            if done { return nil }
            if eof || pending != nil {
                if !discarding && start < end {
                    lineNumber += 1
                    let lineStart = start
                    var stop = end
                    start = end
                    scanFrom = end
                    if pending != nil { return .truncated(number: lineNumber) }
                    if base[stop - 1] == ASCII.cr { stop -= 1 }
                    if stop - lineStart > maxLineBytes { return .oversize(number: lineNumber) }
                    return .line(UnsafeBufferPointer(start: base + lineStart, count: stop - lineStart), number: lineNumber)
                }
                done = true
                if let e = pending {
                    pending = nil
                    throw e
                }
                return nil
            }
            if start == end {
                start = 0; end = 0; scanFrom = 0
            } else if start >= readSize || buf.capacity - end < readSize {
                // Compact as soon as a chunk's worth is consumed: only the pages of the
                // longest line (plus a chunk) are ever touched, not the whole buffer.
                let n = end - start
                memmove(base, base + start, n)
                scanFrom -= start
                start = 0
                end = n
            }
            do throws(InputError) {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: buf.capacity - end))
                if n == 0 { eof = true }
                end += n
            } catch {
                pending = error
            }
        }
    }
}
