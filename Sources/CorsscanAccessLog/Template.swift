import CorsscanCore

/// A `$context` template as literals and variables: `lits[0] var[0] lits[1] var[1] … lits[n]`.
///
/// Matching runs left to right, a variable's value ending at the next occurrence of the
/// following literal. From the first free-text ("greedy") variable on, the rest of the
/// template is matched from the right end of the line instead, so a user agent or error
/// message may contain any delimiter. `requestTime` (`21/Nov/2026:09:45:12 +0000`) keeps its
/// inner space even when the template separates fields with spaces.
final class PositionalTemplate: @unchecked Sendable {
    struct Variable: Sendable {
        var name: String
        var target: Target
        var greedy: Bool
    }
    let lits: [[UInt8]]
    let vars: [Variable]
    let firstGreedy: Int
    /// The literals end to end (literal i ends at `litEnds[i]`) and each variable's target,
    /// in memory this object owns and never changes after `init`: what `match` reads, so a
    /// line costs no reference counting (an array property would be retained per access).
    private let litBytes: UnsafeMutableBufferPointer<UInt8>
    private let litEnds: UnsafeMutableBufferPointer<Int>
    private let targetList: UnsafeMutableBufferPointer<Target>
    private let litByteCount: Int, litCount: Int, varCount: Int

    init(lits: [[UInt8]], vars: [Variable]) {
        self.lits = lits
        self.vars = vars
        firstGreedy = vars.firstIndex(where: { $0.greedy }) ?? -1
        let bytes = lits.flatMap { $0 }
        litByteCount = bytes.count
        litCount = lits.count
        varCount = vars.count
        litBytes = .allocate(capacity: max(bytes.count, 1))
        _ = litBytes.initialize(from: bytes)
        var total = 0
        let ends = lits.map { l in total += l.count; return total }
        litEnds = .allocate(capacity: max(lits.count, 1))
        _ = litEnds.initialize(from: ends)
        targetList = .allocate(capacity: max(vars.count, 1))
        _ = targetList.initialize(from: vars.map(\.target))
    }

    deinit {
        litBytes.deallocate()
        litEnds.deallocate()
        targetList.deallocate()
    }

    /// Matches `p[lo..<hi]`, calling `value(target, start, end)` for each variable (the
    /// target handed over, so the caller reads no array of this class per value); variables
    /// matched left to right whose target is `.ignore` are not handed over.
    @inline(__always)
    func match(_ p: UnsafeBufferPointer<UInt8>, _ lo0: Int, _ hi0: Int, value: (Target, Int, Int) -> Void) -> Bool {
        match(p, lo0, hi0, UnsafeBufferPointer(start: litBytes.baseAddress, count: litByteCount),
              UnsafeBufferPointer(start: litEnds.baseAddress, count: litCount),
              UnsafeBufferPointer(start: targetList.baseAddress, count: varCount), value: value)
    }

    @inline(__always)
    private func match(_ p: UnsafeBufferPointer<UInt8>, _ lo0: Int, _ hi0: Int, _ bytes: UnsafeBufferPointer<UInt8>,
                       _ ends: UnsafeBufferPointer<Int>, _ targets: UnsafeBufferPointer<Target>,
                       value: (Target, Int, Int) -> Void) -> Bool {
        @inline(__always) func lits(_ i: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]])
        }
        var lo = lo0, hi = hi0
        while lo < hi, ASCII.isWhitespace(p[lo]) { lo += 1 }
        while hi > lo, ASCII.isWhitespace(p[hi - 1]) { hi -= 1 }
        let nv = targets.count
        let first = lits(0)
        guard hasPrefix(p, lo, hi, first) else { return false }
        var pos = lo + first.count
        var i = 0
        while i < nv {
            if i == firstGreedy { break }
            let lit = lits(i + 1)
            if i == nv - 1 {
                guard hasSuffix(p, pos, hi, lit) else { return false }
                value(targets[i], pos, hi - lit.count)
                return true
            }
            let end: Int
            if lit.isEmpty {
                // Two variables back to back: the first ends at whitespace.
                var j = pos
                while j < hi, !ASCII.isWhitespace(p[j]) { j += 1 }
                end = j
            } else {
                var from = pos
                if targets[i] == .requestTime, looksLikeCLFTime(p, pos, hi) { from = pos + 21 }
                guard let f = find(p, from, hi, lit) else { return false }
                end = f
            }
            let t = targets[i]
            if t != .ignore { value(t, pos, end) }
            pos = end + lit.count
            i += 1
        }
        if i == nv { return pos == hi || lits(nv).isEmpty }
        // Right phase: from the end back to the greedy variable.
        let last = lits(nv)
        guard hasSuffix(p, pos, hi, last) else { return false }
        var end = hi - last.count
        var j = nv - 1
        while j > i {
            let lit = lits(j)
            var start: Int
            if lit.isEmpty {
                var k = end
                while k > pos, !ASCII.isWhitespace(p[k - 1]) { k -= 1 }
                start = k
            } else {
                guard var f = findLast(p, pos, end, lit) else { return false }
                if targets[j] == .requestTime {
                    // The inner space of `dd/MMM/yyyy:HH:mm:ss +0000`: look further left.
                    while end - (f + lit.count) < 20, let g = findLast(p, pos, f, lit) { f = g }
                }
                start = f + lit.count
                value(targets[j], start, end)
                end = f
                j -= 1
                continue
            }
            value(targets[j], start, end)
            end = start
            j -= 1
        }
        guard end >= pos else { return false }
        value(targets[i], pos, end)
        return true
    }

    @inline(__always) func looksLikeCLFTime(_ p: UnsafeBufferPointer<UInt8>, _ at: Int, _ hi: Int) -> Bool {
        at + 26 <= hi && p[at + 2] == ASCII.slash && p[at + 6] == ASCII.slash && p[at + 20] == ASCII.space
    }
}

