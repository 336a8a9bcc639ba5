import CorsscanCore

/// Access-log formats and wrappings the generator writes.
public enum LogFormat: String, CaseIterable, Sendable {
    case restJSON = "rest-json"
    case httpJSON = "http-json"
    case restCLF = "rest-clf"
    case httpCLF = "http-clf"
    case restCSV = "rest-csv"
    case restXML = "rest-xml"
    case cdkJSON = "cdk-json"
    case serverless = "serverless"
    case terraformJSON = "terraform-json"
    case custom = "custom"
    case cloudwatch = "cloudwatch-export"
    case firehose = "firehose"

    /// REST API (resourcePath templates, UUID request IDs, `/prod` stage in URLs) or HTTP API.
    public var isREST: Bool {
        switch self {
        case .httpJSON, .httpCLF, .terraformJSON, .firehose: return false
        default: return true
        }
    }

    /// Does the record carry `$context.error.responseType`?
    public var logsErrorType: Bool { self == .custom || self == .cloudwatch || self == .firehose }
    /// Does the record carry the user agent?
    public var logsUserAgent: Bool { logsErrorType }
    /// Does the record carry `$context.requestTimeEpoch` (ms)?
    public var logsEpoch: Bool { logsErrorType }
}

/// The custom template written to `custom.format` (REST; needs `--log-format-file`).
public let customTemplate =
    "$context.requestId [$context.requestTimeEpoch] $context.identity.sourceIp $context.httpMethod $context.resourcePath $context.path $context.status $context.responseLength $context.error.responseType \"$context.identity.userAgent\" \"$context.error.message\""

enum Method: UInt8 {
    case get, post, put, delete, patch, options
    var name: String {
        switch self {
        case .get: "GET"; case .post: "POST"; case .put: "PUT"; case .delete: "DELETE"
        case .patch: "PATCH"; case .options: "OPTIONS"
        }
    }
    var bytes: [UInt8] { methodBytes[Int(rawValue)] }
}
let methodBytes: [[UInt8]] = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"].map { Array($0.utf8) }

struct Route {
    let template: String
    let templateBytes: [UInt8]
    let segments: [Segment]          // for building raw paths
    let methods: [Method]
    let auth: Bool                   // GETs carry Authorization → preflighted
    enum Segment { case lit([UInt8]), num, sku, code }

    init(_ t: String, _ m: [Method], auth: Bool = true) {
        template = t; templateBytes = Array(t.utf8); methods = m; self.auth = auth
        var segs: [Segment] = []
        var lit = ""
        var i = t.startIndex
        while i < t.endIndex {
            if t[i] == "{" {
                if !lit.isEmpty { segs.append(.lit(Array(lit.utf8))); lit = "" }
                let end = t[i...].firstIndex(of: "}")!
                let name = t[t.index(after: i)..<end]
                segs.append(name == "sku" ? .sku : (name == "code" ? .code : .num))
                i = t.index(after: end)
            } else { lit.append(t[i]); i = t.index(after: i) }
        }
        if !lit.isEmpty { segs.append(.lit(Array(lit.utf8))) }
        segments = segs
    }

    func appendRawPath(param: UInt32, to out: inout [UInt8]) {
        var p = param
        for s in segments {
            switch s {
            case .lit(let b): out.add(b)
            case .num: out.addInt(Int(p % 90000) + 10); p = p &* 2_654_435_761 &+ 12345
            case .sku: out.add("SKU-"); out.addPadded(Int(param % 100000), 5)
            case .code: out.add(couponCodes[Int(param) % couponCodes.count])
            }
        }
    }

    func rawPath(param: UInt32) -> String {
        var b: [UInt8] = []; appendRawPath(param: param, to: &b); return String(decoding: b, as: UTF8.self)
    }
}

let couponCodes: [[UInt8]] = ["WELCOME10", "BLACKFRIDAY", "FREESHIP", "SPRING25", "VIP2026"].map { Array($0.utf8) }

let routes: [Route] = [
    Route("/orders", [.get, .post]),
    Route("/orders/{orderId}", [.get, .put, .delete]),
    Route("/orders/{orderId}/items", [.get, .post]),
    Route("/orders/{orderId}/cancel", [.post]),
    Route("/users/{id}", [.get, .patch]),
    Route("/users/{id}/cart", [.get, .put, .delete]),
    Route("/users/{id}/cart/items", [.post]),
    Route("/users/{id}/addresses", [.get, .post]),
    Route("/users/{id}/addresses/{addressId}", [.put, .delete]),
    Route("/products", [.get], auth: false),
    Route("/products/{sku}", [.get], auth: false),
    Route("/products/{sku}/reviews", [.get, .post]),
    Route("/products/{sku}/availability", [.get], auth: false),
    Route("/search", [.get], auth: false),
    Route("/checkout", [.post]),
    Route("/checkout/{checkoutId}", [.get, .put]),
    Route("/payments", [.post]),
    Route("/payments/{paymentId}", [.get]),
    Route("/auth/token", [.post]),
    Route("/auth/refresh", [.post]),
    Route("/inventory/{sku}", [.get, .put]),
    Route("/wishlist", [.get, .post]),
    Route("/wishlist/{itemId}", [.delete]),
    Route("/notifications", [.get]),
    Route("/notifications/{id}/read", [.post]),
    Route("/shipments/{shipmentId}", [.get]),
    Route("/coupons/{code}", [.get], auth: false),
    Route("/recommendations", [.get], auth: false),
    Route("/stores", [.get], auth: false),
    Route("/stores/{storeId}/hours", [.get], auth: false),
    Route("/returns", [.post]),
    Route("/returns/{returnId}", [.get]),
    Route("/health", [.get], auth: false),
]
/// Popularity weights (busy routes first).
let routeWeights: [Double] = routes.enumerated().map { i, _ in 1.0 / Double(1 + i / 3) }

