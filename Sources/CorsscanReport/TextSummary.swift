import CorsscanCore

/// The short human summary printed to stdout (`--format text`).
///
/// A few lines: totals, incidents by class, top routes, the first fix, notes, inputs with
/// errors, where the report is. Every log value is stripped of control characters
/// (`TerminalEscaping`) so a log cannot inject terminal escape sequences. ANSI colour
/// (SGR) only when `color` is true.
public enum TextSummary {
    /// Classes listed before "… and N more".
    static let maxClasses = 6
    static let maxRoutes = 3

    /// `s` right-aligned in `width` columns.
    static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }

    public static func render(_ r: RunReport, reportDirectory: String?, color: Bool) -> String {
        func sgr(_ code: String, _ s: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        let bold = { (s: String) in sgr("1", s) }
        let red = { (s: String) in sgr("31", s) }
        let yellow = { (s: String) in sgr("33", s) }
        let clean = TerminalEscaping.sanitize

        var lines: [String] = []
        let present = HTMLReport.presentClasses(r)
        let total = Int64(present.reduce(0) { $0 + $1.1 })
        let files = "\(r.inputs.count) input\(r.inputs.count == 1 ? "" : "s")"
        var range = ""
        if let f = r.firstTime, let l = r.lastTime {
            range = ", \(Format.minute(f)) – \(Format.minute(l))"
        }
        if total == 0 {
            lines.append(bold("No CORS failures found") + " in \(Format.int(r.totals.records)) records (\(files)\(range)).")
        } else {
            lines.append(bold("\(Format.int(total)) CORS failure\(total == 1 ? "" : "s")")
                + " in \(Format.int(r.totals.records)) records (\(files)\(range)).")
            let width = present.prefix(maxClasses).map { $0.0.rawValue.count }.max() ?? 0
            for (c, n) in present.prefix(maxClasses) {
                let name = c.rawValue + String(repeating: " ", count: width - c.rawValue.count)
                let count = Format.int(n)
                let share = Format.share(Int64(n), of: total)
                lines.append("  \(name)  \(pad(count, 8))  \(pad(share, 6))")
            }
            if present.count > maxClasses {
                let rest = present.dropFirst(maxClasses).reduce(0) { $0 + $1.1 }
                lines.append("  … and \(present.count - maxClasses) more classes (\(Format.int(rest)))")
            }
            if !r.topRoutes.isEmpty {
                let routes = r.topRoutes.prefix(maxRoutes).map { "\(clean($0.label)) (\(Format.int($0.count)))" }
                lines.append("Top routes: " + routes.joined(separator: ", "))
            }
            if let first = present.first {
                lines.append(bold("Fix first:") + " \(first.0.rawValue): \(ClassGuide.entry(first.0).firstFix).")
            }
        }
        for n in r.notes {
            lines.append(yellow("Note:") + " " + clean(n))
        }
        let failed = r.inputs.filter { $0.error != nil }
        if !failed.isEmpty {
            lines.append(red("Inputs with errors:"))
            for s in failed {
                lines.append("  \(clean(s.path)): \(clean(s.error!.description))")
            }
        }
        if r.totals.skipped > 0 {
            lines.append("Skipped \(Format.int(r.totals.skipped)) of \(Format.int(r.totals.lines)) lines (see the report's inputs section).")
        }
        if let dir = reportDirectory {
            let d = clean(dir)
            let sep = d.hasSuffix("/") ? "" : "/"
            lines.append("Report: \(d)\(sep)report.html")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
