/// One failed request as a browser-side source tells it (console line, WebDriver entry,
/// CDP event, HAR entry, beacon, execution-log headers).
///
/// Strings are fine here: browser evidence is small next to gateway logs.
public struct BrowserReport: Sendable {
    /// When it happened, epoch ms; `nil` when the source has no time.
    public var time: Int64?
    public var failureClass: FailureClass
    public var stage: Stage?
    /// `confirmed` when the browser named the check or recorded headers show it.
    public var confidence: Confidence
    /// `chrome`, `firefox`, `safari`, `edge-legacy`, … or `nil` when unknown.
    public var browser: String?
    /// The request URL the failure names.
    public var url: String?
    /// Request method, upper case, when known.
    public var method: String?
    /// The page origin (`https://app.example.com`).
    public var pageOrigin: String?
    public var userAgent: String?
    public var clientIP: String?
    /// HTTP status the browser saw (preflight or response, per `stage`).
    public var status: Int?
    /// The header, method or value the failed check names (e.g. `authorization`).
    public var offending: String?
    /// The `Access-Control-Allow-Origin` value the browser saw, when it says.
    public var allowOriginSeen: String?
    /// Short human explanation of what the evidence shows.
    public var detail: String
    /// The original message or a compact rendering of the recorded exchange.
    public var raw: String
    /// A gateway request id recorded with the evidence (HAR/CDP `x-amzn-requestid`,
    /// execution-log prefix), which joins exactly.
    public var requestId: String?
    public var location: SourceLocation

    public init(time: Int64?, failureClass: FailureClass, stage: Stage?, confidence: Confidence = .confirmed,
                browser: String? = nil, url: String? = nil, method: String? = nil, pageOrigin: String? = nil,
                userAgent: String? = nil, clientIP: String? = nil, status: Int? = nil, offending: String? = nil,
                allowOriginSeen: String? = nil, detail: String = "", raw: String = "", requestId: String? = nil,
                location: SourceLocation) {
        self.time = time
        self.failureClass = failureClass
        self.stage = stage
        self.confidence = confidence
        self.browser = browser
        self.url = url
        self.method = method
        self.pageOrigin = pageOrigin
        self.userAgent = userAgent
        self.clientIP = clientIP
        self.status = status
        self.offending = offending
        self.allowOriginSeen = allowOriginSeen
        self.detail = detail
        self.raw = raw
        self.requestId = requestId
        self.location = location
    }
}
