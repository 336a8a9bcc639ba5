import CorsscanCore
import CorsscanAccessLog
import CorsscanAnalysis

/// What the program will do, checked and compiled from `RawOptions` (the `--log-format`
/// template is compiled here, once).
struct Configuration {
    enum StdoutFormat: String { case text, json, csv }

    var paths: [String]
    var outDir: String
    var template: LogTemplate?
    var analysis: AnalysisOptions
    var maxOpen: Int
    var since: Int64?
    var until: Int64?
    var stdoutFormat: StdoutFormat
    /// Classes that make the exit status 1 when found (empty: never).
    var failOn: Set<FailureClass>
    var promPath: String?
    var generated: Int64
    var quiet: Bool
    var progress: Bool
    var color: Bool

    init(_ raw: RawOptions) throws(UsageError) {
        guard !raw.paths.isEmpty else { throw UsageError("no input paths given") }
        paths = raw.paths
        outDir = raw.out
        guard !outDir.isEmpty else { throw UsageError("--out needs a directory") }

        if raw.logFormat != nil && raw.logFormatFile != nil {
            throw UsageError("give either --log-format or --log-format-file, not both")
        }
        var templateText = raw.logFormat
        if let file = raw.logFormatFile {
            switch Platform.readSmallFile(file) {
            case .success(let s): templateText = s
            case .failure(let e): throw e
            }
        }
        if let t = templateText {
            // A template may legally end with one newline (reference §1.1).
            var text = t
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            do {
                template = try LogTemplate(text)
            } catch {
                throw UsageError("--log-format: \(error)")
            }
        }

        analysis = AnalysisOptions()
        analysis.windowMs = try Self.seconds(raw.window, "--window", min: 0.001)
        analysis.maxSkewMs = try Self.seconds(raw.maxSkew, "--max-skew", min: 0)
        analysis.clockSkewMs = try Self.seconds(raw.clockSkew, "--clock-skew", min: 0)
        analysis.gatewayResponsesHaveCORS = raw.gatewayResponsesHaveCORS
        guard let mo = Int(raw.maxOpen), mo >= 1, mo <= 4096 else {
            throw UsageError("--max-open must be a whole number from 1 to 4096, not '\(raw.maxOpen)'")
        }
        maxOpen = mo

        since = try raw.since.map { (s: String) throws(UsageError) -> Int64 in try Self.time(s, "--since") }
        until = try raw.until.map { (s: String) throws(UsageError) -> Int64 in try Self.time(s, "--until") }
        if let a = since, let b = until, a >= b { throw UsageError("--since must be before --until") }

        guard let f = StdoutFormat(rawValue: raw.format) else {
            throw UsageError("--format must be text, json or csv, not '\(raw.format)'")
        }
        stdoutFormat = f

        failOn = []
        if let spec = raw.failOn {
            for part in spec.split(separator: ",").map({ $0.trimmingSpaces }) where !part.isEmpty {
                if part == "any" {
                    failOn.formUnion(FailureClass.allCases)
                } else if let c = FailureClass(rawValue: part) {
                    failOn.insert(c)
                } else {
                    throw UsageError("--fail-on: unknown class '\(part)' (classes: \(FailureClass.allCases.map(\.rawValue).joined(separator: ", ")), or any)")
                }
            }
            if failOn.isEmpty { throw UsageError("--fail-on needs a class list or 'any'") }
        }
        promPath = raw.prom

        if let n = raw.now {
            generated = try Self.time(n, "--now")
        } else if let e = Platform.environment("SOURCE_DATE_EPOCH"), let secs = Int64(e), secs >= 0,
                  secs < Timestamp.maxMillis / 1000 {  // beyond year 9999 (or Int64 ms): ignored, not a trap
            generated = secs * 1000
        } else {
            generated = Platform.nowMillis()
        }
        quiet = raw.quiet
        progress = !raw.noProgress && !raw.quiet && Platform.isTerminal(2)
        color = Platform.environment("NO_COLOR").map { $0.isEmpty } ?? true
        color = color && Platform.isTerminal(1)
    }

    static func seconds(_ s: String, _ name: String, min: Double) throws(UsageError) -> Int64 {
        guard let v = Double(s), v.isFinite, v >= min, v <= 86_400 * 366 else {
            throw UsageError("\(name) must be a number of seconds, not '\(s)'")
        }
        return Int64((v * 1000).rounded())
    }

    static func time(_ s: String, _ name: String) throws(UsageError) -> Int64 {
        guard let t = Timestamp.parse(s) else {
            throw UsageError("\(name) must be an ISO 8601 time such as 2026-11-21T09:00:00Z, not '\(s)'")
        }
        return t
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
