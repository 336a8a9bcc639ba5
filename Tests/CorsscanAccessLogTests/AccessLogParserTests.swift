import XCTest
@testable import CorsscanAccessLog
import CorsscanCore

/// Fixture lines modelled on reference/apigateway-logs.md §1.2–1.3, §4.
enum Fx {
    static let restCLF = #"203.0.113.25 - - [21/Nov/2026:09:45:12 +0000] "GET /orders/{orderId} HTTP/1.1" 200 512 6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03 Vx7kJhVxIAMEb9Q="#
    static let restCLFOld = #"203.0.113.25 - - [21/Nov/2026:09:45:12 +0000] "GET /orders/{orderId} HTTP/1.1" 200 512 6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03"#
    static let restCLFNoSpace = #"203.0.113.25 - - [21/Nov/2026:09:45:12 +0000]"OPTIONS /orders HTTP/1.1" 403 42 0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410 Vx7kKFp3oAMEc1A="#
    static let restJSON = #"{ "requestId":"6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03", "extendedRequestId":"Vx7kJhVxIAMEb9Q=", "ip": "203.0.113.25", "caller":"-", "user":"-", "requestTime":"21/Nov/2026:09:45:12 +0000", "httpMethod":"GET", "resourcePath":"/orders/{orderId}", "status":"200", "protocol":"HTTP/1.1", "responseLength":"512" }"#
    static let restXML = #"<request id="6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03"> <extendedRequestId>Vx7kJhVxIAMEb9Q=</extendedRequestId> <ip>203.0.113.25</ip> <caller>-</caller> <user>-</user> <requestTime>21/Nov/2026:09:45:12 +0000</requestTime> <httpMethod>GET</httpMethod> <resourcePath>/orders/{orderId}</resourcePath> <status>200</status> <protocol>HTTP/1.1</protocol> <responseLength>512</responseLength> </request>"#
    static let restCSV = #"203.0.113.25,-,-,21/Nov/2026:09:45:12 +0000,GET,/orders/{orderId},HTTP/1.1,200,512,6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03,Vx7kJhVxIAMEb9Q="#
    static let restPreflight = #"{ "requestId":"0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410", "extendedRequestId":"Vx7kKFp3oAMEc1A=", "ip": "203.0.113.25", "caller":"-", "user":"-", "requestTime":"21/Nov/2026:09:45:11 +0000", "httpMethod":"OPTIONS", "resourcePath":"-", "status":"403", "protocol":"HTTP/1.1", "responseLength":"42" }"#

    static let httpCLF = #"203.0.113.25 - - [21/Nov/2026:09:45:12 +0000] "POST POST /orders HTTP/1.1" 401 26 Vx7kLd2tIAMEa3w="#
    static let httpCLFDefault = #"203.0.113.25 - - [21/Nov/2026:09:45:12 +0000] "GET $default HTTP/1.1" 200 17 Vx7kLd2tIAMEa3w="#
    static let httpCLFNoRoute = #"203.0.113.25 - - [21/Nov/2026:09:45:12 +0000] "OPTIONS - HTTP/1.1" 404 23 Vx7kLd2tIAMEa3w="#
    static let httpCLFParam = #"203.0.113.25 - - [21/Nov/2026:09:45:12 +0000] "GET GET /orders/{id} HTTP/1.1" 200 512 Vx7kLd2tIAMEa3w="#
    static let httpJSON = #"{ "requestId":"Vx7kLd2tIAMEa3w=", "ip": "203.0.113.25", "requestTime":"21/Nov/2026:09:45:12 +0000", "httpMethod":"POST","routeKey":"POST /orders", "status":"401","protocol":"HTTP/1.1", "responseLength":"26" }"#
    static let httpXML = #"<request id="Vx7kLd2tIAMEa3w="> <ip>203.0.113.25</ip> <requestTime>21/Nov/2026:09:45:12 +0000</requestTime> <httpMethod>POST</httpMethod> <routeKey>POST /orders</routeKey> <status>401</status> <protocol>HTTP/1.1</protocol> <responseLength>26</responseLength> </request>"#
    static let httpCSV = #"203.0.113.25,21/Nov/2026:09:45:12 +0000,POST,POST /orders,HTTP/1.1,401,26,Vx7kLd2tIAMEa3w="#

