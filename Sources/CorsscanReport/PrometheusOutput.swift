import CorsscanCore

/// Metrics for node_exporter's textfile collector (`*.prom`), Prometheus text exposition
/// format 0.0.4.
///
/// Every family gets `# HELP` and `# TYPE` (all gauges: each file describes one run),
/// even when it has no samples, so the set of families is stable. Order is fixed: families
/// as listed below, samples by class order/stage, inputs by path, reasons sorted.
/// Label values are escaped per the format: `\` → `\\`, `"` → `\"`, LF → `\n`; HELP text
/// escapes `\` and LF.
///
/// Families:
/// - `corsscan_incidents{class,stage}`: every class × stage with a nonzero count (from the
///   summary rows);
/// - `corsscan_class_incidents{class}`: every class, 0 included, so alerts and graphs have
///   a series to look at even before the first failure;
/// - `corsscan_incidents_total`: all incidents of the run;
/// - `corsscan_input_lines|records|bytes{path}`, `corsscan_input_skipped{path,reason}`,
///   `corsscan_input_errors{path,kind}` (1 per input that stopped on an error);
/// - `corsscan_lines`, `corsscan_records`, `corsscan_skipped`, `corsscan_preflights`,
///   `corsscan_followed`, `corsscan_undetermined`, `corsscan_late`, `corsscan_joined`,
///   `corsscan_evicted`;
/// - `corsscan_last_run_timestamp_seconds`: `generated`, in seconds with milliseconds.
public enum PrometheusOutput {
    public static func render(_ r: RunReport) -> [UInt8] {
        var o = ""
        func family(_ name: String, _ help: String) {
            o += "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) gauge\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: Int64) {
            o += name
            if !labels.isEmpty {
                o += "{" + labels.map { "\($0.0)=\"\(label($0.1))\"" }.joined(separator: ",") + "}"
            }
            o += " \(value)\n"
        }

        family("corsscan_incidents", "CORS failure incidents in the last run, by class and failed stage.")
        var byClassStage: [FailureClass: [Stage: Int64]] = [:]
        for row in r.rows { byClassStage[row.failureClass, default: [:]][row.stage, default: 0] += Int64(row.count) }
        for c in FailureClass.allCases {
            for s in Stage.allCases {
                if let n = byClassStage[c]?[s], n > 0 {
                    sample("corsscan_incidents", [("class", c.rawValue), ("stage", s.rawValue)], n)
                }
            }
        }
        family("corsscan_class_incidents", "CORS failure incidents in the last run, by class (0 when none).")
        for c in FailureClass.allCases {
            sample("corsscan_class_incidents", [("class", c.rawValue)], Int64(r.byClass[c] ?? 0))
        }
        family("corsscan_incidents_total", "All CORS failure incidents in the last run.")
        sample("corsscan_incidents_total", [], r.totals.incidents)

        // Inputs, merged by path so a series never appears twice.
        var order: [String] = []
        var merged: [String: InputStats] = [:]
        for s in r.inputs {
            if merged[s.path] == nil { order.append(s.path); merged[s.path] = s } else { merged[s.path]!.merge(s) }
        }
        let inputs = order.map { merged[$0]! }
        family("corsscan_input_lines", "Lines (or events/entries) read from each input.")
        for s in inputs { sample("corsscan_input_lines", [("path", s.path)], s.lines) }
        family("corsscan_input_records", "Lines of each input that were used.")
        for s in inputs { sample("corsscan_input_records", [("path", s.path)], s.records) }
        family("corsscan_input_bytes", "Bytes of each input after decompression.")
        for s in inputs { sample("corsscan_input_bytes", [("path", s.path)], s.bytes) }
        family("corsscan_input_skipped", "Lines of each input that were skipped, by reason.")
        for s in inputs {
            for (reason, n) in s.skipped.sorted(by: { $0.key < $1.key }) {
                sample("corsscan_input_skipped", [("path", s.path), ("reason", reason.rawValue)], n)
            }
        }
        family("corsscan_input_errors", "1 for an input that could not be read to its end, by error kind.")
        for s in inputs {
            if let e = s.error { sample("corsscan_input_errors", [("path", s.path), ("kind", e.kind.rawValue)], 1) }
        }

        let t = r.totals
        let run: [(String, String, Int64)] = [
            ("corsscan_lines", "Lines read from all inputs.", t.lines),
            ("corsscan_records", "Lines used from all inputs.", t.records),
            ("corsscan_skipped", "Lines skipped in all inputs.", t.skipped),
            ("corsscan_preflights", "OPTIONS preflight requests seen.", t.preflights),
            ("corsscan_followed", "Preflights followed by their actual request.", t.followed),
            ("corsscan_undetermined", "Preflights whose outcome could not be determined.", t.undetermined),
            ("corsscan_late", "Records later than the allowed skew in their file.", t.late),
            ("corsscan_joined", "Browser reports joined to gateway records.", t.joined),
            ("corsscan_evicted", "Pending preflights dropped because of the state bound.", t.evicted),
        ]
        for (name, help, value) in run {
            family(name, help)
            sample(name, [], value)
        }
        family("corsscan_last_run_timestamp_seconds", "When the last run's report was generated, Unix time in seconds.")
        let g = r.generated
        let secs = g >= 0 ? g / 1000 : -((-g + 999) / 1000)
        let ms = g - secs * 1000
        let frac = String(ms)
        o += "corsscan_last_run_timestamp_seconds \(secs).\(String(repeating: "0", count: 3 - frac.count))\(frac)\n"
        return Array(o.utf8)
    }

    /// A label value escaped per the exposition format: `\\`, `\"`, `\n`; other control
    /// characters (which some parsers reject) become U+FFFD.
    public static func label(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\u{0}"..."\u{1F}", "\u{7F}"..."\u{9F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func escapeHelp(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
