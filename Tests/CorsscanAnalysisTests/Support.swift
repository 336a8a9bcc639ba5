import CorsscanCore
@testable import CorsscanAnalysis

let t0: Int64 = 1_795_254_312_000  // 2026-11-21T09:45:12Z
let chromeUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
let firefoxUA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

/// Builds gateway records line by line for one input.
struct RecordScript {
    var input: Int32 = 0
    var line: Int64 = 0
    var records: [AccessRecord] = []

    mutating func add(_ ms: Int64, _ method: HTTPMethod, _ path: String, _ status: UInt16,
                      ip: String = "203.0.113.25", ua: String = chromeUA, errorType: String? = nil,
                      pathField: AccessRecord.Field = .resourcePath, length: Int32 = -1, rawPath: String? = nil,
                      requestId: String? = nil) {
        line += 1
        var f: [AccessRecord.Field: String] = [.sourceIP: ip, .userAgent: ua, pathField: path,
                                               .requestId: requestId ?? "req-\(input)-\(line)"]
        if let e = errorType { f[.errorType] = e }
        if let r = rawPath { f[.path] = r }
        records.append(AccessRecord(time: t0 + ms, method: method, status: status,
                                    location: SourceLocation(input: input, line: line), fields: f,
                                    responseLength: length))
    }
}

/// Runs records (already in time order) through a correlator.
func correlate(_ records: [AccessRecord], options: AnalysisOptions = AnalysisOptions(),
               reports: [BrowserReport] = []) -> (Correlator, [Incident]) {
    let c = Correlator(options: options, browserReports: reports, inputPaths: ["gw.log", "browser.log"])
    for r in records { c.add(r) }
    c.finish()
    return (c, c.joinedIncidents().incidents.sorted(by: Incident.reportOrder))
}

/// A source over an array, recording whether it was opened/closed.
final class ArraySource: RecordSource {
    var records: [AccessRecord]
    var i = 0
    let onClose: () -> Void
    init(_ records: [AccessRecord], onClose: @escaping () -> Void = {}) {
        self.records = records
        self.onClose = onClose
    }
    func next() -> AccessRecord? {
        guard i < records.count else { return nil }
        defer { i += 1 }
        return records[i]
    }
    func close() { onClose() }
}