@inline(__always)
func hasPrefix(_ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ lit: UnsafeBufferPointer<UInt8>) -> Bool {
    guard hi - lo >= lit.count else { return false }
    var k = 0
    while k < lit.count { if p[lo + k] != lit[k] { return false }; k += 1 }
    return true
}

@inline(__always)
func hasSuffix(_ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ lit: UnsafeBufferPointer<UInt8>) -> Bool {
    guard hi - lo >= lit.count else { return false }
    return hasPrefix(p, hi - lit.count, hi, lit)
}

/// First index of `lit` in `p[lo..<hi]`.
@inline(__always)
func find(_ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ lit: UnsafeBufferPointer<UInt8>) -> Int? {
    let m = lit.count
    guard m > 0, hi - lo >= m else { return nil }
    let b0 = lit[0]
    if m == 1 {
        let i = SWAR.find(b0, p, lo, hi)
        return i < hi ? i : nil
    }
    var i = lo
    let last = hi - m
    while i <= last {
        i = SWAR.find(b0, p, i, last + 1)
        if i > last { return nil }
        var k = 1
        while k < m, p[i + k] == lit[k] { k += 1 }
        if k == m { return i }
        i += 1
    }
    return nil
}

/// Last index of `lit` within `p[lo..<hi]`.
@inline(__always)
func findLast(_ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ lit: UnsafeBufferPointer<UInt8>) -> Int? {
    let m = lit.count
    guard m > 0, hi - lo >= m else { return nil }
    var i = hi - m
    while i >= lo {
        if p[i] == lit[0] {
            var k = 1
            while k < m, p[i + k] == lit[k] { k += 1 }
            if k == m { return i }
        }
        i -= 1
    }
    return nil
}

/// `--log-format` / `--log-format-file`: the stage's `$context` template compiled once.
public struct LogTemplate: Sendable {
    public var parser: AccessLogParser
    /// The template as compiled (continuation lines joined, trailing newline dropped).
    public var text: String

    public init(_ template: String) throws(LogTemplateError) {
        let text = LogTemplate.normalise(template)
        self.text = text
        guard !text.isEmpty else { throw LogTemplateError("the log format is empty") }
        let positional = try LogTemplate.compilePositional(text)
        guard !positional.vars.isEmpty else {
            throw LogTemplateError("the log format has no $context variables (expected e.g. $context.requestId)")
        }
        var format = "custom"
        for p in presetTemplates where p.template == text { format = p.format }
        if text.utf8.first == ASCII.openBrace, let json = LogTemplate.compileJSON(text) {
            let name = LogTemplate.jsonPresetName(text) ?? "custom"
            parser = AccessLogParser(format: name, body: .json(json))
        } else {
            parser = AccessLogParser(format: format, body: .positional(positional))
        }
    }

    /// Joins `\`-continued lines (as AWS docs print presets) and drops a trailing newline.
    static func normalise(_ t: String) -> String {
        var out: [UInt8] = []
        let b = Array(t.utf8)
        var i = 0
        while i < b.count {
            if b[i] == ASCII.backslash, i + 1 < b.count, b[i + 1] == ASCII.lf || b[i + 1] == ASCII.cr {
                i += 1
                while i < b.count, ASCII.isWhitespace(b[i]) { i += 1 }
                continue
            }
            out.append(b[i])
            i += 1
        }
        while let l = out.last, ASCII.isWhitespace(l) { out.removeLast() }
        var lo = 0
        while lo < out.count, ASCII.isWhitespace(out[lo]) { lo += 1 }
        return String(decoding: out[lo...], as: UTF8.self)
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        ASCII.isDigit(b) || (b | 0x20) &- 0x61 < 26 || b == ASCII.underscore || b == ASCII.dot
    }

