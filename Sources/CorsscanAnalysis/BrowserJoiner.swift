import CorsscanCore

/// Joins browser-side reports to the gateway records of the same request (SPEC
/// "Correlation") and lets the joined evidence decide the class.
///
/// Reports are sorted by time; as time-ordered gateway records stream past, each record is
/// compared with the reports whose join window covers it (usually none, so the common
/// case costs two comparisons). A report keeps its closest few candidates; `resolve`
/// picks among them once every gateway incident is known.
///
/// A record is a candidate for a report when: the request ids match (exact join), or the
/// client ip (when the report has one), user agent and origin (when both sides have them)
/// agree, the URL path matches the record's path or template (stage prefix allowed), the
/// method fits the report's stage (an OPTIONS record for a preflight failure, the named
/// method for a response failure), and the record time lies within
/// `[report - window - clockSkew, report + clockSkew]`.
final class BrowserJoiner {
    let options: AnalysisOptions
    let inputPaths: [String]
    private(set) var reports: [BrowserReport]
    private var urlPaths: [String]
    private var candidates: [[Candidate]]
    /// Reports with a request id, by the id's hash (looked up without allocating).
    private var byRequestId: [UInt64: [Int]] = [:]
    /// Sliding window over `reports` (time-sorted, timed ones first).
    private var lo = 0, hi = 0
    private let timedCount: Int

    static let maxCandidates = 6
    /// The most reports one gateway record is compared with (nearest in time first).
    static let maxScan = 128

    /// What a report needs to know about a candidate gateway record.
    struct Candidate {
        var distance: Int64
        var location: SourceLocation
        var isOptions: Bool
        var record: AccessRecord
    }

    init(reports: [BrowserReport], options: AnalysisOptions, inputPaths: [String]) {
        self.options = options
        self.inputPaths = inputPaths
        let sorted = reports.sorted { a, b in
            switch (a.time, b.time) {
            case let (x?, y?): return x != y ? x < y : a.location < b.location
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return a.location < b.location
            }
        }
        self.reports = sorted
        self.urlPaths = sorted.map { $0.url.map(PathMatching.urlPath) ?? "" }
        self.candidates = Array(repeating: [], count: sorted.count)
        self.timedCount = sorted.firstIndex { $0.time == nil } ?? sorted.count
        for (i, r) in sorted.enumerated() {
            if let id = r.requestId, !id.isEmpty { byRequestId[ByteHash.of(id.utf8), default: []].append(i) }
        }
    }

    /// Considers one gateway record (records arrive in time order).
    func offer(_ r: AccessRecord) {
        assert(r.hasFields, "a fieldless record offered to the browser joiner")
        if !byRequestId.isEmpty {
            for field in [AccessRecord.Field.requestId, .extendedRequestId] where r.has(field) {
                let hash = r.withStorage { ByteHash.of(UnsafeBufferPointer(rebasing: $0[r.range(field)])) }
                if let ids = byRequestId[hash] {
                    for i in ids where reports[i].requestId == r.string(field) { consider(i, r, distance: -1) }
                }
            }
        }
        // Reports whose window covers r.time: report.time - window - skew - latency <= r.time
        // <= report.time + skew (browsers report when the response arrives).
        let early = options.clockSkewMs
        let late = options.windowMs + options.clockSkewMs + Self.maxLatencyMs
        while hi < timedCount, reports[hi].time! - late <= r.time { hi += 1 }
        while lo < hi, reports[lo].time! + early < r.time { lo += 1 }
        guard lo < hi else { return }
        let responseAt = r.time + Self.latency(r)
        // Every record against every report in its window is quadratic when both are dense
        // (10k beacon reports and 10k requests in one window took many minutes): look at
        // no more than `maxScan` reports, those nearest in time (the best candidates anyway).
        // Browsers report when the response arrives: for a slow request (a 29 s timeout) the
        // nearest reports are those around its response, so look around both times.
        var scanned: [Range<Int>] = [scanRange(around: r.time)]
        if responseAt != r.time { scanned.append(scanRange(around: responseAt)) }
        let penalty = PathMatching.hasPath(r) ? 0 : Self.pathlessPenaltyMs
        for (k, range) in scanned.enumerated() {
            for i in range where (k == 0 || !scanned[0].contains(i)) && matches(i, r) {
                let t = reports[i].time!
                guard t - responseAt <= options.windowMs + options.clockSkewMs else { continue }
                consider(i, r, distance: Self.distance(t, r, responseAt: responseAt) + penalty)
            }
        }
    }

