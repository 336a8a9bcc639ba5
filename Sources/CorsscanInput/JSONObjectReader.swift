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
    /// An object cut off by the end of the input, by a read error or (with a start
    /// marker) by the next object. `partial` holds its bytes up to the cut (valid until
    /// the next call; empty when they were not kept), so the caller can use what came
    /// before the cut. After the end of the input the next call throws: the read error,
    /// or `truncated` when the input simply ended (a file cut short is damaged input, not
    /// a clean end).
    case truncated(number: Int64, partial: UnsafeBufferPointer<UInt8>)
}

/// Splits a stream of concatenated top-level JSON objects (`{…}{…}`, with or
/// without whitespace between them, as Firehose writes CloudWatch envelopes).
///
/// Objects are delimited by brace/bracket depth, honouring strings and their
/// backslash escapes; nothing else is validated. Item numbers count from 1 over every
/// item (objects, oversize, garbage and truncated alike). The scan state survives
/// buffer refills, so no byte is looked at twice.
///
/// With a `startMarker` (the bytes every object starts with, such as `{"messageType":`
/// for Firehose envelopes), an object cut off in the middle of the stream does not
/// swallow the objects after it: the marker cannot occur inside a valid object (a
/// string holds no unescaped quote), so where it appears inside one, that object is
/// returned as `.truncated`, the next starts at the marker, and a `truncated` error is
/// thrown after the last item (unless a read error is).
public struct JSONObjectReader {
    public var source: ByteSource
    public let maxObjectBytes: Int
    public let startMarker: [UInt8]?
    /// Where the marker search inside the current object resumes.
    private var markerFrom = 0
    /// The first object cut off by the next one (thrown at the end).
    private var damage: InputError?
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

    public init(_ source: ByteSource, maxObjectBytes: Int = 8 << 20, startMarker: [UInt8]? = nil) {
        precondition(maxObjectBytes > 0)
        precondition(startMarker.map { $0.first == ASCII.openBrace && $0.count > 1 } ?? true)
        self.source = source
        self.maxObjectBytes = maxObjectBytes
        self.startMarker = startMarker
        readSize = source.readSize
        buf = ReadBuffer(capacity: maxObjectBytes + 1 + readSize)
    }

    /// The position of the next `startMarker` in the object being read, searched from
    /// `markerFrom` (a marker cut by the end of the buffer is found after the refill).
    private mutating func nextMarker() -> Int? {
        guard let marker = startMarker else { return nil }
        let from = max(markerFrom, objStart + 1)
        let last = end - marker.count  // the last start with the whole marker in the buffer
        guard from <= last else { return nil }
        let found = firstMarker(marker, from: from, last: last)
        markerFrom = found ?? last + 1
        return found
    }

    /// The first start of `marker` in the buffer at `from...last`.
    private func firstMarker(_ marker: [UInt8], from: Int, last: Int) -> Int? {
        let base = buf.base
        return marker.withUnsafeBufferPointer { m in
            var i = from
            while i <= last {
                guard let hit = memchr(base + i, Int32(m[0]), last - i + 1) else { return nil }
                i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                if memcmp(base + i + 1, m.baseAddress! + 1, m.count - 1) == 0 { return i }
                i += 1
            }
            return nil
        }
    }

    /// The object being read did not close before the next object's marker at `m`.
    private mutating func cutOff(at m: Int, number: Int64) {
        let at = bufOffset + Int64(m)
        if damage == nil {
            let which = mode == .object ? "from byte \(bufOffset + Int64(objStart))" : "over the size limit"
            damage = InputError(.truncated, offset: source.isGzip ? source.compressedBytesRead : at,
                                "object \(number) (\(which)) is cut off at byte \(at)\(source.isGzip ? " of the decompressed data" : "") "
                                + "by the start of the next one; reading went on there")
        }
        mode = .outside
        pos = m
    }

