import CorsscanCore
import XCTest

@testable import CorsscanBrowser

/// A small realistic Chrome HAR: a blocked POST (gateway 401 without CORS headers) with
/// its passing preflight listed after it, a normal same-origin document request, a
/// cross-origin GET that passes, a blocked PUT whose preflight does not list
/// `authorization`, and a preflight rejected with 403 whose request was never sent.
let harFixture = #"""
{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[{"startedDateTime":"2026-11-21T09:45:10.002Z","id":"page_3","title":"https://app.example.com/checkout","pageTimings":{"onContentLoad":412.5,"onLoad":903.1}}],"entries":[
 {"_initiator":{"type":"script"},"_priority":"High","_resourceType":"fetch","cache":{},"pageref":"page_3",
  "request":{"method":"POST","url":"https://api.example.com/prod/orders","httpVersion":"","headers":[{"name":":authority","value":"api.example.com"},{"name":":method","value":"POST"},{"name":"content-type","value":"application/json"},{"name":"origin","value":"https://app.example.com"},{"name":"referer","value":"https://app.example.com/"},{"name":"sec-fetch-mode","value":"cors"},{"name":"user-agent","value":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":23,"postData":{"mimeType":"application/json","text":"{\"sku\":\"A-100\",\"qty\":1}"}},
  "response":{"status":401,"statusText":"Unauthorized","httpVersion":"","headers":[{"name":"content-type","value":"application/json"},{"name":"x-amzn-requestid","value":"6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03"},{"name":"x-amzn-errortype","value":"UnauthorizedException"}],"cookies":[],"content":{"size":0,"mimeType":"x-unknown"},"redirectURL":"","headersSize":-1,"bodySize":-1,"_transferSize":0,"_error":"net::ERR_FAILED"},
  "serverIPAddress":"","startedDateTime":"2026-11-21T09:45:12.345Z","time":213.7,"timings":{"blocked":213.7,"dns":-1,"ssl":-1,"connect":-1,"send":0,"wait":0,"receive":0}},
 {"_initiator":{"type":"preflight","url":"https://api.example.com/prod/orders","requestId":"31440.755"},"_resourceType":"preflight","cache":{},"pageref":"page_3",
  "request":{"method":"OPTIONS","url":"https://api.example.com/prod/orders","httpVersion":"http/2.0","headers":[{"name":"access-control-request-headers","value":"content-type"},{"name":"access-control-request-method","value":"POST"},{"name":"origin","value":"https://app.example.com"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},
  "response":{"status":204,"statusText":"No Content","httpVersion":"http/2.0","headers":[{"name":"access-control-allow-headers","value":"Content-Type,X-Amz-Date,Authorization,X-Api-Key"},{"name":"access-control-allow-methods","value":"OPTIONS,GET,POST"},{"name":"access-control-allow-origin","value":"https://app.example.com"},{"name":"x-amzn-requestid","value":"70270ce2-4fb5-49ba-bb82-dc1f5879d188"}],"cookies":[],"content":{"size":0,"mimeType":"x-unknown"},"redirectURL":"","headersSize":-1,"bodySize":-1,"_error":null},
  "serverIPAddress":"198.51.100.80","startedDateTime":"2026-11-21T09:45:12.347Z","time":96.2,"timings":{}},
 {"_resourceType":"document","request":{"method":"GET","url":"https://app.example.com/checkout","headers":[{"name":"accept","value":"text/html"}]},
  "response":{"status":200,"headers":[{"name":"content-type","value":"text/html"}],"_error":null},"startedDateTime":"2026-11-21T09:45:10.002Z","timings":{}},
 {"_resourceType":"fetch","request":{"method":"GET","url":"https://api.example.com/prod/catalog","headers":[{"name":"origin","value":"https://app.example.com"}]},
  "response":{"status":200,"headers":[{"name":"access-control-allow-origin","value":"*"}],"_error":null},"startedDateTime":"2026-11-21T09:45:11.000Z","timings":{}},
 {"_resourceType":"fetch","request":{"method":"PUT","url":"https://api.example.com/prod/orders/42","headers":[{"name":"origin","value":"https://app.example.com"},{"name":"content-type","value":"application/json"}]},
  "response":{"status":0,"headers":[],"_error":"net::ERR_FAILED"},"startedDateTime":"2026-11-21T09:45:13.000Z","timings":{}},
 {"_initiator":{"type":"preflight","url":"https://api.example.com/prod/orders/42"},"_resourceType":"preflight","request":{"method":"OPTIONS","url":"https://api.example.com/prod/orders/42","headers":[{"name":"origin","value":"https://app.example.com"},{"name":"access-control-request-method","value":"PUT"},{"name":"access-control-request-headers","value":"authorization,content-type"}]},
  "response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example.com"},{"name":"Access-Control-Allow-Methods","value":"GET,PUT"},{"name":"Access-Control-Allow-Headers","value":"content-type"},{"name":"apigw-requestid","value":"Vx7kJhVxIAMEb9Q="}]},"startedDateTime":"2026-11-21T09:45:12.990Z","timings":{}},
 {"_resourceType":"preflight","request":{"method":"OPTIONS","url":"https://api.example.com/prod/items","headers":[{"name":"origin","value":"https://app.example.com"},{"name":"access-control-request-method","value":"DELETE"}]},
  "response":{"status":403,"headers":[{"name":"x-amzn-errortype","value":"MissingAuthenticationTokenException"},{"name":"x-amzn-requestid","value":"0b9d"}]},"startedDateTime":"2026-11-21T09:45:14.000Z","timings":{}}
]}}
"""#

final class HARTests: XCTestCase {
    func read(_ s: String) -> ([BrowserReport], InputStats) {
        var stats = InputStats(path: "x.har", kind: .browserReport, format: "har")
        var t = s
        let r = t.withUTF8 { HARReader.read($0, input: 5, stats: &stats) }
        return (r, stats)
    }

    func testFixture() {
        let (reports, stats) = read(harFixture)
        XCTAssertNil(stats.error)
        XCTAssertEqual(stats.lines, 7)
        XCTAssertEqual(stats.lines, stats.records + stats.skippedTotal)
        XCTAssertEqual(stats.records, 5)  // POST + preflight, PUT + preflight, lone preflight
        XCTAssertEqual(stats.skipped[.notCORS], 2)
        XCTAssertEqual(reports.count, 3)

        let post = reports[0]
        XCTAssertEqual(post.failureClass, .gatewayErrorMasked)
        XCTAssertEqual(post.stage, .response)
        XCTAssertEqual(post.status, 401)
        XCTAssertEqual(post.method, "POST")
        XCTAssertEqual(post.url, api)
        XCTAssertEqual(post.pageOrigin, app)
        XCTAssertEqual(post.time, t0)
        XCTAssertEqual(post.requestId, "6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03")
        XCTAssertEqual(post.browser, "chrome")
        XCTAssertEqual(post.confidence, .confirmed)
        XCTAssertEqual(post.location, SourceLocation(input: 5, line: 1))
        XCTAssertTrue(post.detail.contains("UnauthorizedException"))

        let put = reports[1]
        XCTAssertEqual(put.failureClass, .headerNotAllowed)
        XCTAssertEqual(put.stage, .preflight)
        XCTAssertEqual(put.offending, "authorization")
        XCTAssertEqual(put.requestId, "Vx7kJhVxIAMEb9Q=")
        XCTAssertEqual(put.detail, "Access-Control-Allow-Headers \"content-type\" does not list \"authorization\".")
        XCTAssertEqual(put.location.line, 5)

        let lone = reports[2]
        XCTAssertEqual(lone.failureClass, .missingAllowOrigin)
        XCTAssertEqual(lone.stage, .preflight)
        XCTAssertEqual(lone.status, 403)
        XCTAssertEqual(lone.method, "DELETE")
        XCTAssertEqual(lone.requestId, "0b9d")
    }

    func testWildcardBlockedAssumesCredentials() {
        let har = #"{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://api.example.com/me","headers":[{"name":"Origin","value":"https://app.example.com"}]},"response":{"status":200,"headers":[{"name":"access-control-allow-origin","value":"*"}],"_error":"net::ERR_FAILED"},"startedDateTime":"2026-11-21T09:45:12.345Z"}]}}"#
        let (reports, _) = read(har)
        XCTAssertEqual(reports.first?.failureClass, .wildcardWithCredentials)
        XCTAssertTrue(reports.first?.detail.contains("credentials") ?? false)
    }

    func testBlockedButHeadersPassIsUnknown() {
        let har = #"{"log":{"entries":[{"request":{"method":"GET","url":"https://api.example.com/me","headers":[{"name":"Origin","value":"https://app.example.com"}]},"response":{"status":200,"headers":[{"name":"access-control-allow-origin","value":"https://app.example.com"},{"name":"access-control-allow-credentials","value":"true"}],"_error":"net::ERR_FAILED"}}]}}"#
        let (reports, stats) = read(har)
        XCTAssertEqual(reports.first?.failureClass, .unknown)
        XCTAssertEqual(reports.first?.confidence, .inferred)
        XCTAssertEqual(stats.records, 1)
    }

    func testNotAHAR() {
        let (reports, stats) = read("{\"log\": [1, 2]}")
        XCTAssertTrue(reports.isEmpty)
        XCTAssertEqual(stats.error?.kind, .invalid)
        XCTAssertEqual(stats.error?.message, "no log.entries array (HAR expected)")
        // Cut short before any entry: named as truncated.
        XCTAssertEqual(read("{\"log\": [1, 2").1.error?.kind, .truncated)
        XCTAssertEqual(read("[1, }").1.error?.kind, .invalid)
    }
}

let execFixture = """
2026-11-21T09:45:11.812Z (0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Extended Request Id: Vx7kKFp3oAMEc1A=
2026-11-21T09:45:11.812Z (0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Starting execution for request: 0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410
2026-11-21T09:45:11.812Z (0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) HTTP Method: OPTIONS, Resource Path: /orders
2026-11-21T09:45:11.812Z (0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Method request headers: {Origin=https://app.example.com, sec-fetch-mode=cors, Access-Control-Request-Method=PUT, Access-Control-Request-Headers=authorization,content-type, User-Agent=Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36, Host=api.example.com, X-Forwarded-For=203.0.113.25, 10.0.0.1, Accept=*/*}
2026-11-21T09:45:11.813Z (0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Method response headers: {Access-Control-Allow-Origin=https://app.example.com, Access-Control-Allow-Methods=GET,POST,OPTIONS, Access-Control-Allow-Headers=Content-Type,Authorization, Content-Type=application/json}
2026-11-21T09:45:11.813Z (0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Successfully completed execution
2026-11-21T09:45:11.813Z (0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Method completed with status: 200
(11111111-2222-3333-4444-555555555555) HTTP Method: GET, Resource Path: /orders/{id}
(11111111-2222-3333-4444-555555555555) Method request headers: {origin=https://app.example.com, Accept=application/json, text/plain, */*, Host=api.example.com}
(11111111-2222-3333-4444-555555555555) Method response headers: {Content-Type=application/json, Date=Sat, 21 Nov 2026 09:45:12 GMT, Access-Control-Allow-Origin=https://app.example.com, https://app.example.com}
(11111111-2222-3333-4444-555555555555) Method completed with status: 200
(99999999-2222-3333-4444-555555555555) HTTP Method: GET, Resource Path: /ok
(99999999-2222-3333-4444-555555555555) Method request headers: {Origin=https://app.example.com, Host=api.example.com}
(99999999-2222-3333-4444-555555555555) Method response headers: {Access-Control-Allow-Origin=*}
(99999999-2222-3333-4444-555555555555) Method completed with status: 200
Sat Nov 21 09:45:11 UTC 2026 : Starting execution for request
"""

final class ExecutionLogTests: XCTestCase {
    func testFixture() {
        let lines = execFixture.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let (reports, outcomes) = feed(.executionLog, lines)
        XCTAssertEqual(outcomes[0], .notCORS)
        XCTAssertEqual(outcomes[2], nil)
        XCTAssertEqual(outcomes.last!, .unknownFormat)
        XCTAssertEqual(reports.count, 2)
        let pre = reports[0]
        XCTAssertEqual(pre.failureClass, .methodNotAllowed)
        XCTAssertEqual(pre.stage, .preflight)
        XCTAssertEqual(pre.offending, "PUT")
        XCTAssertEqual(pre.requestId, "0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410")
        XCTAssertEqual(pre.url, "/orders")
        XCTAssertEqual(pre.method, "PUT")
        XCTAssertEqual(pre.status, 200)
        XCTAssertEqual(pre.clientIP, "203.0.113.25")
        XCTAssertEqual(pre.pageOrigin, app)
        XCTAssertEqual(pre.time, 1_795_254_311_812)
        XCTAssertEqual(pre.browser, "chrome")
        XCTAssertEqual(pre.confidence, .confirmed)
        let multi = reports[1]
        XCTAssertEqual(multi.failureClass, .multipleAllowOrigin)
        XCTAssertEqual(multi.stage, .response)
        XCTAssertEqual(multi.url, "/orders/{id}")
        XCTAssertEqual(multi.location.line, 8)
    }

    func testHeaderMapSplitting() {
        let (h, t) = ExecutionLogCollector.parseMap("{Accept=application/json, text/plain, */*, Date=Sat, 21 Nov 2026 09:45:12 GMT, X-Forwarded-For=a, b, origin=https://x}")
        XCTAssertFalse(t)
        XCTAssertEqual(h.map(\.name), ["Accept", "Date", "X-Forwarded-For", "origin"])
        XCTAssertEqual(h[0].value, "application/json, text/plain, */*")
        XCTAssertEqual(h[1].value, "Sat, 21 Nov 2026 09:45:12 GMT")
        XCTAssertEqual(h[2].value, "a, b")
        let (h2, t2) = ExecutionLogCollector.parseMap("{Origin=https://app.example.com, User-Agent=Mozilla/5.0 (X11; Lin [TRUNCATED]")
        XCTAssertTrue(t2)
        XCTAssertEqual(h2.count, 2)
        XCTAssertEqual(ExecutionLogCollector.parseMap("{}").0.count, 0)
    }

    func testTruncatedResponseCannotProveMissingHeader() {
        let lines = [
            "(aaaaaaaa-2222-3333-4444-555555555555) HTTP Method: GET, Resource Path: /x",
            "(aaaaaaaa-2222-3333-4444-555555555555) Method request headers: {Origin=https://app.example.com}",
            "(aaaaaaaa-2222-3333-4444-555555555555) Method response headers: {Content-Type=application/json, X-A=b [TRUNCATED]",
            "(aaaaaaaa-2222-3333-4444-555555555555) Method completed with status: 200",
        ]
        XCTAssertTrue(feed(.executionLog, lines).reports.isEmpty)
    }
}

final class DetectorAndJSONTests: XCTestCase {
    func detect(_ lines: [String]) -> BrowserFormat? {
        BrowserDetector.detect(sampleLines: lines.map { Array($0.utf8) }, firstBytes: Array(lines.joined(separator: "\n").utf8.prefix(4096)))
    }

    func testDetection() {
        XCTAssertEqual(detect([harFixture]), .har)
        XCTAssertEqual(detect(["{", "  \"log\": {", "    \"version\": \"1.2\","]), .har)
        XCTAssertEqual(detect(["[HMR] connected", chromePrefix + "No 'Access-Control-Allow-Origin' header is present on the requested resource."]), .console)
        XCTAssertEqual(detect(["[Error] Preflight response is not successful. Status code: 403"]), .console)
        XCTAssertEqual(detect([ffPrefix + "CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 403."]), .console)
        XCTAssertEqual(detect([#"{"level": "SEVERE", "message": "https://app.example.com/ - x", "source": "javascript", "timestamp": 1795254312345}"#]), .webdriverLog)
        XCTAssertEqual(detect([#"{"message": "TypeError: Failed to fetch", "ts": 1795254312345}"#]), .beacon)
        XCTAssertEqual(detect([#"{"method":"Network.requestWillBeSent","params":{}}"#]), .cdp)
        XCTAssertEqual(detect(execFixture.split(separator: "\n").map(String.init)), .executionLog)
        XCTAssertNil(detect([#"{"requestId":"abc","ip":"1.2.3.4","httpMethod":"GET","status":"403","message":"x"}"#]))
        XCTAssertNil(detect(["127.0.0.1 - - [21/Nov/2026:09:45:12 +0000] \"GET / HTTP/1.1\" 200 12"]))
        XCTAssertNil(detect([]))
    }

    func testJSONValue() {
        let v = JSONValue.parse(#" {"a": [1, -2.5e2, true, false, null], "s": "x\"\u00e9\ud83d\ude00\n", "o": {"k": "v"}, "a": 9} "#)
        XCTAssertEqual(v?["a"]?[1]?.double, -250)
        XCTAssertEqual(v?["a"]?[2]?.bool, true)
        XCTAssertEqual(v?["a"]?[4], .null)
        XCTAssertEqual(v?["s"]?.string, "x\"é😀\n")
        XCTAssertEqual(v?.path("o.k")?.string, "v")
        XCTAssertEqual(v?.member(ignoringCase: "O")?["k"]?.string, "v")
        XCTAssertEqual(JSONValue.parse("1795254312345")?.int64, 1_795_254_312_345)
        XCTAssertEqual(JSONValue.parse("403")?.text, "403")
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "\"\u{01}\"", "tru", "{} x", "1.", "\"\\x\""] {
            XCTAssertNil(JSONValue.parse(bad), bad)
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertNil(JSONValue.parse(deep))
        XCTAssertNotNil(JSONValue.parse(deep, maxDepth: 200))
    }
}
