import CorsscanCore

/// What the user typed, before any checking (ripgrep's "raw options" idea): each option is
/// defined once in `OptionSpec.all`, which feeds both the parser and `--help`.
struct RawOptions {
    var paths: [String] = []
    var out = "Reports"
    var logFormat: String?
    var logFormatFile: String?
    var window = "10"
    var maxSkew = "5"
    var clockSkew = "2"
    var maxOpen = "64"
    var since: String?
    var until: String?
    var format = "text"
    var failOn: String?
    var prom: String?
    var now: String?
    var gatewayResponsesHaveCORS = false
    var quiet = false
    var noProgress = false
    var help = false
    var version = false
}

/// One command-line option: its spellings, its value name, its help text and example,
/// and how it sets `RawOptions`.
struct OptionSpec: Sendable {
    enum Apply: Sendable {
        case flag(@Sendable (inout RawOptions) -> Void)
        case value(@Sendable (inout RawOptions, String) -> Void)
    }
    var names: [String]
    var valueName: String?
    var help: String
    var example: String?
    var apply: Apply

    static let all: [OptionSpec] = [
        OptionSpec(names: ["--out", "-o"], valueName: "DIR",
                   help: "Directory for report.html, incidents.csv, summary.csv and summary.json (default Reports/; created if missing).",
                   example: "--out /var/lib/corsscan/latest", apply: .value { $0.out = $1 }),
        OptionSpec(names: ["--log-format"], valueName: "TEMPLATE",
                   help: "The stage's access-log format exactly as configured in API Gateway ($context variables); compiled into a parser.",
                   example: #"--log-format '$context.identity.sourceIp [$context.requestTime] "$context.httpMethod $context.resourcePath" $context.status'"#,
                   apply: .value { $0.logFormat = $1 }),
        OptionSpec(names: ["--log-format-file"], valueName: "FILE",
                   help: "Read the access-log format template from FILE (e.g. saved from `aws apigateway get-stage`).",
                   example: "--log-format-file prod-format.txt", apply: .value { $0.logFormatFile = $1 }),
        OptionSpec(names: ["--window"], valueName: "SECONDS",
                   help: "How long after a preflight its follow-up may arrive (default 10).",
                   example: "--window 30", apply: .value { $0.window = $1 }),
        OptionSpec(names: ["--max-skew"], valueName: "SECONDS",
                   help: "How far records may be out of order inside one file and still be merged in order (default 5).",
                   example: "--max-skew 60", apply: .value { $0.maxSkew = $1 }),
        OptionSpec(names: ["--clock-skew"], valueName: "SECONDS",
                   help: "Tolerance between browser and gateway clocks when joining browser reports (default 2).",
                   example: "--clock-skew 5", apply: .value { $0.clockSkew = $1 }),
        OptionSpec(names: ["--max-open"], valueName: "N",
                   help: "Most input files open at once while merging (default 64).",
                   example: "--max-open 16", apply: .value { $0.maxOpen = $1 }),
        OptionSpec(names: ["--since"], valueName: "TIME",
                   help: "Ignore records before TIME (ISO 8601, e.g. 2026-11-21T09:00:00Z).",
                   example: "--since 2026-11-21T09:00:00Z", apply: .value { $0.since = $1 }),
        OptionSpec(names: ["--until"], valueName: "TIME",
                   help: "Ignore records at or after TIME (ISO 8601).",
                   example: "--until 2026-11-21T10:00:00Z", apply: .value { $0.until = $1 }),
        OptionSpec(names: ["--format"], valueName: "text|json|csv",
                   help: "What goes to stdout: a short summary (text), summary.json (json) or summary.csv (csv).",
                   example: "--format json", apply: .value { $0.format = $1 }),
        OptionSpec(names: ["--fail-on"], valueName: "CLASS[,CLASS…]|any",
                   help: "Exit 1 when incidents of these classes (or any) are found, for cron alerting.",
                   example: "--fail-on preflight-rejected,gateway-error-masked", apply: .value { $0.failOn = $1 }),
        OptionSpec(names: ["--prom"], valueName: "FILE",
                   help: "Also write Prometheus text exposition (node_exporter textfile collector) to FILE.",
                   example: "--prom /var/lib/node_exporter/textfile/corsscan.prom", apply: .value { $0.prom = $1 }),
        OptionSpec(names: ["--now"], valueName: "TIME",
                   help: "Pin the report's generation time (ISO 8601 or epoch seconds); SOURCE_DATE_EPOCH does the same.",
                   example: "--now 2026-11-21T12:00:00Z", apply: .value { $0.now = $1 }),
        OptionSpec(names: ["--gateway-responses-have-cors"], valueName: nil,
                   help: "Your gateway responses (DEFAULT_4XX/5XX) carry CORS headers: do not infer gateway-error-masked.",
                   example: nil, apply: .flag { $0.gatewayResponsesHaveCORS = true }),
        OptionSpec(names: ["--quiet", "-q"], valueName: nil,
                   help: "Print nothing on stdout except what --format json|csv asks for; errors still go to stderr.",
                   example: nil, apply: .flag { $0.quiet = true }),
        OptionSpec(names: ["--no-progress"], valueName: nil,
                   help: "Never print the progress line (it appears only when stderr is a terminal).",
                   example: nil, apply: .flag { $0.noProgress = true }),
        OptionSpec(names: ["--help", "-h"], valueName: nil, help: "Show this help.", example: nil,
                   apply: .flag { $0.help = true }),
        OptionSpec(names: ["--version"], valueName: nil, help: "Show the version.", example: nil,
                   apply: .flag { $0.version = true }),
    ]

