import CorsscanCore

/// Streams the entries of a HAR document (browser-reports.md §7) out of its bytes, one
/// entry at a time, so memory is bounded by one entry, not by the document.
///
/// The document is checked as JSON while it streams by (structure, strings and their
/// escapes; an entry's own scalars are checked when it is parsed). The first `log` member
/// of the top-level object and the first `entries` member of that are followed, wherever
/// they are among their siblings; everything else is skipped without being kept. Each
/// entry is captured without whitespace and with every string over `maxStringBytes`
/// elided to `""` (response bodies and `postData` are not needed), so a 300 MB body costs
/// nothing.
final class HARScanner {
    typealias Read = (UnsafeMutableRawBufferPointer) throws(InputError) -> Int

    /// Strings longer than this (raw bytes) are captured as `""`.
    static let maxStringBytes = 64 << 10
    /// An entry longer than this once captured is skipped as oversize.
    static let maxEntryBytes = 1 << 20
    /// An entry with more JSON values than this is skipped as oversize (its parsed tree
    /// costs ~100 bytes a value).
    static let maxEntryValues = 100_000
    /// Nesting deeper than this is a syntax error (the entry parser recurses).
    static let maxDepth = 256
    static let chunkSize = 64 << 10

    /// One entry of `log.entries`: its captured bytes (valid until the callback
    /// returns), or `nil` when it was over the limits.
    typealias OnEntry = (UnsafeBufferPointer<UInt8>?) -> Bool

    /// How the scan ended.
    enum End: Equatable {
        /// The document was read to its end (`entries`: whether `log.entries` was found).
        case complete(entries: Bool)
        /// The callback asked to stop.
        case stopped
        /// The input ended (or failed: `readError`) before the document did.
        case truncated(Where)
        /// Not JSON at `offset`; `inEntry` when inside an entry.
        case syntax(String, offset: Int64, inEntry: Bool)
        /// Non-whitespace bytes after the document (left unread).
        case trailing(offset: Int64)
    }

    enum Where: Equatable { case beforeEntries, inEntry, betweenEntries, afterEntries }

    private enum Stop: Error { case end, syntax(String), stopped }

    private let read: Read
    private let buf: UnsafeMutablePointer<UInt8>
    private var pos = 0
    private var end = 0
    /// Stream offset of `buf[0]`.
    private var bufOffset: Int64 = 0
    private var eof = false
    /// The error that ended the input, once every byte before it was scanned.
    private(set) var readError: InputError?

    private var phase = Where.beforeEntries
    /// Capture of the current entry.
    private var capturing = false
    private var capture: [UInt8] = []
    private var captureValues = 0
    private var captureOver = false
    /// The raw bytes of the last key read (up to `keyLimit`), for `log` and `entries`.
    private var key: [UInt8] = []
    private static let keyLimit = 64

    init(read: @escaping Read) {
        self.read = read
        buf = .allocate(capacity: HARScanner.chunkSize)
    }

    deinit { buf.deallocate() }

    /// Decompressed bytes scanned so far.
    var offset: Int64 { bufOffset + Int64(pos) }

    /// Scans the document, handing each entry to `onEntry` (which returns false to stop).
    func scan(_ onEntry: OnEntry) -> End {
        do throws(Stop) {
            try skipWhitespace()
            if try peek() == 0xEF {
                // A UTF-8 byte order mark.
                for b: UInt8 in [0xEF, 0xBB, 0xBF] { try expect(b) }
                try skipWhitespace()
            }
            // Only the first `log` and its first `entries` count, as `JSONValue.path` finds them.
            var (seenLog, seenEntries, found) = (false, false, false)
            if try peek() == ASCII.openBrace {
                try members(depth: 1) { s, k throws(Stop) in
                    guard !seenLog, k == Array("log".utf8) else { return false }
                    seenLog = true
                    guard try s.peek() == ASCII.openBrace else { return false }
                    try s.members(depth: 2) { s, k throws(Stop) in
                        guard !seenEntries, k == Array("entries".utf8) else { return false }
                        seenEntries = true
                        guard try s.peek() == ASCII.openBracket else { return false }
                        found = true
                        try s.entries(onEntry)
                        return true
                    }
                    return true
                }
            } else {
                try value(depth: 1)
            }
            phase = .afterEntries
            // Anything after the document ends the scan (not read further).
            while true {
                guard pos < end || fill() else { break }
                if !ASCII.isWhitespace(buf[pos]) { return .trailing(offset: offset) }
                pos += 1
            }
            return .complete(entries: found)
        } catch {
            switch error {
            case .end: return .truncated(phase)
            case .stopped: return .stopped
            case .syntax(let m): return .syntax(m, offset: offset, inEntry: phase == .inEntry)
            }
        }
    }