    static let cdkJSON = #"{"requestId":"6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03","ip":"203.0.113.25","user":"-","caller":"-","requestTime":"21/Nov/2026:09:45:12 +0000","httpMethod":"GET","resourcePath":"/orders/{orderId}","status":"200","protocol":"HTTP/1.1","responseLength":"512"}"#
    static let serverlessKV = "requestId: 6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03, ip: 203.0.113.25, caller: -, user: -, requestTime: 21/Nov/2026:09:45:12 +0000, httpMethod: OPTIONS, resourcePath: /orders, status: 200, protocol: HTTP/1.1, responseLength: 0"
    static let terraform = #"{"httpMethod":"GET","integrationErrorMessage":"-","protocol":"HTTP/1.1","requestId":"Vdntpho8IAMEVSQ=","requestTime":"21/Nov/2026:09:45:12 +0000","resourcePath":"-","responseLength":"607","routeKey":"ANY /{proxy+}","sourceIp":"203.0.113.25","status":"200"}"#
    static let errorAware = #"{"requestId":"bf04adbf-eacc-4601-8c14-94605f242e1a","extendedRequestId":"Sca3bFUQgi0EYeA=","identitySourceIp":"198.51.100.7","requestTime":"21/Nov/2026:06:47:49 +0000","requestTimeEpoch":"1795243669673","httpMethod":"POST","status":"500","routeKey":"-","errorMessage":"Internal server error","errorResponseType":"DEFAULT_5XX","integrationError":"Execution failed due to configuration error: PKIX path building failed: …","wafStatus":"200","wafLatency":"10","stage":"test"}"#
    static let ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    static let suggested = #"{"requestId":"0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410","extendedRequestId":"Vx7kKFp3oAMEc1A=","ip":"203.0.113.25","userAgent":"\#(ua)","requestTimeEpoch":"1795254311812","httpMethod":"OPTIONS","resourcePath":"-","path":"/prod/orders","status":"403","responseType":"MISSING_AUTHENTICATION_TOKEN","errorMessage":"Missing Authentication Token","integrationStatus":"-","integrationError":"-","authorizerError":"-","authorizeStatus":"-","wafStatus":"-","responseLatency":"3","domainName":"api.example.com","stage":"prod"}"#

    static let restCLFTemplate = presetTemplates[0].template
    static let suggestedTemplate = #"{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent","requestTimeEpoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","path":"$context.path","status":"$context.status","responseType":"$context.error.responseType","errorMessage":"$context.error.message","integrationStatus":"$context.integration.status","integrationError":"$context.integration.error","authorizerError":"$context.authorizer.error","authorizeStatus":"$context.authorize.status","wafStatus":"$context.waf.status","responseLatency":"$context.responseLatency","domainName":"$context.domainName","stage":"$context.stage"}"#

    static let t0912: Int64 = 1_795_254_312_000  // 21/Nov/2026:09:45:12 +0000
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

func parse(_ parser: AccessLogParser, _ line: String) -> (SkipReason?, AccessRecord) {
    var b = AccessRecordBuilder()
    let r = line.bytes.withUnsafeBufferPointer { parser.parse($0, into: &b) }
    return (r, b.build(location: SourceLocation(input: 0, line: 1)))
}

func detect(_ lines: [String], template: LogTemplate? = nil) -> AccessLogParser? {
    AccessLogDetector.detect(sampleLines: lines.map(\.bytes), template: template)
}

final class PresetTests: XCTestCase {
    func check(_ line: String, format: String, method: HTTPMethod, status: UInt16,
               fields: [AccessRecord.Field: String], time: Int64 = Fx.t0912, seconds: Bool = true,
               length: Int32 = -1, file: StaticString = #filePath, lineNo: UInt = #line) {
        guard let p = detect([line]) else { return XCTFail("not detected: \(line)", file: file, line: lineNo) }
        XCTAssertEqual(p.format, format, file: file, line: lineNo)
        let (r, rec) = parse(p, line)
        XCTAssertNil(r, file: file, line: lineNo)
        XCTAssertEqual(rec.method, method, file: file, line: lineNo)
        XCTAssertEqual(rec.status, status, file: file, line: lineNo)
        XCTAssertEqual(rec.time, time, file: file, line: lineNo)
        XCTAssertEqual(rec.timeInSeconds, seconds, file: file, line: lineNo)
        if length >= 0 { XCTAssertEqual(rec.responseLength, length, file: file, line: lineNo) }
        for (f, v) in fields { XCTAssertEqual(rec.string(f), v, "\(f)", file: file, line: lineNo) }
    }

