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

    /// Distinct (class, stage, method, path, origin) rows kept; incidents of further
    /// combinations are summed in one `(other)` row per class and stage.
    public static let maxRows = 50_000
    /// Distinct labels counted exactly for each top list (see `BoundedCounts`).
    public static let topLabels = 10_000

    static func top(_ counts: [String: Int]) -> [RunReport.Ranked] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(topCount).map { RunReport.Ranked(label: $0.key, count: $0.value) }
    }
}

/// Counts per label, exact up to `capacity` distinct labels. Past that, whenever the table
/// reaches twice the capacity, only the `capacity` most counted labels are kept: memory
/// stays bounded under hostile cardinality (a million client addresses) and the top few,
/// which recur, survive. Deterministic for a given order of `add` calls.
struct BoundedCounts {
    let capacity: Int
    private(set) var counts: [String: Int] = [:]
    /// Whether labels were dropped (the counts are then lower bounds).
    private(set) var pruned = false

    init(capacity: Int) { self.capacity = capacity }

    mutating func add(_ label: String) {
        counts[label, default: 0] += 1
        guard counts.count >= 2 * capacity else { return }
        let keep = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(capacity)
        counts = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        pruned = true
    }
}

/// The aggregates of the incidents, accumulated one incident at a time in any order, so
/// incidents can be written out as they are final instead of being held until the end.
public struct IncidentTally {
    struct RowKey: Hashable { var c: FailureClass; var s: Stage; var m: String; var p: String; var o: String }
    private var rows: [RowKey: RunReport.SummaryRow] = [:]
    private var byClass: [FailureClass: Int] = [:]
    private var minutes: [Int64: [FailureClass: Int]] = [:]
    private var routes = BoundedCounts(capacity: ReportAggregator.topLabels)
    private var origins = BoundedCounts(capacity: ReportAggregator.topLabels)
    private var clients = BoundedCounts(capacity: ReportAggregator.topLabels)
    /// Incidents summed in `(other)` rows because `maxRows` combinations were already kept.
    private var foldedIncidents: Int64 = 0
    /// The earliest few incidents of each class, in report order.
    private var samples: [FailureClass: [Incident]] = [:]
    public private(set) var count: Int64 = 0

    public init() {}

    public mutating func add(_ inc: Incident) {
        count += 1
        byClass[inc.failureClass, default: 0] += 1
        var k = RowKey(c: inc.failureClass, s: inc.stage, m: inc.method, p: inc.path, o: inc.origin)
        if rows.count >= ReportAggregator.maxRows && rows[k] == nil {
            k = RowKey(c: inc.failureClass, s: inc.stage, m: "", p: "(other)", o: "(other)")
            foldedIncidents += 1
        }
        if var row = rows[k] {
            row.count += 1
            row.firstSeen = min(row.firstSeen, inc.time)
            row.lastSeen = max(row.lastSeen, inc.time)
            rows[k] = row
        } else {
            rows[k] = RunReport.SummaryRow(failureClass: inc.failureClass, stage: inc.stage, method: k.m,
                                           path: k.p, origin: k.o, count: 1,
                                           firstSeen: inc.time, lastSeen: inc.time)
        }
        let minute = inc.time - ((inc.time % 60_000) + 60_000) % 60_000
        minutes[minute, default: [:]][inc.failureClass, default: 0] += 1
        routes.add((inc.method.isEmpty ? "" : inc.method + " ") + (inc.path.isEmpty ? "(unknown path)" : inc.path))
        if !inc.origin.isEmpty { origins.add(inc.origin) }
        if !inc.clientIP.isEmpty || !inc.userAgent.isEmpty {
            clients.add([inc.clientIP, inc.userAgent].filter { !$0.isEmpty }.joined(separator: " "))
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
            notes.append("\(totals.evicted) pending \(totals.evicted == 1 ? "preflight was" : "preflights were") evicted to keep memory bounded (more than \(options.maxPendingPreflights) waiting for a follow-up at once); their follow-ups were not matched.")
        }
        if totals.forgotten > 0 {
            notes.append("\(totals.forgotten) cross-origin \(totals.forgotten == 1 ? "client was" : "clients were") forgotten early to keep memory bounded (more than \(options.maxTrackedClients) remembered at once); gateway errors of theirs without a preflight may be missed.")
        }
        if foldedIncidents > 0 {
            notes.append("\(foldedIncidents) incident\(foldedIncidents == 1 ? " was" : "s were") summed in \"(other)\" summary rows: more than \(ReportAggregator.maxRows) distinct (class, stage, method, path, origin) combinations (incidents.csv has every incident).")
        }
        let pruned = [("routes", routes), ("origins", origins), ("clients", clients)].filter { $0.1.pruned }.map(\.0)
        if !pruned.isEmpty {
            notes.append("Top \(pruned.joined(separator: ", ")): more than \(ReportAggregator.topLabels) distinct values, so the counts shown are lower bounds.")
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
            topRoutes: ReportAggregator.top(routes.counts), topOrigins: ReportAggregator.top(origins.counts),
            topClients: ReportAggregator.top(clients.counts), samples: samples, notes: notes)
    }
}
