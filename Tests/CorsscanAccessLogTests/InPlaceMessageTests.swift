import XCTest
@testable import CorsscanAccessLog
import CorsscanCore

/// `AccessLogParser.parseInPlace`: a Firehose message parsed while still escaped gives
/// exactly what unescaping it and `parse(message:)` give, message after message, whatever
/// the messages' escapes, shapes and layout changes.
final class InPlaceMessageTests: XCTestCase {
    /// A record as compared: every field's bytes and every number.
    private func snapshot(_ b: AccessRecordBuilder) -> String {
        var s = "\(b.time) \(b.timeInSeconds) \(b.method) \(b.status) \(b.integrationStatus) \(b.latencyMs) \(b.responseLength)"
        for f in AccessRecord.Field.allCases { s += " \(f)=" + String(decoding: b.bytes(f), as: UTF8.self) }
        return s
    }

    /// The JSON text as it stands inside a JSON string (what an envelope's `message` holds).
    private func escape(_ json: String, slashes: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        for c in json.utf8 {
            switch c {
            case ASCII.quote, ASCII.backslash: out += [ASCII.backslash, c]
            case ASCII.slash where slashes: out += [ASCII.backslash, c]
            case ASCII.lf: out += Array(#"\n"#.utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", c).utf8)
            default: out.append(c)
            }
        }
        return out
    }

    private func messages() -> [[UInt8]] {
        func rec(_ i: Int, ua: String = "Mozilla/5.0 (X11; Linux x86_64)", status: String = "200", method: String = "GET") -> String {
            #"{"requestId":"r-\#(i)","ip":"203.0.113.\#(i % 200)","requestTime":"21/Nov/2026:08:00:\#(String(format: "%02d", i % 60)) +0000","httpMethod":"\#(method)","resourcePath":"/orders/{id}","status":"\#(status)","protocol":"HTTP/1.1","responseLength":"\#(i)","userAgent":"\#(ua)","responseLatency":\#(i % 90)}"#
        }
        var out: [[UInt8]] = []
        for i in 0..<400 {
            // One message in seven is odd, each kind a few times.
            switch i % 7 == 3 ? 3 + (i / 7) % 18 : 0 {
            case 3: out.append(escape(rec(i, ua: #"curl "quoted" \ back"#)))               // escapes inside a value
            case 5: out.append(escape(rec(i), slashes: true))                             // `\/` everywhere
            case 7: out.append(escape(rec(i, ua: "café ☕")))                                // non-ASCII, raw
            case 8: out.append(Array(#"{\"requestId\":\"u\",\"ua\":\"caf\u00e9\"}"#.utf8))  // \u escape
            case 9: out.append(escape(rec(i, status: "403", method: "OPTIONS")))
            case 11: out.append(escape(#"{"requestId":"r-\#(i)","ip":"203.0.113.9"}"#))     // another layout, no time
            case 12: out.append(escape(rec(i)) + Array(#" trailing"#.utf8))
            case 13: out.append(escape(rec(i).replacingOccurrences(of: #""responseLatency":"#, with: #""responseLatency":"x"#)))
            case 14: out.append(escape(rec(i).replacingOccurrences(of: #""responseLatency":\#(i % 90)"#, with: #""responseLatency":"\#(i % 90)""#)))
            case 15: out.append(escape(rec(i, ua: "line\nbreak")))
            case 16: out.append(Array(escape(rec(i)).dropLast(3)))                           // cut short
            case 17: out.append(Array(#"198.51.100.1 - - [21/Nov/2026:08:00:00 +0000] \"GET /x HTTP/1.1\" 200 12"#.utf8))
            case 18: out.append([])
            case 19: out.append(escape(rec(i).replacingOccurrences(of: #""status":"200""#, with: #""status":"-""#)))
            case 20: out.append(Array(escape(rec(i)).map { $0 == ASCII.quote ? ASCII.quote : $0 }.dropFirst()))  // no `{`
            default: out.append(escape(rec(i)))
            }
        }
        // The layout changes half-way: other keys in another order, with spaces.
        for i in 0..<200 {
            out.append(escape(#"{ "status": "\#(i % 3 == 0 ? 500 : 204)", "httpMethod": "POST", "requestTime": "21/Nov/2026:09:00:00 +0000", "ip": "198.51.100.\#(i)" }"#))
        }
        return out
    }

    private func unescaped(_ m: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        return m.withUnsafeBufferPointer { LogEventContainer.unescape($0, using: &buffer) { Array($0) } }
    }

    func testInPlaceGivesWhatUnescapingGives() throws {
        let template = try LogTemplate(#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","userAgent":"$context.identity.userAgent","responseLatency":$context.responseLatency}"#)
        for parser in [AccessLogParser.recognisedJSON, template.parser] {
            var inPlaceCache = AccessLogParser.Cache(), plainCache = AccessLogParser.Cache()
            var a = AccessRecordBuilder(), b = AccessRecordBuilder()
            var inPlace = 0, fellBack = 0
            for (i, m) in messages().enumerated() {
                let plain = unescaped(m)
                let want = plain.withUnsafeBufferPointer {
                    parser.parse(message: $0, fallbackTime: 1_795_248_000_000, into: &b, cache: &plainCache)
                }
                let got: SkipReason?
                switch m.withUnsafeBufferPointer({
                    parser.parseInPlace(escapedMessage: $0, fallbackTime: 1_795_248_000_000, into: &a, cache: &inPlaceCache)
                }) {
                case .record: got = nil; inPlace += 1
                case .skipped(let r): got = r; inPlace += 1
                case .unescapeFirst:
                    fellBack += 1
                    got = plain.withUnsafeBufferPointer {
                        parser.parse(message: $0, fallbackTime: 1_795_248_000_000, into: &a, cache: &inPlaceCache)
                    }
                }
                XCTAssertEqual(got, want, "message \(i): \(String(decoding: m, as: UTF8.self))")
                if want == nil { XCTAssertEqual(snapshot(a), snapshot(b), "message \(i)") }
            }
            // Most messages fit the layout where they lie; every odd one was unescaped first.
            XCTAssertGreaterThan(inPlace, 300, "\(parser.format)")
            XCTAssertGreaterThan(fellBack, 30, "\(parser.format)")
        }
    }

    /// The escaped layout stops being tried when messages keep not fitting it.
    func testGivesUpOnMessagesEscapedAnotherWay() {
        var cache = AccessLogParser.Cache()
        var r = AccessRecordBuilder()
        let parser = AccessLogParser.recognisedJSON
        let first = escape(#"{"requestId":"r","ip":"203.0.113.1","requestTime":"21/Nov/2026:08:00:00 +0000","httpMethod":"GET","resourcePath":"/a","status":"200"}"#)
        _ = unescaped(first).withUnsafeBufferPointer { parser.parse(message: $0, fallbackTime: nil, into: &r, cache: &cache) }
        let slashed = escape(#"{"requestId":"r","ip":"203.0.113.1","requestTime":"21/Nov/2026:08:00:00 +0000","httpMethod":"GET","resourcePath":"/a","status":"200"}"#, slashes: true)
        var tried = 0
        for _ in 0..<200 {
            let result = slashed.withUnsafeBufferPointer { parser.parseInPlace(escapedMessage: $0, fallbackTime: nil, into: &r, cache: &cache) }
            XCTAssertEqual(result, .unescapeFirst)
            if cache.escapedLayout != nil { tried += 1 }
            _ = unescaped(slashed).withUnsafeBufferPointer { parser.parse(message: $0, fallbackTime: nil, into: &r, cache: &cache) }
        }
        XCTAssertNil(cache.escapedLayout)
        XCTAssertLessThan(tried, 100)
    }
}