    let restFields: [AccessRecord.Field: String] = [
        .sourceIP: "203.0.113.25", .resourcePath: "/orders/{orderId}",
        .requestId: "6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03", .extendedRequestId: "Vx7kJhVxIAMEb9Q=",
    ]

    func testRESTPresets() {
        check(Fx.restCLF, format: "rest-clf", method: .get, status: 200, fields: restFields, length: 512)
        check(Fx.restJSON, format: "rest-json", method: .get, status: 200, fields: restFields, length: 512)
        check(Fx.restXML, format: "rest-xml", method: .get, status: 200, fields: restFields, length: 512)
        check(Fx.restCSV, format: "rest-csv", method: .get, status: 200, fields: restFields, length: 512)
        var old = restFields
        old[.extendedRequestId] = nil
        check(Fx.restCLFOld, format: "rest-clf", method: .get, status: 200, fields: old, length: 512)
        let (_, rec) = parse(detect([Fx.restCLFOld])!, Fx.restCLFOld)
        XCTAssertFalse(rec.has(.extendedRequestId))
        check(Fx.restCLFNoSpace, format: "rest-clf", method: .options, status: 403,
              fields: [.resourcePath: "/orders", .extendedRequestId: "Vx7kKFp3oAMEc1A="], length: 42)
    }

    func testRejectedPreflight() {
        check(Fx.restPreflight, format: "rest-json", method: .options, status: 403,
              fields: [.requestId: "0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410"], time: Fx.t0912 - 1000, length: 42)
        let (_, rec) = parse(detect([Fx.restPreflight])!, Fx.restPreflight)
        XCTAssertFalse(rec.has(.resourcePath))
    }

    func testHTTPPresets() {
        let f: [AccessRecord.Field: String] = [.sourceIP: "203.0.113.25", .routeKey: "POST /orders", .requestId: "Vx7kLd2tIAMEa3w="]
        check(Fx.httpCLF, format: "http-clf", method: .post, status: 401, fields: f, length: 26)
        check(Fx.httpJSON, format: "http-json", method: .post, status: 401, fields: f, length: 26)
        check(Fx.httpXML, format: "http-xml", method: .post, status: 401, fields: f, length: 26)
        check(Fx.httpCSV, format: "http-csv", method: .post, status: 401, fields: f, length: 26)
    }

