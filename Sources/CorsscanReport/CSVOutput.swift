import CorsscanCore

/// `incidents.csv` and `summary.csv` (SPEC "What it writes").
///
/// Cells follow RFC 4180 §2: a cell containing `,`, `"`, CR or LF is enclosed in double
/// quotes and its quotes are doubled (rules 5–7). Records end with LF, not the RFC's
/// CRLF: every CSV reader we target (spreadsheets, pandas, `csvkit`, `awk`) accepts LF,
/// and line-oriented Unix tools handle it better; CR or LF inside a cell is always quoted,
/// so record boundaries stay unambiguous.
///
/// Spreadsheet formula injection (OWASP "CSV Injection"): a cell whose text starts with
/// `=`, `+`, `-`, `@`, TAB or CR would be evaluated as a formula by Excel/LibreOffice/
/// Sheets, and log values are attacker-controlled, so such a cell gets a leading `'`
/// (shown as text, not a formula) before quoting. Numbers corsscan writes itself (status,
/// counts) are never negative and are not passed through `cell`.
public enum CSVOutput {
    /// The `incidents.csv` header line, with its LF.
    public static let incidentsHeader =
        "time,class,stage,confidence,client_ip,user_agent,origin,method,path,status,gateway_error,request_id,followup_status,source,evidence\n"

    /// The `summary.csv` header line, with its LF.
    public static let summaryHeader = "class,stage,method,path,origin,count,first_seen,last_seen\n"

    /// Appends one `incidents.csv` row (with its LF) to `out`.
    ///
    /// - Parameters:
    ///   - i: the incident.
    ///   - source: its `source` column, `path:line` (see `RunReport.sourceText`).
    ///   - out: the buffer the pipeline streams to the file.
    public static func appendIncident(_ i: Incident, source: String, to out: inout [UInt8]) {
        out.append(contentsOf: Timestamp.iso8601(i.time).utf8)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: i.failureClass.rawValue.utf8)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: i.stage.rawValue.utf8)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: i.confidence.rawValue.utf8)
        for s in [i.clientIP, i.userAgent, i.origin, i.method, i.path] {
            out.append(UInt8(ascii: ","))
            appendCell(s, to: &out)
        }
        out.append(UInt8(ascii: ","))
        if let s = i.status { out.append(contentsOf: String(s).utf8) }
        out.append(UInt8(ascii: ","))
        appendCell(i.gatewayError, to: &out)
        out.append(UInt8(ascii: ","))
        appendCell(i.requestId, to: &out)
        out.append(UInt8(ascii: ","))
        if let s = i.followupStatus { out.append(contentsOf: String(s).utf8) }
        out.append(UInt8(ascii: ","))
        appendCell(source, to: &out)
        out.append(UInt8(ascii: ","))
        appendCell(i.evidence, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// The whole `summary.csv`: header, then `r.rows` in their (already sorted) order.
    public static func summary(_ r: RunReport) -> [UInt8] {
        var out = Array(summaryHeader.utf8)
        for row in r.rows {
            out.append(contentsOf: row.failureClass.rawValue.utf8)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: row.stage.rawValue.utf8)
            for s in [row.method, row.path, row.origin] {
                out.append(UInt8(ascii: ","))
                appendCell(s, to: &out)
            }
            out.append(contentsOf: ",\(row.count),\(Timestamp.iso8601(row.firstSeen)),\(Timestamp.iso8601(row.lastSeen))\n".utf8)
        }
        return out
    }

    /// One RFC 4180 cell, formula-neutralised: a leading `'` when the text starts with
    /// `=`, `+`, `-`, `@`, TAB or CR, then quoted (quotes doubled) when it contains `,`,
    /// `"`, CR or LF; a NUL byte is written as `␀`. The empty string stays empty.
    public static func cell(_ s: String) -> String {
        var out: [UInt8] = []
        appendCell(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `cell(s)` appended as bytes.
    public static func appendCell(_ s: String, to out: inout [UInt8]) {
        var s = s
        // Native strings are contiguous UTF-8 already; bridged ones are made so once.
        s.withUTF8 { appendCell($0, to: &out) }
    }

    /// `cell` of UTF-8 bytes, appended: one pass to classify, then one bulk copy unless a
    /// quote must be doubled or a NUL replaced.
    static func appendCell(_ u: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let first = u.first else { return }
        let neutralise: Bool
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
            neutralise = true
        default:
            neutralise = false
        }
        // Eight bytes at a time: most cells have none of `,` `"` CR LF NUL.
        var needsQuotes = false, hasNUL = false
        var i = 0
        let base = u.baseAddress!
        while i + 8 <= u.count {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let z = JSONStringEnd.zeroBytes
            let q = z(w ^ 0x2C2C_2C2C_2C2C_2C2C) | z(w ^ JSONStringEnd.quotes) | z(w ^ 0x0D0D_0D0D_0D0D_0D0D)
                | z(w ^ 0x0A0A_0A0A_0A0A_0A0A)
            if q != 0 { needsQuotes = true }
            if z(w) != 0 { hasNUL = true }
            i += 8
        }
        while i < u.count {
            let b = base[i]
            if b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 0x0D || b == 0x0A { needsQuotes = true }
            if b == 0 { hasNUL = true }
            i += 1
        }
        if needsQuotes { out.append(UInt8(ascii: "\"")) }
        if neutralise { out.append(UInt8(ascii: "'")) }
        if needsQuotes || hasNUL {
            for b in u {
                if b == 0 {
                    // NUL stops many CSV readers (Python's csv: "line contains NUL"): shown as ␀.
                    out += [0xE2, 0x90, 0x80]
                    continue
                }
                out.append(b)
                if b == UInt8(ascii: "\"") { out.append(b) }
            }
            if needsQuotes { out.append(UInt8(ascii: "\"")) }
        } else {
            out.append(contentsOf: u)
        }
    }
}
