/// Parsing and formatting of the time stamps found in gateway logs and browser reports,
/// straight from bytes (no Foundation, no `DateFormatter`). All results are epoch
/// milliseconds, UTC.
public enum Timestamp {
    /// Parses any supported form, trying in order:
    /// - CLF `21/Nov/2026:09:45:12 +0000` (`$context.requestTime`);
    /// - ISO 8601 `2026-11-21T09:45:12.345Z`, `…+00:00`, `…+0000`, space instead of `T`,
    ///   with or without fraction and zone (no zone = UTC);
    /// - epoch digits: 10 or fewer = seconds, 11–14 = milliseconds, 15–17 = microseconds,
    ///   18–19 = nanoseconds; a fraction after a dot is allowed on seconds (CDP `wallTime`).
    /// Returns `nil` for anything else or for out-of-range values (years outside 1970–9999).
    @inlinable
    public static func parse<C: Collection>(_ bytes: C) -> Int64? where C.Element == UInt8 {
        if let r = bytes.withContiguousStorageIfAvailable({ parse(buffer: $0) }) { return r }
        return ContiguousArray(bytes).withUnsafeBufferPointer { parse(buffer: $0) }
    }

    public static func parse(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parse(buffer: $0) }
    }

    /// Like `parse`, on raw memory.
    public static func parse(buffer p: UnsafeBufferPointer<UInt8>) -> Int64? {
        var lo = 0, hi = p.count
        while lo < hi, ASCII.isWhitespace(p[lo]) || p[lo] == ASCII.quote { lo += 1 }
        while hi > lo, ASCII.isWhitespace(p[hi - 1]) || p[hi - 1] == ASCII.quote { hi -= 1 }
        let n = hi - lo
        guard n > 0 else { return nil }
        let s = UnsafeBufferPointer(rebasing: p[lo..<hi])
        // Epoch digits?
        if let v = parseEpoch(s) { return v }
        if n >= 20, ASCII.isDigit(s[0]), s[2] == ASCII.slash { return parseCLF(s) }
        if n >= 10, ASCII.isDigit(s[0]), s[4] == ASCII.minus { return parseISO(s) }
        return nil
    }

    /// `dd/MMM/yyyy:HH:mm:ss ±hhmm`.
    static func parseCLF(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard s.count >= 20, s[2] == ASCII.slash, s[6] == ASCII.slash, s[11] == ASCII.colon,
              s[14] == ASCII.colon, s[17] == ASCII.colon,
              let day = digits(s, 0, 2), let year = digits(s, 7, 4), let hour = digits(s, 12, 2),
              let minute = digits(s, 15, 2), let second = digits(s, 18, 2),
              let month = monthIndex(s[3], s[4], s[5])
        else { return nil }
        var offsetMinutes = 0
        if s.count > 20 {
            var i = 20
            while i < s.count, s[i] == ASCII.space { i += 1 }
            guard let off = parseZone(s, from: i) else { return nil }
            offsetMinutes = off
        }
        return compose(year: year, month: month, day: day, hour: hour, minute: minute,
                       second: second, millis: 0, offsetMinutes: offsetMinutes)
    }

    /// `yyyy-MM-dd[(T| )HH:mm[:ss[.fff…]]][Z|±hh[:]mm]`.
    static func parseISO(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard s[4] == ASCII.minus, s[7] == ASCII.minus,
              let year = digits(s, 0, 4), let month = digits(s, 5, 2), let day = digits(s, 8, 2)
        else { return nil }
        var hour = 0, minute = 0, second = 0, millis = 0, offset = 0
        var i = 10
        if i < s.count {
            guard s[i] == ASCII.upperT || s[i] == 0x74 || s[i] == ASCII.space, i + 5 < s.count + 0,
                  let h = digits(s, i + 1, 2), i + 3 < s.count, s[i + 3] == ASCII.colon,
                  let m = digits(s, i + 4, 2)
            else { return nil }
            hour = h; minute = m
            i += 6
            if i < s.count, s[i] == ASCII.colon {
                guard let sec = digits(s, i + 1, 2) else { return nil }
                second = sec
                i += 3
                if i < s.count, s[i] == ASCII.dot || s[i] == ASCII.comma {
                    i += 1
                    var scale = 100, frac = 0, nd = 0
                    while i < s.count, ASCII.isDigit(s[i]) {
                        if nd < 3 { frac += Int(s[i] - ASCII.zero) * scale; scale /= 10 }
                        nd += 1; i += 1
                    }
                    guard nd > 0 else { return nil }
                    millis = frac
                }
            }
            if i < s.count {
                if s[i] == ASCII.space { i += 1 }
                guard let off = parseZone(s, from: i) else { return nil }
                offset = off
            }
        }
        return compose(year: year, month: month, day: day, hour: hour, minute: minute,
                       second: second, millis: millis, offsetMinutes: offset)
    }

    /// `Z`, `UTC`, `GMT`, `±hh`, `±hhmm`, `±hh:mm` → minutes east of UTC; must end the input.
    static func parseZone(_ s: UnsafeBufferPointer<UInt8>, from i: Int) -> Int? {
        let rest = s.count - i
        if rest == 0 { return 0 }
        if rest == 1, s[i] == ASCII.upperZ || s[i] == 0x7A { return 0 }
        if rest == 3 {
            let t = (ASCII.upper(s[i]), ASCII.upper(s[i + 1]), ASCII.upper(s[i + 2]))
            if t == (0x55, 0x54, 0x43) || t == (0x47, 0x4D, 0x54) { return 0 }
        }
        guard s[i] == ASCII.plus || s[i] == ASCII.minus else { return nil }
        let sign = s[i] == ASCII.minus ? -1 : 1
        guard let hh = digits(s, i + 1, 2) else { return nil }
        var mm = 0
        switch rest {
        case 3: break
        case 5: guard let m = digits(s, i + 3, 2) else { return nil }; mm = m
        case 6:
            guard s[i + 3] == ASCII.colon, let m = digits(s, i + 4, 2) else { return nil }
            mm = m
        default: return nil
        }
        guard hh <= 23, mm <= 59 else { return nil }
        return sign * (hh * 60 + mm)
    }

    static func parseEpoch(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        var v: Int64 = 0
        var i = 0
        var nd = 0
        // 18 digits cannot overflow; past them every step is checked.
        while i < s.count, i < 18 {
            let d = s[i] &- ASCII.zero
            guard d < 10 else { break }
            v = v &* 10 &+ Int64(d)
            nd += 1; i += 1
        }
        while i < s.count, ASCII.isDigit(s[i]) {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(s[i] - ASCII.zero))
            if o1 || o2 { return nil }
            v = a
            nd += 1; i += 1
        }
        guard nd > 0 else { return nil }
        var fracMillis: Int64 = 0
        if i < s.count {
            // Only seconds may carry a fraction (e.g. CDP wallTime 1795254312.345).
            guard s[i] == ASCII.dot, nd <= 10 else { return nil }
            i += 1
            var scale: Int64 = 100
            var fd = 0
            while i < s.count, ASCII.isDigit(s[i]) {
                if scale > 0 { fracMillis += Int64(s[i] - ASCII.zero) * scale; scale /= 10 }
                i += 1; fd += 1
            }
            guard i == s.count, fd > 0 else { return nil }
        }
        let ms: Int64
        switch nd {
        case ...10: ms = v * 1000 + fracMillis
        case 11...14: ms = v
        case 15...17: ms = v / 1000
        default: ms = v / 1_000_000
        }
        guard ms >= 0, ms < maxMillis else { return nil }
        return ms
    }

    /// 10000-01-01T00:00:00Z, the first time corsscan refuses.
    public static let maxMillis: Int64 = 253_402_300_800_000

    /// Epoch milliseconds from epoch seconds (fractions allowed, as CDP `wallTime` has
    /// them); nil when not finite or outside 1970–9999, like every parsed time.
    public static func fromSeconds(_ seconds: Double) -> Int64? {
        guard seconds.isFinite, seconds >= 0, seconds < Double(maxMillis / 1000) else { return nil }
        return Int64((seconds * 1000).rounded())
    }

    @inline(__always)
    static func digits(_ s: UnsafeBufferPointer<UInt8>, _ at: Int, _ n: Int) -> Int? {
        guard at >= 0, at + n <= s.count else { return nil }
        var v = 0
        for k in at..<(at + n) {
            let d = s[k] &- ASCII.zero
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    static func monthIndex(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = (UInt32(ASCII.lower(a)) << 16) | (UInt32(ASCII.lower(b)) << 8) | UInt32(ASCII.lower(c))
        switch key {
        case 0x6A616E: return 1   // jan
        case 0x666562: return 2   // feb
        case 0x6D6172: return 3   // mar
        case 0x617072: return 4   // apr
        case 0x6D6179: return 5   // may
        case 0x6A756E: return 6   // jun
        case 0x6A756C: return 7   // jul
        case 0x617567: return 8   // aug
        case 0x736570: return 9   // sep
        case 0x6F6374: return 10  // oct
        case 0x6E6F76: return 11  // nov
        case 0x646563: return 12  // dec
        default: return nil
        }
    }

    /// Epoch ms from civil UTC fields, minus a zone offset; `nil` when a field is out of range.
    public static func compose(year: Int, month: Int, day: Int, hour: Int, minute: Int,
                               second: Int, millis: Int, offsetMinutes: Int) -> Int64? {
        guard (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
              hour <= 23, minute <= 59, second <= 60, day <= daysIn(month: month, year: year)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let secs = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        let ms = secs * 1000 + Int64(millis)
        // Past year 9999 in UTC (9999-12-31 with a negative offset) would print with a
        // five-digit year, which is not ISO 8601.
        return ms >= 0 && ms < maxMillis ? ms : nil
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's days_from_civil.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Civil UTC fields of an epoch-ms time.
    public static func civil(_ ms: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millis: Int) {
        let floorDiv = { (a: Int64, b: Int64) -> Int64 in a >= 0 ? a / b : -((-a + b - 1) / b) }
        let secs = floorDiv(ms, 1000)
        let millis = Int(ms - secs * 1000)
        let days = Int(floorDiv(secs, 86400))
        let sod = Int(secs - Int64(days) * 86400)
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, sod / 3600, (sod % 3600) / 60, sod % 60, millis)
    }

    /// `2026-11-21T09:45:12.345Z` (always milliseconds, always `Z`).
    public static func iso8601(_ ms: Int64) -> String {
        let c = civil(ms)
        if (0...9999).contains(c.year) {
            // The usual case, digit by digit into one small buffer (reports write many).
            return String(unsafeUninitializedCapacity: 24) { b in
                func put(_ v: Int, _ w: Int, _ at: Int) {
                    var v = v
                    for k in stride(from: at + w - 1, through: at, by: -1) {
                        b[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                        v /= 10
                    }
                }
                put(c.year, 4, 0); b[4] = 0x2D; put(c.month, 2, 5); b[7] = 0x2D; put(c.day, 2, 8)
                b[10] = 0x54; put(c.hour, 2, 11); b[13] = 0x3A; put(c.minute, 2, 14); b[16] = 0x3A
                put(c.second, 2, 17); b[19] = 0x2E; put(c.millis, 3, 20); b[23] = 0x5A
                return 24
            }
        }
        func p(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        return "\(p(c.year, 4))-\(p(c.month, 2))-\(p(c.day, 2))T\(p(c.hour, 2)):\(p(c.minute, 2)):\(p(c.second, 2)).\(p(c.millis, 3))Z"
    }
}

/// `Timestamp.parse(buffer:)` remembering the last text it parsed: consecutive log lines
/// mostly share their timestamp (one-second `requestTime`s), and comparing 32 bytes is
/// far cheaper than parsing a date. A text that differs from the last one only in its
/// seconds digits (the next second, or a line a second out of order) is the last minute
/// plus those seconds, for the CLF and ISO layouts. Only ever changes speed.
public struct TimestampMemo: Sendable {
    private var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var count = -1
    private var value: Int64?
    /// Where the remembered text's two seconds digits are (-1: not a layout with seconds
    /// at a fixed place), and its time with the seconds taken out.
    private var secondsAt = -1
    private var minuteBase: Int64 = 0

    public init() {}

    /// The text as up to four words, zero-padded (nil when longer than 32 bytes).
    @inline(__always)
    private static func words(_ p: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64, UInt64)? {
        guard p.count <= 32, let base = p.baseAddress else { return nil }
        var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &w) {
            SmallBytes.copy($0.baseAddress!.assumingMemoryBound(to: UInt8.self), base, p.count)
        }
        return w
    }

    /// Where the seconds digits of `p` are when it is laid out as CLF
    /// (`dd/MMM/yyyy:HH:mm:ss…`) or ISO (`yyyy-MM-ddTHH:mm:ss…`) from its first byte: the
    /// separators `Timestamp.parseCLF` and `parseISO` require, and the places they read the
    /// seconds from (keep the three in step).
    @inline(__always)
    private static func secondsPosition(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        // A digit first: nothing for the parser to trim, so the places are the parser's.
        guard p.count >= 19, ASCII.isDigit(p[0]) else { return -1 }
        if p.count >= 20, p[2] == ASCII.slash, p[6] == ASCII.slash, p[11] == ASCII.colon,
           p[14] == ASCII.colon, p[17] == ASCII.colon {
            return 18
        }
        if p[4] == ASCII.minus, p[7] == ASCII.minus, p[10] == ASCII.upperT || p[10] == ASCII.space,
           p[13] == ASCII.colon, p[16] == ASCII.colon {
            return 17
        }
        return -1
    }

    /// The two seconds digits at `at` as 0–59, nil otherwise.
    @inline(__always)
    private static func seconds(_ p: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int64? {
        let a = p[at] &- ASCII.zero, b = p[at + 1] &- ASCII.zero
        guard a < 6, b < 10 else { return nil }
        return Int64(a) * 10 + Int64(b)
    }

    /// `w` with the bytes at `at` and `at + 1` set to zero.
    @inline(__always)
    private static func withoutSeconds(_ w: (UInt64, UInt64, UInt64, UInt64), _ at: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        var m = w
        withUnsafeMutableBytes(of: &m) { $0[at] = 0; $0[at + 1] = 0 }
        return m
    }

    public mutating func parse(_ p: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let w = Self.words(p) else { return Timestamp.parse(buffer: p) }
        if p.count == count {
            if w == text { return value }
            if secondsAt >= 0, Self.withoutSeconds(w, secondsAt) == Self.withoutSeconds(text, secondsAt),
               let ss = Self.seconds(p, secondsAt) {
                let v = minuteBase + ss * 1000
                text = w
                value = v
                return v
            }
        }
        let v = Timestamp.parse(buffer: p)
        text = w
        count = p.count
        value = v
        secondsAt = -1
        if let v {
            let at = Self.secondsPosition(p)
            if at >= 0, let ss = Self.seconds(p, at) {
                secondsAt = at
                minuteBase = v - ss * 1000
            }
        }
        return v
    }
}