    func testHTTPCLFRouteKeys() {
        let p = detect([Fx.httpCLF, Fx.httpCLFParam])!
        XCTAssertEqual(p.format, "http-clf")
        var (r, rec) = parse(p, Fx.httpCLFParam)
        XCTAssertNil(r)
        XCTAssertEqual(rec.method, .get)
        XCTAssertEqual(rec.string(.routeKey), "GET /orders/{id}")
        (r, rec) = parse(p, Fx.httpCLFDefault)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.routeKey), "$default")
        (r, rec) = parse(p, Fx.httpCLFNoRoute)
        XCTAssertNil(r)
        XCTAssertEqual(rec.method, .options)
        XCTAssertNil(rec.string(.routeKey))
        XCTAssertEqual(rec.status, 404)
    }

    func testCDKServerlessTerraform() {
        check(Fx.cdkJSON, format: "rest-json", method: .get, status: 200,
              fields: [.sourceIP: "203.0.113.25", .resourcePath: "/orders/{orderId}"])
        check(Fx.restCLFOld, format: "rest-clf", method: .get, status: 200, fields: [:])  // CDK clf()
        check(Fx.serverlessKV, format: "serverless-kv", method: .options, status: 200,
              fields: [.sourceIP: "203.0.113.25", .resourcePath: "/orders",
                       .requestId: "6f1c2a9e-3b7d-4c55-9a10-2f8e7d4b1c03"], length: 0)
        check(Fx.terraform, format: "json", method: .get, status: 200,
              fields: [.sourceIP: "203.0.113.25", .routeKey: "ANY /{proxy+}", .requestId: "Vdntpho8IAMEVSQ="], length: 607)
        let (_, rec) = parse(detect([Fx.terraform])!, Fx.terraform)
        XCTAssertFalse(rec.has(.resourcePath))
        XCTAssertFalse(rec.has(.integrationError))
    }

    func testErrorAwareAndSuggested() {
        check(Fx.errorAware, format: "json", method: .post, status: 500,
              fields: [.sourceIP: "198.51.100.7", .errorType: "DEFAULT_5XX", .errorMessage: "Internal server error",
                       .stage: "test", .extendedRequestId: "Sca3bFUQgi0EYeA=",
                       .integrationError: "Execution failed due to configuration error: PKIX path building failed: …"],
              time: 1_795_243_669_673, seconds: false)
        check(Fx.suggested, format: "json", method: .options, status: 403,
              fields: [.userAgent: Fx.ua, .path: "/prod/orders", .errorType: "MISSING_AUTHENTICATION_TOKEN",
                       .errorMessage: "Missing Authentication Token", .domainName: "api.example.com", .stage: "prod"],
              time: 1_795_254_311_812, seconds: false)
        let (_, rec) = parse(AccessLogParser.recognisedJSON, Fx.suggested)
        XCTAssertEqual(rec.latencyMs, 3)
        XCTAssertEqual(rec.integrationStatus, 0)
        XCTAssertFalse(rec.has(.authorizerError))
    }

    func testSuggestedTemplate() throws {
        let t = try LogTemplate(Fx.suggestedTemplate)
        let (r, rec) = parse(t.parser, Fx.suggested)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), Fx.ua)
        XCTAssertEqual(rec.time, 1_795_254_311_812)
        XCTAssertEqual(rec.string(.errorType), "MISSING_AUTHENTICATION_TOKEN")
        XCTAssertEqual(rec.latencyMs, 3)
        XCTAssertEqual(detect([Fx.suggested], template: t)?.format, "custom")
    }

    func testEpochBeatsRequestTimeAnyOrder() {
        let a = #"{"requestTime":"21/Nov/2026:09:45:12 +0000","requestTimeEpoch":1795254312345,"httpMethod":"GET","requestId":"x"}"#
        let b = #"{"requestTimeEpoch":1795254312345,"requestTime":"21/Nov/2026:09:45:12 +0000","httpMethod":"GET","requestId":"x"}"#
        for l in [a, b] {
            let (r, rec) = parse(AccessLogParser.recognisedJSON, l)
            XCTAssertNil(r)
            XCTAssertEqual(rec.time, 1_795_254_312_345)
            XCTAssertFalse(rec.timeInSeconds)
        }
        // 10-digit epoch (HTTP APIs may log seconds).
        let s = #"{"requestTimeEpoch":"1795254312","httpMethod":"GET"}"#
        let (r, rec) = parse(AccessLogParser.recognisedJSON, s)
        XCTAssertNil(r)
        XCTAssertEqual(rec.time, Fx.t0912)
        XCTAssertTrue(rec.timeInSeconds)
    }

    /// No `httpMethod`: the method comes from the route key; `$default` names none.
    func testMethodFromRouteKey() {
        let (r, rec) = parse(AccessLogParser.recognisedJSON,
                             #"{"requestTimeEpoch":"1795254312","routeKey":"DELETE /orders/{id}","status":"204"}"#)
        XCTAssertNil(r)
        XCTAssertEqual(rec.method, .delete)
        let (r2, _) = parse(AccessLogParser.recognisedJSON, #"{"requestTimeEpoch":"1795254312","routeKey":"$default"}"#)
        XCTAssertEqual(r2, .missingField)
    }
}

final class JSONLeniencyTests: XCTestCase {
    let p = AccessLogParser.recognisedJSON

    func testUnescapedQuotesInUserAgent() {
        let l = #"{"requestId":"a1","ip":"203.0.113.25","userAgent":"Mozilla/5.0 "quoted" thing, "x"y","requestTime":"21/Nov/2026:09:45:12 +0000","httpMethod":"GET","status":"200"}"#
        let (r, rec) = parse(p, l)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), #"Mozilla/5.0 "quoted" thing, "x"y"#)
        XCTAssertEqual(rec.status, 200)
    }

    func testEscapedQuotesAndBackslashes() {
        let l = #"{"requestId":"a1","userAgent":"curl \"7.1\" C:\\path \u00e9 \ud83d\ude00","requestTime":"21/Nov/2026:09:45:12 +0000","httpMethod":"GET","status":"200"}"#
        let (r, rec) = parse(p, l)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), "curl \"7.1\" C:\\path é 😀")
    }

    func testUnescapedBackslashAtEndOfValue() {
        let l = #"{"requestId":"a1","userAgent":"odd\","requestTime":"21/Nov/2026:09:45:12 +0000","httpMethod":"GET"}"#
        let (r, rec) = parse(p, l)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.userAgent), "odd\\")
        XCTAssertEqual(rec.method, .get)
    }

    func testBareNumbersDashAndWhitespace() {
        let l = "{ \"requestId\" : \"a1\" ,\n \"requestTimeEpoch\" : 1795254312345 , \"httpMethod\":\"PUT\", \"status\" : 502, \"responseLatency\":-, \"responseLength\": null , \"integrationStatus\":200 }"
        let (r, rec) = parse(p, l)
        XCTAssertNil(r)
        XCTAssertEqual(rec.status, 502)
        XCTAssertEqual(rec.latencyMs, -1)
        XCTAssertEqual(rec.responseLength, -1)
        XCTAssertEqual(rec.integrationStatus, 200)
        XCTAssertEqual(rec.method, .put)
    }

    func testKeyCaseAndNesting() {
        let l = #"{"request":{"RequestId":"a1","HTTPMethod":"DELETE","time":{"requestTimeEpoch":"1795254312000"}},"client":{"sourceIp":"203.0.113.9","userAgent":"UA"},"error":{"message":"Forbidden","responseType":"ACCESS_DENIED"},"integration":{"status":"504","error":"timeout"},"authorizer":{"error":"bad token","origin":"https://app.example.com"},"tags":["a",{"b":1}],"STATUS":"403"}"#
        let (r, rec) = parse(p, l)
        XCTAssertNil(r)
        XCTAssertEqual(rec.method, .delete)
        XCTAssertEqual(rec.string(.requestId), "a1")
        XCTAssertEqual(rec.string(.sourceIP), "203.0.113.9")
        XCTAssertEqual(rec.string(.errorMessage), "Forbidden")
        XCTAssertEqual(rec.string(.errorType), "ACCESS_DENIED")
        XCTAssertEqual(rec.integrationStatus, 504)
        XCTAssertEqual(rec.string(.integrationError), "timeout")
        XCTAssertEqual(rec.string(.authorizerError), "bad token")
        XCTAssertEqual(rec.string(.origin), "https://app.example.com")
        XCTAssertEqual(rec.status, 403)
    }

    func testSkipReasons() {
        XCTAssertEqual(parse(p, "").0, .blank)
        XCTAssertEqual(parse(p, "   \t ").0, .blank)
        XCTAssertEqual(parse(p, "not json").0, .unknownFormat)
        XCTAssertEqual(parse(p, #"{"requestId":"a1","httpMethod":"GET""#).0, .malformedJSON)
        XCTAssertEqual(parse(p, #"{"requestId":"a1","httpMethod":"GET","status":"200"}"#).0, .missingField)
        XCTAssertEqual(parse(p, #"{"requestId":"a1","requestTime":"21/Nov/2026:09:45:12 +0000","status":"200"}"#).0, .missingField)
        XCTAssertEqual(parse(p, #"{"requestId":"a1","requestTime":"yesterday","httpMethod":"GET"}"#).0, .badTime)
        XCTAssertEqual(parse(p, #"{"requestId":"a1","requestTime":"32/Nov/2026:09:45:12 +0000","httpMethod":"GET"}"#).0, .badTime)
        XCTAssertEqual(parse(p, #"{"requestId":"a1","requestTime":"21/Nov/2026:09:45:12 +0000","httpMethod":"GET","status":"20"}"#).0, .badValue)
        // A method from the route key when httpMethod is missing.
        let (r, rec) = parse(p, #"{"requestTime":"21/Nov/2026:09:45:12 +0000","routeKey":"PATCH /x"}"#)
        XCTAssertNil(r)
        XCTAssertEqual(rec.method, .patch)
    }

    func testWrongFormatLine() {
        let clf = detect([Fx.restCLF])!
        XCTAssertEqual(parse(clf, Fx.restJSON).0, .unknownFormat)
        XCTAssertEqual(parse(clf, "garbage").0, .unknownFormat)
        XCTAssertEqual(parse(detect([Fx.restCSV])!, Fx.httpCSV).0, .unknownFormat)
        XCTAssertEqual(parse(AccessLogParser.serverlessKeyValue, Fx.restCLF).0, .unknownFormat)
        XCTAssertEqual(parse(clf, #"203.0.113.25 - - [21/Nov/2026:09:45:12 +0000] "GET /x HTTP/1.1" 2000 512 id ext"#).0, .unknownFormat)
    }
}

final class DetectionTests: XCTestCase {
    func testNotClaimed() {
        let exec = [
            "(0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Extended Request Id: Vx7kKFp3oAMEc1A=",
            "(0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) HTTP Method: OPTIONS, Resource Path: /orders",
            "(0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Method request headers: {Origin=https://app.example.com, sec-fetch-mode=cors, Access-Control-Request-Method=POST, User-Agent=Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36, Host=api.example.com}",
            "(0b9d7f21-5c4e-4a8b-bf3e-9d12c6a7e410) Method completed with status: 200",
        ]
        XCTAssertNil(detect(exec))
        XCTAssertNil(detect(exec.map { "2026-11-21T09:45:11.812Z " + $0 }))
        let console = [
            "Access to fetch at 'https://api.example.com/orders' from origin 'https://app.example.com' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            "2026-11-21T09:45:12.345Z Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.com/orders. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 403.",
            #"{"timestamp":"2026-11-21T09:45:12.345Z","message":"Access to fetch at 'https://api.example.com/orders' from origin 'https://app.example.com' has been blocked by CORS policy","method":"GET","url":"https://api.example.com/orders"}"#,
        ]
        XCTAssertNil(detect(console))
        XCTAssertNil(detect([console[2]]))
        XCTAssertNil(detect([]))
        XCTAssertNil(detect(["", "  "]))
        let envelope = #"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/apigateway/orders-prod","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1795254311812,"message":"{ \"requestId\":\"0b9d\", \"httpMethod\":\"OPTIONS\", \"status\":\"403\" }"}]}"#
        XCTAssertNil(detect([envelope]))
    }

    func testMixedSampleMajority() {
        let lines = [Fx.httpCLF, "", Fx.httpCLFDefault, "garbage", Fx.httpCLFParam]
        XCTAssertEqual(detect(lines)?.format, "http-clf")
    }

    func testCloudWatchExportWrapper() {
        let lines = [
            "2026-11-21T09:45:11.812Z " + Fx.restPreflight,
            "2026-11-21T09:45:12.407Z " + Fx.restJSON,
        ]
        let p = detect(lines)!
        XCTAssertEqual(p.format, "cwl-export+rest-json")
        XCTAssertEqual(p.baseFormat, "rest-json")
        let (r, rec) = parse(p, lines[0])
        XCTAssertNil(r)
        XCTAssertEqual(rec.method, .options)
        XCTAssertEqual(rec.time, Fx.t0912 - 1000)  // record's own time, not the event's
        // Event time as fallback when the record has none.
        let noTime = #"2026-11-21T09:45:11.812Z {"requestId":"a","httpMethod":"GET","status":"200"}"#
        let (r2, rec2) = parse(p, noTime)
        XCTAssertNil(r2)
        XCTAssertEqual(rec2.time, 1_795_254_311_812)
        XCTAssertFalse(rec2.timeInSeconds)
        XCTAssertEqual(parse(p, "2026-11-21T09:45:11.812Z ").0, .blank)
    }

    func testCloudWatchTailWrappers() {
        let detailed = "2026-11-21T09:45:11.812000+00:00 9f1c3d5e7a2b4c6d8e0f1a2b3c4d5e6f " + Fx.httpJSON
        let p = detect([detailed])!
        XCTAssertEqual(p.format, "cwl-tail+http-json")
        XCTAssertNil(parse(p, detailed).0)
        let short = "2026-11-21T09:45:11 " + Fx.httpCLF
        let q = detect([short, short])!
        XCTAssertEqual(q.format, "cwl-tail+http-clf")
        let (r, rec) = parse(q, short)
        XCTAssertNil(r)
        XCTAssertEqual(rec.string(.routeKey), "POST /orders")
    }

    func testTemplateWrapped() throws {
        let t = try LogTemplate(presetTemplates[4].template)
        let p = detect(["2026-11-21T09:45:12.000Z " + Fx.httpCLF], template: t)!
        XCTAssertEqual(p.format, "cwl-export+http-clf")
        XCTAssertNil(parse(p, "2026-11-21T09:45:12.000Z " + Fx.httpCLF).0)
        XCTAssertEqual(detect([Fx.httpCLF], template: t)?.format, "http-clf")
    }
}

/// The parse cache (key memo and learned flat layout) changes speed only: every line parses
/// to the same verdict and record with a cache that learned from the lines before it as
/// without one, including lines that break the learned layout in every way.
final class ParseCacheTests: XCTestCase {
    static let lines: [String] = [
        #"{"requestId":"a1","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:12 +0000","httpMethod":"OPTIONS","resourcePath":"/orders/{id}","status":"204","responseLength":"0"}"#,
        #"{"requestId":"a2","ip":"203.0.113.8","requestTime":"21/Nov/2026:09:45:13 +0000","httpMethod":"GET","resourcePath":"/orders/{id}","status":"200","responseLength":"12"}"#,
        // Same keys, different spacing.
        #"{ "requestId": "a3", "ip" : "203.0.113.9","requestTime":"21/Nov/2026:09:45:14 +0000" ,"httpMethod":"GET","resourcePath":"/x","status":"500","responseLength":"1"}"#,
        // A quote inside a value that does not end it (lenient scanner keeps it).
        #"{"requestId":"a4","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:15 +0000","httpMethod":"GET","resourcePath":"/a"b","status":"200","responseLength":"1"}"#,
        // An escape.
        #"{"requestId":"a\"5","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:16 +0000","httpMethod":"GET","resourcePath":"/a\/b","status":"200","responseLength":"1"}"#,
        // Bare values, null and dash.
        #"{"requestId":"a6","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:17 +0000","httpMethod":"GET","resourcePath":null,"status":404,"responseLength":-}"#,
        // The same keys with a string where a bare value was, nesting there, spaces after `}`.
        #"{"requestId":"a6b","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:17 +0000","httpMethod":"GET","resourcePath":null,"status":"404","responseLength":-}"#,
        #"{"requestId":"a6c","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:17 +0000","httpMethod":"GET","resourcePath":null,"status":404,"responseLength":{"n":1}}"#,
        #"{"requestId":"a6d","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:17 +0000","httpMethod":"GET","resourcePath":null,"status":404,"responseLength":-}  "#,
        #"{"requestId":"a6e","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:17 +0000","httpMethod":"GET","resourcePath":null,"status":404,"responseLength":"-"}"#,
        // Keys in another order, a missing key, an extra key, a duplicate key.
        #"{"ip":"203.0.113.7","requestId":"a7","requestTime":"21/Nov/2026:09:45:18 +0000","httpMethod":"POST","status":"201"}"#,
        #"{"requestId":"a8","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:19 +0000","httpMethod":"GET","resourcePath":"/o","status":"200","responseLength":"1","extra":"x"}"#,
        #"{"requestId":"a9","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:20 +0000","httpMethod":"GET","resourcePath":"/o","status":"200","status":"503"}"#,
        // Nesting, arrays, stray commas, trailing garbage, truncation, not JSON.
        #"{"requestId":"b1","identity":{"sourceIp":"198.51.100.1"},"requestTime":"21/Nov/2026:09:45:21 +0000","httpMethod":"GET","status":"200"}"#,
        #"{"requestId":"b2","ip":"203.0.113.7","tags":["a","b"],"requestTime":"21/Nov/2026:09:45:22 +0000","httpMethod":"GET","status":"200"}"#,
        #"{,"requestId":"b3","ip":"203.0.113.7",,"requestTime":"21/Nov/2026:09:45:23 +0000","httpMethod":"GET","resourcePath":"/o","status":"200","responseLength":"1"}"#,
        #"{"requestId":"b4","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:24 +0000","httpMethod":"GET","resourcePath":"/o","status":"200","responseLength":"1"} trailing"#,
        #"{"requestId":"b5","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:25 +0000","httpMethod":"GET","resourcePath":"/o","sta"#,
        #"203.0.113.7 - - [21/Nov/2026:09:45:26 +0000] "GET /o HTTP/1.1" 200 1 b6"#,
        // Back to the first layout.
        #"{"requestId":"c1","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:27 +0000","httpMethod":"DELETE","resourcePath":"/orders/{id}","status":"403","responseLength":"0"}"#,
        #"{"requestId":"c2","ip":"203.0.113.7","requestTime":"21/Nov/2026:09:45:28 +0000","httpMethod":"GET","resourcePath":"/orders/{id}","status":"200","responseLength":"7"}"#,
        // Same layout, key bytes changed in one letter and in case.
        #"{"requestId":"c3","iq":"203.0.113.7","requestTime":"21/Nov/2026:09:45:29 +0000","httpMethod":"GET","resourcePath":"/orders/{id}","status":"200","responseLength":"7"}"#,
        #"{"requestId":"c4","IP":"203.0.113.7","requestTime":"21/Nov/2026:09:45:30 +0000","httpMethod":"GET","resourcePath":"/orders/{id}","status":"200","responseLength":"7"}"#,
    ]

    func testCachedParsesEqualUncached() throws {
        let template = try LogTemplate(#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","responseLength":"$context.responseLength"}"#)
        for parser in [AccessLogParser.recognisedJSON, template.parser] {
            // Twice through, so every line also comes after every other kind of line.
            var cache = AccessLogParser.Cache()
            var used = 0
            for line in Self.lines + Self.lines {
                var plain = AccessRecordBuilder(), cached = AccessRecordBuilder()
                let bytes = Array(line.utf8)
                let (r1, r2) = bytes.withUnsafeBufferPointer { p in
                    (parser.parse(p, into: &plain), parser.parse(p, into: &cached, cache: &cache))
                }
                XCTAssertEqual(r1, r2, line)
                guard r1 == nil else { continue }
                used += 1
                let a = plain.build(location: SourceLocation(input: 0, line: 1))
                let b = cached.build(location: SourceLocation(input: 0, line: 1))
                XCTAssertEqual(a.time, b.time, line)
                XCTAssertEqual(a.method, b.method, line)
                XCTAssertEqual(a.status, b.status, line)
                XCTAssertEqual(a.responseLength, b.responseLength, line)
                for f in AccessRecord.Field.allCases { XCTAssertEqual(a.bytes(f), b.bytes(f), "\(f) in \(line)") }
            }
            XCTAssertGreaterThan(used, 20, parser.format)
            XCTAssertGreaterThan(cache.hits, 4, "the learned layout was used (\(parser.format))")
        }
    }
}
