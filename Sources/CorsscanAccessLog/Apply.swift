import CorsscanCore

/// What a parse learned beyond the record itself (reset per line, lives on the stack).
struct RecordState {
    /// Check every value's shape (used while detecting a format; a bad shape fails the line).
    var strict = false
    var badTime = false
    var badValue = false
    var hasEpoch = false
    var sawRequestId = false
}

@inline(__always) func isDash(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
    v.count == 1 && v[0] == ASCII.minus
}

/// Trims ASCII whitespace at both ends.
@inline(__always) func trimmed(_ v: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    var lo = 0, hi = v.count
    while lo < hi, ASCII.isWhitespace(v[lo]) { lo += 1 }
    while hi > lo, ASCII.isWhitespace(v[hi - 1]) { hi -= 1 }
    if lo == 0, hi == v.count { return v }
    return UnsafeBufferPointer(rebasing: v[lo..<hi])
}

/// Decimal digits → value, or nil (no sign, at most 18 digits).
@inline(__always) func decimal(_ v: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard v.count > 0, v.count <= 18 else { return nil }
    var r: Int64 = 0
    for b in v {
        let d = b &- ASCII.zero
        guard d < 10 else { return nil }
        r = r * 10 + Int64(d)
    }
    return r
}

@inline(__always) func threeDigitStatus(_ v: UnsafeBufferPointer<UInt8>) -> UInt16? {
    guard v.count == 3, let n = decimal(v), n >= 100 else { return nil }
    return UInt16(n)
}

/// Sets one value on the record. The value is the raw text between delimiters (JSON strings
/// already unescaped).
@inline(__always)
func apply(_ target: Target, _ raw: UnsafeBufferPointer<UInt8>, _ r: inout AccessRecordBuilder, _ st: inout RecordState) {
    let v = trimmed(raw)
    switch target {
    case .ignore:
        return
    case .field(let f):
        if st.strict, !isDash(v), !plausible(f, v) { st.badValue = true; return }
        if f == .requestId || f == .extendedRequestId, !v.isEmpty, !isDash(v) { st.sawRequestId = true }
        r.set(f, v)
    case .errorMessageString:
        var m = v
        if m.count >= 2, m[0] == ASCII.quote, m[m.count - 1] == ASCII.quote {
            m = UnsafeBufferPointer(rebasing: m[1..<(m.count - 1)])
        }
        r.set(.errorMessage, m)
    case .requestTime:
        if v.isEmpty || isDash(v) { return }
        if let t = r.timeMemo.parse(v) {
            if !st.hasEpoch {
                r.time = t; r.timeInSeconds = true; r.hasTime = true
            }
        } else {
            st.badTime = true
        }
    case .requestTimeEpoch:
        if v.isEmpty || isDash(v) { return }
        var digits = 0
        while digits < v.count, ASCII.isDigit(v[digits]) { digits += 1 }
        if digits > 0, let t = r.timeMemo.parse(v) {
            r.time = t; r.timeInSeconds = digits <= 10 && digits == v.count; r.hasTime = true
            st.hasEpoch = true
        } else {
            st.badTime = true
        }
    case .method:
        let m = HTTPMethod(buffer: v)
        if st.strict, m == .other { st.badValue = true; return }
        r.method = m
    case .status:
        if v.isEmpty || isDash(v) { return }
        if let s = threeDigitStatus(v) { r.status = s } else { st.badValue = true }
    case .integrationStatus:
        if let s = threeDigitStatus(v) { r.integrationStatus = s }
        else if st.strict, !v.isEmpty, !isDash(v) { st.badValue = true }
    case .latency:
        if let n = decimal(v) { r.latencyMs = Int32(clamping: n) }
        else if st.strict, !v.isEmpty, !isDash(v) { st.badValue = true }
    case .responseLength:
        if let n = decimal(v) { r.responseLength = Int32(clamping: n) }
        else if st.strict, !v.isEmpty, !isDash(v) { st.badValue = true }
    case .protocolVersion:
        if st.strict, !isDash(v), !(v.count >= 5 && v[0] == 0x48 && v[1] == 0x54 && v[2] == 0x54 && v[3] == 0x50 && v[4] == ASCII.slash) {
            st.badValue = true
        }
    }
}

/// Shape checks used while detecting (a column taken for the wrong one fails).
func plausible(_ f: AccessRecord.Field, _ v: UnsafeBufferPointer<UInt8>) -> Bool {
    switch f {
    case .resourcePath, .path:
        return v.first == ASCII.slash
    case .routeKey:
        // `$default`, or `METHOD /path` (also `ANY /{proxy+}`).
        if v.first == ASCII.dollar { return true }
        var i = 0
        while i < v.count, v[i] &- 0x41 < 26 { i += 1 }
        return i > 0 && i + 1 < v.count && v[i] == ASCII.space && v[i + 1] == ASCII.slash
    case .sourceIP:
        for b in v where !(ASCII.isDigit(b) || b == ASCII.dot || b == ASCII.colon || (ASCII.lower(b) &- 0x61 < 6)) {
            return false
        }
        return true
    case .requestId, .extendedRequestId:
        for b in v where b == ASCII.space || b == ASCII.quote || b == ASCII.lessThan || b == ASCII.comma { return false }
        return true
    default:
        return true
    }
}

/// Applies a JSON string value, unescaping it first when it holds a backslash.
@inline(__always)
func applyJSONString(_ target: Target, _ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, escaped: Bool,
                     _ r: inout AccessRecordBuilder, _ st: inout RecordState) {
    let raw = UnsafeBufferPointer(rebasing: p[lo..<hi])
    if !escaped || target == .ignore { apply(target, raw, &r, &st); return }
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(raw.count, 1)) { tmp in
        let n = JSONScanner.unescape(raw, into: tmp)
        apply(target, UnsafeBufferPointer(rebasing: tmp[0..<n]), &r, &st)
    }
}

/// Final checks shared by all formats: time (own beats wrapper), method (or from routeKey).
func finish(_ r: inout AccessRecordBuilder, _ st: RecordState, fallbackTime: Int64?, positional: Bool) -> SkipReason? {
    if st.badValue { return positional || st.strict ? .unknownFormat : .badValue }
    if !r.hasTime {
        if st.badTime { return .badTime }
        guard let fb = fallbackTime else { return .missingField }
        r.time = fb; r.timeInSeconds = false; r.hasTime = true
    }
    if r.method == .none, r.has(.routeKey) {
        let m: HTTPMethod? = r.withBytes(.routeKey) { rk in
            guard let sp = rk.firstIndex(of: ASCII.space) else { return nil }
            return HTTPMethod(bytes: UnsafeBufferPointer(rebasing: rk[..<sp]))
        }
        if let m, m != .other { r.method = m }
    }
    if r.method == .none { return .missingField }
    return nil
}
