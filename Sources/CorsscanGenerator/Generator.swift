import CorsscanCore
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

public enum BrowserReportMode: String, Sendable {
    case all, none, some
}

public struct GeneratorOptions: Sendable {
    public var seed: UInt64 = 1
    public var lines: Int = 10_000
    public var outDir: String = "corsscan-gen-out"
    /// Where ground-truth.csv / ground-truth-summary.json go (default: outDir).
    public var truthDir: String? = nil
    public var formats: [LogFormat] = LogFormat.allCases
    public var failureRate: Double = 0.01
    public var start: Int64 = 1_795_248_000_000   // 2026-11-21T08:00:00Z
    public var browserReports: BrowserReportMode = .some
    /// Number of access-log files (formats are assigned round-robin); default = formats.count.
    public var files: Int? = nil
    public var level: Int32 = 6
    public var parallel: Bool = true
    public init() {}
}

public struct GeneratorSummary: Sendable {
    public var accessLogFiles: [String] = []
    public var browserFiles: [String] = []
    public var lines = 0
    public var truth: [TruthRow] = []
    public var byClass: [String: Int] = [:]
    public var injected: [String: Int] = [:]
    public var invisible = 0
}

final class ResultBox: @unchecked Sendable {
    var results: [FileResult]
    init(_ n: Int) { results = Array(repeating: FileResult(), count: n) }
}

func mkdirs(_ path: String) {
    var cur = path.hasPrefix("/") ? "" : "."
    for comp in path.split(separator: "/") {
        cur += "/" + comp
        mkdir(cur, 0o755)
    }
}

func dirname(_ p: String) -> String {
    guard let i = p.lastIndex(of: "/") else { return "." }
    return String(p[..<i])
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    mkdirs(dirname(path))
    let tmp = path + ".tmp"
    guard let f = fopen(tmp, "wb") else { throw GeneratorIOError("cannot create \(tmp)") }
    let n = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
    guard n == bytes.count, rename(tmp, path) == 0 else { throw GeneratorIOError("cannot write \(path)") }
}

func uuidString(_ a: UInt64, _ b: UInt64) -> String {
    var s = ""
    var nib: [Int] = []
    for i in 0..<16 { nib.append(Int((a >> (UInt64(i) * 4)) & 15)) }
    for i in 0..<16 { nib.append(Int((b >> (UInt64(i) * 4)) & 15)) }
    nib[12] = 4; nib[16] = 8 | (nib[16] & 3)
    let h = Array("0123456789abcdef")
    for i in 0..<32 { if [8, 12, 16, 20].contains(i) { s.append("-") }; s.append(h[nib[i]]) }
    return s
}

