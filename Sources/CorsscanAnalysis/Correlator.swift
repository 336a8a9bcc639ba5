import CorsscanCore

/// Pairs each preflight with its follow-up and classifies what the gateway alone can prove
/// (SPEC "Correlation"; confidence `inferred`).
///
/// Feed records in time order (`RecordMerger` provides it); slightly late records are
/// still used with their own time. State is kept only for clients with a pending
/// preflight or a recent one, bounded by `AnalysisOptions.maxPendingPreflights` and
/// `maxTrackedClients`.
///
/// - A client is source ip + user agent (+ origin when logged).
/// - `OPTIONS` answered 4xx/5xx → `preflight-rejected`; 3xx → `redirect-not-allowed`.
/// - `OPTIONS` 2xx (or no status logged) opens a pending preflight for (client, path);
///   the client's next non-OPTIONS request to that path within the window follows it. A
///   newer preflight for the same key replaces the pending one (browsers retry).
/// - No follow-up within the window → `blocked-after-preflight`; a window that runs past
///   the end of the data → undetermined (counted, not an incident).
/// - A follow-up, or any request of a client that preflighted that path recently, answered
///   by a gateway-generated error → `gateway-error-masked`, unless the user said the
///   gateway responses carry CORS headers.
public final class Correlator {
    public let options: AnalysisOptions
    /// Counters for `totals` (lines/records/skipped are the pipeline's).
    public private(set) var totals = RunReport.Totals()
    /// Gateway-side incidents still held, in the order they were decided (see `drain`).
    public private(set) var incidents: [Incident] = []
    /// Stable ids of `incidents` (for retraction), parallel to it.
    private var incidentIds: [Int] = []
    private var nextIncidentId = 0
    /// Incidents handed to `drain` so far.
    public private(set) var drainedCount: Int64 = 0

    /// Receives, in report order, incidents whose verdict can no longer change and that no
    /// browser report can join, so they need not be held until the end of the run. When
    /// nil every incident stays in `incidents`.
    ///
    /// Batches are handed over as the data's time passes the window, the late-record
    /// horizon and the skew; every batch comes after the previous one in report order.
    /// Incidents found later for older times (records later than `--max-skew`) stay held.
    public var drain: (([Incident]) -> Void)?
    /// Everything before this time has been drained.
    private var drainedBefore: Int64 = .min
    private var nextDrainCheck: Int64 = .min
    public private(set) var firstTime: Int64?
    public private(set) var lastTime: Int64?

    /// Optional browser-evidence joiner offered every record.
    let joiner: BrowserJoiner?

    private struct Pending {
        var record: AccessRecord
        var serial: UInt64
        var deadline: Int64
    }
    private var pending = HashedKeyMap<Pending>()
    private var expiry = RingQueue<(deadline: Int64, key: UInt64, serial: UInt64)>()
    /// Client → time of its latest preflight (any path).
    private var corsClients = HashedKeyMap<Int64>()
    private var corsExpiry = RingQueue<(time: Int64, key: UInt64)>()
    private var serial: UInt64 = 0
    private var now: Int64 = .min
    /// Preflights recently declared blocked, by key: API Gateway writes a record when the
    /// response is sent, so the follow-up of a preflight may show up long after it (a 29 s
    /// integration timeout). Such a late follow-up retracts the `blocked-after-preflight`.
    private var recentlyBlocked = HashedKeyMap<(incident: Int, preflight: AccessRecord)>()
    private var blockedExpiry = RingQueue<(until: Int64, key: UInt64, incident: Int)>()
    private var retracted: Set<Int> = []
    /// Requests logged with one-second times that found no preflight, for one second: a
    /// preflight of the same second in another file may be merged after its follow-up.
    private var unclaimed = HashedKeyMap<(record: AccessRecord, reported: Bool)>()
    private var unclaimedExpiry = RingQueue<(until: Int64, key: UInt64, serial: UInt64)>()

    public init(options: AnalysisOptions = AnalysisOptions(), browserReports: [BrowserReport] = [],
                inputPaths: [String] = []) {
        self.options = options
        self.recentRecords = RecentRecords(capacity: max(1, options.maxRecentRequestIds))
        self.joiner = browserReports.isEmpty ? nil
            : BrowserJoiner(reports: browserReports, options: options, inputPaths: inputPaths)
    }

    /// The last `maxRecentRequestIds` records with a request id (a hash of the id, time,
    /// method, status, client and path each).
    private var recentRecords: RecentRecords
    /// Records dropped as repeats of an earlier record with the same request id, per input,
    /// with the first few line numbers (the pipeline counts them as skipped `duplicate`).
    public private(set) var duplicates: [Int32: (count: Int64, lines: [Int64])] = [:]

