import CorsscanCore

/// Appending helpers on a byte array: no String formatting on the hot path.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func add(_ s: StaticString) {
        s.withUTF8Buffer { self.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func add(_ b: [UInt8]) { append(contentsOf: b) }

    @inline(__always)
    mutating func add(_ s: String) { append(contentsOf: s.utf8) }

    mutating func addInt(_ v: Int) {
        if v < 0 { append(0x2D); addInt(-v); return }
        if v < 10 { append(UInt8(48 + v)); return }
        var d = 10
        while d <= v / 10 { d *= 10 }
        var x = v
        while d > 0 { append(UInt8(48 + x / d)); x %= d; d /= 10 }
    }

    mutating func addPadded(_ v: Int, _ width: Int) {
        var d = 1
        for _ in 1..<width { d *= 10 }
        var x = v
        while d > 0 { append(UInt8(48 + (x / d) % 10)); x %= d; d /= 10 }
    }

    /// Appends with JSON string escaping (quotes, backslashes, control bytes).
    mutating func addJSONEscaped(_ bytes: some Collection<UInt8>) {
        for b in bytes {
            switch b {
            case 0x22: append(0x5C); append(0x22)
            case 0x5C: append(0x5C); append(0x5C)
            case 0x0A: append(0x5C); append(0x6E)
            case 0x0D: append(0x5C); append(0x72)
            case 0x09: append(0x5C); append(0x74)
            case 0..<0x20:
                add("\\u00"); let h: [UInt8] = Array("0123456789abcdef".utf8)
                append(h[Int(b >> 4)]); append(h[Int(b & 15)])
            default: append(b)
            }
        }
    }

    mutating func addJSONString(_ s: String) {
        append(0x22); addJSONEscaped(s.utf8); append(0x22)
    }
}

let monthNames: [[UInt8]] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map { Array($0.utf8) }

/// Caches the per-second prefix so each record costs a copy, not a calendar computation.
struct TimeFormatter {
    private var clfSecond: Int64 = -1
    private var clf: [UInt8] = []
    private var isoSecond: Int64 = -1
    private var iso: [UInt8] = []   // "2026-11-21T09:45:11."

    /// `21/Nov/2026:09:45:12 +0000`
    mutating func appendCLF(_ ms: Int64, to out: inout [UInt8]) {
        let s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        if s != clfSecond {
            clfSecond = s
            let c = Timestamp.civil(s * 1000)
            clf.removeAll(keepingCapacity: true)
            clf.addPadded(c.day, 2); clf.append(0x2F); clf.add(monthNames[c.month - 1]); clf.append(0x2F)
            clf.addPadded(c.year, 4); clf.append(0x3A); clf.addPadded(c.hour, 2); clf.append(0x3A)
            clf.addPadded(c.minute, 2); clf.append(0x3A); clf.addPadded(c.second, 2); clf.add(" +0000")
        }
        out.add(clf)
    }

    /// `2026-11-21T09:45:11.812Z`
    mutating func appendISO(_ ms: Int64, to out: inout [UInt8]) {
        let s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        if s != isoSecond {
            isoSecond = s
            let c = Timestamp.civil(s * 1000)
            iso.removeAll(keepingCapacity: true)
            iso.addPadded(c.year, 4); iso.append(0x2D); iso.addPadded(c.month, 2); iso.append(0x2D)
            iso.addPadded(c.day, 2); iso.append(0x54); iso.addPadded(c.hour, 2); iso.append(0x3A)
            iso.addPadded(c.minute, 2); iso.append(0x3A); iso.addPadded(c.second, 2); iso.append(0x2E)
        }
        out.add(iso)
        out.addPadded(Int(ms - s * 1000), 3)
        out.append(0x5A)
    }
}

func isoString(_ ms: Int64) -> String { Timestamp.iso8601(ms) }
