import CorsscanCore

struct Rec {
    var start: Int64
    var end: Int64
    var seq: UInt32
    var client: Int32
    var route: UInt8
    var method: Method
    var status: UInt16
    var err: GatewayError
    var param: UInt32
    var length: UInt32
}

/// Min-heap on (end, seq): records come out in completion order, as API Gateway writes them.
struct RecHeap {
    var a: [Rec] = []
    var isEmpty: Bool { a.isEmpty }
    var top: Rec { a[0] }
    @inline(__always) static func less(_ x: Rec, _ y: Rec) -> Bool {
        x.end != y.end ? x.end < y.end : x.seq < y.seq
    }
    mutating func push(_ r: Rec) {
        a.append(r)
        var i = a.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if RecHeap.less(a[i], a[p]) { a.swapAt(i, p); i = p } else { break }
        }
    }
    mutating func pop() -> Rec {
        let r = a[0]
        let last = a.removeLast()
        if !a.isEmpty {
            a[0] = last
            var i = 0
            let n = a.count
            while true {
                let l = 2 * i + 1, rr = l + 1
                var m = i
                if l < n, RecHeap.less(a[l], a[m]) { m = l }
                if rr < n, RecHeap.less(a[rr], a[m]) { m = rr }
                if m == i { break }
                a.swapAt(i, m); i = m
            }
        }
        return r
    }
}

struct FileJob: Sendable {
    var format: LogFormat
    var index: Int
    var path: String
    var lines: Int
    var seed: UInt64
    var start: Int64
    var failureRate: Double
    var reports: BrowserReportMode
    var level: Int32
}

struct FileResult {
    var truth: [TruthRow] = []
    var evidence: [BrowserEvidence] = []
    var lines = 0
    var injected: [String: Int] = [:]     // scenario label → count
    var invisible = 0                     // browser-only failures without a report
    var error: String? = nil
}

let gatewayLengths: Set<Int> = [23, 26, 28, 31, 33, 36, 41, 42, 82]
let firstOctets: [Int] = [81, 92, 178, 203, 198, 45, 62, 77, 85, 91, 104, 109, 151, 176, 185, 188, 193, 212, 217, 37, 46, 5, 24, 71, 98, 142, 172, 2, 86, 94]

final class FileGenerator {
    let job: FileJob
    let format: LogFormat
    var rng: SplitMix64
    let salt: UInt64
    var clients: [Client] = []
    var normalCount = 0
    var failurePools: [[Int]] = [[], [], []]
    var busyUntil: [Int: Int64] = [:]
    var heap = RecHeap()
    var seq: UInt32 = 0
    var pushed = 0
    var result = FileResult()
    let menu: [(Scenario, Double)]
    let menuWeights: [Double]
    let okOptionsStatus: UInt16
    let apiId: String
    let host: String
    let stagePrefix: [UInt8]
    let writer: RecordWriter

    init(job: FileJob, sink: any GzipSink) {
        self.job = job
        format = job.format
        rng = SplitMix64(seed: mix64(job.seed, UInt64(job.index) &+ 0x5EED))
        salt = mix64(job.seed ^ 0xA11CE, UInt64(job.index))
        menu = scenarioMenu(format: job.format)
        menuWeights = menu.map { $0.1 }
        okOptionsStatus = job.format.isREST ? (job.index % 2 == 0 ? 200 : 204) : 204
        var id = ""
        var h = salt
        let alnum = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        for _ in 0..<10 { id.append(alnum[Int(h % 36)]); h /= 36 }
        apiId = id
        host = "\(id).execute-api.eu-west-1.amazonaws.com"
        stagePrefix = job.format.isREST ? Array("/prod".utf8) : []
        writer = RecordWriter(format: job.format, salt: salt, sink: sink, host: host, seed: job.seed, fileIndex: job.index)
        let n = min(max(job.lines / 40, 300), 8000)
        let fileByte = (job.index * 37 + 11) % 256
        for i in 0..<(n + 600) {
            let o1 = firstOctets[i % firstOctets.count]
            let k = i / firstOctets.count
            let ip = ipBytes(o1, fileByte, k)
            let fam: Family
            if i < n {
                let r = rng.unit()
                fam = r < 0.62 ? .chromium : (r < 0.77 ? .safari : (r < 0.94 ? .firefox : .server))
            } else {
                fam = Family(rawValue: (i - n) % 3)!
            }
            let ua = rng.pick(uaByFamily[fam.rawValue])
            clients.append(Client(ip: ip, ua: ua, origin: rng.weighted([6, 3, 1, 1, 0.5])))
            if i >= n { failurePools[fam.rawValue].append(i) }
        }
        normalCount = n
        writer.clients = clients
        if job.format == .firehose { writer.writeControlMessage(at: job.start - 60_000) }
    }