    // MARK: - Document

    /// The entries array, each element captured and handed over.
    private func entries(_ onEntry: OnEntry) throws(Stop) {
        try expect(ASCII.openBracket)
        phase = .betweenEntries
        try skipWhitespace()
        if try peek() == ASCII.closeBracket {
            pos += 1
            phase = .afterEntries
            return
        }
        while true {
            try skipWhitespace()
            _ = try peek()  // the input may end here, between entries
            phase = .inEntry
            capture.removeAll(keepingCapacity: capture.capacity <= 64 << 10)
            captureValues = 0
            captureOver = false
            capturing = true
            try value(depth: 4)
            capturing = false
            phase = .betweenEntries
            let go = captureOver ? onEntry(nil) : capture.withUnsafeBufferPointer { onEntry($0) }
            guard go else { throw .stopped }
            try skipWhitespace()
            let b = try peek()
            pos += 1
            if b == ASCII.closeBracket { break }
            guard b == ASCII.comma else { pos -= 1; throw .syntax("expected , or ] after an entry") }
        }
        phase = .afterEntries
    }

    /// An object's members; `member` is called with each key when the value is next and
    /// returns whether it read the value (else it is skipped).
    private func members(depth: Int, _ member: (HARScanner, [UInt8]) throws(Stop) -> Bool) throws(Stop) {
        guard depth <= HARScanner.maxDepth else { throw .syntax("nested deeper than \(HARScanner.maxDepth)") }
        try take(ASCII.openBrace)
        try skipWhitespace()
        if try peek() == ASCII.closeBrace {
            try take(ASCII.closeBrace)
            return
        }
        while true {
            try skipWhitespace()
            guard try peek() == ASCII.quote else { throw .syntax("expected a member name") }
            try string(isKey: true)
            try skipWhitespace()
            try take(ASCII.colon)
            try skipWhitespace()
            if try !member(self, key) { try value(depth: depth + 1) }
            try skipWhitespace()
            let b = try peek()
            if b == ASCII.closeBrace { try take(b); return }
            guard b == ASCII.comma else { throw .syntax("expected , or } in an object") }
            try take(b)
        }
    }

    // MARK: - Values

    /// Reads one value (captured when inside an entry).
    private func value(depth: Int) throws(Stop) {
        try skipWhitespace()
        if capturing {
            captureValues += 1
            if captureValues > HARScanner.maxEntryValues { overflow() }
        }
        let b = try peek()
        switch b {
        case ASCII.openBrace:
            try members(depth: depth) { _, _ in false }
        case ASCII.openBracket:
            guard depth <= HARScanner.maxDepth else { throw .syntax("nested deeper than \(HARScanner.maxDepth)") }
            try take(b)
            try skipWhitespace()
            if try peek() == ASCII.closeBracket { try take(ASCII.closeBracket); return }
            while true {
                try value(depth: depth + 1)
                try skipWhitespace()
                let c = try peek()
                if c == ASCII.closeBracket { try take(c); return }
                guard c == ASCII.comma else { throw .syntax("expected , or ] in an array") }
                try take(c)
            }
        case ASCII.quote:
            try string(isKey: false)
        case UInt8(ascii: "t"): for c in "true".utf8 { try take(c) }
        case UInt8(ascii: "f"): for c in "false".utf8 { try take(c) }
        case UInt8(ascii: "n"): for c in "null".utf8 { try take(c) }
        case ASCII.minus, ASCII.zero...ASCII.nine:
            // Checked by the entry parser; elsewhere only skipped.
            while pos < end || fill() {
                let c = buf[pos]
                guard ASCII.isDigit(c) || c == ASCII.minus || c == ASCII.plus || c == ASCII.dot
                    || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") else { break }
                append(c)
                pos += 1
            }
        default:
            throw .syntax("unexpected byte 0x\(String(b, radix: 16)) where a value should be")
        }
    }