    static func compilePositional(_ text: String) throws(LogTemplateError) -> PositionalTemplate {
        let b = Array(text.utf8)
        let prefix = Array("$context.".utf8)
        var lits: [[UInt8]] = []
        var vars: [PositionalTemplate.Variable] = []
        var lit: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == ASCII.dollar {
                if i + prefix.count <= b.count, Array(b[i..<(i + prefix.count)]) == prefix {
                    var j = i + prefix.count
                    while j < b.count, isNameByte(b[j]) { j += 1 }
                    while j > i + prefix.count, b[j - 1] == ASCII.dot { j -= 1 }
                    guard j > i + prefix.count else {
                        throw LogTemplateError("`$context.` without a variable name at offset \(i)")
                    }
                    let name = String(decoding: b[(i + prefix.count)..<j], as: UTF8.self)
                    let (target, greedy) = classifyVariable(name)
                    lits.append(lit)
                    lit = []
                    vars.append(.init(name: name, target: target, greedy: greedy))
                    i = j
                    continue
                }
                // `$input`, `$method`, `$stageVariables`, `${…}`, `$!{…}`: not allowed in access logs.
                var j = i + 1
                if j < b.count, (b[j] | 0x20) &- 0x61 < 26 || b[j] == 0x21 || b[j] == ASCII.openBrace {
                    while j < b.count, isNameByte(b[j]) || b[j] == 0x21 || b[j] == ASCII.openBrace { j += 1 }
                }
                let word = String(decoding: b[i..<min(j, i + 40)], as: UTF8.self)
                if j > i + 1 {
                    throw LogTemplateError("unsupported `\(word)` at offset \(i): access-log formats may only use $context.* variables")
                }
            }
            if b[i] == ASCII.hash, i + 1 < b.count, b[i + 1] == 0x73 || b[i + 1] == 0x69 || b[i + 1] == 0x66 {
                // VTL directives (#set, #if, #foreach) are not evaluated in access logs.
                let w = String(decoding: b[i..<min(b.count, i + 8)], as: UTF8.self)
                if w.hasPrefix("#set") || w.hasPrefix("#if") || w.hasPrefix("#foreach") {
                    throw LogTemplateError("unsupported VTL directive `\(w)` at offset \(i): access-log formats allow no logic")
                }
            }
            lit.append(b[i])
            i += 1
        }
        lits.append(lit)
        return PositionalTemplate(lits: lits, vars: vars)
    }

    /// A JSON-shaped template → key path → slot. Nil when it is not scannable as JSON.
    static func compileJSON(_ text: String) -> JSONBody? {
        var table = KeyTable()
        var subs: [PositionalTemplate] = []
        var failed = false
        var bytes = Array(text.utf8)
        let result = bytes.withUnsafeMutableBufferPointer { mp -> JSONScanner.Result in
            let p = UnsafeBufferPointer(mp)
            return JSONScanner.scanObject(p) { path, _, lo, hi, _, _ in
                let v = String(decoding: UnsafeBufferPointer(rebasing: p[lo..<hi]), as: UTF8.self)
                guard let t = try? compilePositional(v), !t.vars.isEmpty else { return }
                if t.vars.count == 1 {
                    table.insert(path, Slot(target: t.vars[0].target, greedy: t.vars[0].greedy,
                                            prefix: t.lits[0].count, suffix: t.lits[1].count))
                } else {
                    subs.append(t)
                    table.insert(path, Slot(target: .ignore, sub: subs.count - 1))
                }
            }
        }
        if result != .ok { failed = true }
        guard !failed, table.count > 0 else { return nil }
        return JSONBody(table: table, auto: false, subs: subs)
    }

    /// `rest-json` / `http-json` when the JSON object's keys are a console preset's.
    static func jsonPresetName(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { mp in
            jsonPresetName(UnsafeBufferPointer(mp))
        }
    }

    static func jsonPresetName(_ p: UnsafeBufferPointer<UInt8>) -> String? {
        var keys: Set<UInt64> = []
        var nested = false
        let r = JSONScanner.scanObject(p) { path, leaf, _, _, _, _ in
            if path != leaf { nested = true }
            keys.insert(leaf)
        }
        guard r == .ok, !nested else { return nil }
        if keys == restKeyHashes || keys == restKeyHashesOld { return "rest-json" }
        if keys == httpKeyHashes { return "http-json" }
        return nil
    }
}

let restKeyHashes = Set(restJSONPresetKeys.map(KeyHash.hash))
let restKeyHashesOld = Set(restJSONPresetKeys.subtracting(["extendedrequestid"]).map(KeyHash.hash))
let httpKeyHashes = Set(httpJSONPresetKeys.map(KeyHash.hash))

public struct LogTemplateError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