    // MARK: helpers

    func nextSeq() -> UInt32 { seq &+= 1; return seq }

    func push(_ r: Rec) { heap.push(r); pushed += 1 }

    func drain(before t: Int64) {
        while !heap.isEmpty, heap.top.end < t { writer.emit(heap.pop(), rng: &rng) }
    }

    func pickRoute(needs: ((Route) -> Bool)? = nil) -> Int {
        while true {
            let i = rng.weighted(routeWeights)
            if needs == nil || needs!(routes[i]) { return i }
        }
    }

    func okLength(_ base: Int) -> UInt32 {
        var l = base
        while gatewayLengths.contains(l) { l += 1 }
        return UInt32(l)
    }

    func normalLatency() -> Int64 {
        let u = rng.unit()
        return Int64(15 + Int(u * u * u * 1500) + rng.int(30))
    }

    /// Backend (Lambda) outcome of a normal request: status and body length; never gateway-made.
    func backendOutcome(_ m: Method) -> (UInt16, UInt32) {
        let r = rng.unit()
        if r < 0.935 {
            switch m {
            case .post: return (rng.chance(0.6) ? 201 : 200, okLength(rng.range(40, 420)))
            case .delete: return (204, 0)
            case .put, .patch: return (200, okLength(rng.range(60, 900)))
            default: return (200, okLength(rng.range(90, 6000)))
            }
        }
        if r < 0.96 { return (404, 27) }          // {"error":"order not found"}
        if r < 0.975 { return (400, okLength(rng.range(44, 120))) }
        if r < 0.985 { return (m == .get ? 403 : 409, okLength(rng.range(30, 60))) }   // app-level
        if r < 0.992 { return (422, okLength(rng.range(50, 200))) }
        return (500, 21)                            // {"error":"internal"} from the function
    }

    // MARK: sessions

    func normalSession(at t: Int64) {
        let ci = min(rng.int(normalCount), rng.int(normalCount))   // some clients are busier
        let c = clients[ci]
        if c.family == .server { serverRequest(ci, at: t); return }
        let ri = pickRoute()
        let route = routes[ri]
        let m = rng.pick(route.methods)
        let param = UInt32(truncatingIfNeeded: rng.next())
        let preflight = m != .get || (route.auth && rng.chance(0.6))
        var t0 = t
        if preflight {
            let lat = Int64(rng.range(2, 35))
            push(Rec(start: t, end: t + lat, seq: nextSeq(), client: Int32(ci), route: UInt8(ri), method: .options,
                     status: okOptionsStatus, err: .none, param: param, length: 0))
            t0 = t + lat + Int64(rng.range(2, 300))
        }
        let (st, len) = backendOutcome(m)
        push(Rec(start: t0, end: t0 + normalLatency(), seq: nextSeq(), client: Int32(ci), route: UInt8(ri), method: m,
                 status: st, err: .none, param: param, length: len))
    }

    func serverRequest(_ ci: Int, at t: Int64) {
        let ri = pickRoute()
        let m: Method = rng.chance(0.8) ? .get : rng.pick(routes[ri].methods)
        let param = UInt32(truncatingIfNeeded: rng.next())
        let r = rng.unit()
        var err = GatewayError.none
        if r < 0.05 {
            err = format.isREST ? rng.pick([.throttled, .throttled, .invalidAPIKey, .missingAuthToken, .quotaExceeded])
                                : rng.pick([.throttled, .unauthorized])
        }
        if err != .none {
            push(Rec(start: t, end: t + Int64(rng.range(1, 25)), seq: nextSeq(), client: Int32(ci), route: UInt8(ri),
                     method: m, status: UInt16(err.status), err: err, param: param, length: UInt32(err.length)))
        } else {
            let (st, len) = backendOutcome(m)
            push(Rec(start: t, end: t + normalLatency(), seq: nextSeq(), client: Int32(ci), route: UInt8(ri), method: m,
                     status: st, err: .none, param: param, length: len))
        }
    }

    func pickFailureClient(_ fam: Family, at t: Int64) -> Int {
        var pool = failurePools[fam.rawValue]
        let n = pool.count
        let s = rng.int(n)
        for k in 0..<n {
            let ci = pool[(s + k) % n]
            if (busyUntil[ci] ?? Int64.min) <= t { return ci }
        }
        // All busy: a new client of that family.
        let i = clients.count
        let fileByte = (job.index * 37 + 11) % 256
        let o1 = firstOctets[i % firstOctets.count]
        let k = i / firstOctets.count
        let ip = ipBytes(o1, fileByte, k)
        clients.append(Client(ip: ip, ua: rng.pick(uaByFamily[fam.rawValue]), origin: rng.weighted([6, 3, 1, 1, 0.5])))
        writer.clients = clients
        pool.append(i)
        failurePools[fam.rawValue] = pool
        return i
    }

