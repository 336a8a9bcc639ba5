import CorsscanCore
import CorsscanAnalysis
import CorsscanReport

/// The named exit statuses of SPEC "Exit status".
public enum ExitStatus: Int32 {
    case ok = 0
    case failuresFound = 1
    case usageOrNothingReadable = 2
    case someInputUnreadable = 3
}

/// Entry point used by the `corsscan` executable: parse, check, run, write, and turn the
/// outcome into one exit status.
public enum CorsscanMain {
    public static let version = "0.1.0"

    public static func run(arguments: [String]) -> Int32 {
        execute(arguments).rawValue
    }

    static func execute(_ arguments: [String]) -> ExitStatus {
        let raw: RawOptions
        do {
            raw = try OptionSpec.parse(arguments)
        } catch {
            return usage(error)
        }
        if raw.help {
            Platform.writeStdout(OptionSpec.helpText(version: version))
            return .ok
        }
        if raw.version {
            Platform.writeStdout("corsscan \(version)\n")
            return .ok
        }
        let config: Configuration
        do {
            config = try Configuration(raw)
        } catch {
            return usage(error)
        }

        do {
            try OutputDirectory.prepare(config.outDir)
        } catch {
            Platform.writeStderr("corsscan: \(safe(error))\n")
            return .usageOrNothingReadable
        }

        let outcome = Pipeline(config: config).run()
        let report = outcome.report
        for s in report.inputs where s.error != nil {
            Platform.writeStderr("corsscan: \(safe(s.path)): \(safe(s.error!))\n")
        }
        // Nothing readable (a missing mount, a typo, no permission): keep the previous reports
        // for the dashboard rather than replacing them with empty ones. A file that opened but
        // is corrupt from its first byte (not gzip, cut, bad CRC) did run: its error belongs
        // in the reports, and the status is 3 like any other corrupt input.
        let readable = report.inputs.contains { $0.error == nil || $0.lines > 0 || $0.error?.kind != .unreadable }
        if !readable {
            Platform.writeStderr("corsscan: nothing readable in the given paths; reports in \(safe(config.outDir)) left as they were\n")
            return .usageOrNothingReadable
        }

        do {
            try ReportFiles.write(report, incidents: outcome.incidents, spill: outcome.spill,
                                  to: config.outDir, prom: config.promPath)
        } catch {
            Platform.writeStderr("corsscan: \(safe(error))\n")
            return .usageOrNothingReadable
        }

        let stdoutError: String?
        switch config.stdoutFormat {
        case .json: stdoutError = Platform.writeStdout(JSONOutput.summary(report))
        case .csv: stdoutError = Platform.writeStdout(CSVOutput.summary(report))
        case .text:
            stdoutError = config.quiet ? nil
                : Platform.writeStdout(TextSummary.render(report, reportDirectory: config.outDir, color: config.color))
        }
        if let stdoutError {
            // A cron job's `> summary.json` on a full disk must not look like success.
            Platform.writeStderr("corsscan: cannot write the summary to standard output: \(safe(stdoutError)) (the reports in \(safe(config.outDir)) are written)\n")
            return .usageOrNothingReadable
        }
        if !config.failOn.isEmpty, report.byClass.keys.contains(where: config.failOn.contains) {
            return .failuresFound
        }
        if report.inputs.contains(where: { $0.error != nil }) {
            return .someInputUnreadable
        }
        return .ok
    }

    /// A path or message for the terminal: file names and log-derived text may hold
    /// escape sequences (window title, cursor moves); control characters become `?`.
    private static func safe(_ v: Any) -> String { TerminalEscaping.sanitize("\(v)") }

    private static func usage(_ error: any Error) -> ExitStatus {
        Platform.writeStderr("corsscan: \(safe(error))\nUsage: corsscan [options] <path>...   (corsscan --help for all options)\n")
        return .usageOrNothingReadable
    }
}

/// Writes the report files: each to a temporary file first, renamed into place only when
/// every one was written. A reader never sees a half-written file; for the instant between
/// the renames it may see new and old files side by side.
enum ReportFiles {
    /// The files `write` creates in the output directory.
    static let names: Set<String> = ["report.html", "incidents.csv", "summary.csv", "summary.json"]

    /// Whether a resolved input path is one of our reports (or an `AtomicFileWriter` temp
    /// file of one, left by a killed run) in the resolved output directory, or the `--prom` file.
    static func isOwnOutput(_ real: String, outDir: String?, prom: String?) -> Bool {
        if real == prom { return true }
        guard let o = outDir, let slash = real.lastIndex(of: "/"), real[..<slash] == o else { return false }
        let name = real[real.index(after: slash)...]
        if names.contains(String(name)) { return true }
        return name.hasPrefix(".") && names.contains { name.hasPrefix(".\($0).tmp-") }
    }

    static func write(_ report: RunReport, incidents: [Incident], spill: IncidentSpill?, to dir: String,
                      prom: String?) throws(OutputError) {
        let d = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        var writers: [AtomicFileWriter] = []
        defer { for w in writers { w.abort() } }

        let csv = try AtomicFileWriter(path: d + "/incidents.csv")
        writers.append(csv)
        var buf = Array(CSVOutput.incidentsHeader.utf8)
        // Merge the spilled rows with the incidents still in memory, both in report order.
        var spilled = spill?.rows()
        if spill?.failed == true {
            throw OutputError(path: dir, operation: "write the incident spill file in", reason: "write failed (disk full?)")
        }
        var nextSpilled = spilled?.next()
        var i = 0
        while i < incidents.count || nextSpilled != nil {
            if let row = nextSpilled, i == incidents.count || row.precedes(incidents[i]) {
                buf += row.bytes
                nextSpilled = spilled?.next()
            } else {
                CSVOutput.appendIncident(incidents[i], source: report.sourceText(incidents[i].source), to: &buf)
                i += 1
            }
            if buf.count >= 1 << 20 {
                try csv.write(buf)
                buf.removeAll(keepingCapacity: true)
            }
        }
        try csv.write(buf)

        var files: [(String, [UInt8])] = [
            (d + "/summary.csv", CSVOutput.summary(report)),
            (d + "/summary.json", JSONOutput.summary(report)),
            (d + "/report.html", HTMLReport.render(report)),
        ]
        if let p = prom { files.append((p, PrometheusOutput.render(report))) }
        for (path, bytes) in files {
            let w = try AtomicFileWriter(path: path)
            writers.append(w)
            try w.write(bytes)
        }
        for w in writers { try w.commit() }
        writers.removeAll()
    }
}
