import CorsscanCore
import XCTest

@testable import CorsscanBrowser

let api = "https://api.example.com/prod/orders"
let app = "https://app.example.com"
let chromePrefix = "Access to fetch at 'https://api.example.com/prod/orders' from origin 'https://app.example.com' has been blocked by CORS policy: "
let xhrPrefix = "Access to XMLHttpRequest at 'https://api.example.com/prod/orders' from origin 'https://app.example.com' has been blocked by CORS policy: "
let preflightWrap = "Response to preflight request doesn't pass access control check: "
let ffPrefix = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.com/prod/orders. (Reason: "

/// One expected classification.
struct Case {
    var text: String
    var cls: FailureClass
    var stage: Stage
    var browser: String?
    var offending: String? = nil
    var status: Int? = nil
    var allowOrigin: String? = nil
    var url: String? = api
    var origin: String? = app
    var confidence: Confidence = .confirmed
    var file: StaticString = #filePath
    var line: UInt = #line
}

final class ConsoleClassifierTests: XCTestCase {
    func check(_ cases: [Case]) {
        for c in cases {
            guard let r = ConsoleMessageClassifier.classify(c.text) else {
                XCTFail("not classified: \(c.text)", file: c.file, line: c.line)
                continue
            }
            XCTAssertEqual(r.failureClass, c.cls, c.text, file: c.file, line: c.line)
            XCTAssertEqual(r.stage, c.stage, c.text, file: c.file, line: c.line)
            XCTAssertEqual(r.browser, c.browser, c.text, file: c.file, line: c.line)
            XCTAssertEqual(r.offending, c.offending, c.text, file: c.file, line: c.line)
            XCTAssertEqual(r.status, c.status, c.text, file: c.file, line: c.line)
            XCTAssertEqual(r.url, c.url, c.text, file: c.file, line: c.line)
            XCTAssertEqual(r.pageOrigin, c.origin, c.text, file: c.file, line: c.line)
            XCTAssertEqual(r.confidence, c.confidence, c.text, file: c.file, line: c.line)
            if let a = c.allowOrigin { XCTAssertEqual(r.allowOriginSeen, a, c.text, file: c.file, line: c.line) }
            XCTAssertFalse(r.detail.isEmpty)
        }
    }

    func testChromeCurrentWordings() {
        check([
            Case(text: chromePrefix + "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
                 cls: .missingAllowOrigin, stage: .response, browser: "chrome"),
            Case(text: chromePrefix + preflightWrap + "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
                 cls: .missingAllowOrigin, stage: .preflight, browser: "chrome"),
            Case(text: chromePrefix + preflightWrap + "It does not have HTTP ok status.",
                 cls: .preflightRejected, stage: .preflight, browser: "chrome"),
            Case(text: chromePrefix + preflightWrap + "Redirect is not allowed for a preflight request.",
                 cls: .redirectNotAllowed, stage: .preflight, browser: "chrome"),
            Case(text: xhrPrefix + "Request header field authorization is not allowed by Access-Control-Allow-Headers in preflight response.",
                 cls: .headerNotAllowed, stage: .preflight, browser: "chrome", offending: "authorization"),
            Case(text: chromePrefix + "Method PATCH is not allowed by Access-Control-Allow-Methods in preflight response.",
                 cls: .methodNotAllowed, stage: .preflight, browser: "chrome", offending: "PATCH"),
            Case(text: chromePrefix + "The 'Access-Control-Allow-Origin' header contains multiple values 'https://app.example.com, https://app.example.com', but only one is allowed. Have the server send the header with a valid value.",
                 cls: .multipleAllowOrigin, stage: .response, browser: "chrome",
                 offending: "https://app.example.com, https://app.example.com", allowOrigin: "https://app.example.com, https://app.example.com"),
            Case(text: chromePrefix + preflightWrap + "The 'Access-Control-Allow-Origin' header contains multiple values 'a, b', but only one is allowed.",
                 cls: .multipleAllowOrigin, stage: .preflight, browser: "chrome", offending: "a, b"),
            Case(text: chromePrefix + "The 'Access-Control-Allow-Origin' header contains the invalid value 'app.example.com'.",
                 cls: .invalidAllowOrigin, stage: .response, browser: "chrome", offending: "app.example.com"),
            Case(text: chromePrefix + "The 'Access-Control-Allow-Origin' header has a value 'https://www.example.com' that is not equal to the supplied origin. Have the server send the header with a valid value.",
                 cls: .originMismatch, stage: .response, browser: "chrome", offending: "https://www.example.com", allowOrigin: "https://www.example.com"),
            Case(text: chromePrefix + preflightWrap + "The 'Access-Control-Allow-Origin' header has a value 'null' that is not equal to the supplied origin.",
                 cls: .originMismatch, stage: .preflight, browser: "chrome", offending: "null"),
            Case(text: xhrPrefix + "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'. The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.",
                 cls: .wildcardWithCredentials, stage: .response, browser: "chrome", offending: "*", allowOrigin: "*"),
            Case(text: chromePrefix + preflightWrap + "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.",
                 cls: .wildcardWithCredentials, stage: .preflight, browser: "chrome", offending: "*"),
            Case(text: chromePrefix + "The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'.",
                 cls: .credentialsNotAllowed, stage: .response, browser: "chrome"),
            Case(text: chromePrefix + preflightWrap + "The value of the 'Access-Control-Allow-Credentials' header in the response is 'TRUE' which must be 'true' when the request's credentials mode is 'include'.",
                 cls: .credentialsNotAllowed, stage: .preflight, browser: "chrome", offending: "TRUE"),
            Case(text: chromePrefix + "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
                 cls: .invalidAllowMethods, stage: .preflight, browser: "chrome"),
            Case(text: chromePrefix + "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
                 cls: .invalidAllowHeaders, stage: .preflight, browser: "chrome"),
            Case(text: "Access to fetch at 'https://api.example.com/prod/orders' (redirected from 'https://api.example.com/orders') from origin 'https://app.example.com' has been blocked by CORS policy: Redirect location 'https://u:p@api.example.com/x' contains a username and password, which is disallowed for cross-origin requests.",
                 cls: .redirectNotAllowed, stage: .response, browser: "chrome", offending: "https://u:p@api.example.com/x"),
            Case(text: chromePrefix + "The request client is not a secure context and the resource is in more-private address space `private`.",
                 cls: .privateNetwork, stage: .response, browser: "chrome"),
            Case(text: chromePrefix + preflightWrap + "No 'Access-Control-Allow-Private-Network' header was present in the preflight response for this private network request targeting the `local` address space.",
                 cls: .privateNetwork, stage: .preflight, browser: "chrome"),
            Case(text: chromePrefix + "Permission was denied for this request to access the `local` address space.",
                 cls: .privateNetwork, stage: .response, browser: "chrome"),
            Case(text: chromePrefix + "Cross origin requests are not allowed by request mode.",
                 cls: .unknown, stage: .response, browser: "chrome", confidence: .inferred),
            Case(text: chromePrefix + "The response is invalid.",
                 cls: .unknown, stage: .response, browser: "chrome", confidence: .inferred),
            Case(text: "Access to script at 'https://api.example.com/prod/orders' from origin 'https://app.example.com' has been blocked by CORS policy: No ‘Access-Control-Allow-Origin’ header is present on the requested resource.",
                 cls: .missingAllowOrigin, stage: .response, browser: "chrome"),
            Case(text: "access to fetch at 'https://api.example.com/prod/orders' from origin 'https://app.example.com' has been blocked by cors policy: response to preflight request doesn’t pass access control check: it does not have http ok status.",
                 cls: .preflightRejected, stage: .preflight, browser: "chrome"),
        ])
    }

    func testChromeLegacyWordings() {
        check([
            Case(text: "Failed to load https://api.example.com/prod/orders: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource. Origin 'https://app.example.com' is therefore not allowed access. The response had HTTP status code 403.",
                 cls: .missingAllowOrigin, stage: .preflight, browser: "chrome", status: 403),
            Case(text: "XMLHttpRequest cannot load https://api.example.com/prod/orders. No 'Access-Control-Allow-Origin' header is present on the requested resource. Origin 'https://app.example.com' is therefore not allowed access. The response had HTTP status code 502.",
                 cls: .missingAllowOrigin, stage: .response, browser: "chrome", status: 502),
            Case(text: "Fetch API cannot load https://api.example.com/prod/orders. Response for preflight has invalid HTTP status code 403",
                 cls: .preflightRejected, stage: .preflight, browser: "chrome", status: 403, origin: nil),
            Case(text: "Failed to load https://api.example.com/prod/orders: Response for preflight does not have HTTP ok status.",
                 cls: .preflightRejected, stage: .preflight, browser: "chrome", origin: nil),
            Case(text: "Failed to load https://api.example.com/prod/orders: Request header field Authorization is not allowed by Access-Control-Allow-Headers in preflight response.",
                 cls: .headerNotAllowed, stage: .preflight, browser: "chrome", offending: "authorization", origin: nil),
            Case(text: "Failed to load https://api.example.com/prod/orders: The 'Access-Control-Allow-Origin' header has a value 'https://x.example.com' that is not equal to the supplied origin. Origin 'https://app.example.com' is therefore not allowed access.",
                 cls: .originMismatch, stage: .response, browser: "chrome", offending: "https://x.example.com"),
            Case(text: "Failed to load https://api.example.com/prod/orders: Invalid response. Origin 'https://app.example.com' is therefore not allowed access.",
                 cls: .unknown, stage: .response, browser: "chrome", confidence: .inferred),
        ])
    }

    func testFirefoxWordings() {
        check([
            Case(text: ffPrefix + "CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 403.",
                 cls: .missingAllowOrigin, stage: .response, browser: "firefox", status: 403, origin: nil),
            Case(text: ffPrefix + "CORS header ‘Access-Control-Allow-Origin’ missing).",
                 cls: .missingAllowOrigin, stage: .response, browser: "firefox", origin: nil),
            Case(text: ffPrefix + "CORS preflight response did not succeed). Status code: 403.",
                 cls: .preflightRejected, stage: .preflight, browser: "firefox", status: 403, origin: nil),
            Case(text: ffPrefix + "CORS preflight channel did not succeed).",
                 cls: .preflightRejected, stage: .preflight, browser: "firefox", origin: nil),
            Case(text: ffPrefix + "CORS header ‘Access-Control-Allow-Origin’ does not match ‘https://www.example.com’).",
                 cls: .originMismatch, stage: .response, browser: "firefox", offending: "https://www.example.com", origin: nil),
            Case(text: ffPrefix + "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).",
                 cls: .multipleAllowOrigin, stage: .response, browser: "firefox", origin: nil),
            Case(text: ffPrefix + "Multiple CORS headers ‘Access-Control-Allow-Origin’ not allowed).",
                 cls: .multipleAllowOrigin, stage: .response, browser: "firefox", origin: nil),
            Case(text: "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘https://api.example.com/prod/orders’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).",
                 cls: .wildcardWithCredentials, stage: .response, browser: "firefox", offending: "*", origin: nil),
            Case(text: ffPrefix + "Did not find method in CORS header ‘Access-Control-Allow-Methods’).",
                 cls: .methodNotAllowed, stage: .preflight, browser: "firefox", origin: nil),
            Case(text: ffPrefix + "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).",
                 cls: .credentialsNotAllowed, stage: .response, browser: "firefox", origin: nil),
            Case(text: ffPrefix + "invalid token ‘GET;POST’ in CORS header ‘Access-Control-Allow-Methods’).",
                 cls: .invalidAllowMethods, stage: .preflight, browser: "firefox", offending: "GET;POST", origin: nil),
            Case(text: ffPrefix + "invalid token ‘x y’ in CORS header ‘Access-Control-Allow-Headers’).",
                 cls: .invalidAllowHeaders, stage: .preflight, browser: "firefox", offending: "x y", origin: nil),
            Case(text: ffPrefix + "header ‘authorization’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).",
                 cls: .headerNotAllowed, stage: .preflight, browser: "firefox", offending: "authorization", origin: nil),
            Case(text: ffPrefix + "missing token ‘x-api-key’ in CORS header ‘Access-Control-Allow-Headers’ from CORS preflight channel).",
                 cls: .headerNotAllowed, stage: .preflight, browser: "firefox", offending: "x-api-key", origin: nil),
            Case(text: ffPrefix + "CORS request external redirect not allowed).",
                 cls: .redirectNotAllowed, stage: .preflight, browser: "firefox", origin: nil),
            Case(text: ffPrefix + "CORS request did not succeed). Status code: (null).",
                 cls: .unknown, stage: .response, browser: "firefox", origin: nil, confidence: .inferred),
            Case(text: ffPrefix + "CORS disabled).",
                 cls: .unknown, stage: .response, browser: "firefox", origin: nil, confidence: .inferred),
        ])
    }

    func testSafariWordings() {
        check([
            Case(text: "[Error] Origin https://app.example.com is not allowed by Access-Control-Allow-Origin. Status code: 403",
                 cls: .missingAllowOrigin, stage: .response, browser: "safari", status: 403, url: nil),
            Case(text: "Origin https://app.example.com is not allowed by Access-Control-Allow-Origin.",
                 cls: .missingAllowOrigin, stage: .response, browser: "safari", url: nil),
            Case(text: "[Error] Preflight response is not successful. Status code: 403",
                 cls: .preflightRejected, stage: .preflight, browser: "safari", status: 403, url: nil, origin: nil),
            Case(text: "Preflight response is not successful. Status code: 301",
                 cls: .redirectNotAllowed, stage: .preflight, browser: "safari", status: 301, url: nil, origin: nil),
            Case(text: "Preflight response is not successful",
                 cls: .preflightRejected, stage: .preflight, browser: "safari", url: nil, origin: nil),
            Case(text: "[Error] Fetch API cannot load https://api.example.com/prod/orders due to access control checks.",
                 cls: .unknown, stage: .response, browser: "safari", origin: nil, confidence: .inferred),
            Case(text: "XMLHttpRequest cannot load https://api.example.com/prod/orders due to access control checks.",
                 cls: .unknown, stage: .response, browser: "safari", origin: nil, confidence: .inferred),
            Case(text: "Method PUT is not allowed by Access-Control-Allow-Methods.",
                 cls: .methodNotAllowed, stage: .preflight, browser: nil, offending: "PUT", url: nil, origin: nil),
            Case(text: "Request header field Authorization is not allowed by Access-Control-Allow-Headers.",
                 cls: .headerNotAllowed, stage: .preflight, browser: nil, offending: "authorization", url: nil, origin: nil),
            Case(text: "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.",
                 cls: .wildcardWithCredentials, stage: .response, browser: "safari", offending: "*", url: nil, origin: nil),
            Case(text: "Access-Control-Allow-Origin cannot contain more than one origin.",
                 cls: .multipleAllowOrigin, stage: .response, browser: "safari", url: nil, origin: nil),
            Case(text: "Credentials flag is true, but Access-Control-Allow-Credentials is not “true”.",
                 cls: .credentialsNotAllowed, stage: .response, browser: "safari", url: nil, origin: nil),
            Case(text: "Header Access-Control-Allow-Headers has an invalid value: x y",
                 cls: .invalidAllowHeaders, stage: .preflight, browser: "safari", offending: "x y", url: nil, origin: nil),
            Case(text: "Header Access-Control-Allow-Methods has an invalid value: GET;POST",
                 cls: .invalidAllowMethods, stage: .preflight, browser: "safari", offending: "GET;POST", url: nil, origin: nil),
            Case(text: "Cross-origin redirection to https://login.example.com/ denied by Cross-Origin Resource Sharing policy: Origin https://app.example.com is not allowed by Access-Control-Allow-Origin. Status code: 302",
                 cls: .redirectNotAllowed, stage: .response, browser: "safari", offending: "https://login.example.com/", status: 302,
                 url: "https://login.example.com/"),
            Case(text: "CORS-preflight request was blocked",
                 cls: .unknown, stage: .preflight, browser: "safari", url: nil, origin: nil, confidence: .inferred),
        ])
    }

    func testLegacyEdgeWordings() {
        check([
            Case(text: "SEC7120: [CORS] The origin 'https://app.example.com' did not find 'https://app.example.com' in the Access-Control-Allow-Origin response header for cross-origin  resource at 'https://api.example.com/prod/orders'.",
                 cls: .missingAllowOrigin, stage: .response, browser: "edge-legacy", url: nil),
            Case(text: "SEC7120: [CORS] The origin 'https://app.example.com' did not find 'https://app.example.com' in the Access-Control-Allow-Origin response header for cross-origin resource at 'https://api.example.com/prod/orders'.",
                 cls: .missingAllowOrigin, stage: .response, browser: "edge-legacy"),
            Case(text: "SEC7123: Request header x-api-key was not present in the Access-Control-Allow-Headers list.",
                 cls: .headerNotAllowed, stage: .preflight, browser: "edge-legacy", offending: "x-api-key", url: nil, origin: nil),
            Case(text: "SEC7124: Request method PUT was not present in the Access-Control-Allow-Methods list.",
                 cls: .methodNotAllowed, stage: .preflight, browser: "edge-legacy", offending: "PUT", url: nil, origin: nil),
            Case(text: "SCRIPT7002: XMLHttpRequest: Network Error 0x80070005, Access is denied.",
                 cls: .unknown, stage: .response, browser: "edge-legacy", url: nil, origin: nil, confidence: .inferred),
        ])
    }

    func testGenericAndNotCORS() {
        check([
            Case(text: "Uncaught (in promise) TypeError: Failed to fetch", cls: .unknown, stage: .response, browser: nil,
                 url: nil, origin: nil, confidence: .inferred),
        ])
        for t in ["GET https://app.example.com/favicon.ico 404 (Not Found)", "Hello world", "",
                  "Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote resource at https://x soon. (Reason: When the `Access-Control-Allow-Headers` is `*`, the `Authorization` header is not covered.)",
                  "[HMR] connected", "Uncaught ReferenceError: foo is not defined"] {
            XCTAssertNil(ConsoleMessageClassifier.classify(t), t)
        }
    }

    /// Every row in the phrase table is reachable by its own phrase.
    func testEveryPhraseRowMatchesItself() {
        for row in consolePhrases {
            let text = row.phrase + " " + (row.also ?? "")
            XCTAssertNotNil(ConsoleMessageClassifier.classify(text), row.phrase)
        }
    }
}

final class PhraseTableTests: XCTestCase {
    func testEveryPhraseHoldsAKeyword() {
        for row in consolePhrases {
            XCTAssertTrue(consoleKeywords.contains { k in row.phrase.utf8.count >= k.count && FoldedText(row.phrase).find(bytes: k) != nil }, row.phrase)
        }
    }
}