    func inject(at t: Int64) {
        let sc = menu[rng.weighted(menuWeights)].0
        let cls = sc.browserClass
        let stage = sc.stage
        var channel: BrowserChannel? = nil
        if case .silentBlocked = sc {} else {
            let report: Bool
            switch job.reports {
            case .all: report = true
            case .none: report = false
            case .some: report = rng.chance(0.5)
            }
            if report {
                let cands = BrowserChannel.allCases.filter { $0.supports(cls, stage) }
                channel = rng.pick(cands)
            }
        }
        let fam: Family = channel?.family ?? rng.pick([.chromium, .chromium, .chromium, .firefox, .safari])
        let ci = pickFailureClient(fam, at: t)
        let c = clients[ci]

        // Route and method.
        var ri: Int
        var m: Method
        switch sc {
        case .preflightRefused(.methodNotAllowed):
            ri = pickRoute { $0.methods.contains { $0 == .put || $0 == .delete || $0 == .patch } }
            m = rng.pick(routes[ri].methods.filter { $0 == .put || $0 == .delete || $0 == .patch })
        default:
            ri = pickRoute()
            m = rng.pick(routes[ri].methods)
        }
        var preflighted: Bool
        switch sc {
        case .responseRefused: preflighted = m != .get || rng.chance(0.5)
        default: preflighted = true
        }
        if preflighted && m == .get && !routes[ri].auth { /* GET with a custom header */ }
        let param = UInt32(truncatingIfNeeded: rng.next())

        var pf: Rec? = nil
        var act: Rec? = nil
        if preflighted {
            var st = okOptionsStatus
            var err = GatewayError.none
            var len: UInt32 = 0
            var lat = Int64(rng.range(2, 35))
            switch sc {
            case .preflightRejected(let e):
                st = UInt16(e.status); err = e; len = UInt32(e.length)
                if e == .authorizerConfig { lat = Int64(rng.range(150, 900)) }
            case .preflightRedirect:
                st = rng.pick([301, 302, 307, 308]); len = 0; lat = Int64(rng.range(20, 200))
            default: break
            }
            pf = Rec(start: t, end: t + lat, seq: nextSeq(), client: Int32(ci), route: UInt8(ri), method: .options,
                     status: st, err: err, param: param, length: len)
            push(pf!)
        }
        let t0 = pf.map { $0.end + Int64(rng.range(2, 300)) } ?? t
        switch sc {
        case .responseRefused(let rc):
            var st: UInt16 = m == .post ? 201 : (m == .delete ? 204 : 200)
            var len: UInt32 = st == 204 ? 0 : okLength(rng.range(60, 3000))
            if rc == .redirectNotAllowed { st = 302; len = 0 }
            act = Rec(start: t0, end: t0 + normalLatency(), seq: nextSeq(), client: Int32(ci), route: UInt8(ri),
                      method: m, status: st, err: .none, param: param, length: len)
            push(act!)
        case .gatewayMasked(let e):
            let lat: Int64 = e == .integrationTimeout ? Int64(29_000 + rng.int(40)) :
                (e == .serviceUnavailable ? Int64(30_000 + rng.int(40)) :
                (e == .default5xx ? Int64(rng.range(80, 3000)) : Int64(rng.range(3, 120))))
            act = Rec(start: t0, end: t0 + lat, seq: nextSeq(), client: Int32(ci), route: UInt8(ri), method: m,
                      status: UInt16(e.status), err: e, param: param, length: UInt32(e.length))
            push(act!)
        default: break
        }
        let lastEnd = max(pf?.end ?? 0, act?.end ?? 0)
        busyUntil[ci] = lastEnd + 30_000

        // Label for the injected counts.
        let label: String
        switch sc {
        case .preflightRejected(let e): label = "preflight-rejected/\(e.type)"
        case .preflightRedirect: label = "preflight-redirect"
        case .preflightRefused(let c): label = "preflight-refused/\(c.rawValue)"
        case .silentBlocked: label = "silent-blocked"
        case .responseRefused(let c): label = "response-refused/\(c.rawValue)"
        case .gatewayMasked(let e): label = "gateway-masked/\(e.type)"
        }
        result.injected[label, default: 0] += 1

        // Ground truth.
        let failed = stage == .preflight ? pf! : act!
        var truthClass: FailureClass? = cls
        switch sc {
        case .preflightRefused: if channel == nil { truthClass = .blockedAfterPreflight }
        case .responseRefused: if channel == nil { truthClass = nil; result.invisible += 1 }
        default: break
        }
        if let tc = truthClass {
            result.truth.append(TruthRow(
                time: failed.start, cls: tc, stage: stage, method: failed.method.name,
                path: writer.loggedPath(failed), clientIP: String(decoding: c.ip, as: UTF8.self),
                userAgent: format.logsUserAgent ? userAgents[c.ua].1 : "",
                requestId: writer.requestIdString(failed), sourceFormat: format.rawValue))
        }

        // Browser evidence.
        if let ch = channel {
            let route = routes[ri]
            let url = "https://\(host)" + String(decoding: stagePrefix, as: UTF8.self) + route.rawPath(param: param)
            let hint = makeHint(cls: cls, method: m, origin: c.origin)
            result.evidence.append(BrowserEvidence(
                reportTime: failed.end + Int64(rng.range(1, 40)), order: (UInt64(job.index) << 40) | UInt64(failed.seq),
                channel: ch, cls: cls, stage: stage, method: m.name, url: url, origin: pageOrigins[c.origin],
                page: pageOrigins[c.origin] + rng.pick(pagePaths), ua: userAgents[c.ua].1,
                ip: String(decoding: c.ip, as: UTF8.self), preflighted: preflighted,
                preflightStatus: pf.map { Int($0.status) } ?? 0, actualStatus: act.map { Int($0.status) } ?? 0,
                gatewayError: act?.err ?? pf?.err ?? .none, hint: hint, variant: rng.int(10), xhr: rng.chance(0.3),
                requestTime: failed.start, preflightTime: pf?.start ?? 0, actualTime: act?.start ?? (t0),
                preflightRequestId: pf.map { writer.requestIdString($0) } ?? "",
                actualRequestId: act.map { writer.requestIdString($0) } ?? ""))
        }
    }