enum Family: Int { case chromium, firefox, safari, server }

let userAgents: [(Family, String)] = [
    (.chromium, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    (.chromium, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    (.chromium, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"),
    (.chromium, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"),
    (.chromium, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"),
    (.chromium, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36"),
    (.chromium, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0"),
    (.firefox, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0"),
    (.firefox, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0"),
    (.firefox, "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"),
    (.safari, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"),
    (.safari, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"),
    (.safari, "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"),
    (.server, "python-requests/2.32.3"),
    (.server, "okhttp/4.12.0"),
    (.server, "Go-http-client/2.0"),
    (.server, "curl/8.5.0"),
    (.server, "Amazon CloudFront"),
]
let uaBytes: [[UInt8]] = userAgents.map { Array($0.1.utf8) }
let uaByFamily: [[Int]] = (0..<4).map { f in userAgents.indices.filter { userAgents[$0].0.rawValue == f } }

let pageOrigins = ["https://app.example.com", "https://www.example.com", "https://shop.example.net",
                   "https://admin.example.com", "http://localhost:3000"]
let pagePaths = ["/checkout", "/cart", "/orders", "/account", "/", "/products"]

/// A client = source IP + user agent (+ the page origin it runs on).
struct Client {
    var ip: [UInt8]
    var ua: Int
    var origin: Int
    var family: Family { userAgents[ua].0 }
}

/// Gateway response types the generator uses.
enum GatewayError: UInt8, CaseIterable {
    case none, missingAuthToken, unauthorized, accessDenied, invalidAPIKey, wafFiltered, throttled,
         default5xx, integrationTimeout, authorizerConfig, quotaExceeded, forbiddenHTTP, serviceUnavailable

    var type: String {
        switch self {
        case .none: "-"
        case .missingAuthToken: "MISSING_AUTHENTICATION_TOKEN"
        case .unauthorized: "UNAUTHORIZED"
        case .accessDenied, .forbiddenHTTP: "ACCESS_DENIED"
        case .invalidAPIKey: "INVALID_API_KEY"
        case .wafFiltered: "WAF_FILTERED"
        case .throttled: "THROTTLED"
        case .default5xx: "DEFAULT_5XX"
        case .integrationTimeout: "INTEGRATION_TIMEOUT"
        case .authorizerConfig: "AUTHORIZER_CONFIGURATION_ERROR"
        case .quotaExceeded: "QUOTA_EXCEEDED"
        case .serviceUnavailable: "INTEGRATION_TIMEOUT"
        }
    }
    var message: String {
        switch self {
        case .none: "-"
        case .missingAuthToken: "Missing Authentication Token"
        case .unauthorized: "Unauthorized"
        case .accessDenied: "User is not authorized to access this resource with an explicit deny"
        case .invalidAPIKey, .wafFiltered, .forbiddenHTTP: "Forbidden"
        case .throttled: "Too Many Requests"
        case .default5xx: "Internal server error"
        case .integrationTimeout: "Endpoint request timed out"
        case .authorizerConfig: "Internal server error"
        case .quotaExceeded: "Limit Exceeded"
        case .serviceUnavailable: "Service Unavailable"
        }
    }
    var status: Int {
        switch self {
        case .none: 200
        case .missingAuthToken, .accessDenied, .invalidAPIKey, .wafFiltered, .forbiddenHTTP: 403
        case .unauthorized: 401
        case .throttled, .quotaExceeded: 429
        case .default5xx: 502
        case .integrationTimeout: 504
        case .authorizerConfig: 500
        case .serviceUnavailable: 503
        }
    }
    var length: Int {
        switch self {
        case .none: 0
        case .missingAuthToken: 42
        case .unauthorized: 26
        case .accessDenied: 82
        case .invalidAPIKey, .wafFiltered, .forbiddenHTTP: 23
        case .throttled: 31
        case .default5xx: 36
        case .integrationTimeout: 41
        case .authorizerConfig: 36
        case .quotaExceeded: 28
        case .serviceUnavailable: 33
        }
    }
    var typeBytes: [UInt8] { gwTypeBytes[Int(rawValue)] }
    var messageBytes: [UInt8] { gwMessageBytes[Int(rawValue)] }
}
let gwTypeBytes: [[UInt8]] = GatewayError.allCases.map { Array($0.type.utf8) }
let gwMessageBytes: [[UInt8]] = GatewayError.allCases.map { Array($0.message.utf8) }