    /// Scans `[pos, limit)` inside an object; returns true when depth reaches 0 (pos
    /// then points just past the closing brace).
    private mutating func scanObject(limit: Int) -> Bool {
        let end = limit
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
                        markerFrom = pos + 1
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
                let marker = nextMarker()
                if scanObject(limit: marker ?? end) {
                    mode = .outside
                    itemNumber += 1
                    let len = pos - objStart
                    if len > maxObjectBytes { return .oversize(number: itemNumber) }
                    return .object(
                        UnsafeBufferPointer(start: base + objStart, count: len),
                        number: itemNumber, offset: bufOffset + Int64(objStart))
                }
                if let m = marker {
                    itemNumber += 1
                    cutOff(at: m, number: itemNumber)
                    return m - objStart > maxObjectBytes ? .oversize(number: itemNumber)
                        : .truncated(number: itemNumber, partial: UnsafeBufferPointer(start: base + objStart, count: m - objStart))
                }
                if pos - objStart > maxObjectBytes {
                    mode = .discarding
                    itemNumber += 1
                    return .oversize(number: itemNumber)
                }
            case .discarding:
                let marker = nextMarker()
                if scanObject(limit: marker ?? end) {
                    mode = .outside
                    continue
                }
                if let m = marker {
                    cutOff(at: m, number: itemNumber)
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
                    return .truncated(number: itemNumber,
                                      partial: UnsafeBufferPointer(start: base + objStart, count: end - objStart))
                }
                if garbageBytes > 0 {
                    itemNumber += 1
                    let n = garbageBytes
                    garbageBytes = 0
                    done = pending == nil
                    return .garbage(number: itemNumber, bytes: n)
                }
                if let e = pending ?? damage {
                    pending = nil
                    damage = nil
                    throw e
                }
                return nil
            }
            // Keep only the object being collected (while discarding with a start marker:
            // the bytes a marker cut by the end of the buffer may begin in).
            readMore(keep: mode == .object ? objStart : mode == .discarding && startMarker != nil ? min(pos, markerFrom) : pos)
        }
    }

    /// Reads more input after the bytes from `keep` on (compacting the buffer first when
    /// worth it); sets `eof` or `pending` instead when there is no more.
    private mutating func readMore(keep: Int) {
        let base = buf.base
        if keep == end {
            bufOffset += Int64(end)
            pos = 0; end = 0; objStart = 0; markerFrom = 0
        } else if keep >= readSize || buf.capacity - end < readSize {
            // Compact as soon as a chunk's worth is consumed: only the pages of the
            // longest object (plus a chunk) are ever touched, not the whole buffer.
            let n = end - keep
            memmove(base, base + keep, n)
            bufOffset += Int64(keep)
            pos -= keep
            objStart -= keep
            markerFrom = max(0, markerFrom - keep)
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

    // MARK: - Objects parsed in place

    /// For a caller that walks each object anyway (`LogEventContainer` finds where an
    /// envelope ends while walking it): when the next item is an object, the buffered bytes
    /// from its `{` on — at least `minBytes` of them unless the input ends first (capped at
    /// `maxObjectBytes + 1`). They may hold less than the whole object, or more.
    ///
    /// A caller that proves a complete object at the start calls `takeObject(length:)`;
    /// otherwise `next()` returns that object as usual. Nil when the next item is anything
    /// else or the input has ended (call `next()`). The bytes stay valid until the next call.
    public mutating func peekObject(minBytes: Int) -> UnsafeBufferPointer<UInt8>? {
        guard mode == .outside, garbageBytes == 0 else { return nil }
        let want = min(max(1, minBytes), maxObjectBytes + 1)
        while true {
            let base = buf.base
            while pos < end, ASCII.isWhitespace(base[pos]) { pos += 1 }
            if pos < end {
                guard base[pos] == ASCII.openBrace else { return nil }
                if end - pos >= want { break }
            }
            guard !eof, pending == nil, !done else { break }
            readMore(keep: pos)
        }
        guard pos < end, buf.base[pos] == ASCII.openBrace else { return nil }
        return UnsafeBufferPointer(start: buf.base + pos, count: end - pos)
    }

    /// Takes the object of `length` bytes at the start of what `peekObject` returned, which
    /// the caller found complete by parsing it strictly (braces and brackets balanced
    /// outside strings, the last byte closing the first). Nil, taking nothing, when `next()`
    /// would not return exactly that object: it is over `maxObjectBytes`, or a start marker
    /// lies inside it (`next()` reports that as a cut-off object).
    public mutating func takeObject(length: Int) -> (number: Int64, offset: Int64)? {
        precondition(mode == .outside && garbageBytes == 0 && length > 0 && pos + length <= end
                     && buf.base[pos] == ASCII.openBrace, "takeObject without a peeked object")
        guard length <= maxObjectBytes else { return nil }
        if let marker = startMarker, length > marker.count,
           firstMarker(marker, from: pos + 1, last: pos + length - marker.count) != nil {
            return nil
        }
        itemNumber += 1
        let offset = bufOffset + Int64(pos)
        pos += length
        return (itemNumber, offset)
    }
}