    /// When set, every record the correlator is done with is kept for `handOffReleased`
    /// instead of being released here — at once when it keeps nothing of it, later when it
    /// lets go of one it held (a claimed, replaced or expired preflight, a one-second request
    /// whose second is over) — so the pipeline can free it on the thread that allocated it.
    public var collectsReleased = false
    private var releasedRecords: [AccessRecord] = []

    /// Calls `body` with each record let go of since the last call (see `collectsReleased`).
    @inline(__always)
    public func handOffReleased(_ body: (consuming AccessRecord) -> Void) {
        guard !releasedRecords.isEmpty else { return }
        while let r = releasedRecords.popLast() { body(r) }
    }

    @inline(__always)
    private func letGo(_ r: consuming AccessRecord?) {
        // A fieldless record holds no memory of its own: nothing to hand back.
        guard collectsReleased, let r = r.take(), r.hasFields else { return }
        releasedRecords.append(r)
    }

    /// Processes one gateway record, taking it: what the correlator does not keep is let go
    /// of at once (handed back when `collectsReleased`), what it keeps is moved, not copied.
    public func add(_ r: consuming AccessRecord) {
        let k = r.keys.client != 0 ? r.keys : Self.keys(of: r)
        let clientHash = k.client, key = k.path
        let anyPath = Self.key(clientHash, UnsafeBufferPointer(start: nil, count: 0))
        let hasPath = key != anyPath
        let idHash: UInt64? = k.id != 0 ? k.id : nil
        if let idHash, isDuplicate(r, idHash: idHash, key: key) {
            letGo(r)
            return
        }

        if r.time > now {
            now = r.time
            expire(before: now)
            if now >= nextDrainCheck, drain != nil { drainFinal() }
        }
        if firstTime.map({ r.time < $0 }) ?? true { firstTime = r.time }
        if lastTime.map({ r.time > $0 }) ?? true { lastTime = r.time }
        joiner?.offer(r)

        if r.method == .options {
            totals.preflights += 1
            remember(clientHash, r.time)
            switch r.status {
            case 300..<400:
                emit(r, .redirectNotAllowed, .preflight,
                     "OPTIONS answered \(r.status): browsers never follow a redirect on a preflight")
            case 400...:
                let type = GatewayCauses.errorType(r)?.type
                emit(r, .preflightRejected, .preflight, GatewayCauses.preflightRejection(r), gatewayError: type)
            default:
                if let f = claimUnclaimed(r, key: key) {
                    // Its follow-up was merged first (same second, another file); an incident
                    // it already gave (as a known cross-origin client) stands.
                    totals.followed += 1
                    if !f.reported { followedUp(f.record, after: r) }
                    letGo(f.record)
                    letGo(r)
                    return
                }
                serial += 1
                let deadline = r.time + options.windowMs + (r.timeInSeconds ? 999 : 0)
                letGo(pending.set(key, Pending(record: consume r, serial: serial, deadline: deadline), tag: serial)?.record)
                expiry.append((deadline, key, serial))
                enforceBound()
                return
            }
            letGo(r)
            return
        }

        // A follow-up? The preflight was logged with the same path, with none (a gateway-
        // answered HTTP API preflight or a greedy route), or was declared blocked too early.
        var preflight = claimPending(r, key: key)
        if preflight == nil, hasPath { preflight = claimPending(r, key: anyPath) }
        if preflight == nil, !recentlyBlocked.isEmpty {
            preflight = lateFollowUp(r, key: key)
            if preflight == nil, hasPath { preflight = lateFollowUp(r, key: anyPath) }
        }
        if let p = preflight.take() {  // moved out, not copied
            totals.followed += 1
            followedUp(r, after: p)
            letGo(consume p)
            letGo(r)
            return
        }
        // Not a follow-up: still a cross-origin caller if the client preflighted recently (a
        // page calling the API cross-origin does so for every path; simple requests and
        // cached preflights have no OPTIONS of their own).
        var reported = false
        if r.status >= 400, !options.gatewayResponsesHaveCORS,
           let t = corsClients[clientHash], r.time - t <= options.corsClientMemoryMs {
            reported = maskedIfGatewayError(r, preflightTime: nil)
        }
        if r.timeInSeconds {
            serial += 1
            let until = r.time + 1000
            letGo(unclaimed.set(key, (consume r, reported), tag: serial)?.record)
            unclaimedExpiry.append((until, key, serial))
            // Held for a preflight of the same second merged later; within the pending bound
            // (past it the oldest are let go: a same-second pair among them is not matched).
            while unclaimed.count > options.maxPendingPreflights, let e = unclaimedExpiry.first {
                unclaimedExpiry.removeFirst()
                letGo(unclaimed.removeValue(forKey: e.key, ifTag: e.serial)?.record)
            }
        } else {
            letGo(r)
        }
    }