    func makeHint(cls: FailureClass, method: Method, origin: Int) -> String {
        switch cls {
        case .headerNotAllowed: return rng.pick(["authorization", "authorization", "x-api-key", "x-request-id"])
        case .methodNotAllowed: return method.name
        case .invalidAllowMethods: return rng.pick(["GET POST PUT", "GET;POST", "GET,POST,"])
        case .invalidAllowHeaders: return rng.pick(["Content-Type Authorization", "Content-Type;Authorization"])
        case .originMismatch: return pageOrigins[(origin + 1 + rng.int(pageOrigins.count - 1)) % pageOrigins.count]
        case .multipleAllowOrigin:
            return rng.chance(0.5) ? "\(pageOrigins[origin]), \(pageOrigins[origin])" : "\(pageOrigins[origin]), *"
        case .invalidAllowOrigin:
            return String(pageOrigins[origin].drop { $0 != "/" }.dropFirst(2))
        case .wildcardWithCredentials: return "*"
        case .credentialsNotAllowed: return ""
        case .redirectNotAllowed: return "https://user:secret@login.example.com/sso"
        case .privateNetwork: return "private"
        default: return ""
        }
    }

    // MARK: main loop

    func run() throws -> FileResult {
        let target = max(job.lines, 0)
        let duration = Double(max(3_600_000, target * 5))   // ms; ≈200 records/s at scale
        let avgGap = duration / Double(max(target, 1)) * 1.55 // sessions yield ~1.55 records
        let period = max(duration / 3, 600_000)
        let phase = rng.unit() * 6.283
        var t = Double(job.start)
        var burstUntil = 0.0
        while pushed < target {
            let x = (t - Double(job.start)) / period * 6.283 + phase
            var f = 0.25 + 1.5 * (0.5 + 0.5 * sin(x)) * (0.5 + 0.5 * sin(x * 0.37 + 1))
            if t < burstUntil { f *= 4 } else if rng.chance(0.0005) { burstUntil = t + Double(rng.range(10_000, 60_000)) }
            let gap = -log(1 - rng.unit()) * avgGap / max(f, 0.05) * 0.55
            t += gap
            let ti = Int64(t)
            drain(before: ti - 31_000)
            if rng.chance(job.failureRate) { inject(at: ti) } else { normalSession(at: ti) }
        }
        while !heap.isEmpty { writer.emit(heap.pop(), rng: &rng) }
        try writer.finish(rng: &rng)
        result.lines = writer.lines
        return result
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Unique per (first octet, k) within a file; the second octet identifies the file.
func ipBytes(_ o1: Int, _ fileByte: Int, _ k: Int) -> [UInt8] {
    let o3 = k % 256
    let o4 = ((k / 256) * 37 + o3 * 11 + fileByte) % 254 + 1
    return Array("\(o1).\(fileByte).\(o3).\(o4)".utf8)
}
