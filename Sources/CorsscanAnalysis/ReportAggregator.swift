import CorsscanCore

/// Turns the final incidents and the run's accounting into the read-only `RunReport` the
/// writers render: sorted incidents, summary rows, per-minute counts, top lists, samples.
public enum ReportAggregator {
    public static let samplesPerClass = 5
    public static let topCount = 10

    /// Sorts `incidents` in report order (in place) and builds the report around them.
    public static func build(incidents: inout [Incident], inputs: [InputStats], totals base: RunReport.Totals,
                             firstTime: Int64?, lastTime: Int64?, options: AnalysisOptions,
                             version: String, generated: Int64) -> RunReport {
        incidents.sort(by: Incident.reportOrder)
        var tally = IncidentTally()
        for inc in incidents { tally.add(inc) }
        return tally.build(inputs: inputs, totals: base, firstTime: firstTime, lastTime: lastTime,
                           options: options, version: version, generated: generated)
    }

    static func top(_ counts: [String: Int]) -> [RunReport.Ranked] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(topCount).map { RunReport.Ranked(label: $0.key, count: $0.value) }
    }
}

/// The aggregates of the incidents, accumulated one incident at a time in any order, so
/// incidents can be written out as they are final instead of being held until the end.
public struct IncidentTally {
    struct RowKey: Hashable { var c: FailureClass; var s: Stage; var m: String; var p: String; var o: String }
    private var rows: [RowKey: RunReport.SummaryRow] = [:]
    private var byClass: [FailureClass: Int] = [:]
    private var minutes: [Int64: [FailureClass: Int]] = [:]
    private var routes: [String: Int] = [:], origins: [String: Int] = [:], clients: [String: Int] = [:]
    /// The earliest few incidents of each class, in report order.
    private var samples: [FailureClass: [Incident]] = [:]
    public private(set) var count: Int64 = 0

    public init() {}

    public mutating func add(_ inc: Incident) {
        count += 1
        byClass[inc.failureClass, default: 0] += 1
        let k = RowKey(c: inc.failureClass, s: inc.stage, m: inc.method, p: inc.path, o: inc.origin)
        if var row = rows[k] {
            row.count += 1
            row.firstSeen = min(row.firstSeen, inc.time)
            row.lastSeen = max(row.lastSeen, inc.time)
            rows[k] = row
        } else {
            rows[k] = RunReport.SummaryRow(failureClass: inc.failureClass, stage: inc.stage, method: inc.method,
                                           path: inc.path, origin: inc.origin, count: 1,
                                           firstSeen: inc.time, lastSeen: inc.time)
        }
        let minute = inc.time - ((inc.time % 60_000) + 60_000) % 60_000
        minutes[minute, default: [:]][inc.failureClass, default: 0] += 1
        routes[(inc.method.isEmpty ? "" : inc.method + " ") + (inc.path.isEmpty ? "(unknown path)" : inc.path), default: 0] += 1
        if !inc.origin.isEmpty { origins[inc.origin, default: 0] += 1 }
        if !inc.clientIP.isEmpty || !inc.userAgent.isEmpty {
            clients[[inc.clientIP, inc.userAgent].filter { !$0.isEmpty }.joined(separator: " "), default: 0] += 1
        }
        var list = samples[inc.failureClass, default: []]
        if list.count < ReportAggregator.samplesPerClass || Incident.reportOrder(inc, list[list.count - 1]) {
            let at = list.firstIndex { Incident.reportOrder(inc, $0) } ?? list.count
            list.insert(inc, at: at)
            if list.count > ReportAggregator.samplesPerClass { list.removeLast() }
            samples[inc.failureClass] = list
        }
    }

    /// The finished report.
    public func build(inputs: [InputStats], totals base: RunReport.Totals, firstTime: Int64?, lastTime: Int64?,
                      options: AnalysisOptions, version: String, generated: Int64) -> RunReport {
        var totals = base
        totals.lines = inputs.reduce(0) { $0 + $1.lines }
        totals.records = inputs.reduce(0) { $0 + $1.records }
        totals.skipped = inputs.reduce(0) { $0 + $1.skippedTotal }
        totals.late = inputs.reduce(0) { $0 + $1.late }
        totals.incidents = count

        let sortedRows = rows.values.sorted { a, b in
            if a.failureClass != b.failureClass { return a.failureClass < b.failureClass }
            if a.stage != b.stage { return a.stage < b.stage }
            if a.method != b.method { return a.method < b.method }
            if a.path != b.path { return a.path < b.path }
            return a.origin < b.origin
        }

        var notes: [String] = []
        if totals.late > 0 {
            let one = totals.late == 1
            notes.append("\(totals.late) \(one ? "record" : "records") arrived later than --max-skew \(options.maxSkewMs / 1000) s allows inside \(one ? "its" : "their") file; \(one ? "it was" : "they were") used, but raising --max-skew would correlate \(one ? "it" : "them") in order.")
        }
        if totals.undetermined > 0 {
            notes.append(totals.undetermined == 1
                ? "1 preflight was undetermined: its \(options.windowMs / 1000) s window runs past the end of the data."
                : "\(totals.undetermined) preflights were undetermined: their \(options.windowMs / 1000) s window runs past the end of the data.")
        }
        if totals.evicted > 0 {
            notes.append("\(totals.evicted) client \(totals.evicted == 1 ? "state was" : "states were") evicted to keep memory bounded (more clients pending at once than the limit); some follow-ups may have been missed.")
        }
        let errored = inputs.filter { $0.error != nil }.count
        if errored > 0 {
            notes.append("\(errored) input\(errored == 1 ? " was" : "s were") unreadable or corrupt; what could be read was used (see the inputs table).")
        }

        return RunReport(
            version: version, generated: generated,
            windowSeconds: Int(options.windowMs / 1000), maxSkewSeconds: Int(options.maxSkewMs / 1000),
            firstTime: firstTime, lastTime: lastTime, inputs: inputs, totals: totals, byClass: byClass,
            rows: sortedRows,
            perMinute: minutes.keys.sorted().map { RunReport.MinuteCount(minute: $0, counts: minutes[$0]!) },
            topRoutes: ReportAggregator.top(routes), topOrigins: ReportAggregator.top(origins),
            topClients: ReportAggregator.top(clients), samples: samples, notes: notes)
    }
}
