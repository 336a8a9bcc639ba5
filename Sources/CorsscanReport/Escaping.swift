import CorsscanCore

/// Escaping for HTML and the terminal, in one place.
///
/// Logs carry attacker-controlled text; every value from a log goes through one of these
/// before it reaches an output that is interpreted (HTML, a terminal). CSV escaping lives
/// in `CSVOutput.cell`, JSON in `JSONWriter.appendString`, Prometheus labels in
/// `PrometheusOutput.label`.
enum HTMLEscaping {
    /// Appends `s` escaped for HTML text and for double- or single-quoted attribute values.
    ///
    /// - `&` `<` `>` `"` `'` become `&amp;` `&lt;` `&gt;` `&quot;` `&#39;` (HTML Living
    ///   Standard §13.1.2 "Attributes" and §13.2.5 character references; the OWASP XSS
    ///   prevention rule #1 set), which is enough for text and quoted attributes.
    /// - C0 controls other than TAB and LF, and DEL, become the visible Unicode Control
    ///   Pictures (U+2400 + code, U+2421 for DEL): NUL and CR are parse errors or vanish
    ///   in HTML, and a reader should see that the log held them. C1 controls
    ///   (U+0080–U+009F) become U+FFFD.
    /// - Invalid UTF-8 was already replaced by U+FFFD when the `String` was made.
    ///
    /// Never use the result inside `<script>`, `<style>`, an unquoted attribute, or an
    /// attribute holding a URL: the report puts no log value in those places.
    static func append(_ s: String, to out: inout [UInt8]) {
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            case 0x27: out.append(contentsOf: "&#39;".utf8)
            case 0x09, 0x0A: out.append(UInt8(v))
            case 0..<0x20: out.append(contentsOf: String(Unicode.Scalar(0x2400 + v)!).utf8)
            case 0x7F: out.append(contentsOf: "\u{2421}".utf8)
            case 0x80...0x9F: out.append(contentsOf: "\u{FFFD}".utf8)
            default: out.append(contentsOf: String(scalar).utf8)
            }
        }
    }

    static func escape(_ s: String) -> String {
        var out: [UInt8] = []
        append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

public enum TerminalEscaping {
    /// `s` with every control character (C0 including TAB/CR/LF, DEL, C1) replaced by `?`,
    /// so a log value cannot move the cursor, change colours or set the window title
    /// (ANSI/VT escape injection).
    public static func sanitize(_ s: String) -> String {
        var needs = false
        for scalar in s.unicodeScalars where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
            needs = true
            break
        }
        guard needs else { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            let v = scalar.value
            out.append(v < 0x20 || (0x7F...0x9F).contains(v) ? "?" : scalar)
        }
        return String(out)
    }
}

/// Number formatting shared by the human-facing writers.
enum Format {
    /// `1234567` → `1,234,567`.
    static func int<T: BinaryInteger>(_ n: T) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// `part / whole` as a percentage with one decimal (`12.3%`), integer arithmetic.
    static func share(_ part: Int64, of whole: Int64) -> String {
        guard whole > 0 else { return "0.0%" }
        let tenths = (part * 1000 + whole / 2) / whole
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// `1536` → `1.5 KiB`.
    static func bytes(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        var unit = 0
        var scaled = n
        // Scale by 1024 keeping tenths, integer-only for determinism.
        var tenths = n * 10 / 1024
        while tenths >= 10240 && unit < units.count - 1 {
            scaled /= 1024
            tenths = scaled * 10 / 1024
            unit += 1
        }
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// `2026-11-21 09:45 UTC` (minutes) from epoch ms.
    static func minute(_ ms: Int64) -> String {
        let iso = Timestamp.iso8601(ms)
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5)) + " UTC"
    }

    /// A span in words: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`.
    static func duration(_ ms: Int64) -> String {
        let s = max(0, ms) / 1000
        if s < 60 { return "\(s) s" }
        let m = s / 60
        if m < 60 { return "\(m) min" }
        let h = m / 60
        if h < 48 { return "\(h) h \(m % 60 < 10 ? "0" : "")\(m % 60) min" }
        return "\(h / 24) d \(h % 24) h"
    }

    /// `2026-11-21 09:45:12` (UTC, said by the context) from epoch ms.
    static func secondShort(_ ms: Int64) -> String {
        let iso = Timestamp.iso8601(ms)
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8))
    }

    /// `2026-11-21 09:45:12 UTC` from epoch ms.
    static func second(_ ms: Int64) -> String {
        let iso = Timestamp.iso8601(ms)
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8)) + " UTC"
    }
}

