import XCTest
import Dispatch
@testable import CorsscanAccessLog
import CorsscanCore

final class TemplateTests: XCTestCase {
    /// Every preset template compiled from its text reads its own example line.
    func testPresetTemplates() throws {
        let examples: [(String, String)] = [
            (presetTemplates[0].template, Fx.restCLF), (presetTemplates[1].template, Fx.restCLFNoSpace),
            (presetTemplates[2].template, Fx.restCLFOld), (presetTemplates[4].template, Fx.httpCLF),
            (presetTemplates[6].template, Fx.restXML), (presetTemplates[8].template, Fx.httpXML),
            (presetTemplates[9].template, Fx.restCSV), (presetTemplates[11].template, Fx.httpCSV),
            (#"{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#, Fx.restJSON),
            (#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#, Fx.httpJSON),
            ("requestId: $context.requestId, ip: $context.identity.sourceIp, caller: $context.identity.caller, user: $context.identity.user, requestTime: $context.requestTime, httpMethod: $context.httpMethod, resourcePath: $context.resourcePath, status: $context.status, protocol: $context.protocol, responseLength: $context.responseLength", Fx.serverlessKV),
        ]
        for (tpl, line) in examples {
            let t = try LogTemplate(tpl)
            let (r, rec) = parse(t.parser, line)
            XCTAssertNil(r, tpl)
            XCTAssertEqual(rec.time, Fx.t0912, tpl)
            XCTAssertNotEqual(rec.method, .none, tpl)
            XCTAssertGreaterThanOrEqual(rec.status, 200, tpl)
            XCTAssertEqual(rec.string(.sourceIP), "203.0.113.25", tpl)
            XCTAssertTrue(rec.has(.requestId), tpl)
        }
        XCTAssertEqual(try LogTemplate(presetTemplates[0].template).parser.format, "rest-clf")
        XCTAssertEqual(try LogTemplate(examples[8].0).parser.format, "rest-json")
        XCTAssertEqual(try LogTemplate(examples[9].0).parser.format, "http-json")
        XCTAssertEqual(try LogTemplate(examples[10].0).parser.format, "custom")
    }

    func testDocsContinuationLinesAndTrailingNewline() throws {
        let t = try LogTemplate("$context.identity.sourceIp $context.identity.caller \\\n  $context.identity.user [$context.requestTime] \"$context.httpMethod $context.resourcePath $context.protocol\" \\\n $context.status $context.responseLength $context.requestId $context.extendedRequestId\n")
        XCTAssertEqual(t.parser.format, "rest-clf")
        XCTAssertNil(parse(t.parser, Fx.restCLF).0)
    }

    func testCLFLikeUserAgentAtEnd() throws {
        let t = try LogTemplate(#"$context.identity.sourceIp [$context.requestTime] "$context.httpMethod $context.path" $context.status $context.responseLatency $context.requestId "$context.identity.userAgent""#)
        let line = #"203.0.113.25 [21/Nov/2026:09:45:12 +0000] "GET /prod/orders" 200 38 id-1 "Mozilla/5.0 "odd" (KHTML, like Gecko) \x""#
        let (r, rec) = parse(t.parser, line)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), #"Mozilla/5.0 "odd" (KHTML, like Gecko) \x"#)
        XCTAssertEqual(rec.string(.path), "/prod/orders")
        XCTAssertEqual(rec.latencyMs, 38)
        XCTAssertEqual(rec.string(.requestId), "id-1")
    }

    func testCLFLikeUserAgentInMiddle() throws {
        let t = try LogTemplate(#"$context.identity.sourceIp - [$context.requestTime] "$context.httpMethod $context.path $context.protocol" "$context.identity.userAgent" $context.status $context.responseLength $context.requestId $context.error.responseType"#)
        let line = #"203.0.113.25 - [21/Nov/2026:09:45:12 +0000] "OPTIONS /prod/orders HTTP/1.1" "\#(Fx.ua)" 403 42 id-2 MISSING_AUTHENTICATION_TOKEN"#
        let (r, rec) = parse(t.parser, line)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), Fx.ua)
        XCTAssertEqual(rec.method, .options)
        XCTAssertEqual(rec.status, 403)
        XCTAssertEqual(rec.string(.errorType), "MISSING_AUTHENTICATION_TOKEN")
        // A user agent holding `" ` still resolves from the right.
        let odd = line.replacingOccurrences(of: "Safari/537.36", with: #"Safari/537.36 "x" 200 1 y"#)
        let (r2, rec2) = parse(t.parser, odd)
        XCTAssertNil(r2)
        XCTAssertEqual(rec2.string(.requestId), "id-2")
        XCTAssertTrue(rec2.string(.userAgent)!.hasSuffix(#""x" 200 1 y"#))
    }

    func testCSVWithCommaInUserAgentAndTimeWithSpaces() throws {
        let t = try LogTemplate("$context.requestTime $context.httpMethod,$context.identity.userAgent,$context.status,$context.requestId")
        let line = "21/Nov/2026:09:45:12 +0000 GET,\(Fx.ua),200,id-3"
        let (r, rec) = parse(t.parser, line)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), Fx.ua)
        XCTAssertEqual(rec.time, Fx.t0912)
        XCTAssertEqual(rec.status, 200)
        XCTAssertEqual(rec.string(.requestId), "id-3")
    }

    func testRequestTimeSpaceFromTheRight() throws {
        let t = try LogTemplate("$context.identity.userAgent $context.httpMethod $context.requestTime $context.status")
        let (r, rec) = parse(t.parser, "curl/8 x GET 21/Nov/2026:09:45:12 +0000 204")
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), "curl/8 x")
        XCTAssertEqual(rec.time, Fx.t0912)
        XCTAssertEqual(rec.status, 204)
    }

