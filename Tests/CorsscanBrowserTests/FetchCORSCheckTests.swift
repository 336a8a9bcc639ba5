import CorsscanCore
import XCTest

@testable import CorsscanBrowser

final class FetchCORSCheckTests: XCTestCase {
    typealias R = FetchCORSCheck.Response
    typealias Q = FetchCORSCheck.Request

    struct Row {
        var name: String
        var request: Q
        var preflight: R?
        var response: R?
        var expect: FailureClass?
        var stage: Stage? = nil
        var offending: String? = nil
        var line: UInt = #line
    }

    static let acao = ("Access-Control-Allow-Origin", "https://app.example.com")
    static func pre(_ status: Int = 204, methods: String? = "GET,POST,PUT,OPTIONS", headers: String? = "Content-Type,Authorization",
                    origin: String? = "https://app.example.com", extra: [(name: String, value: String)] = []) -> R {
        var h: [(name: String, value: String)] = []
        if let origin { h.append(("Access-Control-Allow-Origin", origin)) }
        if let methods { h.append(("Access-Control-Allow-Methods", methods)) }
        if let headers { h.append(("Access-Control-Allow-Headers", headers)) }
        return R(status: status, headers: h + extra)
    }
    static func q(_ m: String = "POST", _ hs: [(name: String, value: String)] = [("Content-Type", "application/json")],
                  credentials: Bool = false, origin: String = "https://app.example.com") -> Q {
        Q(method: m, headers: hs, origin: origin, credentials: credentials)
    }

