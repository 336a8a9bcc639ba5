#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CorsscanCore
import CorsscanReport

/// Final incidents written out during the run, so memory does not grow with the number of
/// incidents: each as its rendered `incidents.csv` row behind its report-order key, in an
/// unlinked temporary file (nothing is left behind, even if the run is killed).
///
/// Record layout: time (Int64), input (Int32), line (Int64), class order (UInt8),
/// row length (UInt32), row bytes; native byte order (the file never leaves the process).
final class IncidentSpill {
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private(set) var count = 0

    /// Creates the file in `directory` (the output directory: known writable).
    init?(directory: String) {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/") .utf8CString)
        let suffix = Array(".corsscan-spill-XXXXXX".utf8CString)
        template.removeLast()
        template += suffix
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends incidents (already in report order, after every earlier batch).
    func append(_ incidents: [Incident], source: (SourceLocation) -> String) {
        var row: [UInt8] = []
        for inc in incidents {
            row.removeAll(keepingCapacity: true)
            CSVOutput.appendIncident(inc, source: source(inc.source), to: &row)
            withUnsafeBytes(of: inc.time) { buffer += $0 }
            withUnsafeBytes(of: inc.source.input) { buffer += $0 }
            withUnsafeBytes(of: inc.source.line) { buffer += $0 }
            buffer.append(UInt8(inc.failureClass.order))
            withUnsafeBytes(of: UInt32(row.count)) { buffer += $0 }
            buffer += row
            count += 1
        }
        if buffer.count >= 1 << 20 { flush() }
    }

    /// A write failed (disk full): the rows are incomplete and the run must say so.
    private(set) var failed = false

    private func flush() {
        var off = 0
        while off < buffer.count, !failed {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 { if errno == EINTR { continue }; failed = true; break }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Reads the rows back in order. Call once, after the last `append`.
    func rows() -> Rows {
        flush()
        _ = lseek(fd, 0, SEEK_SET)
        return Rows(fd: fd, failed: failed)
    }

    /// A spilled row with its report-order key.
    struct Row {
        var time: Int64
        var source: SourceLocation
        var classOrder: Int
        var bytes: [UInt8]

        /// `Incident.reportOrder` on the key.
        func precedes(_ i: Incident) -> Bool {
            if time != i.time { return time < i.time }
            if source != i.source { return source < i.source }
            return classOrder < i.failureClass.order
        }
    }

    /// Sequential reader over the spilled rows.
    struct Rows {
        let fd: Int32
        let failed: Bool
        private var buf: [UInt8] = []
        private var pos = 0
        private var eof = false

        init(fd: Int32, failed: Bool) {
            self.fd = fd
            self.failed = failed
        }

        private mutating func fill(_ n: Int) -> Bool {
            while buf.count - pos < n, !eof {
                if pos > 0 { buf.removeFirst(pos); pos = 0 }
                var chunk = [UInt8](repeating: 0, count: max(1 << 16, n))
                let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if got < 0 { if errno == EINTR { continue }; eof = true; break }
                if got == 0 { eof = true; break }
                buf += chunk[0..<got]
            }
            return buf.count - pos >= n
        }

        private mutating func take<T: FixedWidthInteger>(_: T.Type) -> T {
            let v = buf.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: pos, as: T.self) }
            pos += MemoryLayout<T>.size
            return v
        }

        mutating func next() -> Row? {
            let head = 8 + 4 + 8 + 1 + 4
            guard fill(head) else { return nil }
            let time = take(Int64.self)
            let input = take(Int32.self)
            let line = take(Int64.self)
            let cls = Int(take(UInt8.self))
            let len = Int(take(UInt32.self))
            guard fill(len) else { return nil }
            let bytes = Array(buf[pos..<(pos + len)])
            pos += len
            return Row(time: time, source: SourceLocation(input: input, line: line), classOrder: cls, bytes: bytes)
        }
    }
}
