/// One CORS failure as reported: one row of `incidents.csv` (SPEC "What it writes").
///
/// A failed request yields one incident however many sources describe it; `evidence`
/// summarises them and `source` names the record that decided it.
public struct Incident: Sendable, Equatable {
    public var time: Int64
    public var failureClass: FailureClass
    public var stage: Stage
    public var confidence: Confidence
    public var clientIP: String
    public var userAgent: String
    public var origin: String
    public var method: String
    public var path: String
    /// Status of the failed exchange (the preflight's for `preflight` stage); nil if unknown.
    public var status: Int?
    /// `$context.error.responseType` of the failed exchange, `""` when none.
    public var gatewayError: String
    public var requestId: String
    /// Status of the follow-up request, nil when there was none.
    public var followupStatus: Int?
    public var source: SourceLocation
    public var evidence: String

    public init(time: Int64, failureClass: FailureClass, stage: Stage, confidence: Confidence,
                clientIP: String = "", userAgent: String = "", origin: String = "", method: String = "",
                path: String = "", status: Int? = nil, gatewayError: String = "", requestId: String = "",
                followupStatus: Int? = nil, source: SourceLocation, evidence: String = "") {
        self.time = time
        self.failureClass = failureClass
        self.stage = stage
        self.confidence = confidence
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.origin = origin
        self.method = method
        self.path = path
        self.status = status
        self.gatewayError = gatewayError
        self.requestId = requestId
        self.followupStatus = followupStatus
        self.source = source
        self.evidence = evidence
    }

    /// The deterministic report order: time, then source location, then class.
    public static func reportOrder(_ a: Incident, _ b: Incident) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.source != b.source { return a.source < b.source }
        return a.failureClass < b.failureClass
    }
}