    /// Every hash the correlator keys a record by, in one pass over its bytes: the client
    /// (ip, user agent, origin), client + correlation path (the client alone when the record
    /// has no path) and the request id (0: none). Pure, so a parsing thread can compute
    /// them ahead (`AccessRecord.keys`).
    public static func keys(of r: AccessRecord) -> RecordKeys { keys(fields: r) }

    /// The keys of the record a builder holds (the same as of the record it builds).
    public static func keys(of b: AccessRecordBuilder) -> RecordKeys { keys(fields: b) }

    /// Whether the correlator may read the text fields of a record with this method and
    /// status: it reports (and shows the fields of) preflights and error responses only.
    /// Other records may be built fieldless (`AccessRecordBuilder.build(location:keys:fieldless:)`) unless
    /// browser reports are joined (`joinsBrowserReports`), which compare every record.
    @inlinable
    public static func needsFields(method: HTTPMethod, status: UInt16) -> Bool {
        method == .options || status >= 400
    }

    /// Whether every record is offered to the browser joiner (so none may be fieldless).
    public var joinsBrowserReports: Bool { joiner != nil }

    private static func keys<F: RecordFieldBytes>(fields r: F) -> RecordKeys {
        r.withStorage { s in
            var client = ByteHash()
            client.add(UnsafeBufferPointer(rebasing: s[r.range(.sourceIP)]))
            client.add(UnsafeBufferPointer(rebasing: s[r.range(.userAgent)]))
            client.add(UnsafeBufferPointer(rebasing: s[r.range(.origin)]))
            let clientHash = client.value == 0 ? 1 : client.value  // 0: "not computed"
            let path = PathMatching.correlationPath(r, in: s)
            // An empty path gives the client-only key (`add` compares the two).
            let key = Self.key(clientHash, UnsafeBufferPointer(rebasing: s[path]))
            // The extended id is always the gateway's own (a client can choose `requestId` on REST).
            var id = r.range(.extendedRequestId)
            if id.isEmpty { id = r.range(.requestId) }
            var idHash: UInt64 = 0
            if !id.isEmpty {
                var h = ByteHash()
                h.add(UnsafeBufferPointer(rebasing: s[id]))
                idHash = h.value == 0 ? 1 : h.value
            }
            return RecordKeys(client: clientHash, path: key, id: idHash)
        }
    }

    /// Whether `r` repeats a record already seen (overlapping exports, Firehose retries): same
    /// request id, same time, method, status, client and path (`key`). A copy in another file
    /// arrives beside it (the merge orders by time); a copy later in the same file arrives late
    /// (a Firehose redelivery at the end of its object, a file concatenated twice), so the
    /// last `maxRecentRequestIds` records are remembered whatever their time.
    private func isDuplicate(_ r: AccessRecord, idHash: UInt64, key: UInt64) -> Bool {
        var h = ByteHash()
        h.add(idHash)
        h.add(UInt64(bitPattern: r.time))
        h.add(UInt64(r.method.rawValue) << 16 | UInt64(r.status))
        h.add(key)
        if recentRecords.insert(h.value, time: r.time) { return false }
        var d = duplicates[r.location.input] ?? (0, [])
        d.count += 1
        if d.lines.count < InputStats.samplesPerReason { d.lines.append(r.location.line) }
        duplicates[r.location.input] = d
        return true
    }

    /// A follow-up was found for a preflight: only a gateway-generated error is an incident.
    private func followedUp(_ r: AccessRecord, after p: AccessRecord) {
        guard r.status >= 400, !options.gatewayResponsesHaveCORS else { return }
        maskedIfGatewayError(r, preflightTime: p.time)
    }

    /// Emits `gateway-error-masked` when `r` is a gateway-generated error; returns whether it did.
    @discardableResult
    private func maskedIfGatewayError(_ r: AccessRecord, preflightTime: Int64?) -> Bool {
        guard let (type, inferredType) = GatewayCauses.errorType(r) else { return false }
        let after = preflightTime.map { " \(max(0, r.time - $0)) ms after its preflight" } ?? " (the client preflighted this path earlier)"
        let typeText = inferredType ? "likely \(type) (\(r.status) with its \(r.responseLength)-byte default body)" : type
        emit(r, .gatewayErrorMasked, .response,
             "\(r.method.text) answered \(r.status) \(typeText) by the gateway\(after); gateway responses carry no CORS headers by default, so the browser shows a CORS error instead of the \(r.status)",
             followupStatus: Int(r.status), gatewayError: type)
        return true
    }

