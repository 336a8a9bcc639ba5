import CorsscanCore

let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
let b64: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

/// Turns records into the bytes of one access-log format and streams them to gzip.
final class RecordWriter {
    let format: LogFormat
    let salt: UInt64
    let sink: any GzipSink
    let host: [UInt8]
    var clients: [Client] = []
    var out: [UInt8] = []
    var tf = TimeFormatter()
    var lines = 0
    // CloudWatch export: small local disorder.
    var pending: [(key: Int64, n: Int, line: [UInt8])] = []   // min-heap on (key, n)
    // Firehose: current envelope.
    var batch: [UInt8] = []
    var batchCount = 0
    var batchTarget = 0
    var envelopeHead: [UInt8] = []
    var eventCounter: UInt64 = 0
    var scratch: [UInt8] = []

    init(format: LogFormat, salt: UInt64, sink: any GzipSink, host: String, seed: UInt64, fileIndex: Int) {
        self.format = format
        self.salt = salt
        self.sink = sink
        self.host = Array(host.utf8)
        out.reserveCapacity(1 << 21)
        if format == .firehose {
            var stream: [UInt8] = []
            var h = mix64(salt, 77)
            for _ in 0..<32 { stream.append(hexDigits[Int(h & 15)]); h >>= 4; if h == 0 { h = mix64(salt, 78) } }
            envelopeHead.add("{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"/aws/apigateway/orders-http-")
            envelopeHead.addInt(fileIndex)
            envelopeHead.add("\",\"logStream\":\"")
            envelopeHead.add(stream)
            envelopeHead.add("\",\"subscriptionFilters\":[\"to-firehose\"],\"logEvents\":[")
        }
    }

    // MARK: identifiers

    func appendRequestId(_ r: Rec, to o: inout [UInt8]) {
        if format.isREST { appendUUID(UInt64(r.seq), to: &o) } else { appendExtId(UInt64(r.seq), to: &o) }
    }

    func appendUUID(_ n: UInt64, to o: inout [UInt8]) {
        let a = mix64(salt, n), b = mix64(salt ^ 0x55AA, n)
        var nib: [UInt8] = []
        nib.reserveCapacity(32)
        for i in 0..<16 { nib.append(UInt8((a >> (UInt64(i) * 4)) & 15)) }
        for i in 0..<16 { nib.append(UInt8((b >> (UInt64(i) * 4)) & 15)) }
        nib[12] = 4
        nib[16] = 8 | (nib[16] & 3)
        for i in 0..<32 {
            if i == 8 || i == 12 || i == 16 || i == 20 { o.append(0x2D) }
            o.append(hexDigits[Int(nib[i])])
        }
    }

    func appendExtId(_ n: UInt64, to o: inout [UInt8]) {
        var h = mix64(salt ^ 0xE7, n)
        for _ in 0..<15 { o.append(b64[Int(h & 63)]); h >>= 6; if h == 0 { h = mix64(salt, n ^ 0xFF) } }
        o.append(0x3D)
    }

    func requestIdString(_ r: Rec) -> String {
        var b: [UInt8] = []
        appendRequestId(r, to: &b)
        return String(decoding: b, as: UTF8.self)
    }

    /// The path corsscan sees for this record: REST resource template / HTTP route-key path.
    func loggedPath(_ r: Rec) -> String { routes[Int(r.route)].template }

    @inline(__always) func appendRoutePath(_ r: Rec, _ o: inout [UInt8]) {
        o.add(routes[Int(r.route)].templateBytes)
    }
    @inline(__always) func appendRouteKey(_ r: Rec, _ o: inout [UInt8]) {
        o.add(r.method.bytes); o.append(0x20); o.add(routes[Int(r.route)].templateBytes)
    }
    @inline(__always) func appendRawPath(_ r: Rec, _ o: inout [UInt8]) {
        if format.isREST { o.add("/prod") }
        routes[Int(r.route)].appendRawPath(param: r.param, to: &o)
    }

    // MARK: records

    func appendBody(_ r: Rec, _ o: inout [UInt8]) {
        let c = clients[Int(r.client)]
        switch format {
        case .restJSON:
            o.add("{ \"requestId\":\""); appendRequestId(r, to: &o)
            o.add("\", \"extendedRequestId\":\""); appendExtId(UInt64(r.seq), to: &o)
            o.add("\", \"ip\": \""); o.add(c.ip)
            o.add("\", \"caller\":\"-\", \"user\":\"-\", \"requestTime\":\""); tf.appendCLF(r.start, to: &o)
            o.add("\", \"httpMethod\":\""); o.add(r.method.bytes)
            o.add("\", \"resourcePath\":\""); appendRoutePath(r, &o)
            o.add("\", \"status\":\""); o.addInt(Int(r.status))
            o.add("\", \"protocol\":\"HTTP/1.1\", \"responseLength\":\""); o.addInt(Int(r.length))
            o.add("\" }")
        case .httpJSON:
            o.add("{ \"requestId\":\""); appendRequestId(r, to: &o)
            o.add("\", \"ip\": \""); o.add(c.ip)
            o.add("\", \"requestTime\":\""); tf.appendCLF(r.start, to: &o)
            o.add("\", \"httpMethod\":\""); o.add(r.method.bytes)
            o.add("\",\"routeKey\":\""); appendRouteKey(r, &o)
            o.add("\", \"status\":\""); o.addInt(Int(r.status))
            o.add("\",\"protocol\":\"HTTP/1.1\", \"responseLength\":\""); o.addInt(Int(r.length))
            o.add("\" }")
        case .restCLF:
            o.add(c.ip); o.add(" - - ["); tf.appendCLF(r.start, to: &o); o.add("] \"")
            o.add(r.method.bytes); o.append(0x20); appendRoutePath(r, &o); o.add(" HTTP/1.1\" ")
            o.addInt(Int(r.status)); o.append(0x20); o.addInt(Int(r.length)); o.append(0x20)
            appendRequestId(r, to: &o); o.append(0x20); appendExtId(UInt64(r.seq), to: &o)
        case .httpCLF:
            o.add(c.ip); o.add(" - - ["); tf.appendCLF(r.start, to: &o); o.add("] \"")
            o.add(r.method.bytes); o.append(0x20); appendRouteKey(r, &o); o.add(" HTTP/1.1\" ")
            o.addInt(Int(r.status)); o.append(0x20); o.addInt(Int(r.length)); o.append(0x20)
            appendRequestId(r, to: &o)
        case .restCSV:
            o.add(c.ip); o.add(",-,-,"); tf.appendCLF(r.start, to: &o); o.append(0x2C)
            o.add(r.method.bytes); o.append(0x2C); appendRoutePath(r, &o); o.add(",HTTP/1.1,")
            o.addInt(Int(r.status)); o.append(0x2C); o.addInt(Int(r.length)); o.append(0x2C)
            appendRequestId(r, to: &o); o.append(0x2C); appendExtId(UInt64(r.seq), to: &o)
        case .restXML:
            o.add("<request id=\""); appendRequestId(r, to: &o)
            o.add("\"> <extendedRequestId>"); appendExtId(UInt64(r.seq), to: &o)
            o.add("</extendedRequestId> <ip>"); o.add(c.ip)
            o.add("</ip> <caller>-</caller> <user>-</user> <requestTime>"); tf.appendCLF(r.start, to: &o)
            o.add("</requestTime> <httpMethod>"); o.add(r.method.bytes)
            o.add("</httpMethod> <resourcePath>"); appendRoutePath(r, &o)
            o.add("</resourcePath> <status>"); o.addInt(Int(r.status))
            o.add("</status> <protocol>HTTP/1.1</protocol> <responseLength>"); o.addInt(Int(r.length))
            o.add("</responseLength> </request>")
        case .cdkJSON:
            o.add("{\"requestId\":\""); appendRequestId(r, to: &o)
            o.add("\",\"ip\":\""); o.add(c.ip)
            o.add("\",\"user\":\"-\",\"caller\":\"-\",\"requestTime\":\""); tf.appendCLF(r.start, to: &o)
            o.add("\",\"httpMethod\":\""); o.add(r.method.bytes)
            o.add("\",\"resourcePath\":\""); appendRoutePath(r, &o)
            o.add("\",\"status\":\""); o.addInt(Int(r.status))
            o.add("\",\"protocol\":\"HTTP/1.1\",\"responseLength\":\""); o.addInt(Int(r.length))
            o.add("\"}")
        case .serverless:
            o.add("requestId: "); appendRequestId(r, to: &o)
            o.add(", ip: "); o.add(c.ip)
            o.add(", caller: -, user: -, requestTime: "); tf.appendCLF(r.start, to: &o)
            o.add(", httpMethod: "); o.add(r.method.bytes)
            o.add(", resourcePath: "); appendRoutePath(r, &o)
            o.add(", status: "); o.addInt(Int(r.status))
            o.add(", protocol: HTTP/1.1, responseLength: "); o.addInt(Int(r.length))
        case .terraformJSON:
            o.add("{\"httpMethod\":\""); o.add(r.method.bytes)
            o.add("\",\"integrationErrorMessage\":\"-\",\"protocol\":\"HTTP/1.1\",\"requestId\":\""); appendRequestId(r, to: &o)
            o.add("\",\"requestTime\":\""); tf.appendCLF(r.start, to: &o)
            o.add("\",\"resourcePath\":\"-\",\"responseLength\":\""); o.addInt(Int(r.length))
            o.add("\",\"routeKey\":\""); appendRouteKey(r, &o)
            o.add("\",\"sourceIp\":\""); o.add(c.ip)
            o.add("\",\"status\":\""); o.addInt(Int(r.status))
            o.add("\"}")
        case .custom:
            appendRequestId(r, to: &o); o.add(" ["); o.addInt(Int(r.start)); o.add("] "); o.add(c.ip); o.append(0x20)
            o.add(r.method.bytes); o.append(0x20); appendRoutePath(r, &o); o.append(0x20); appendRawPath(r, &o)
            o.append(0x20); o.addInt(Int(r.status)); o.append(0x20); o.addInt(Int(r.length)); o.append(0x20)
            o.add(r.err.typeBytes); o.add(" \""); o.add(uaBytes[c.ua]); o.add("\" \""); o.add(r.err.messageBytes); o.append(0x22)
        case .cloudwatch:
            o.add("{\"requestId\":\""); appendRequestId(r, to: &o)
            o.add("\",\"extendedRequestId\":\""); appendExtId(UInt64(r.seq), to: &o)
            o.add("\",\"ip\":\""); o.add(c.ip)
            o.add("\",\"userAgent\":\""); o.addJSONEscaped(uaBytes[c.ua])
            o.add("\",\"requestTimeEpoch\":\""); o.addInt(Int(r.start))
            o.add("\",\"httpMethod\":\""); o.add(r.method.bytes)
            o.add("\",\"resourcePath\":\""); appendRoutePath(r, &o)
            o.add("\",\"path\":\""); appendRawPath(r, &o)
            o.add("\",\"status\":\""); o.addInt(Int(r.status))
            o.add("\",\"responseType\":\""); o.add(r.err.typeBytes)
            o.add("\",\"errorMessage\":\""); o.add(r.err.messageBytes)
            o.add("\",\"integrationStatus\":\"")
            if r.err == .none && r.method != .options { o.addInt(Int(r.status)) } else { o.append(0x2D) }
            o.add("\",\"integrationError\":\"-\",\"authorizerError\":\"")
            if r.err == .unauthorized { o.add("Unauthorized") } else { o.append(0x2D) }
            o.add("\",\"authorizeStatus\":\"")
            if r.err == .unauthorized || r.err == .accessDenied { o.addInt(r.err.status) } else { o.append(0x2D) }
            o.add("\",\"wafStatus\":\"")
            if r.err == .wafFiltered { o.add("403") } else { o.append(0x2D) }
            o.add("\",\"responseLatency\":\""); o.addInt(Int(r.end - r.start))
            o.add("\",\"domainName\":\""); o.add(host)
            o.add("\",\"stage\":\"prod\"}")
        case .firehose:
            o.add("{\"requestId\":\""); appendRequestId(r, to: &o)
            o.add("\",\"sourceIp\":\""); o.add(c.ip)
            o.add("\",\"userAgent\":\""); o.addJSONEscaped(uaBytes[c.ua])
            o.add("\",\"requestTimeEpoch\":\""); o.addInt(Int(r.start))
            o.add("\",\"httpMethod\":\""); o.add(r.method.bytes)
            o.add("\",\"routeKey\":\""); appendRouteKey(r, &o)
            o.add("\",\"path\":\""); appendRawPath(r, &o)
            o.add("\",\"status\":\""); o.addInt(Int(r.status))
            o.add("\",\"errorResponseType\":\""); o.add(r.err.typeBytes)
            o.add("\",\"errorMessage\":\""); o.add(r.err.messageBytes)
            o.add("\",\"integrationStatus\":\"")
            if r.err == .none { o.addInt(Int(r.status)) } else { o.append(0x2D) }
            o.add("\",\"responseLatency\":\""); o.addInt(Int(r.end - r.start))
            o.add("\",\"domainName\":\""); o.add(host)
            o.add("\",\"stage\":\"$default\"}")
        }
    }

    func flushIfLarge() {
        if out.count >= 1 << 20 { sink.write(out); out.removeAll(keepingCapacity: true) }
    }

    func emit(_ r: Rec, rng: inout SplitMix64) {
        lines += 1
        switch format {
        case .cloudwatch:
            var line: [UInt8] = []
            line.reserveCapacity(700)
            tf.appendISO(r.end, to: &line)
            line.append(0x20)
            appendBody(r, &line)
            line.append(0x0A)
            heapPush((r.end + Int64(rng.int(3000)), lines, line))
            while let top = pending.first, top.key < r.end - 3000 {
                out.add(heapPop().line)
                flushIfLarge()
            }
        case .firehose:
            if batchCount == 0 {
                batch.removeAll(keepingCapacity: true)
                batch.add(envelopeHead)
                batchTarget = rng.range(20, 160)
            } else {
                batch.append(0x2C)
            }
            eventCounter += 1
            batch.add("{\"id\":\"")
            // 56-digit event id: timestamp-derived head + counter.
            batch.addPadded(Int(r.end % 10_000_000_000_000), 13)
            batch.addPadded(Int(mix64(salt, eventCounter) % 1_000_000_000_000_000), 18)
            batch.addPadded(Int(mix64(salt ^ 1, eventCounter) % 1_000_000_000_000_000), 18)
            batch.addPadded(Int(eventCounter % 10_000_000), 7)
            batch.add("\",\"timestamp\":"); batch.addInt(Int(r.end))
            batch.add(",\"message\":\"")
            scratch.removeAll(keepingCapacity: true)
            appendBody(r, &scratch)
            batch.addJSONEscaped(scratch)
            batch.add("\"}")
            batchCount += 1
            if batchCount >= batchTarget { closeEnvelope() }
        default:
            appendBody(r, &out)
            out.append(0x0A)
            flushIfLarge()
        }
    }

    private func pless(_ a: (key: Int64, n: Int, line: [UInt8]), _ b: (key: Int64, n: Int, line: [UInt8])) -> Bool {
        a.key != b.key ? a.key < b.key : a.n < b.n
    }
    func heapPush(_ e: (key: Int64, n: Int, line: [UInt8])) {
        pending.append(e)
        var i = pending.count - 1
        while i > 0 { let p = (i - 1) / 2; if pless(pending[i], pending[p]) { pending.swapAt(i, p); i = p } else { break } }
    }
    func heapPop() -> (key: Int64, n: Int, line: [UInt8]) {
        let r = pending[0]
        let last = pending.removeLast()
        if !pending.isEmpty {
            pending[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, rr = l + 1
                var m = i
                if l < pending.count, pless(pending[l], pending[m]) { m = l }
                if rr < pending.count, pless(pending[rr], pending[m]) { m = rr }
                if m == i { break }
                pending.swapAt(i, m); i = m
            }
        }
        return r
    }

    func closeEnvelope() {
        guard batchCount > 0 else { return }
        batch.add("]}")
        sink.write(batch)
        sink.finishMember()
        batchCount = 0
    }

    /// The health-check envelope Firehose objects start with.
    func writeControlMessage(at ms: Int64) {
        var b: [UInt8] = []
        b.add("{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\",\"logStream\":\"\",\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":")
        b.addInt(Int(ms))
        b.add(",\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}")
        sink.write(b)
        sink.finishMember()
    }

    func finish(rng: inout SplitMix64) throws {
        if format == .cloudwatch {
            while !pending.isEmpty { out.add(heapPop().line); flushIfLarge() }
        }
        if format == .firehose { closeEnvelope() }
        if !out.isEmpty { sink.write(out); out.removeAll() }
        try sink.close()
    }
}