    func testXMLCustom() throws {
        let t = try LogTemplate(#"<r id="$context.requestId"><t>$context.requestTimeEpoch</t><m>$context.httpMethod</m><s>$context.status</s><e>$context.error.message</e><ua>$context.identity.userAgent</ua><o>$context.authorizer.allowedOrigin</o></r>"#)
        let line = #"<r id="abc"><t>1795254312345</t><m>POST</m><s>401</s><e>Unauthorized</e><ua>UA </e> <ua> tricky</ua><o>https://app.example.com</o></r>"#
        let (r, rec) = parse(t.parser, line)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.errorMessage), "Unauthorized")
        XCTAssertEqual(rec.string(.userAgent), "UA </e> <ua> tricky")
        XCTAssertEqual(rec.string(.origin), "https://app.example.com")
        XCTAssertEqual(rec.time, 1_795_254_312_345)
    }

    func testKeyValueCustomWithMessageString() throws {
        let t = try LogTemplate("id=$context.requestId method=$context.httpMethod time=$context.requestTimeEpoch status=$context.status err=$context.error.messageString ua=$context.identity.userAgent")
        let line = #"id=q1 method=GET time=1795254312345 status=403 err="Missing Authentication Token" ua=Mozilla/5.0 (X11; Linux x86_64) err=x"#
        let (r, rec) = parse(t.parser, line)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.errorMessage), "Missing Authentication Token")
        XCTAssertEqual(rec.string(.userAgent), "Mozilla/5.0 (X11; Linux x86_64) err=x")
    }

    func testServerlessKVUserAgentWithCommas() {
        let line = "requestId: r1, ip: 203.0.113.25, userAgent: \(Fx.ua), requestTime: 21/Nov/2026:09:45:12 +0000, httpMethod: GET, status: 200"
        let (r, rec) = parse(AccessLogParser.serverlessKeyValue, line)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), Fx.ua)
        XCTAssertEqual(rec.status, 200)
        XCTAssertEqual(detect([line])?.format, "serverless-kv")
    }

    func testNestedJSONTemplate() throws {
        let t = try LogTemplate(#"{"request":{"requestId":"$context.requestId","time":$context.requestTimeEpoch,"method":"$context.httpMethod","line":"$context.httpMethod $context.path"},"client":{"sourceIp":"$context.identity.sourceIp","ua":"$context.identity.userAgent"},"status":$context.status,"error":$context.error.messageString,"latency":$context.responseLatency}"#)
        XCTAssertEqual(t.parser.format, "custom")
        let line = #"{"request":{"requestId":"n1","time":1795254312345,"method":"PATCH","line":"PATCH /prod/x"},"client":{"sourceIp":"203.0.113.25","ua":"Moz \"q\""},"status":409,"error":"Conflict \"here\"","latency":-}"#
        let (r, rec) = parse(t.parser, line)
        XCTAssertNil(r)
        XCTAssertEqual(rec.method, .patch)
        XCTAssertEqual(rec.string(.path), "/prod/x")
        XCTAssertEqual(rec.string(.userAgent), #"Moz "q""#)
        XCTAssertEqual(rec.string(.errorMessage), #"Conflict "here""#)
        XCTAssertEqual(rec.status, 409)
        XCTAssertEqual(rec.latencyMs, -1)
        // Keys only in the template count: a stray "status" nested elsewhere is not read.
        let (r2, rec2) = parse(t.parser, #"{"request":{"requestId":"n1","time":1795254312345,"method":"GET"},"x":{"status":"500"}}"#)
        XCTAssertNil(r2)
        XCTAssertEqual(rec2.status, 0)
    }

    func testTemplateErrors() {
        func message(_ s: String) -> String? {
            do { _ = try LogTemplate(s); return nil } catch { return error.description }
        }
        XCTAssertNotNil(message(""))
        XCTAssertTrue(message("just text")!.contains("no $context"))
        XCTAssertTrue(message("$context.requestId $input.body")!.contains("$input"))
        XCTAssertTrue(message("#set($x = 1) $context.requestId")!.contains("VTL"))
        XCTAssertTrue(message("$context. $context.requestId")!.contains("without a variable name"))
        XCTAssertNoThrow(try LogTemplate("$context.requestId costs $5"))
    }

    func testTemplateLineMismatch() throws {
        let t = try LogTemplate(presetTemplates[11].template)  // http-csv
        XCTAssertEqual(parse(t.parser, Fx.restCLF).0, .unknownFormat)
        XCTAssertEqual(parse(t.parser, "203.0.113.25,yesterday,POST,POST /orders,HTTP/1.1,401,26,Vx7k").0, .badTime)
        XCTAssertEqual(parse(t.parser, "203.0.113.25,-,POST,POST /orders,HTTP/1.1,401,26,Vx7k").0, .missingField)
        XCTAssertEqual(parse(t.parser, "203.0.113.25,21/Nov/2026:09:45:12 +0000,-,-,HTTP/1.1,401,26,Vx7k").0, .missingField)
        XCTAssertEqual(parse(t.parser, "203.0.113.25,21/Nov/2026:09:45:12 +0000,POST,POST /orders,HTTP/1.1,4x1,26,Vx7k").0, .unknownFormat)
    }
}

final class EnvelopeTests: XCTestCase {
    func scan(_ s: String) -> (LogEventContainer.Kind, Int, [(String, Int64)]) {
        var events: [(String, Int64)] = []
        var count = -1
        let k = s.bytes.withUnsafeBufferPointer { p in
            LogEventContainer.scan(p, eventCount: &count) { m, t in events.append((String(decoding: m, as: UTF8.self), t)) }
        }
        return (k, count, events)
    }

    static let twoEvents = #"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/apigateway/orders-prod","logStream":"9f1c3d5e7a2b4c6d8e0f1a2b3c4d5e6f","subscriptionFilters":["to-firehose"],"logEvents":[{"id":"38012345678901234567890123456789012345678901234567890000","timestamp":1795254311812,"message":"{ \"requestId\":\"0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410\", \"ip\": \"203.0.113.25\", \"requestTime\":\"21/Nov/2026:09:45:11 +0000\", \"httpMethod\":\"OPTIONS\", \"resourcePath\":\"-\", \"status\":\"403\", \"protocol\":\"HTTP/1.1\", \"responseLength\":\"42\" }"},{"id":"38012345678901234567890123456789012345678901234567890001","timestamp":1795254312407,"message":"{ \"requestId\":\"6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03\", \"httpMethod\":\"GET\", \"status\":\"200\", \"userAgent\":\"a \\\"q\\\" \\u00e9\" }"}]}"#

    /// The one-pass envelope walk gives exactly what the reference walk gives, also where it
    /// must hand over: a bare event value holding a quote (the fuzz target's finding — the
    /// reference reads the structure from that quote on and calls the envelope malformed),
    /// messageType after the events, nested values, stray commas, a truncated envelope.
    func testOnePassWalkAgreesWithReference() throws {
        let cases = [
            Self.twoEvents,
            #"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":\u0000mestamp":1795247940000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#,
            #"{"logEvents":[{"id":"1","timestamp":1795254311812,"message":"{\"a\":1}"}],"messageType":"DATA_MESSAGE"}"#,
            #"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","extra":{"x":[1,2]},"timestamp":"1795254311812","message":"m"},,{"message":"n"}]}"#,
            #"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":17952543118 12,"message":"m"}]}"#,
            #"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1795254311812,"message":"m"}"#,
            #"{"events":[{"timestamp":1795254311812,"message":"plain"}],"searchedLogStreams":[]}"#,
        ]
        for c in cases {
            let bytes = Array(c.utf8)
            var fast: [(String, Int64)] = [], slow: [(String, Int64)] = []
            var nFast = -1, nSlow = -1
            var scratch = LogEventContainer.Scratch()
            let (kFast, kSlow) = bytes.withUnsafeBufferPointer { p in
                (LogEventContainer.scan(p, eventCount: &nFast, scratch: &scratch) { fast.append((String(decoding: $0, as: UTF8.self), $1)) },
                 LogEventContainer.scanReference(p, eventCount: &nSlow) { slow.append((String(decoding: $0, as: UTF8.self), $1)) })
            }
            XCTAssertEqual(kFast, kSlow, c)
            XCTAssertEqual(nFast, nSlow, c)
            XCTAssertEqual(fast.map(\.0), slow.map(\.0), c)
            XCTAssertEqual(fast.map(\.1), slow.map(\.1), c)
        }
    }

    func testDataEnvelopeTwoEvents() {
        let (k, n, ev) = scan(Self.twoEvents)
        XCTAssertEqual(k, .data)
        XCTAssertEqual(n, 2)
        XCTAssertEqual(ev.count, 2)
        XCTAssertEqual(ev[0].1, 1_795_254_311_812)
        XCTAssertTrue(ev[0].0.hasPrefix(#"{ "requestId":"0b9d7f21"#))
        XCTAssertTrue(ev[1].0.contains(#""userAgent":"a \"q\" \u00e9""#))
        // Messages parse; the second one has no time of its own → the event's.
        let p = AccessLogParser.recognisedJSON
        var b = AccessRecordBuilder()
        var results: [SkipReason?] = []
        var times: [Int64] = []
        var uas: [String?] = []
        for e in ev {
            results.append(e.0.bytes.withUnsafeBufferPointer { p.parse(message: $0, fallbackTime: e.1, into: &b) })
            let rec = b.build(location: SourceLocation(input: 0, line: 1))
            times.append(rec.time)
            uas.append(rec.string(.userAgent))
        }
        XCTAssertEqual(results, [nil, nil])
        XCTAssertEqual(times, [Fx.t0912 - 1000, 1_795_254_312_407])
        XCTAssertEqual(uas[1], #"a "q" é"#)
    }

    /// An envelope cut anywhere gives the events that closed before the cut, as `scan`
    /// gives them for the whole envelope; nothing for a control message or a cut before
    /// the events.
    func testSalvageOfACutEnvelopeIsAPrefixOfItsEvents() {
        let text = Self.twoEvents
        let whole = Array(text.utf8)
        let (_, _, all) = scan(text)
        XCTAssertEqual(all.count, 2)
        // Just past each event's closing brace.
        let firstEnd = text.utf8.distance(from: text.utf8.startIndex, to: text.range(of: #"},{"id""#)!.lowerBound) + 1
        let secondEnd = whole.count - 2
        var scratch = LogEventContainer.Scratch()
        for cut in 0...whole.count {
            var got: [(String, Int64)] = []
            let n = whole.withUnsafeBufferPointer { b in
                LogEventContainer.salvage(UnsafeBufferPointer(rebasing: b[0..<cut]), scratch: &scratch) {
                    got.append((String(decoding: $0, as: UTF8.self), $1))
                }
            }
            XCTAssertEqual(n, got.count)
            XCTAssertEqual(n, cut < firstEnd ? 0 : cut < secondEnd ? 1 : 2, "cut \(cut)")
            for (g, e) in zip(got, all) {
                XCTAssertEqual(g.0, e.0, "cut \(cut)")
                XCTAssertEqual(g.1, e.1, "cut \(cut)")
            }
        }
        let control = #"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logEvents":[{"id":"","timestamp":1795254300000,"message":"CWL CONTROL MESSAGE"},{"id":""#
        XCTAssertEqual(salvageCount(Array(control.utf8), control.utf8.count), 0)
    }

    private func salvageCount(_ b: [UInt8], _ cut: Int) -> Int {
        var scratch = LogEventContainer.Scratch()
        return b.withUnsafeBufferPointer { LogEventContainer.salvage(UnsafeBufferPointer(rebasing: $0[0..<cut]), scratch: &scratch) { _, _ in } }
    }

    func testControlMessage() {
        let s = #"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1795254300000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#
        let (k, n, ev) = scan(s)
        XCTAssertEqual(k, .control)
        XCTAssertEqual(n, 1)
        XCTAssertTrue(ev.isEmpty)
    }

    func testCLIOutputs() {
        let filter = """
        {
            "events": [
                {
                    "logStreamName": "9f1c3d5e7a2b4c6d8e0f1a2b3c4d5e6f",
                    "timestamp": 1795254311812,
                    "message": "{ \\"requestId\\":\\"0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410\\", \\"httpMethod\\":\\"OPTIONS\\", \\"status\\":\\"403\\" }",
                    "ingestionTime": 1795254312931,
                    "eventId": "38012345678901234567890123456789012345678901234567890000"
                }
            ],
            "searchedLogStreams": [],
            "nextToken": "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXDrEA"
        }
        """
        let (k, n, ev) = scan(filter)
        XCTAssertEqual(k, .data)
        XCTAssertEqual(n, 1)
        XCTAssertEqual(ev.first?.1, 1_795_254_311_812)
        XCTAssertEqual(ev.first?.0, #"{ "requestId":"0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410", "httpMethod":"OPTIONS", "status":"403" }"#)
        let getEvents = #"{"events":[{"timestamp":1795254311812,"message":"m1","ingestionTime":1795254312931},{"message":"m2","timestamp":1795254311813}],"nextForwardToken":"f/1","nextBackwardToken":"b/1"}"#
        let (k2, n2, ev2) = scan(getEvents)
        XCTAssertEqual(k2, .data)
        XCTAssertEqual(n2, 2)
        XCTAssertEqual(ev2.map(\.0), ["m1", "m2"])
        XCTAssertEqual(ev2.map(\.1), [1_795_254_311_812, 1_795_254_311_813])
    }

    func testNotContainerAndMalformed() {
        XCTAssertEqual(scan(Fx.restJSON).0, .notContainer)
        XCTAssertEqual(scan(#"{"requestId":"a","userAgent":"x "y" z","httpMethod":"GET"}"#).0, .notContainer)
        XCTAssertEqual(scan("plain text").0, .notContainer)
        XCTAssertEqual(scan(#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"x"#).0, .malformed)
        XCTAssertEqual(scan(#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1" "timestamp":1}]}"#).0, .malformed)
    }
}

final class AllocationTests: XCTestCase {
    /// The builder's scratch buffer keeps its capacity and the parsers make no `String`s:
    /// parsing many lines into one builder must not grow memory per line. (Not timed.)
    func testNoPerFieldAllocation() {
        let lines = [Fx.suggested, Fx.restCLF, Fx.httpCLFParam].map(\.bytes)
        let parsers = [AccessLogParser.recognisedJSON, detect([Fx.restCLF])!, detect([Fx.httpCLF])!]
        var b = AccessRecordBuilder()
        for (p, l) in zip(parsers, lines) {
            l.withUnsafeBufferPointer { buf in
                XCTAssertNil(p.parse(buf, into: &b))
                // The scratch buffer itself (`bytes(_:)` would copy: its address says nothing).
                let before = b.withBytes(.requestId) { $0.baseAddress }
                for _ in 0..<10_000 { _ = p.parse(buf, into: &b) }
                let after = b.withBytes(.requestId) { $0.baseAddress }
                XCTAssertEqual(before, after, "scratch buffer reallocated")
            }
        }
        // Source guard: the parsing files create no Strings on the hot path.
        let dir = URLLike.sources
        for file in ["JSONScanner.swift", "Apply.swift"] {
            let text = (try? String(contentsOfFile: dir + file, encoding: .utf8)) ?? ""
            XCTAssertFalse(text.contains("String(decoding") || text.contains("utf8String") || text.contains(": String"), file)
        }
    }
}

enum URLLike {
    static var sources: String {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/Sources/CorsscanAccessLog/"
    }
}

/// Throughput check, run on demand: `CORSSCAN_BENCH=1 swift test -c release --filter Bench`.
final class BenchTests: XCTestCase {
    func testBenchThroughput() throws {
        try XCTSkipUnless(getenv("CORSSCAN_BENCH") != nil, "set CORSSCAN_BENCH=1 to run")
        let cases: [(String, AccessLogParser, String)] = [
            ("json-suggested", AccessLogParser.recognisedJSON, Fx.suggested),
            ("rest-json", AccessLogParser.recognisedJSON, Fx.restJSON),
            ("template-json", try LogTemplate(Fx.suggestedTemplate).parser, Fx.suggested),
            ("rest-clf", detect([Fx.restCLF])!, Fx.restCLF),
            ("http-clf", detect([Fx.httpCLF])!, Fx.httpCLFParam),
        ]
        for (name, p, line) in cases {
            var buf: [UInt8] = []
            var offsets: [Range<Int>] = []
            while buf.count < 64 << 20 {
                let s = buf.count
                buf += line.utf8
                offsets.append(s..<buf.count)
                buf.append(ASCII.lf)
            }
            var b = AccessRecordBuilder()
            var ok = 0
            let start = DispatchTime.now().uptimeNanoseconds
            buf.withUnsafeBufferPointer { all in
                for r in offsets where p.parse(UnsafeBufferPointer(rebasing: all[r]), into: &b) == nil { ok += 1 }
            }
            let ns = Double(DispatchTime.now().uptimeNanoseconds - start)
            XCTAssertEqual(ok, offsets.count)
            print("BENCH \(name): \(Int(Double(buf.count) / ns * 1000)) MB/s")
        }
    }
}

final class RobustnessTests: XCTestCase {
    /// Every prefix of every fixture through every parser, the detector and the envelope
    /// scanner: no crash, and a result for each.
    func testTruncatedLinesNeverCrash() throws {
        let fixtures = [Fx.restCLF, Fx.restCLFNoSpace, Fx.restJSON, Fx.restXML, Fx.restCSV, Fx.httpCLFParam, Fx.httpJSON,
                        Fx.httpXML, Fx.httpCSV, Fx.serverlessKV, Fx.terraform, Fx.errorAware, Fx.suggested,
                        EnvelopeTests.twoEvents, "2026-11-21T09:45:11.812000+00:00 9f1c3d5e " + Fx.httpJSON,
                        #"{"a":"\u12"#, #"{"a":"x\"#, #"{"a":[{"b":"\""#, "\\", "\"", "{", "["]
        var parsers = [AccessLogParser.recognisedJSON, AccessLogParser.serverlessKeyValue] + AccessLogDetector.presets
        parsers.append(try LogTemplate(Fx.suggestedTemplate).parser)
        parsers.append(try LogTemplate("$context.identity.userAgent $context.httpMethod $context.requestTime $context.status").parser)
        parsers += parsers.map { $0.wrapped(.cwlExport) }
        var b = AccessRecordBuilder()
        for f in fixtures {
            let bytes = f.bytes
            for n in 0...bytes.count {
                let cut = Array(bytes[0..<n])
                cut.withUnsafeBufferPointer { p in
                    for parser in parsers { _ = parser.parse(p, into: &b) }
                    var c = 0
                    _ = LogEventContainer.scan(p, eventCount: &c) { _, _ in }
                }
                _ = AccessLogDetector.detect(sampleLines: [cut], template: nil)
            }
        }
    }

    /// `SWAR.find` (SSE2 blocks on x86-64, the last one overlapping) and its word form give
    /// the first match or the end for every range of buffers up to 80 bytes: the byte absent,
    /// once, or at two places, its neighbours in value around it, and the buffer at every
    /// offset of a larger allocation.
    func testFindByteMatchesPlainLoop() {
        var checked = 0
        let target: UInt8 = 0x20
        for n in 0...80 {
            for places in [[], [0], [n - 1], [n / 2], [n / 3, n - 2], [15, 16], [16, 17], [31, 47]] {
                var bytes = (0..<n).map { UInt8(0x1F + ($0 % 3) * 2) }  // 0x1F, 0x21, 0x23: near misses
                for q in places where q >= 0 && q < n { bytes[q] = target }
                for offset in [0, 1, 7, 15] {
                    let padded = [UInt8](repeating: target, count: offset) + bytes + [target]
                    padded.withUnsafeBufferPointer { all in
                        let p = UnsafeBufferPointer(rebasing: all[offset..<(offset + n)])
                        let base = p.baseAddress!
                        for lo in 0...n {
                            for hi in stride(from: lo, through: n, by: max(1, (n - lo) / 7)) {
                                var expected = lo
                                while expected < hi, p[expected] != target { expected += 1 }
                                XCTAssertEqual(SWAR.find(target, p, lo, hi), expected, "n \(n) \(places) [\(lo), \(hi)) +\(offset)")
                                XCTAssertEqual(SWAR.findWords(target, base, lo, hi), expected, "words n \(n) [\(lo), \(hi))")
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 100_000)
    }

    /// `JSONScanner.nextQuoteOrBackslash` (SSE2 on x86-64) and its word form agree with a
    /// plain loop from every start in buffers up to 80 bytes with a quote, a backslash, both
    /// or neither at places around the 16-byte blocks.
    func testNextQuoteOrBackslashMatchesPlainLoop() {
        var checked = 0
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        for n in 0...80 {
            for marks in [[], [(0, quote)], [(n - 1, backslash)], [(15, quote)], [(16, backslash)],
                          [(n / 2, backslash), (n - 2, quote)], [(31, quote), (47, backslash)]] {
                var bytes = (0..<n).map { UInt8(0x21 + ($0 % 4) * 0x1D) }  // !, >, [, x: no quote or backslash
                for (q, b) in marks where q >= 0 && q < n { bytes[q] = b }
                for offset in [0, 3, 9] {
                    let padded = [UInt8](repeating: quote, count: offset) + bytes + [quote, backslash]
                    padded.withUnsafeBufferPointer { all in
                        let p = UnsafeBufferPointer(rebasing: all[offset..<(offset + n)])
                        for from in 0...(n + 1) {
                            var expected = min(from, n)
                            while expected < n, p[expected] != quote, p[expected] != backslash { expected += 1 }
                            XCTAssertEqual(JSONScanner.nextQuoteOrBackslash(p, from), expected, "n \(n) from \(from) +\(offset)")
                            XCTAssertEqual(JSONScanner.nextQuoteOrBackslashWords(p, from), expected, "words n \(n) from \(from)")
                            checked += 1
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 30_000)
    }

    /// Both SSE2 searches read nothing past the end of their range: each buffer ends at a
    /// page made unreadable, so a read beyond it would crash the test.
    func testSearchesStopAtTheEndOfTheirRange() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let raw = mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else { throw XCTSkip("mmap failed") }
        defer { munmap(raw, 2 * page) }
        XCTAssertEqual(mprotect(raw + page, page, PROT_NONE), 0)
        let end = raw.assumingMemoryBound(to: UInt8.self) + page
        var checked = 0
        for n in 0...70 {
            let start = end - n
            for i in 0..<n { start[i] = UInt8(ascii: "a") }
            let p = UnsafeBufferPointer(start: start, count: n)
            for lo in 0...n {
                XCTAssertEqual(SWAR.find(UInt8(ascii: " "), p, lo, n), n)
                XCTAssertEqual(JSONScanner.nextQuoteOrBackslash(p, lo), n)
                checked += 1
            }
            if n > 0 {
                start[n - 1] = UInt8(ascii: "\\")
                XCTAssertEqual(SWAR.find(UInt8(ascii: "\\"), p, 0, n), n - 1)
                XCTAssertEqual(JSONScanner.nextQuoteOrBackslash(p, 0), n - 1)
            }
        }
        XCTAssertGreaterThan(checked, 2_000)
    }
}

