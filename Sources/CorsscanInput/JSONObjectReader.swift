import CorsscanCore
import Glibc

/// One unit produced by `JSONObjectReader`.
public enum JSONObjectItem {
    /// One complete top-level `{…}` value. The bytes belong to the reader and stay
    /// valid until its next call; `offset` is where the object starts in the
    /// decompressed stream.
    case object(UnsafeBufferPointer<UInt8>, number: Int64, offset: Int64)
    /// An object longer than `maxObjectBytes`, skipped without being held whole.
    case oversize(number: Int64)
    /// Bytes outside any object that are not whitespace (a stray line, an unmatched
    /// `}`), up to the next `{`; `bytes` counts the non-whitespace bytes skipped.
    case garbage(number: Int64, bytes: Int)
    /// An object cut off by the end of the input or by a read error. The next call
    /// throws: the read error, or `truncated` when the input simply ended (a file cut
    /// short is damaged input, not a clean end).
    case truncated(number: Int64)
}

/// Splits a stream of concatenated top-level JSON objects (`{…}{…}`, with or
/// without whitespace between them, as Firehose writes CloudWatch envelopes).
///
/// Objects are delimited by brace/bracket depth, honouring strings and their
/// backslash escapes; nothing else is validated. Item numbers count from 1 over every
/// item (objects, oversize, garbage and truncated alike). The scan state survives
/// buffer refills, so no byte is looked at twice.
public struct JSONObjectReader {
    public var source: ByteSource
    public let maxObjectBytes: Int
    private let buf: ReadBuffer
    private let readSize: Int

    private enum Mode { case outside, object, discarding }
    private var mode = Mode.outside
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var objStart = 0
    private var pos = 0
    private var end = 0
    /// Stream offset of `buf.base[0]`.
    private var bufOffset: Int64 = 0
    private var garbageBytes = 0
    private var eof = false
    private var pending: InputError?
    private var done = false
    /// Items returned so far (the number of the last one).
    public private(set) var itemNumber: Int64 = 0

    public init(_ source: ByteSource, maxObjectBytes: Int = 8 << 20) {
        precondition(maxObjectBytes > 0)
        self.source = source
        self.maxObjectBytes = maxObjectBytes
        readSize = source.readSize
        buf = ReadBuffer(capacity: maxObjectBytes + 1 + readSize)
    }

    /// Scans `[pos, end)` inside an object; returns true when depth reaches 0 (pos
    /// then points just past the closing brace).
    private mutating func scanObject() -> Bool {
        let base = buf.base
        var i = pos
        var depth = self.depth
        var inString = self.inString
        var escaped = self.escaped
        var closed = false
        if escaped && i < end {
            // The byte after a backslash that ended the previous buffer.
            escaped = false
            i += 1
        }
        while i < end {
            if inString {
                let r = JSONStringEnd.find(base, from: i, end: end)
                if r.index == end {
                    escaped = r.escapePending
                    i = end
                    break
                }
                inString = false
                i = r.index + 1
                continue
            }
            let b = base[i]
            i += 1
            switch b {
            case ASCII.quote:
                inString = true
            case ASCII.openBrace, ASCII.openBracket:
                depth += 1
            case ASCII.closeBrace, ASCII.closeBracket:
                depth -= 1
                if depth == 0 { closed = true }
            default:
                break
            }
            if closed { break }
        }
        pos = i
        self.depth = depth
        self.inString = inString
        self.escaped = escaped
        return closed
    }

    /// The next item, or nil at the end of the input.
    public mutating func next() throws(InputError) -> JSONObjectItem? {
        let base = buf.base
        while true {
            switch mode {
            case .outside:
                while pos < end {
                    let b = base[pos]
                    if b == ASCII.openBrace {
                        if garbageBytes > 0 {
                            itemNumber += 1
                            let n = garbageBytes
                            garbageBytes = 0
                            return .garbage(number: itemNumber, bytes: n)
                        }
                        mode = .object
                        objStart = pos
                        pos += 1
                        depth = 1
                        inString = false
                        escaped = false
                        break
                    }
                    if !ASCII.isWhitespace(b) { garbageBytes += 1 }
                    pos += 1
                }
                if mode == .outside { break }
                continue
            case .object:
                if scanObject() {
                    mode = .outside
                    itemNumber += 1
                    let len = pos - objStart
                    if len > maxObjectBytes { return .oversize(number: itemNumber) }
                    return .object(
                        UnsafeBufferPointer(start: base + objStart, count: len),
                        number: itemNumber, offset: bufOffset + Int64(objStart))
                }
                if pos - objStart > maxObjectBytes {
                    mode = .discarding
                    itemNumber += 1
                    return .oversize(number: itemNumber)
                }
            case .discarding:
                if scanObject() {
                    mode = .outside
                    continue
                }
            }

            // Need more bytes.
            if done { return nil }
            if eof || pending != nil {
                done = true
                let wasIn = mode
                mode = .outside
                if wasIn != .outside && pending == nil {
                    let which = wasIn == .object
                        ? "item \(itemNumber + 1), from byte \(bufOffset + Int64(objStart))\(source.isGzip ? " of the decompressed data" : "")"
                        : "item \(itemNumber), over the size limit"
                    pending = InputError(.truncated, offset: source.compressedBytesRead,
                                         "the input ends inside a JSON object (\(which)): cut short?")
                }
                if wasIn == .object {
                    itemNumber += 1
                    done = pending == nil
                    return .truncated(number: itemNumber)
                }
                if garbageBytes > 0 {
                    itemNumber += 1
                    let n = garbageBytes
                    garbageBytes = 0
                    done = pending == nil
                    return .garbage(number: itemNumber, bytes: n)
                }
                if let e = pending {
                    pending = nil
                    throw e
                }
                return nil
            }
            // Keep only the object being collected.
            let keep = mode == .object ? objStart : pos
            if keep == end {
                bufOffset += Int64(end)
                pos = 0; end = 0; objStart = 0
            } else if keep >= readSize || buf.capacity - end < readSize {
                // Compact as soon as a chunk's worth is consumed: only the pages of the
                // longest object (plus a chunk) are ever touched, not the whole buffer.
                let n = end - keep
                memmove(base, base + keep, n)
                bufOffset += Int64(keep)
                pos -= keep
                objStart -= keep
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