/// Relative path of access-log file `i` of a format, shaped like the real delivery.
func accessLogPath(_ f: LogFormat, _ i: Int, seed: UInt64, start: Int64) -> String {
    let nn = i < 10 ? "0\(i)" : "\(i)"
    switch f {
    case .cloudwatch:
        let task = uuidString(mix64(seed, 900 + UInt64(i)), mix64(seed, 901 + UInt64(i)))
        var stream = ""
        var h = mix64(seed, 902 + UInt64(i))
        for _ in 0..<32 { stream.append(Array("0123456789abcdef")[Int(h & 15)]); h >>= 4; if h == 0 { h = mix64(seed, 903) } }
        return "cloudwatch-export/\(task)/\(stream)/000000.gz"
    case .firehose:
        let c = Timestamp.civil(start + 46 * 60_000 + Int64(i) * 1000)
        func p(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let u = uuidString(mix64(seed, 950 + UInt64(i)), mix64(seed, 951 + UInt64(i)))
        return "firehose/\(c.year)/\(p(c.month))/\(p(c.day))/\(p(c.hour))/orders-http-logs-1-\(c.year)-\(p(c.month))-\(p(c.day))-\(p(c.hour))-\(p(c.minute))-\(p(c.second))-\(u)"
    default:
        return "access-logs/\(f.rawValue)-\(nn).log.gz"
    }
}

public func csvCell(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
    return s
}

public enum CorsscanGenerator {
    public static func run(_ o: GeneratorOptions) throws -> GeneratorSummary {
        let formats = o.formats.isEmpty ? LogFormat.allCases : o.formats
        let nFiles = max(1, o.files ?? formats.count)
        mkdirs(o.outDir)
        var jobs: [FileJob] = []
        for i in 0..<nFiles {
            let f = formats[i % formats.count]
            let lines = o.lines / nFiles + (i < o.lines % nFiles ? 1 : 0)
            let rel = accessLogPath(f, i, seed: o.seed, start: o.start)
            jobs.append(FileJob(format: f, index: i, path: o.outDir + "/" + rel, lines: lines, seed: o.seed,
                                start: o.start, failureRate: o.failureRate, reports: o.browserReports, level: o.level))
        }
        let box = ResultBox(jobs.count)
        let jobList = jobs
        let work: @Sendable (Int) -> Void = { i in
            let job = jobList[i]
            mkdirs(dirname(job.path))
            do {
                let sink = try makeGzipSink(path: job.path, level: job.level)
                let g = FileGenerator(job: job, sink: sink)
                box.results[i] = try g.run()
            } catch {
                var r = FileResult(); r.error = "\(job.path): \(error)"; box.results[i] = r
            }
        }
        if o.parallel && jobs.count > 1 {
            DispatchQueue.concurrentPerform(iterations: jobs.count, execute: work)
        } else {
            for i in 0..<jobs.count { work(i) }
        }
        var s = GeneratorSummary()
        var evidence: [BrowserEvidence] = []
        for (i, r) in box.results.enumerated() {
            if let e = r.error { throw GeneratorIOError(e) }
            s.accessLogFiles.append(jobs[i].path)
            s.lines += r.lines
            s.truth += r.truth
            evidence += r.evidence
            for (k, v) in r.injected { s.injected[k, default: 0] += v }
            s.invisible += r.invisible
        }
        s.truth.sort { $0.time != $1.time ? $0.time < $1.time : $0.requestId < $1.requestId }
        evidence.sort { $0.reportTime != $1.reportTime ? $0.reportTime < $1.reportTime : $0.order < $1.order }
        for t in s.truth { s.byClass[t.cls.rawValue, default: 0] += 1 }

        if formats.contains(.custom) { try writeFile(o.outDir + "/custom.format", Array((customTemplate + "\n").utf8)) }
        for (rel, bytes) in renderBrowserFiles(evidence, runStart: o.start) {
            try writeFile(o.outDir + "/" + rel, bytes)
            s.browserFiles.append(o.outDir + "/" + rel)
        }
        let tdir = o.truthDir ?? o.outDir
        mkdirs(tdir)
        var csv = "time,class,stage,method,path,client_ip,user_agent,request_id,source_format\n"
        for t in s.truth {
            csv += [isoString(t.time), t.cls.rawValue, t.stage.rawValue, t.method, t.path, t.clientIP, t.userAgent,
                    t.requestId, t.sourceFormat].map(csvCell).joined(separator: ",") + "\n"
        }
        try writeFile(tdir + "/ground-truth.csv", Array(csv.utf8))
        try writeFile(tdir + "/ground-truth-summary.json", Array(summaryJSON(s, o, formats: formats, files: nFiles).utf8))
        return s
    }

    static func summaryJSON(_ s: GeneratorSummary, _ o: GeneratorOptions, formats: [LogFormat], files: Int) -> String {
        var j = JSONOut()
        j.raw("{\n  \"schema\": 1,\n  \"seed\": \(o.seed),\n  \"lines\": \(s.lines),\n  \"files\": \(files),\n  \"formats\": [")
        for (i, f) in formats.enumerated() { if i > 0 { j.raw(", ") }; j.str(f.rawValue) }
        j.raw("],\n  \"failure_rate\": \(o.failureRate),\n  \"browser_reports\": "); j.str(o.browserReports.rawValue)
        j.raw(",\n  \"start\": "); j.str(isoString(o.start))
        j.raw(",\n  \"incidents\": \(s.truth.count),\n  \"by_class\": {")
        var first = true
        for c in FailureClass.allCases {
            j.raw(first ? "\n    " : ",\n    "); first = false
            j.str(c.rawValue); j.raw(": \(s.byClass[c.rawValue] ?? 0)")
        }
        j.raw("\n  },\n  \"by_stage\": {")
        j.raw("\"preflight\": \(s.truth.filter { $0.stage == .preflight }.count), \"response\": \(s.truth.filter { $0.stage == .response }.count)}")
        j.raw(",\n  \"injected\": {")
        first = true
        for k in s.injected.keys.sorted() {
            j.raw(first ? "\n    " : ",\n    "); first = false
            j.str(k); j.raw(": \(s.injected[k]!)")
        }
        j.raw("\n  },\n  \"injected_total\": \(s.injected.values.reduce(0, +)),\n  \"invisible_without_browser_report\": \(s.invisible)\n}\n")
        return String(decoding: j.b, as: UTF8.self)
    }
}
