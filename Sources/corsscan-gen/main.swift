import CorsscanCore
import CorsscanGenerator
#if canImport(Glibc)
import Glibc
#endif

let usage = """
usage: corsscan-gen [options]
  --seed N               PRNG seed (default 1); same seed → byte-identical output
  --lines N              access-log lines across all files (default 10000)
  --out DIR              output directory (default corsscan-gen-out)
  --truth-out DIR        where ground-truth.csv/-summary.json go (default: --out)
  --formats LIST         comma list of: \(LogFormat.allCases.map(\.rawValue).joined(separator: ",")) or all
  --failure-rate R       fraction of sessions that are injected failures (default 0.01)
  --start ISO            first request time (default 2026-11-21T08:00:00Z)
  --browser-reports M    all|none|some (default some)
  --files N              number of access-log files (default: one per format; formats round-robin)
  --level N              gzip level 1-9 (default 6)
  --serial               generate files one after another
  -q                     no summary on stdout
  -h, --help
"""

func eprint(_ s: String) {
    var b = Array(s.utf8)
    b.append(0x0A)
    _ = b.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ msg: String) -> Never {
    eprint("corsscan-gen: \(msg)\n\(usage)")
    exit(2)
}

func parse(_ args: [String]) -> (GeneratorOptions, Bool) {
    var o = GeneratorOptions()
    var quiet = false
    var i = 0
    func value() -> String {
        i += 1
        guard i < args.count else { fail("\(args[i - 1]) needs a value") }
        return args[i]
    }
    while i < args.count {
        let a = args[i]
        switch a {
        case "--seed": guard let v = UInt64(value()) else { fail("bad --seed") }; o.seed = v
        case "--lines": guard let v = Int(value()), v >= 0 else { fail("bad --lines") }; o.lines = v
        case "--out": o.outDir = value()
        case "--truth-out": o.truthDir = value()
        case "--formats":
            let v = value()
            if v == "all" { o.formats = LogFormat.allCases } else {
                o.formats = v.split(separator: ",").map { s in
                    guard let f = LogFormat(rawValue: String(s)) else { fail("unknown format \(s)") }
                    return f
                }
            }
        case "--failure-rate": guard let v = Double(value()), v >= 0, v <= 1 else { fail("bad --failure-rate") }; o.failureRate = v
        case "--start": guard let v = Timestamp.parse(value()) else { fail("bad --start") }; o.start = v
        case "--browser-reports": guard let v = BrowserReportMode(rawValue: value()) else { fail("bad --browser-reports") }; o.browserReports = v
        case "--files": guard let v = Int(value()), v > 0 else { fail("bad --files") }; o.files = v
        case "--level": guard let v = Int32(value()), (1...9).contains(v) else { fail("bad --level") }; o.level = v
        case "--serial": o.parallel = false
        case "-q", "--quiet": quiet = true
        case "-h", "--help": print(usage); exit(0)
        default: fail("unknown option \(a)")
        }
        i += 1
    }
    return (o, quiet)
}

let (o, quiet) = parse(Array(CommandLine.arguments.dropFirst()))
do {
    let s = try CorsscanGenerator.run(o)
    if !quiet {
        print("wrote \(s.lines) access-log lines in \(s.accessLogFiles.count) files, \(s.browserFiles.count) browser files, \(s.truth.count) expected incidents -> \(o.outDir)")
        for (k, v) in s.byClass.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
    }
} catch {
    eprint("corsscan-gen: \(error)")
    exit(1)
}
