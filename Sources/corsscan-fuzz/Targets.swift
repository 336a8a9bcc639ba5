import CZlib
import CorsscanAccessLog
import CorsscanBrowser
import CorsscanCore
import CorsscanInput
import CorsscanReport
import Glibc

/// One fuzz target: takes arbitrary bytes, must neither crash nor break an invariant
/// (a broken invariant calls `fuzzFail`, which aborts so libFuzzer saves the input).
struct FuzzTarget: Sendable {
    let name: String
    let summary: String
    let run: @Sendable (UnsafeBufferPointer<UInt8>) -> Void
}

func fuzzFail(_ message: String) -> Never {
    printError("corsscan-fuzz: invariant broken: \(message)")
    abort()
}

/// A line to standard error (plain `write(2)`: no shared `FILE *`).
func printError(_ message: String) {
    var m = message + "\n"
    m.withUTF8 { b in _ = write(2, b.baseAddress, b.count) }
}

enum FuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "gzip", summary: "ByteSource over the bytes as they are (gzip or plain, .gz name or not)", run: gzipRaw),
        FuzzTarget(name: "inflate", summary: "DEFLATE data decoded by corsscan's inflater and by zlib: same bytes, same verdict", run: inflate),
        FuzzTarget(name: "gzip-roundtrip", summary: "ByteSource over the bytes gzipped (1–3 layers, several members): must give them back", run: gzipRoundTrip),
        FuzzTarget(name: "lines", summary: "LineReader against a simple split (small line limit, chunk size from the input)", run: lines),
        FuzzTarget(name: "json-objects", summary: "JSONObjectReader (small object limit); envelopes walked in place give the same items", run: jsonObjects),
        FuzzTarget(name: "access-auto", summary: "AccessLogDetector on the lines, then the chosen parser on each", run: accessAuto),
        FuzzTarget(name: "access-presets", summary: "every console preset, recognised JSON, serverless kv and templates on each line", run: accessPresets),
        FuzzTarget(name: "template", summary: "$context template text (first line) compiled, then parsing the other lines with it", run: template),
        FuzzTarget(name: "container", summary: "LogEventContainer.scan, events parsed as JSON access records (also in place, still escaped)", run: container),
        FuzzTarget(name: "console", summary: "ConsoleMessageClassifier.classify / classifyScriptError", run: console),
        FuzzTarget(name: "browser", summary: "BrowserLineReader, the format picked by the first byte; BrowserDetector", run: browser),
        FuzzTarget(name: "har", summary: "HARReader.read whole and streamed from a file in small chunks: same result", run: har),
        FuzzTarget(name: "json-value", summary: "JSONValue.parse and its accessors", run: jsonValue),
        FuzzTarget(name: "fetch", summary: "FetchCORSCheck.check on request/preflight/response headers from the bytes", run: fetch),
        FuzzTarget(name: "writers", summary: "HTML/CSV/JSON/Prometheus writers on hostile strings, escaping invariants", run: writers),
    ]

    static var names: [String] { all.map(\.name) }
    static func named(_ n: String) -> FuzzTarget? { all.first { $0.name == n } }

    // MARK: - Helpers

    /// A file in /dev/shm (or /tmp) per process and name suffix, rewritten for every input:
    /// `ByteSource` reads files, and this keeps it unchanged. The file is created once and
    /// kept open; each input truncates and rewrites it in place (no open/close per input).
    static func withFile<R>(_ bytes: UnsafeBufferPointer<UInt8>, gz: Bool, _ body: (String) -> R) -> R {
        let f = gz ? gzFile : plainFile
        guard ftruncate(f.fd, 0) == 0 else { fuzzFail("cannot truncate \(f.path)") }
        var off = 0
        while off < bytes.count {
            let n = pwrite(f.fd, bytes.baseAddress! + off, bytes.count - off, off_t(off))
            guard n > 0 else { fuzzFail("cannot write \(f.path)") }
            off += n
        }
        return body(f.path)
    }

    static func withFile<R>(_ bytes: [UInt8], gz: Bool, _ body: (String) -> R) -> R {
        bytes.withUnsafeBufferPointer { withFile($0, gz: gz, body) }
    }

    private static let plainFile = scratchFile(".log")
    private static let gzFile = scratchFile(".log.gz")

    /// The scratch files made so far, removed when the process exits normally.
    nonisolated(unsafe) private static var scratchPaths: [String] = []

    private static func scratchFile(_ suffix: String) -> (path: String, fd: Int32) {
        let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = "\(dir)/corsscan-fuzz-\(getpid())\(suffix)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fuzzFail("cannot create \(path)") }
        if scratchPaths.isEmpty { atexit { for p in FuzzTargets.scratchPaths { unlink(p) } } }
        scratchPaths.append(path)
        return (path, fd)
    }

    /// Reads a source to the end (or its error); returns the bytes and whether it failed.
    static func drain(_ s: ByteSource, limit: Int = 64 << 20) -> (bytes: [UInt8], failed: Bool) {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            let n: Int
            do {
                n = try buf.withUnsafeMutableBytes { b in try s.read(into: b) }
            } catch {
                return (out, true)
            }
            if n == 0 { return (out, false) }
            out += buf[0..<n]
        }
        return (out, false)
    }

    /// Splits into lines at LF (the last one kept even without LF).
    static func split(_ p: UnsafeBufferPointer<UInt8>, maxLines: Int = 400) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var start = 0
        for i in 0..<p.count where p[i] == ASCII.lf {
            out.append(Array(p[start..<i]))
            start = i + 1
            if out.count == maxLines { return out }
        }
        if start < p.count { out.append(Array(p[start...])) }
        return out
    }

    /// Parses every line as a file line and as an event message, each once with a cache
    /// learning across the lines and once without: the two must agree exactly.
    static func parseAll(_ parser: AccessLogParser, _ lines: [[UInt8]]) {
        var b = AccessRecordBuilder(), c = AccessRecordBuilder()
        var lineCache = AccessLogParser.Cache(), messageCache = AccessLogParser.Cache()
        for (i, l) in lines.enumerated() {
            l.withUnsafeBufferPointer { p in
                let plain = parser.parse(p, into: &b)
                let cached = parser.parse(p, into: &c, cache: &lineCache)
                checkSame(plain, b, cached, c, "line \(i + 1)")
                if plain == nil {
                    let r = b.build(location: SourceLocation(input: 0, line: Int64(i + 1)))
                    _ = r.time
                }
                let m1 = parser.parse(message: p, fallbackTime: Int64(i) * 1000, into: &b)
                let m2 = parser.parse(message: p, fallbackTime: Int64(i) * 1000, into: &c, cache: &messageCache)
                checkSame(m1, b, m2, c, "message \(i + 1)")
            }
        }
    }

    /// The cache only changes speed: same verdict, same record.
    static func checkSame(_ r1: SkipReason?, _ b1: AccessRecordBuilder, _ r2: SkipReason?, _ b2: AccessRecordBuilder,
                          _ what: String) {
        if r1 != r2 { fuzzFail("\(what): parse with a cache says \(String(describing: r2)), without \(String(describing: r1))") }
        guard r1 == nil else { return }
        let a = b1.build(location: SourceLocation(input: 0, line: 1))
        let z = b2.build(location: SourceLocation(input: 0, line: 1))
        let same = a.time == z.time && a.timeInSeconds == z.timeInSeconds && a.method == z.method && a.status == z.status
            && a.integrationStatus == z.integrationStatus && a.latencyMs == z.latencyMs
            && a.responseLength == z.responseLength
            && AccessRecord.Field.allCases.allSatisfy { a.bytes($0) == z.bytes($0) }
        if !same { fuzzFail("\(what): the record parsed with a cache differs") }
    }

    // MARK: - Input

    static func gzipRaw(_ p: UnsafeBufferPointer<UInt8>) {
        let gz = p.count > 0 && p[0] & 1 == 1
        withFile(p, gz: gz) { path in
            let chunk = p.count > 1 ? Int(p[1] % 17) + 1 : 1
            guard let s = try? ByteSource(path: path, readChunk: chunk * 97) else { return }
            _ = try? s.peek(Int(p.count > 2 ? p[2] : 0))
            _ = drain(s)
        }
    }

    /// zlib's raw inflate: the output (at most `limit` bytes, nil beyond), how many input
    /// bytes it took when the data ends cleanly, and its last return code.
    static func zlibInflateRaw(_ data: [UInt8], limit: Int = 8 << 20) -> (bytes: [UInt8], used: Int?, rc: Int32)? {
        var s = z_stream()
        guard corsscan_inflateInit2(&s, -15) == Z_OK else { fuzzFail("inflateInit2") }
        defer { inflateEnd(&s) }
        var input = data
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var rc = Z_OK
        var used: Int?
        input.withUnsafeMutableBufferPointer { inp in
            s.next_in = inp.baseAddress
            s.avail_in = UInt32(inp.count)
            while rc == Z_OK && out.count <= limit {
                let got = chunk.withUnsafeMutableBufferPointer { o -> Int in
                    s.next_out = o.baseAddress
                    s.avail_out = UInt32(o.count)
                    rc = CZlib.inflate(&s, Z_NO_FLUSH)
                    return o.count - Int(s.avail_out)
                }
                out += chunk[0..<got]
                if rc == Z_OK && got == 0 { rc = Z_BUF_ERROR }
            }
            if rc == Z_STREAM_END { used = inp.count - Int(s.avail_in) }
        }
        return out.count > limit ? nil : (out, used, rc)
    }

    /// The bytes as DEFLATE data (a gzip file's first member when they start with the
    /// magic, so SampleLogs seed it) in a gzip member whose check fits whatever zlib makes
    /// of them: corsscan must return zlib's bytes without error when zlib ends cleanly;
    /// when zlib refuses the data (then given without a trailer), exactly the bytes zlib
    /// gave before its error, then corrupt-gzip for invalid data or truncated-gzip for data
    /// that stops inside a symbol.
    static func inflate(_ p: UnsafeBufferPointer<UInt8>) {
        var data = Array(p)
        if data.count >= 18 && data[0] == 0x1F && data[1] == 0x8B { data = Array(data[10..<(data.count - 8)]) }
        guard let oracle = zlibInflateRaw(data) else { return }
        // Output that starts another gzip layer or a byte order mark is read differently by design.
        if oracle.bytes.starts(with: [0x1F, 0x8B]) || oracle.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return }
        var file: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
        if let used = oracle.used {
            let crc = oracle.bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
            file += data[0..<used]
            for v in [UInt32(crc), UInt32(truncatingIfNeeded: oracle.bytes.count)] {
                file += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
            }
        } else {
            file += data
        }
        withFile(file, gz: true) { path in
            let chunk = 1 + (p.count % 5 == 0 ? 0 : p.count % 4096)
            let s: ByteSource
            do throws(InputError) {
                s = try ByteSource(path: path, readChunk: chunk)
            } catch {
                if oracle.used != nil { fuzzFail("zlib decodes it, corsscan refused it at open: \(error)") }
                return
            }
            var out: [UInt8] = []
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
            defer { buf.deallocate() }
            var failure: InputError?
            while true {
                do throws(InputError) {
                    let n = try s.read(into: buf)
                    if n == 0 { break }
                    out += buf[0..<n]
                } catch {
                    failure = error
                    break
                }
            }
            if out != oracle.bytes { fuzzFail("different bytes: corsscan \(out.count), zlib \(oracle.bytes.count)") }
            if oracle.used != nil {
                if let failure { fuzzFail("zlib decodes it, corsscan failed: \(failure)") }
            } else {
                let expected: InputError.Kind = oracle.rc == Z_DATA_ERROR ? .corruptGzip : .truncatedGzip
                if failure?.kind != expected {
                    fuzzFail("zlib \(oracle.rc), corsscan \(failure.map(String.init(describing:)) ?? "no error")")
                }
            }
        }
    }

    static func gzipRoundTrip(_ p: UnsafeBufferPointer<UInt8>) {
        guard p.count >= 1 else { return }
        let layers = Int(p[0] % 3) + 1
        let body = Array(p.dropFirst())
        // Members: the body cut in up to three pieces, each gzipped on its own.
        var members: [[UInt8]] = []
        let cuts = [body.count / 3, (2 * body.count) / 3]
        var lo = 0
        for c in cuts + [body.count] where c >= lo { members.append(Array(body[lo..<c])); lo = c }
        var file = members.flatMap { GzipWriter.gzip($0, level: 1) }
        for _ in 1..<layers { file = GzipWriter.gzip(file, level: 1) }
        // A body that itself starts with 1f 8b is legitimately inflated once more, and is
        // refused as too deep under the most layers.
        let magic = body.count >= 2 && body[0] == 0x1F && body[1] == 0x8B
        withFile(file, gz: true) { path in
            let s: ByteSource
            do throws(InputError) {
                s = try ByteSource(path: path, readChunk: Int(p[0]) + 1)
            } catch {
                if magic && layers == ByteSource.maxLayers && error.kind == .tooLarge { return }
                fuzzFail("gzip rejected: \(error)")
            }
            let (out, failed) = drain(s)
            let innerGzip = magic && layers < ByteSource.maxLayers
            if !innerGzip {
                // A leading UTF-8 byte order mark is dropped by design.
                let expected = body.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(body.dropFirst(3)) : body
                if failed { fuzzFail("gzip round trip failed") }
                if out != expected { fuzzFail("gzip round trip changed the bytes (\(body.count) → \(out.count))") }
            }
        }
    }

    static func lines(_ p: UnsafeBufferPointer<UInt8>) {
        guard p.count >= 1 else { return }
        let maxLine = Int(p[0] % 64) + 1
        let file = UnsafeBufferPointer(rebasing: p[1...])
        // Content starting with the gzip magic is read as gzip whatever the name (the gzip
        // targets cover it; this one checks plain text).
        if file.count >= 2 && file[0] == 0x1F && file[1] == 0x8B { return }
        // A leading UTF-8 byte order mark is dropped by design.
        let bom = file.count >= 3 && file[0] == 0xEF && file[1] == 0xBB && file[2] == 0xBF
        let body = bom ? UnsafeBufferPointer(rebasing: file[3...]) : file
        withFile(file, gz: false) { path in
            guard let s = try? ByteSource(path: path, readChunk: Int(p[0] >> 4) + 1) else { return }
            var r = LineReader(s, maxLineBytes: maxLine)
            // Oracle: split at LF, one CR before LF (or at the very end) dropped.
            var expected: [[UInt8]] = []
            var start = 0
            for i in 0..<body.count where body[i] == ASCII.lf {
                var e = i
                if e > start && body[e - 1] == ASCII.cr { e -= 1 }
                expected.append(Array(body[start..<e]))
                start = i + 1
            }
            if start < body.count {
                var e = body.count
                if body[e - 1] == ASCII.cr { e -= 1 }
                expected.append(Array(body[start..<e]))
            }
            var k = 0
            while true {
                let item: LineItem?
                do { item = try r.next() } catch { fuzzFail("line reader threw on a plain file: \(error)") }
                guard let item else { break }
                guard k < expected.count else { fuzzFail("more lines than the input has") }
                switch item {
                case .line(let l, let n):
                    if n != Int64(k + 1) { fuzzFail("line number \(n), expected \(k + 1)") }
                    if !l.elementsEqual(expected[k]) { fuzzFail("line \(n) differs") }
                    if l.count > maxLine { fuzzFail("line \(n) over the limit") }
                case .oversize(let n):
                    if n != Int64(k + 1) { fuzzFail("oversize number \(n), expected \(k + 1)") }
                    if expected[k].count <= maxLine { fuzzFail("line \(n) of \(expected[k].count) bytes called oversize (limit \(maxLine))") }
                case .truncated:
                    fuzzFail("truncated line from a plain file")
                }
                k += 1
            }
            if k != expected.count { fuzzFail("\(k) lines, expected \(expected.count)") }
        }
    }

    static func jsonObjects(_ p: UnsafeBufferPointer<UInt8>) {
        guard p.count >= 1 else { return }
        let maxObject = Int(p[0] % 128) + 1
        // Every other input with a start marker (short, so the fuzzer finds it).
        let marker: [UInt8]? = p[0] & 0x40 == 0 ? nil : Array(#"{"m":"#.utf8)
        withFile(UnsafeBufferPointer(rebasing: p[1...]), gz: false) { path in
            guard let s = try? ByteSource(path: path, readChunk: Int(p[0] >> 3) + 1) else { return }
            var r = JSONObjectReader(s, maxObjectBytes: maxObject, startMarker: marker)
            var last: Int64 = 0
            while let item = try? r.next() {
                switch item {
                case .object(let o, let n, _):
                    if o.count > maxObject { fuzzFail("object over the limit") }
                    if o.first != ASCII.openBrace { fuzzFail("object not starting with {") }
                    if let m = marker, o.count > m.count,
                       (1...(o.count - m.count)).contains(where: { o[$0] == m[0] && o[$0..<($0 + m.count)].elementsEqual(m) }) {
                        fuzzFail("an object holds the start marker after its first byte")
                    }
                    if n <= last { fuzzFail("item numbers not increasing") }
                    last = n
                case .truncated(let n, let partial):
                    if partial.count > maxObject { fuzzFail("partial object over the limit") }
                    if let b = partial.first, b != ASCII.openBrace { fuzzFail("partial object not starting with {") }
                    if n <= last { fuzzFail("item numbers not increasing") }
                    last = n
                case .oversize(let n), .garbage(let n, _):
                    if n <= last { fuzzFail("item numbers not increasing") }
                    last = n
                }
            }
            // Envelopes walked in place (peek, scanPrefix, take) give the same items.
            func items(inPlace: Bool) -> [String] {
                guard let s = try? ByteSource(path: path, readChunk: Int(p[0] >> 3) + 1) else { return [] }
                var r = JSONObjectReader(s, maxObjectBytes: maxObject, startMarker: marker)
                var scratch = LogEventContainer.Scratch()
                var out: [String] = []
                while true {
                    if inPlace, let b = r.peekObject(minBytes: Int(p[0] & 7) * 16),
                       let (_, n) = LogEventContainer.scanPrefix(b, scratch: &scratch) {
                        let text = Array(b[0..<n])
                        if let (k, o) = r.takeObject(length: n) {
                            out.append("object \(k) \(o) \(text)")
                            continue
                        }
                    }
                    do throws(InputError) {
                        guard let item = try r.next() else { return out }
                        switch item {
                        case .object(let b, let k, let o): out.append("object \(k) \(o) \(Array(b))")
                        case .oversize(let k): out.append("oversize \(k)")
                        case .garbage(let k, let c): out.append("garbage \(k) \(c)")
                        case .truncated(let k, let b): out.append("truncated \(k) \(Array(b))")
                        }
                    } catch {
                        out.append("error \(error)")
                        return out
                    }
                }
            }
            if items(inPlace: true) != items(inPlace: false) { fuzzFail("objects walked in place differ from objects read first") }
        }
    }

    // MARK: - Access logs

    static let presetTexts: [String] = [
        #"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId"#,
        #"$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId"#,
        #"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#,
        #"$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId"#,
        #"$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId"#,
        #"$context.requestId [$context.requestTimeEpoch] $context.identity.sourceIp $context.httpMethod $context.resourcePath $context.path $context.status $context.responseLength $context.error.responseType "$context.identity.userAgent" "$context.error.message""#,
        #"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}"#,
        #"{"req":{"id":"$context.requestId","t":$context.requestTimeEpoch,"m":"$context.httpMethod $context.path"},"ua":"$context.identity.userAgent","o":"$context.error.responseType: $context.error.message","s":$context.status}"#,
    ]

    static let parsers: [AccessLogParser] = [AccessLogParser.recognisedJSON, AccessLogParser.serverlessKeyValue]
        + presetTexts.map { try! LogTemplate($0).parser }

    static func accessAuto(_ p: UnsafeBufferPointer<UInt8>) {
        let ls = split(p)
        if let parser = AccessLogDetector.detect(sampleLines: Array(ls.prefix(20)), template: nil) {
            parseAll(parser, ls)
        }
    }

    static func accessPresets(_ p: UnsafeBufferPointer<UInt8>) {
        let ls = split(p, maxLines: 50)
        for parser in parsers { parseAll(parser, ls) }
    }

    static func template(_ p: UnsafeBufferPointer<UInt8>) {
        var ls = split(p, maxLines: 50)
        guard !ls.isEmpty else { return }
        let text = String(decoding: ls.removeFirst(), as: UTF8.self)
        guard let t = try? LogTemplate(text) else { return }
        parseAll(t.parser, ls)
        if let d = AccessLogDetector.detect(sampleLines: ls, template: t) { parseAll(d, ls) }
    }

    static func container(_ p: UnsafeBufferPointer<UInt8>) {
        var count = 0
        var b = AccessRecordBuilder()
        var events = 0
        _ = LogEventContainer.scan(p, eventCount: &count) { msg, ts in
            events += 1
            _ = AccessLogParser.recognisedJSON.parse(message: msg, fallbackTime: ts, into: &b)
        }
        if events > count && count > 0 { fuzzFail("\(events) events delivered, \(count) counted") }
        // The one-pass walk must agree with the reference walk exactly.
        var fast: [([UInt8], Int64)] = [], slow: [([UInt8], Int64)] = []
        var fastCount = 0, slowCount = 0
        var scratch = LogEventContainer.Scratch()
        let fastKind = LogEventContainer.scan(p, eventCount: &fastCount, scratch: &scratch) { fast.append((Array($0), $1)) }
        let slowKind = LogEventContainer.scanReference(p, eventCount: &slowCount) { slow.append((Array($0), $1)) }
        if fastKind != slowKind || fastCount != slowCount || fast.count != slow.count
            || !zip(fast, slow).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 }) {
            fuzzFail("container scan differs from the reference: \(fastKind)/\(fastCount)/\(fast.count) vs \(slowKind)/\(slowCount)/\(slow.count)")
        }
        // Messages parsed where they lie, still escaped, give what unescaping them first gives.
        if let (kind, n) = LogEventContainer.scanPrefix(p, scratch: &scratch), kind == .data {
            let object = UnsafeBufferPointer(rebasing: p[0..<n])
            let parser = AccessLogParser.recognisedJSON
            var plain: [String] = []
            var pb = AccessRecordBuilder(), pc = AccessLogParser.Cache()
            LogEventContainer.deliver(&scratch, in: object) { m, t in
                let r = parser.parse(message: m, fallbackTime: t, into: &pb, cache: &pc)
                plain.append(r.map { "\($0)" } ?? snapshot(pb))
            }
            var i = 0
            var ib = AccessRecordBuilder(), ic = AccessLogParser.Cache(), buffer: [UInt8] = []
            LogEventContainer.deliverEscaped(scratch, in: object) { m, t in
                let r: SkipReason?
                switch parser.parseInPlace(escapedMessage: m, fallbackTime: t, into: &ib, cache: &ic) {
                case .record: r = nil
                case .skipped(let why): r = why
                case .unescapeFirst:
                    r = LogEventContainer.unescape(m, using: &buffer) { parser.parse(message: $0, fallbackTime: t, into: &ib, cache: &ic) }
                }
                let got = r.map { "\($0)" } ?? snapshot(ib)
                if i >= plain.count || got != plain[i] { fuzzFail("message \(i) parsed in place differs: \(got)") }
                i += 1
            }
            if i != plain.count { fuzzFail("\(i) messages in place, \(plain.count) unescaped") }
        }
        // Salvage: an envelope cut anywhere gives a prefix of its events, unchanged. Checked
        // where salvaging the whole envelope agrees with `scan` (its strict walk was used).
        func salvaged(_ q: UnsafeBufferPointer<UInt8>) -> [([UInt8], Int64)] {
            var got: [([UInt8], Int64)] = []
            let n = LogEventContainer.salvage(q, scratch: &scratch) { got.append((Array($0), $1)) }
            if n != got.count { fuzzFail("salvage returned \(n), delivered \(got.count)") }
            return got
        }
        let whole = salvaged(p)
        guard fastKind == .data, whole.count == fast.count, zip(whole, fast).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 }),
              p.count > 1 else { return }
        for cut in Set([p.count / 2, p.count - 1, Int(p[p.count - 1]) * p.count / 256]) where cut < p.count {
            let part = salvaged(UnsafeBufferPointer(rebasing: p[0..<cut]))
            if part.count > fast.count || !zip(part, fast).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 }) {
                fuzzFail("salvage of the first \(cut) bytes is not a prefix of the events (\(part.count) of \(fast.count))")
            }
        }
    }

    /// A record's fields and numbers as one comparable text.
    static func snapshot(_ b: AccessRecordBuilder) -> String {
        var s = "\(b.time) \(b.timeInSeconds) \(b.method) \(b.status) \(b.integrationStatus) \(b.latencyMs) \(b.responseLength)"
        for f in AccessRecord.Field.allCases { s += " \(f)=" + String(decoding: b.bytes(f), as: UTF8.self) }
        return s
    }

    // MARK: - Browser

    static func console(_ p: UnsafeBufferPointer<UInt8>) {
        let s = String(decoding: p, as: UTF8.self)
        _ = ConsoleMessageClassifier.classify(s)
        _ = ConsoleMessageClassifier.classifyScriptError(s)
    }

    static func browser(_ p: UnsafeBufferPointer<UInt8>) {
        guard p.count >= 1 else { return }
        let formats = BrowserFormat.allCases
        let body = UnsafeBufferPointer(rebasing: p[1...])
        let ls = split(body)
        _ = BrowserDetector.detect(sampleLines: Array(ls.prefix(20)), firstBytes: Array(body.prefix(512)))
        var r = BrowserLineReader(format: formats[Int(p[0]) % formats.count], input: 0)
        var used = 0, skipped = 0
        for (i, l) in ls.enumerated() {
            let reason = l.withUnsafeBufferPointer { r.consume($0, number: Int64(i + 1)) }
            if reason == nil { used += 1 } else { skipped += 1 }
        }
        _ = r.finish()
        if used + skipped != ls.count { fuzzFail("lines unaccounted for") }
    }

    /// The whole-document read, then the same bytes streamed from a file in chunks of 1–16
    /// bytes (from the first byte): both account for every entry and agree exactly.
    static func har(_ p: UnsafeBufferPointer<UInt8>) {
        var whole = InputStats(path: "fuzz.har", kind: .browserReport, format: "har")
        let a = HARReader.read(p, input: 0, stats: &whole)
        guard whole.lines == whole.records + whole.skippedTotal else { fuzzFail("har: lines != records + skipped") }
        let chunk = p.isEmpty ? 1 : Int(p[0] & 15) + 1
        withFile(p, gz: false) { path in
            guard let source = try? ByteSource(path: path, readChunk: chunk) else { fuzzFail("har: cannot open \(path)") }
            defer { source.close() }
            var streamed = InputStats(path: "fuzz.har", kind: .browserReport, format: "har")
            let b = HARReader.read(from: { (out: UnsafeMutableRawBufferPointer) throws(InputError) -> Int in
                try source.read(into: out)
            }, input: 0, stats: &streamed)
            guard streamed.lines == streamed.records + streamed.skippedTotal else {
                fuzzFail("har: streamed lines != records + skipped")
            }
            // Bytes starting with the gzip magic are inflated by ByteSource: not the same document.
            guard !source.isGzip else { return }
            // Field by field: dictionaries with the same content may print in other orders.
            let same = "\(a)" == "\(b)" && whole.lines == streamed.lines && whole.records == streamed.records
                && whole.skipped == streamed.skipped && whole.skipSamples == streamed.skipSamples
                && whole.error == streamed.error
            guard same else {
                fuzzFail("har: streamed read differs from the whole-document read:\n\(whole)\n\(streamed)\n\(a.count) vs \(b.count) reports")
            }
        }
    }

    static func jsonValue(_ p: UnsafeBufferPointer<UInt8>) {
        guard let v = JSONValue.parse(p) else { return }
        _ = v.text
        _ = v.int64
        _ = v.path("log.entries")
        _ = v.first(["message", "msg"])
        _ = v.member(ignoringCase: "Message")
        if let a = v.array { for x in a.prefix(8) { _ = x.text; _ = x.int } }
    }

    /// Bytes → fields at NUL; lines `name: value` become headers.
    static func fetch(_ p: UnsafeBufferPointer<UInt8>) {
        guard p.count >= 2 else { return }
        let flags = p[0]
        let parts = UnsafeBufferPointer(rebasing: p[1...]).split(separator: 0, maxSplits: 5, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        func part(_ i: Int) -> String { i < parts.count ? parts[i] : "" }
        func headers(_ s: String) -> [(name: String, value: String)] {
            s.split(separator: "\n").map { l in
                guard let c = l.firstIndex(of: ":") else { return (String(l), "") }
                return (String(l[..<c]), String(l[l.index(after: c)...]))
            }
        }
        let status1 = Int(flags & 0x7) * 100 + Int(flags >> 3)
        let req = FetchCORSCheck.Request(method: part(0), headers: headers(part(1)), origin: part(2),
                                         credentials: flags & 0x40 != 0)
        let pre = flags & 0x80 != 0 ? FetchCORSCheck.Response(status: status1, headers: headers(part(3))) : nil
        let res = flags & 0x20 != 0 ? FetchCORSCheck.Response(status: 200 + Int(flags & 0x3), headers: headers(part(4))) : nil
        _ = FetchCORSCheck.check(request: req, preflight: pre, response: res)
        _ = FetchCORSCheck.needsPreflight(req)
        _ = FetchCORSCheck.unsafeHeaderNames(req)
        _ = FetchCORSCheck.parseList(part(5))
    }

    // MARK: - Writers

    /// Every string field of a report filled from the bytes (split at 0x01), wrapped in a
    /// marker tag that must never appear unescaped in the HTML.
    static func writers(_ p: UnsafeBufferPointer<UInt8>) {
        // Parts capped at 512 bytes: ~60 fields each, and escaping is per character anyway.
        var parts = p.split(separator: 1, omittingEmptySubsequences: false).map { String(decoding: $0.prefix(512), as: UTF8.self) }
        if parts.isEmpty { parts = [""] }
        var k = 0
        func s() -> String { defer { k += 1 }; return "<x-fz>" + parts[k % parts.count] + "</x-fz>" }
        let t0: Int64 = 1_763_718_300_000
        func incident(_ c: FailureClass, _ i: Int) -> Incident {
            Incident(time: t0 + Int64(i), failureClass: c, stage: i % 2 == 0 ? .preflight : .response,
                     confidence: .inferred, clientIP: s(), userAgent: s(), origin: s(), method: s(), path: s(),
                     status: 403, gatewayError: s(), requestId: s(), followupStatus: i % 2 == 0 ? nil : 200,
                     source: SourceLocation(input: 0, line: Int64(i + 1)), evidence: s())
        }
        var a = InputStats(path: s(), kind: .accessLog, format: s())
        a.lines = 3
        a.skip(SkipReason(s()), line: 2)
        a.error = InputError(.truncatedGzip, offset: 7, s())
        let classes: [FailureClass] = [.preflightRejected, .gatewayErrorMasked, .unknown]
        var samples: [FailureClass: [Incident]] = [:]
        for (i, c) in classes.enumerated() { samples[c] = [incident(c, i), incident(c, i + 3)] }
        let rows = classes.map {
            RunReport.SummaryRow(failureClass: $0, stage: .preflight, method: s(), path: s(), origin: s(),
                                 count: 2, firstSeen: t0, lastSeen: t0 + 60_000)
        }
        var totals = RunReport.Totals()
        totals.lines = 3
        totals.incidents = 6
        let report = RunReport(version: "fuzz", generated: t0, windowSeconds: 10, maxSkewSeconds: 5,
                               firstTime: t0, lastTime: t0 + 60_000, inputs: [a], totals: totals,
                               byClass: [.preflightRejected: 2, .gatewayErrorMasked: 2, .unknown: 2], rows: rows,
                               perMinute: [RunReport.MinuteCount(minute: t0, counts: [.unknown: 2])],
                               topRoutes: [.init(label: s(), count: 2)], topOrigins: [.init(label: s(), count: 2)],
                               topClients: [.init(label: s(), count: 2)], samples: samples, notes: [s()])
        let html = HTMLReport.render(report)
        let marker = Array("<x-fz".utf8)
        let closeMarker = Array("</x-fz".utf8)
        if contains(html, marker) || contains(html, closeMarker) { fuzzFail("a logged value reached the HTML unescaped") }
        for bad in ["<script>alert", "<img src=x", "</style><"] where parts.contains(where: { $0.contains(bad) }) {
            if contains(html, Array(bad.utf8)) { fuzzFail("\(bad) reached the HTML unescaped") }
        }

        // CSV: every cell reads back, formula starts neutralised.
        for part in parts.prefix(8) {
            // Checked on Unicode scalars, as CSV readers see it: a quote followed by a
            // combining mark is one Character but still an opening quote.
            let cell = Array(CSVOutput.cell(part).unicodeScalars)
            var body = cell[...]
            if cell.first == "\"" {
                guard cell.count >= 2, cell.last == "\"" else { fuzzFail("unbalanced CSV quoting") }
                body = cell.dropFirst().dropLast()
                var i = body.startIndex
                while i < body.endIndex {
                    if body[i] == "\"" {
                        guard body.index(after: i) < body.endIndex, body[body.index(after: i)] == "\"" else {
                            fuzzFail("lone quote inside a CSV cell")
                        }
                        i = body.index(i, offsetBy: 2)
                    } else {
                        i = body.index(after: i)
                    }
                }
            } else if cell.contains(where: { $0 == "," || $0 == "\n" || $0 == "\r" || $0 == "\"" }) {
                fuzzFail("CSV cell needs quotes")
            }
            if let f = body.first, "=+-@\t\r".unicodeScalars.contains(f) { fuzzFail("formula not neutralised") }
            if cell.contains("\u{0}") { fuzzFail("NUL in a CSV cell") }
        }
        var csv: [UInt8] = []
        for list in samples.values { for i in list { CSVOutput.appendIncident(i, source: "src:1", to: &csv) } }
        _ = CSVOutput.summary(report)
        _ = JSONOutput.summary(report)
        let prom = PrometheusOutput.render(report)
        _ = prom
    }

    /// Whether `needle` occurs in `hay`, with libc's `memchr`/`memcmp`: the harness's own
    /// search is not instrumented, so the time goes to the code under test.
    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= hay.count else { return false }
        return hay.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                let base = h.baseAddress!
                let last = h.count - n.count   // the last possible start
                var i = 0
                while i <= last, let hit = memchr(base + i, Int32(first), last - i + 1) {
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hit, n.baseAddress!, n.count) == 0 { return true }
                    i = at + 1
                }
                return false
            }
        }
    }
}

extension Substring {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound]
            out += b
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