    /// A request of the same second that was merged before this preflight.
    private func claimUnclaimed(_ p: AccessRecord, key: UInt64) -> (record: AccessRecord, reported: Bool)? {
        guard p.timeInSeconds, let u = unclaimed[key], u.record.time >= p.time, u.record.time - p.time < 1000
        else { return nil }
        unclaimed.removeValue(forKey: key)
        return u
    }

    /// A follow-up arriving after its preflight was declared blocked (the record was
    /// written late): retracts that incident and returns the preflight.
    private func lateFollowUp(_ r: AccessRecord, key k: UInt64) -> AccessRecord? {
        // Only within the horizon `drainFinal` keeps incidents for (a late preflight's
        // entry can outlive its expiry-queue slot).
        guard let b = recentlyBlocked[k], r.time >= b.preflight.time,
              r.time - b.preflight.time <= options.windowMs + (b.preflight.timeInSeconds ? 999 : 0),
              b.preflight.time >= now - options.windowMs - 999 - Self.lateHorizonMs
        else { return nil }
        recentlyBlocked.removeValue(forKey: k)
        retracted.insert(b.incident)
        return b.preflight
    }

    /// The pending preflight under `key` that `r` follows (within its window), removed.
    private func claimPending(_ r: AccessRecord, key: UInt64) -> AccessRecord? {
        // Taken out (not copied); put back in the rare case it is not this request's.
        guard !pending.isEmpty, let p = pending.removeValue(forKey: key) else { return nil }
        guard r.time >= p.record.time, r.time <= p.deadline else {
            pending.set(key, p, tag: p.serial)
            return nil
        }
        return p.record
    }

    /// How long after its window a blocked preflight can still be retracted by a late record.
    static let lateHorizonMs: Int64 = 120_000

    /// Ends the data: pending preflights whose window is over are `blocked-after-preflight`,
    /// the rest undetermined.
    public func finish() {
        let end = lastTime ?? .min
        expire(before: end)
        while !expiry.isEmpty {
            let e = expiry.removeFirst()
            guard let p = pending.removeValue(forKey: e.key, ifTag: e.serial) else { continue }
            if e.deadline < end {
                blocked(p.record, key: e.key)
            } else {
                totals.undetermined += 1
            }
        }
        if !retracted.isEmpty {
            let keep = incidentIds.map { !retracted.contains($0) }
            incidents = zip(incidents, keep).filter(\.1).map(\.0)
            incidentIds = zip(incidentIds, keep).filter(\.1).map(\.0)
            retracted.removeAll()
        }
        recentlyBlocked.removeAll()
        unclaimed.removeAll()
        totals.incidents = drainedCount + Int64(incidents.count)
    }

    /// How often (in data time) `drain` is considered.
    static let drainIntervalMs: Int64 = 30_000

    /// Hands over the incidents that are final: older than every way a verdict can still
    /// change (the window, a late follow-up within the horizon, the merge skew).
    private func drainFinal() {
        nextDrainCheck = now + Self.drainIntervalMs
        let cutoff = now - options.windowMs - 999 - Self.lateHorizonMs - options.maxSkewMs
        guard cutoff > drainedBefore, let drain else { return }
        var out: [Incident] = []
        var keptIncidents: [Incident] = [], keptIds: [Int] = []
        for (inc, id) in zip(incidents, incidentIds) {
            if retracted.remove(id) != nil { continue }
            if inc.time < cutoff, inc.time >= drainedBefore, !(joiner?.isCandidate(inc.source) ?? false) {
                out.append(inc)
            } else {
                keptIncidents.append(inc)
                keptIds.append(id)
            }
        }
        incidents = keptIncidents
        incidentIds = keptIds
        drainedBefore = cutoff
        guard !out.isEmpty else { return }
        out.sort(by: Incident.reportOrder)
        drainedCount += Int64(out.count)
        drain(out)
    }

    /// Entries held in correlation state (for tests of the memory bound).
    var stateEntries: Int {
        pending.count + expiry.count + corsClients.count + corsExpiry.count + unclaimed.count
            + unclaimedExpiry.count + recentlyBlocked.count + blockedExpiry.count
    }

    /// Incidents after joining browser evidence (call after `finish`).
    public func joinedIncidents() -> (incidents: [Incident], joined: Int64) {
        guard let joiner else { return (incidents, 0) }
        return joiner.resolve(gatewayIncidents: incidents, runStart: firstTime)
    }