    /// Reads a string from its opening quote. A key's raw bytes go to `key`; inside an
    /// entry the string is captured, or `""` when it is longer than `maxStringBytes`.
    private func string(isKey: Bool) throws(Stop) {
        try take(ASCII.quote)
        if isKey { key.removeAll(keepingCapacity: true) }
        let start = capture.count - 1
        var length = 0
        var elided = false
        while true {
            guard pos < end || fill() else { throw .end }
            let r = JSONStringEnd.find(buf, from: pos, end: end)
            let n = r.index - pos
            for i in pos..<r.index where buf[i] < 0x20 {
                pos = i
                throw .syntax("a control character in a string")
            }
            if isKey && key.count < HARScanner.keyLimit {
                key.append(contentsOf: UnsafeBufferPointer(start: buf + pos, count: min(n, HARScanner.keyLimit - key.count)))
            }
            length += n
            if capturing && !captureOver && !elided {
                if length > HARScanner.maxStringBytes {
                    elided = true
                    capture.removeSubrange(start...)
                    capture.append(ASCII.quote)
                } else {
                    capture.append(contentsOf: UnsafeBufferPointer(start: buf + pos, count: n))
                    if capture.count > HARScanner.maxEntryBytes { overflow() }
                }
            }
            pos = r.index
            if r.escapePending {
                // The byte after a backslash is in the next chunk (checked like the rest).
                guard fill() else { throw .end }
                if buf[pos] < 0x20 { throw .syntax("a control character in a string") }
                if isKey && key.count < HARScanner.keyLimit { key.append(buf[pos]) }
                length += 1
                if capturing && !captureOver && !elided { capture.append(buf[pos]) }
                pos += 1
                continue
            }
            if pos < end { break }
        }
        try take(ASCII.quote)
        if isKey && key.contains(ASCII.backslash) {
            // An escaped name: decoded as the entry parser would.
            var quoted = [ASCII.quote] + key + [ASCII.quote]
            if let s = quoted.withUnsafeMutableBufferPointer({ JSONValue.parse(UnsafeBufferPointer($0)) })?.string {
                key = Array(s.utf8)
            }
        }
    }

    // MARK: - Bytes

    /// Appends a byte to the capture (when capturing and not over the limit).
    @inline(__always)
    private func append(_ b: UInt8) {
        guard capturing, !captureOver else { return }
        capture.append(b)
        if capture.count > HARScanner.maxEntryBytes { overflow() }
    }

    /// The entry is over the limits: its capture is dropped, the scan goes on.
    private func overflow() {
        captureOver = true
        capture = []
    }

    /// The next byte, not consumed; `Stop.end` at the end of the input.
    @inline(__always)
    private func peek() throws(Stop) -> UInt8 {
        guard pos < end || fill() else { throw .end }
        return buf[pos]
    }

    /// Consumes `b`, which must come next.
    @inline(__always)
    private func take(_ b: UInt8) throws(Stop) {
        let c = try peek()
        guard c == b else { throw .syntax("expected \"\(String(UnicodeScalar(b)))\"") }
        append(c)
        pos += 1
    }

    /// Consumes `b` without capturing it.
    private func expect(_ b: UInt8) throws(Stop) {
        guard try peek() == b else { throw .syntax("expected \"\(String(UnicodeScalar(b)))\"") }
        pos += 1
    }

    private func skipWhitespace() throws(Stop) {
        while pos < end || fill() {
            guard ASCII.isWhitespace(buf[pos]) else { return }
            pos += 1
        }
    }

    /// Reads the next chunk once the current one is used up; false at the end of the input
    /// or after a read error (kept in `readError`).
    private func fill() -> Bool {
        guard pos >= end else { return true }
        guard !eof else { return false }
        bufOffset += Int64(end)
        pos = 0
        end = 0
        do throws(InputError) {
            let n = try read(UnsafeMutableRawBufferPointer(start: buf, count: HARScanner.chunkSize))
            if n == 0 { eof = true }
            end = n
        } catch {
            readError = error
            eof = true
        }
        return end > 0
    }
}
