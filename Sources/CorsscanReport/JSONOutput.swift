import CorsscanCore

/// `summary.json` (SPEC "What it writes"), also printed by `--format json`.
///
/// Layout: pretty-printed, two-space indent, LF line ends, a final LF; keys in a fixed
/// order (the SPEC's, with additions after the keys they belong to); maps that are data
/// (`skipped` reasons, `skip_samples`) have their keys sorted, `by_class` follows
/// `FailureClass` declaration order. The output is a pure function of the `RunReport`,
/// byte for byte.
///
/// ```
/// schema, corsscan, generated, window_s, max_skew_s, time_range{first,last},
/// inputs[{path, kind, format, bytes, compressed_bytes, lines, records, late,
///         skipped{reason:n}, skip_samples{reason:[line]}, error}],
/// totals{lines, records, skipped, preflights, followed, incidents, undetermined,
///        late, joined, evicted},
/// by_class{class:n}, rows[{class, stage, method, path, origin, count, first_seen, last_seen}],
/// notes[string]
/// ```
public enum JSONOutput {
    /// The `summary.json` document.
    public static func summary(_ r: RunReport) -> [UInt8] {
        var w = JSONWriter()
        w.value(document(r))
        w.out.append(UInt8(ascii: "\n"))
        return w.out
    }

    static func document(_ r: RunReport) -> JSONValue {
        let inputs: [JSONValue] = r.inputs.map { s in
            .object([
                ("path", .string(s.path)),
                ("kind", .string(s.kind.rawValue)),
                ("format", .string(s.format)),
                ("bytes", .int(s.bytes)),
                ("compressed_bytes", .int(s.compressedBytes)),
                ("lines", .int(s.lines)),
                ("records", .int(s.records)),
                ("late", .int(s.late)),
                ("skipped", .object(s.skipped.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int($0.value)) })),
                ("skip_samples", .object(s.skipSamples.sorted { $0.key < $1.key }.map {
                    ($0.key.rawValue, .array($0.value.map { .int($0) }))
                })),
                ("error", s.error.map { .string($0.description) } ?? .null),
            ])
        }
        let t = r.totals
        let byClass: [(String, JSONValue)] = FailureClass.allCases.compactMap { c in
            guard let n = r.byClass[c] else { return nil }
            return (c.rawValue, .int(Int64(n)))
        }
        let rows: [JSONValue] = r.rows.map { row in
            .object([
                ("class", .string(row.failureClass.rawValue)),
                ("stage", .string(row.stage.rawValue)),
                ("method", .string(row.method)),
                ("path", .string(row.path)),
                ("origin", .string(row.origin)),
                ("count", .int(Int64(row.count))),
                ("first_seen", .string(Timestamp.iso8601(row.firstSeen))),
                ("last_seen", .string(Timestamp.iso8601(row.lastSeen))),
            ])
        }
        return .object([
            ("schema", .int(Int64(RunReport.schemaVersion))),
            ("corsscan", .string(r.version)),
            ("generated", .string(Timestamp.iso8601(r.generated))),
            ("window_s", .int(Int64(r.windowSeconds))),
            ("max_skew_s", .int(Int64(r.maxSkewSeconds))),
            ("time_range", .object([
                ("first", r.firstTime.map { .string(Timestamp.iso8601($0)) } ?? .null),
                ("last", r.lastTime.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ])),
            ("inputs", .array(inputs)),
            ("totals", .object([
                ("lines", .int(t.lines)),
                ("records", .int(t.records)),
                ("skipped", .int(t.skipped)),
                ("preflights", .int(t.preflights)),
                ("followed", .int(t.followed)),
                ("incidents", .int(t.incidents)),
                ("undetermined", .int(t.undetermined)),
                ("late", .int(t.late)),
                ("joined", .int(t.joined)),
                ("evicted", .int(t.evicted)),
            ])),
            ("by_class", .object(byClass)),
            ("rows", .array(rows)),
            ("notes", .array(r.notes.map { .string($0) })),
        ])
    }
}

/// A JSON value with ordered object keys (Foundation's encoders sort or shuffle keys;
/// this is all `summary.json` needs).
indirect enum JSONValue {
    case null
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])
}

/// Serialises `JSONValue` into bytes, pretty-printed with a two-space indent (arrays of
/// numbers on one line).
struct JSONWriter {
    var out: [UInt8] = []
    private var depth = 0

    mutating func value(_ v: JSONValue) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .string(let s): JSONWriter.appendString(s, to: &out)
        case .array(let a):
            if a.isEmpty { out.append(contentsOf: "[]".utf8); return }
            if a.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
                // Arrays of numbers (line numbers) on one line: `[7, 9]`.
                out.append(UInt8(ascii: "["))
                for (i, e) in a.enumerated() {
                    if i > 0 { out.append(contentsOf: ", ".utf8) }
                    value(e)
                }
                out.append(UInt8(ascii: "]"))
                return
            }
            out.append(UInt8(ascii: "["))
            depth += 1
            for (i, e) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline()
                value(e)
            }
            depth -= 1
            newline()
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            depth += 1
            for (i, (k, e)) in o.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline()
                JSONWriter.appendString(k, to: &out)
                out.append(contentsOf: ": ".utf8)
                value(e)
            }
            depth -= 1
            newline()
            out.append(UInt8(ascii: "}"))
        }
    }

    private mutating func newline() {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    /// A JSON string literal (RFC 8259 §7): `"` and `\` backslash-escaped; every control
    /// character (U+0000–U+001F, U+007F) as `\u00XX`; `<`, `>`, `&` as `\u003c` … so the
    /// document can be embedded in HTML safely; U+2028/U+2029 escaped for JavaScript
    /// consumers. `String` is always valid Unicode, so the output is valid UTF-8.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: out.append(contentsOf: "\\\"".utf8)
            case 0x5C: out.append(contentsOf: "\\\\".utf8)
            case 0..<0x20, 0x7F, 0x3C, 0x3E, 0x26, 0x2028, 0x2029:
                out.append(contentsOf: "\\u".utf8)
                appendHex4(v, to: &out)
            default:
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendHex4(_ v: UInt32, to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(digits[Int((v >> UInt32(shift)) & 0xF)])
        }
    }
}