    let rows: [Row] = [
        // CORS check on the response.
        Row(name: "ACAO exact origin passes", request: q("GET", []), response: R(status: 200, headers: [acao]), expect: nil),
        Row(name: "ACAO * without credentials passes", request: q("GET", []), response: R(status: 200, headers: [("access-control-allow-origin", "*")]), expect: nil),
        Row(name: "ACAO missing", request: q("GET", []), response: R(status: 200, headers: []), expect: .missingAllowOrigin, stage: .response),
        Row(name: "ACAO * with credentials", request: q("GET", [], credentials: true),
            response: R(status: 200, headers: [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")]),
            expect: .wildcardWithCredentials, stage: .response, offending: "*"),
        Row(name: "ACAO other origin", request: q("GET", []), response: R(status: 200, headers: [("Access-Control-Allow-Origin", "https://www.example.com")]),
            expect: .originMismatch, stage: .response, offending: "https://www.example.com"),
        Row(name: "ACAO differs in case", request: q("GET", []), response: R(status: 200, headers: [("Access-Control-Allow-Origin", "https://App.example.com")]),
            expect: .originMismatch, stage: .response),
        Row(name: "ACAO trailing slash", request: q("GET", []), response: R(status: 200, headers: [("Access-Control-Allow-Origin", "https://app.example.com/")]),
            expect: .originMismatch, stage: .response),
        Row(name: "ACAO null vs real origin", request: q("GET", []), response: R(status: 200, headers: [("Access-Control-Allow-Origin", "null")]),
            expect: .originMismatch, stage: .response, offending: "null"),
        Row(name: "ACAO null for null origin passes", request: q("GET", [], origin: "null"), response: R(status: 200, headers: [("Access-Control-Allow-Origin", "null")]),
            expect: nil),
        Row(name: "ACAO two header lines", request: q("GET", []), response: R(status: 200, headers: [acao, acao]),
            expect: .multipleAllowOrigin, stage: .response, offending: "https://app.example.com, https://app.example.com"),
        Row(name: "ACAO comma list", request: q("GET", []), response: R(status: 200, headers: [("Access-Control-Allow-Origin", "https://a.example.com,https://app.example.com")]),
            expect: .multipleAllowOrigin, stage: .response),
        Row(name: "ACAO no scheme", request: q("GET", []), response: R(status: 200, headers: [("Access-Control-Allow-Origin", "app.example.com")]),
            expect: .invalidAllowOrigin, stage: .response),
        Row(name: "credentials, ACAC true passes", request: q("GET", [], credentials: true),
            response: R(status: 200, headers: [acao, ("Access-Control-Allow-Credentials", "true")]), expect: nil),
        Row(name: "credentials, ACAC missing", request: q("GET", [], credentials: true), response: R(status: 200, headers: [acao]),
            expect: .credentialsNotAllowed, stage: .response, offending: nil),
        Row(name: "credentials, ACAC TRUE (case matters)", request: q("GET", [], credentials: true),
            response: R(status: 200, headers: [acao, ("Access-Control-Allow-Credentials", "TRUE")]),
            expect: .credentialsNotAllowed, stage: .response, offending: "TRUE"),
        Row(name: "no credentials, ACAC ignored", request: q("GET", []), response: R(status: 200, headers: [acao, ("Access-Control-Allow-Credentials", "false")]), expect: nil),
        Row(name: "error response without ACAO", request: q("GET", []), response: R(status: 401, headers: [("x-amzn-errortype", "UnauthorizedException")]),
            expect: .missingAllowOrigin, stage: .response),
        // Preflight.
        Row(name: "preflight ok", request: q("PUT", [("Content-Type", "application/json"), ("Authorization", "Bearer x")]), preflight: pre(), expect: nil),
        Row(name: "preflight 403 without CORS headers (Chrome: ACAO first)", request: q("PUT"), preflight: R(status: 403, headers: [("x-amzn-errortype", "MissingAuthenticationTokenException")]),
            expect: .missingAllowOrigin, stage: .preflight),
        Row(name: "preflight 403 with CORS headers", request: q("PUT"), preflight: pre(403), expect: .preflightRejected, stage: .preflight),
        Row(name: "preflight 500", request: q("PUT"), preflight: pre(500), expect: .preflightRejected, stage: .preflight),
        Row(name: "preflight 200 ok status", request: q("PUT"), preflight: pre(200), expect: nil),
        Row(name: "preflight redirect", request: q("PUT"), preflight: R(status: 302, headers: [("Location", "https://login.example.com/")]),
            expect: .redirectNotAllowed, stage: .preflight, offending: "https://login.example.com/"),
        Row(name: "preflight ACAO mismatch", request: q("PUT"), preflight: pre(origin: "https://other.example.com"), expect: .originMismatch, stage: .preflight),
        Row(name: "preflight wildcard with credentials", request: q("PUT", credentials: true),
            preflight: pre(origin: "*", extra: [("Access-Control-Allow-Credentials", "true")]), expect: .wildcardWithCredentials, stage: .preflight),
        Row(name: "preflight credentials without ACAC", request: q("PUT", credentials: true), preflight: pre(), expect: .credentialsNotAllowed, stage: .preflight),
        Row(name: "method not listed", request: q("DELETE"), preflight: pre(), expect: .methodNotAllowed, stage: .preflight, offending: "DELETE"),
        Row(name: "method listed lower-case, normalised method", request: q("PUT"), preflight: pre(methods: "get,put"), expect: nil),
        Row(name: "PATCH is case-sensitive", request: q("PATCH"), preflight: pre(methods: "GET,patch"), expect: .methodNotAllowed, stage: .preflight, offending: "PATCH"),
        Row(name: "PATCH listed", request: q("PATCH"), preflight: pre(methods: "GET, PATCH"), expect: nil),
        Row(name: "safelisted POST need not be listed", request: q("POST", [("Content-Type", "application/json")]), preflight: pre(methods: "GET"), expect: nil),
        Row(name: "methods * without credentials", request: q("DELETE"), preflight: pre(methods: "*"), expect: nil),
        Row(name: "methods * with credentials", request: q("DELETE", credentials: true),
            preflight: pre(methods: "*", extra: [("Access-Control-Allow-Credentials", "true")]), expect: .wildcardWithCredentials, stage: .preflight, offending: "DELETE"),
        Row(name: "invalid methods token", request: q("PUT"), preflight: pre(methods: "GET;POST"), expect: .invalidAllowMethods, stage: .preflight, offending: "GET;POST"),
        Row(name: "methods with empty elements", request: q("PUT"), preflight: pre(methods: "GET,,PUT, "), expect: nil),
        Row(name: "header not listed", request: q("PUT", [("Content-Type", "application/json"), ("Authorization", "Bearer x")]),
            preflight: pre(headers: "Content-Type"), expect: .headerNotAllowed, stage: .preflight, offending: "authorization"),
        Row(name: "headers compared case-insensitively", request: q("PUT", [("X-Api-Key", "k")]), preflight: pre(headers: "x-api-key"), expect: nil),
        Row(name: "headers * covers x-api-key", request: q("PUT", [("X-Api-Key", "k")]), preflight: pre(headers: "*"), expect: nil),
        Row(name: "headers * never covers authorization", request: q("PUT", [("Authorization", "Bearer x")]), preflight: pre(headers: "*"),
            expect: .headerNotAllowed, stage: .preflight, offending: "authorization"),
        Row(name: "headers * with credentials", request: q("PUT", [("X-Api-Key", "k")], credentials: true),
            preflight: pre(headers: "*", extra: [("Access-Control-Allow-Credentials", "true")]), expect: .wildcardWithCredentials, stage: .preflight, offending: "x-api-key"),
        Row(name: "invalid headers token", request: q("PUT"), preflight: pre(headers: "Content-Type, X Y"), expect: .invalidAllowHeaders, stage: .preflight),
        Row(name: "safelisted content-type need not be listed", request: q("PUT", [("Content-Type", "text/plain;charset=UTF-8")]), preflight: pre(headers: nil), expect: nil),
        Row(name: "json content-type must be listed", request: q("PUT", [("Content-Type", "application/json")]), preflight: pre(headers: nil),
            expect: .headerNotAllowed, stage: .preflight, offending: "content-type"),
        Row(name: "accept / accept-language / range safelisted; browser headers ignored", request: q("PUT", [
            ("Accept", "application/json, text/plain, */*"), ("Accept-Language", "en-US,en;q=0.9"), ("Range", "bytes=0-99"),
            (":authority", "api.example.com"), ("sec-fetch-mode", "cors"), ("User-Agent", "x"), ("Origin", "https://app.example.com"),
            ("Referer", "https://app.example.com/"), ("Cookie", "a=b")]), preflight: pre(headers: nil), expect: nil),
        Row(name: "range with two ranges not safelisted", request: q("PUT", [("Range", "bytes=0-1,5-6")]), preflight: pre(headers: nil),
            expect: .headerNotAllowed, stage: .preflight, offending: "range"),
        // Preflight passes, response fails.
        Row(name: "preflight ok then 401 without ACAO", request: q("PUT"), preflight: pre(), response: R(status: 401, headers: []),
            expect: .missingAllowOrigin, stage: .response),
        Row(name: "redirect with credentials in URL", request: q("GET", []),
            response: R(status: 302, headers: [acao, ("Location", "https://user:pw@api.example.com/x")]),
            expect: .redirectNotAllowed, stage: .response, offending: "https://user:pw@api.example.com/x"),
        Row(name: "plain redirect passes", request: q("GET", []), response: R(status: 302, headers: [acao, ("Location", "https://api.example.com/x")]), expect: nil),
    ]

    func testTable() {
        for r in rows {
            let f = FetchCORSCheck.check(request: r.request, preflight: r.preflight, response: r.response)
            XCTAssertEqual(f?.failureClass, r.expect, r.name, line: r.line)
            if let s = r.stage { XCTAssertEqual(f?.stage, s, r.name, line: r.line) }
            if r.offending != nil { XCTAssertEqual(f?.offending, r.offending, r.name, line: r.line) }
            if let f { XCTAssertFalse(f.detail.isEmpty, r.name, line: r.line) }
        }
    }

    func testDetailNamesHeaderAndList() {
        let f = FetchCORSCheck.check(request: Self.q("PUT", [("Authorization", "x")]),
                                     preflight: Self.pre(headers: "content-type"), response: nil)
        XCTAssertEqual(f?.detail, "Access-Control-Allow-Headers \"content-type\" does not list \"authorization\".")
    }

    func testRequestedHeadersPreferred() {
        let req = Q(method: "PUT", headers: [], origin: "https://app.example.com", requestedHeaders: ["authorization", "content-type"])
        let f = FetchCORSCheck.preflightCheck(request: req, preflight: Self.pre(headers: "Content-Type"))
        XCTAssertEqual(f?.offending, "authorization")
        XCTAssertTrue(FetchCORSCheck.needsPreflight(req))
        XCTAssertFalse(FetchCORSCheck.needsPreflight(Q(method: "GET", headers: [("Accept", "*/*")], origin: "x")))
    }

    func testParseList() {
        XCTAssertEqual(FetchCORSCheck.parseList(" GET , POST "), ["GET", "POST"])
        XCTAssertNil(FetchCORSCheck.parseList("GET POST"))
        XCTAssertNil(FetchCORSCheck.parseList("X-A\u{e9}"))
        XCTAssertEqual(FetchCORSCheck.parseList(""), [])
    }
}