    /// The reports of the current window to compare with a record: all of them, or the
    /// `maxScan` nearest to `time` when there are more.
    private func scanRange(around time: Int64) -> Range<Int> {
        guard hi - lo > Self.maxScan else { return lo..<hi }
        var a = lo, b = hi
        while a < b {
            let m = (a + b) / 2
            if reports[m].time! < time { a = m + 1 } else { b = m }
        }
        let from = max(lo, min(a - Self.maxScan / 2, hi - Self.maxScan))
        return from..<(from + Self.maxScan)
    }

    private func matches(_ i: Int, _ r: AccessRecord) -> Bool {
        let rep = reports[i]
        if let ip = rep.clientIP, !ip.isEmpty, let rip = r.string(.sourceIP), rip != ip { return false }
        if let ua = rep.userAgent, !ua.isEmpty, let rua = r.string(.userAgent), rua != ua { return false }
        if let o = rep.pageOrigin, !o.isEmpty, let ro = r.string(.origin), ro != o { return false }
        switch rep.stage {
        case .preflight?:
            if r.method != .options { return false }
        case .response?:
            // Firefox words a failed preflight like a response failure ("CORS header
            // 'Access-Control-Allow-Origin' missing. Status code: 403"), so a rejected
            // OPTIONS is a candidate for such reports too.
            if r.method == .options {
                guard r.status >= 400, rep.failureClass == .missingAllowOrigin || rep.failureClass == .unknown else { return false }
            } else if let m = rep.method, !m.isEmpty, HTTPMethod(m) != r.method {
                return false
            }
        case nil:
            if r.method != .options, let m = rep.method, !m.isEmpty, HTTPMethod(m) != r.method { return false }
        }
        // The status the browser saw is the status the gateway sent; a redirect failure
        // happened on a 3xx.
        if let st = rep.status, st > 0, r.status != 0, Int(r.status) != st { return false }
        if rep.failureClass == .redirectNotAllowed, r.status != 0, !(300..<400).contains(r.status) { return false }
        let p = urlPaths[i]
        // A record without any path (REST MISSING_AUTHENTICATION_TOKEN logs resourcePath
        // "-") may be the one; `offer` ranks it below records whose path matches.
        return p.isEmpty || !PathMatching.hasPath(r) || PathMatching.urlPath(p, matches: r)
    }

    /// Added to the time distance of a candidate that matched only because it has no path.
    static let pathlessPenaltyMs: Int64 = 3_600_000

    /// Time distance between a report and a record; a record with one-second resolution
    /// stands for its whole second.
    static func distance(_ t: Int64, _ r: AccessRecord, responseAt: Int64) -> Int64 {
        let lo = r.time, hi = responseAt + (r.timeInSeconds ? 999 : 0)
        if t < lo { return lo - t }
        return max(0, t - hi)
    }

    /// The longest a request can take at API Gateway (REST integration timeout 29 s,
    /// HTTP API 30 s), which is how late a browser may report its failure.
    static let maxLatencyMs: Int64 = 30_000

    /// How long the request took: logged latency, else the integration timeout for a
    /// gateway timeout status, else nothing known.
    static func latency(_ r: AccessRecord) -> Int64 {
        if r.latencyMs >= 0 { return Int64(r.latencyMs) }
        switch r.status {
        case 504: return 29_000
        case 503: return 30_000
        default: return 0
        }
    }

    /// How many reports hold each record location among their candidates.
    private var candidateRefs: [SourceLocation: Int] = [:]

    /// Whether a gateway record may still be joined by a report (its incident must be kept).
    func isCandidate(_ location: SourceLocation) -> Bool { candidateRefs[location] != nil }