    // MARK: - Internals

    static func key(_ client: UInt64, _ path: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = ByteHash()
        h.add(client)
        h.add(path)
        return h.value
    }

    private func expire(before time: Int64) {
        while let e = expiry.first, e.deadline < time {
            expiry.removeFirst()
            guard let p = pending.removeValue(forKey: e.key, ifTag: e.serial) else { continue }
            blocked(p.record, key: e.key)
        }
        while let e = blockedExpiry.first, e.until < time {
            blockedExpiry.removeFirst()
            letGo(recentlyBlocked.removeValue(forKey: e.key, ifTag: UInt64(e.incident))?.preflight)
        }
        while let e = corsExpiry.first, e.time + options.corsClientMemoryMs < time {
            corsExpiry.removeFirst()
            guard let t = corsClients[e.key] else { continue }
            if t == e.time {
                corsClients[e.key] = nil
            } else {
                corsExpiry.append((t, e.key))  // refreshed since: one entry per key, re-queued
            }
        }
        while let e = unclaimedExpiry.first, e.until < time {
            unclaimedExpiry.removeFirst()
            letGo(unclaimed.removeValue(forKey: e.key, ifTag: e.serial)?.record)
        }
    }

    private func blocked(_ r: AccessRecord, key: UInt64) {
        letGo(recentlyBlocked.set(key, (nextIncidentId, r), tag: UInt64(nextIncidentId))?.preflight)
        blockedExpiry.append((r.time + options.windowMs + Self.lateHorizonMs, key, nextIncidentId))
        emit(r, .blockedAfterPreflight, .preflight,
             "OPTIONS answered \(r.status == 0 ? "OK" : String(r.status)) but no request followed within \(options.windowMs / 1000) s: the browser refused the preflight response. Likely causes: Access-Control-Allow-Origin missing or not the page's origin, a requested header (often Authorization) missing from Access-Control-Allow-Headers, the method missing from Access-Control-Allow-Methods, or credentials with a wildcard.")
    }

    /// One expiry entry per key: a key remembered again keeps its entry, which is
    /// re-queued with the newer time when it comes due (so the queue never outgrows the map).
    private func remember(_ key: UInt64, _ time: Int64) {
        if let t = corsClients[key] {
            if time > t { corsClients[key] = time }  // a late record does not move it back
        } else {
            corsClients[key] = time
            corsExpiry.append((time, key))
            enforceBound()
        }
    }

    /// Keeps tracked state within `maxPendingPreflights` and `maxTrackedClients`, dropping
    /// the oldest pending preflights (counted in `evicted`) and the oldest cross-origin
    /// memories (counted in `forgotten`).
    private func enforceBound() {
        while pending.count > options.maxPendingPreflights, let e = expiry.first {
            expiry.removeFirst()
            if let p = pending.removeValue(forKey: e.key, ifTag: e.serial) {
                letGo(p.record)
                totals.evicted += 1
            }
        }
        while corsClients.count > options.maxTrackedClients, let e = corsExpiry.first {
            corsExpiry.removeFirst()
            if corsClients[e.key] != nil {
                corsClients[e.key] = nil
                totals.forgotten += 1
            }
        }
    }

    private func emit(_ r: AccessRecord, _ c: FailureClass, _ stage: Stage, _ evidence: String,
                      followupStatus: Int? = nil, gatewayError: String? = nil) {
        incidents.append(Self.incident(from: r, c, stage, .inferred, evidence: evidence,
                                       followupStatus: followupStatus, gatewayError: gatewayError))
        incidentIds.append(nextIncidentId)
        nextIncidentId += 1
    }

    /// An incident carrying a gateway record's fields.
    static func incident(from r: AccessRecord, _ c: FailureClass, _ stage: Stage, _ confidence: Confidence,
                         evidence: String, followupStatus: Int? = nil, gatewayError: String? = nil) -> Incident {
        assert(r.hasFields, "an incident from a fieldless record (see Correlator.needsFields)")
        return Incident(
            time: r.time, failureClass: c, stage: stage, confidence: confidence,
            clientIP: r.string(.sourceIP) ?? "", userAgent: r.string(.userAgent) ?? "",
            origin: r.string(.origin) ?? "", method: r.method.text, path: PathMatching.displayPath(r),
            status: r.status == 0 ? nil : Int(r.status),
            gatewayError: gatewayError ?? r.string(.errorType) ?? "",
            requestId: r.string(.requestId) ?? r.string(.extendedRequestId) ?? "",
            followupStatus: followupStatus, source: r.location, evidence: evidence)
    }
}