    /// Parses arguments into raw options; `--name=value` and `--name value` both work,
    /// `--` ends options, `-` is a path (stdin).
    static func parse(_ args: [String]) throws(UsageError) -> RawOptions {
        var raw = RawOptions()
        var i = 0
        var onlyPaths = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPaths || a == "-" || !a.hasPrefix("-") {
                raw.paths.append(a)
                continue
            }
            if a == "--" { onlyPaths = true; continue }
            var name = a
            var inlineValue: String?
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                inlineValue = String(a[a.index(after: eq)...])
            }
            guard let spec = all.first(where: { $0.names.contains(name) }) else {
                throw UsageError("unknown option '\(name)'")
            }
            switch spec.apply {
            case .flag(let f):
                if inlineValue != nil { throw UsageError("option '\(name)' takes no value") }
                f(&raw)
            case .value(let f):
                if let v = inlineValue {
                    f(&raw, v)
                } else {
                    guard i < args.count else { throw UsageError("option '\(name)' needs a value (\(spec.valueName ?? "VALUE"))") }
                    f(&raw, args[i])
                    i += 1
                }
            }
        }
        return raw
    }

    static func helpText(version: String) -> String {
        var s = """
        corsscan \(version) — find, explain and count CORS failures in Amazon API Gateway logs
        and browser error reports.

        USAGE: corsscan [options] <path>...

          <path>  files or directories (recursed); gzip (also multi-member Firehose objects)
                  or plain text, detected by content; '-' reads stdin.

        OPTIONS:

        """
        for o in all {
            let head = o.names.joined(separator: ", ") + (o.valueName.map { " " + $0 } ?? "")
            s += "  \(head)\n      \(o.help)\n"
            if let e = o.example { s += "      e.g. \(e)\n" }
        }
        s += """

        CLASSES: \(FailureClass.allCases.map(\.rawValue).joined(separator: ", "))

        EXIT STATUS: 0 ran fine (nothing matched --fail-on); 1 incidents matched --fail-on;
          2 usage error or nothing readable; 3 ran, but some input was unreadable or corrupt
          (1 wins over 3 so alerts always fire; the reports name the damaged files).

        EXAMPLES:
          corsscan logs/                          # every log under logs/, reports in Reports/
          corsscan --since 2026-11-21T09:00:00Z --fail-on any --format json s3-export/ > summary.json
          corsscan --log-format-file stage-format.txt --out /tmp/cors access-*.gz browser-console.txt

        """
        return s
    }
}

/// A problem with what the user typed: printed with a usage hint, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