    private func consider(_ i: Int, _ r: AccessRecord, distance: Int64) {
        var list = candidates[i]
        if list.contains(where: { $0.location == r.location }) { return }
        list.append(Candidate(distance: distance, location: r.location, isOptions: r.method == .options, record: r))
        candidateRefs[r.location, default: 0] += 1
        list.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.location < $1.location }
        if list.count > Self.maxCandidates {
            let dropped = list.removeLast().location
            if let n = candidateRefs[dropped] { candidateRefs[dropped] = n > 1 ? n - 1 : nil }
        }
        candidates[i] = list
    }

    private func sourceText(_ loc: SourceLocation) -> String {
        let i = Int(loc.input)
        return "\(inputPaths.indices.contains(i) ? inputPaths[i] : "#\(i)"):\(loc.line)"
    }

    /// Merges browser evidence into the gateway incidents: one incident per failed request.
    func resolve(gatewayIncidents: [Incident], runStart gatewayStart: Int64?) -> (incidents: [Incident], joined: Int64) {
        let runStart = gatewayStart ?? reports.first?.time
        var result = gatewayIncidents
        var byLocation: [SourceLocation: Int] = [:]
        for (i, inc) in result.enumerated() { byLocation[inc.source] = i }
        var joinedCount: Int64 = 0
        var unjoined: [Incident] = [], untimed: [Incident] = []
        let affinity = hostAffinity()

        for (i, rep) in reports.enumerated() {
            var cands = candidates[i]
            // Equally close candidates from different inputs (two APIs with the same routes):
            // prefer the input this URL host's unambiguous reports joined to.
            if cands.count > 1, cands[0].distance == cands[1].distance, let host = Self.host(rep.url),
               let votes = affinity[host] {
                let tied = cands.filter { $0.distance == cands[0].distance }
                if let best = tied.max(by: { votes[$0.location.input, default: 0] < votes[$1.location.input, default: 0] }) {
                    cands.removeAll { $0.location == best.location }
                    cands.insert(best, at: 0)
                }
            }
            // Prefer a candidate that already carries a gateway incident of a compatible stage.
            let best = cands.first?.distance ?? 0
            let withIncident = cands.first { c in
                guard c.distance <= best + options.clockSkewMs, let idx = byLocation[c.location] else { return false }
                // Gateway-generated errors read as "missing Allow-Origin" at either stage.
                return rep.stage == nil || result[idx].stage == rep.stage
                    || result[idx].failureClass == .gatewayErrorMasked
                    || result[idx].failureClass == .preflightRejected
            }
            guard let chosen = withIncident ?? cands.first else {
                if rep.time == nil {
                    untimed.append(standalone(rep, runStart: runStart))
                } else {
                    unjoined.append(standalone(rep, runStart: runStart))
                }
                continue
            }
            joinedCount += 1
            let browserNote = "browser: \(rep.detail.isEmpty ? rep.failureClass.rawValue : rep.detail) (\(sourceText(rep.location)))"
            if let idx = byLocation[chosen.location] {
                var inc = result[idx]
                let decided = decide(rep, gateway: inc.failureClass, record: chosen.record)
                if inc.failureClass == .blockedAfterPreflight, decided.failureClass != .blockedAfterPreflight {
                    // The browser named the cause: the gateway's list of likely causes is moot.
                    inc.evidence = "OPTIONS answered \(inc.status.map(String.init) ?? "OK"), no request followed"
                }
                if decided.failureClass != inc.failureClass || inc.confidence == .inferred {
                    // Keep the most specific browser verdict when several reports join.
                    if !(inc.confidence == .confirmed && decided.failureClass == .unknown) {
                        inc.failureClass = decided.failureClass
                        inc.stage = decided.stage
                    }
                    if decided.confidence == .confirmed { inc.confidence = .confirmed }
                }
                if inc.origin.isEmpty, let o = rep.pageOrigin { inc.origin = o }
                if !inc.evidence.contains(browserNote) { inc.evidence += " | " + browserNote }
                result[idx] = inc
            } else {
                let decided = decide(rep, gateway: nil, record: chosen.record)
                var inc = Correlator.incident(
                    from: chosen.record, decided.failureClass, decided.stage, decided.confidence,
                    evidence: browserNote,
                    followupStatus: chosen.isOptions || chosen.record.status == 0 ? nil : Int(chosen.record.status),
                    gatewayError: decided.failureClass == .gatewayErrorMasked ? GatewayCauses.errorType(chosen.record)?.type : nil)
                if inc.origin.isEmpty, let o = rep.pageOrigin { inc.origin = o }
                byLocation[inc.source] = result.count
                result.append(inc)
            }
        }
        // Reports with a time that describe one failure from several sources merge; untimed
        // ones cannot be told apart and stay separate.
        result.append(contentsOf: Self.mergeDuplicates(unjoined, within: options.clockSkewMs))
        result.append(contentsOf: untimed)
        return (result, joinedCount)
    }

    /// For each URL host, how many reports joined unambiguously (one candidate, or one
    /// strictly closest) to each input.
    private func hostAffinity() -> [String: [Int32: Int]] {
        var votes: [String: [Int32: Int]] = [:]
        for (i, rep) in reports.enumerated() {
            let c = candidates[i]
            guard let first = c.first, c.count == 1 || c[1].distance > first.distance,
                  let host = Self.host(rep.url) else { continue }
            votes[host, default: [:]][first.location.input, default: 0] += 1
        }
        return votes
    }

    /// The host of a URL (`https://api.example.com/x` → `api.example.com`).
    static func host(_ url: String?) -> String? {
        guard let url, let r = url.firstRange(of: "://") else { return nil }
        let rest = url[r.upperBound...]
        let h = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return h.isEmpty ? nil : String(h)
    }

    /// The class joined evidence decides (SPEC "Correlation").
    private func decide(_ rep: BrowserReport, gateway: FailureClass?, record r: AccessRecord)
        -> (failureClass: FailureClass, stage: Stage, confidence: Confidence)
    {
        let browserNamedCause = rep.failureClass != .unknown
        switch gateway {
        case .preflightRejected?, .redirectNotAllowed?:
            return (gateway!, .preflight, .confirmed)
        case .gatewayErrorMasked?:
            return (.gatewayErrorMasked, .response, .confirmed)
        case .blockedAfterPreflight?:
            if browserNamedCause { return (rep.failureClass, rep.stage ?? .preflight, .confirmed) }
            return (.blockedAfterPreflight, .preflight, .inferred)
        default:
            break
        }
        if r.method == .options, r.status >= 400 { return (.preflightRejected, .preflight, .confirmed) }
        if r.method != .options, r.status >= 400, !options.gatewayResponsesHaveCORS,
           GatewayCauses.errorType(r) != nil,
           rep.failureClass == .missingAllowOrigin || rep.failureClass == .unknown {
            return (.gatewayErrorMasked, .response, .confirmed)
        }
        let stage = rep.stage ?? (r.method == .options ? .preflight : .response)
        return (rep.failureClass, stage, browserNamedCause ? rep.confidence : .inferred)
    }

    static let untimedNote = " (no matching gateway record; the report has no time, shown at the start of the data)"

    private func standalone(_ rep: BrowserReport, runStart: Int64?) -> Incident {
        let stage = rep.stage ?? .response
        let note = rep.time == nil ? Self.untimedNote : " (no matching gateway record)"
        return Incident(
            time: rep.time ?? runStart ?? 0, failureClass: rep.failureClass, stage: stage,
            confidence: rep.failureClass == .unknown ? .inferred : rep.confidence,
            clientIP: rep.clientIP ?? "", userAgent: rep.userAgent ?? "", origin: rep.pageOrigin ?? "",
            method: stage == .preflight ? "OPTIONS" : (rep.method ?? ""),
            path: rep.url.map(PathMatching.urlPath) ?? "", status: rep.status, gatewayError: "",
            requestId: rep.requestId ?? "", followupStatus: nil, source: rep.location,
            evidence: (rep.detail.isEmpty ? rep.raw : rep.detail) + note)
    }

    /// Several sources (console, CDP, HAR) describing one unjoined failure become one incident.
    static func mergeDuplicates(_ list: [Incident], within skew: Int64) -> [Incident] {
        let sorted = list.sorted(by: Incident.reportOrder)
        var out: [Incident] = []
        for inc in sorted {
            if let j = out.indices.reversed().prefix(8).first(where: { k in
                let o = out[k]
                return o.path == inc.path && abs(o.time - inc.time) <= skew
                    && (o.method == inc.method || o.method.isEmpty || inc.method.isEmpty)
                    && (o.failureClass == inc.failureClass || o.failureClass == .unknown || inc.failureClass == .unknown)
                    && (o.clientIP.isEmpty || inc.clientIP.isEmpty || o.clientIP == inc.clientIP)
            }) {
                var o = out[j]
                if o.failureClass == .unknown && inc.failureClass != .unknown {
                    o.failureClass = inc.failureClass
                    o.stage = inc.stage
                    o.confidence = inc.confidence
                }
                if o.status == nil { o.status = inc.status }
                if o.origin.isEmpty { o.origin = inc.origin }
                if o.requestId.isEmpty { o.requestId = inc.requestId }
                if o.clientIP.isEmpty { o.clientIP = inc.clientIP }
                if o.userAgent.isEmpty { o.userAgent = inc.userAgent }
                out[j] = o
            } else {
                out.append(inc)
            }
        }
        return out
    }
}
