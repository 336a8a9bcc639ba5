import CorsscanCore

// Domain knowledge: which `$context` variable and which JSON key fills which part of an
// `AccessRecord`. Everything the parsers know about API Gateway names lives here.

/// What a template variable or a JSON key feeds.
enum Target: Sendable, Equatable {
    case ignore
    case field(AccessRecord.Field)
    /// `$context.error.messageString`: the message with its own surrounding quotes.
    case errorMessageString
    case requestTime, requestTimeEpoch, method, status, integrationStatus, latency, responseLength
    /// `$context.protocol`: not stored, only checked while detecting a format.
    case protocolVersion
}

/// `$context.` variables (name after the prefix, case-sensitive as AWS has them) → target.
/// Free-text ones are "greedy": their values may contain any template delimiter.
let contextVariables: [(name: String, target: Target, greedy: Bool)] = [
    ("identity.sourceIp", .field(.sourceIP), false),
    ("identity.userAgent", .field(.userAgent), true),
    ("resourcePath", .field(.resourcePath), false),
    ("routeKey", .field(.routeKey), true),
    ("path", .field(.path), false),
    ("requestId", .field(.requestId), false),
    ("extendedRequestId", .field(.extendedRequestId), false),
    ("error.responseType", .field(.errorType), false),
    ("error.message", .field(.errorMessage), true),
    ("error.messageString", .errorMessageString, true),
    ("stage", .field(.stage), false),
    ("domainName", .field(.domainName), false),
    ("authorizer.error", .field(.authorizerError), true),
    ("integration.error", .field(.integrationError), true),
    ("integrationErrorMessage", .field(.integrationError), true),
    ("integration.status", .integrationStatus, false),
    ("integrationStatus", .integrationStatus, false),
    ("status", .status, false),
    ("responseLatency", .latency, false),
    ("responseLength", .responseLength, false),
    ("httpMethod", .method, false),
    ("requestTime", .requestTime, false),
    ("requestTimeEpoch", .requestTimeEpoch, false),
    ("protocol", .protocolVersion, false),
    ("authorizer.origin", .field(.origin), false),
    // Matched but not stored; listed because their values are free text.
    ("error.validationErrorString", .ignore, true),
    ("authorize.error", .ignore, true),
    ("authenticate.error", .ignore, true),
    ("waf.error", .ignore, true),
    ("identity.caller", .ignore, false),
    ("identity.user", .ignore, false),
]

/// The target and greediness of a variable name (after `$context.`); unknown → ignored.
func classifyVariable(_ name: String) -> (target: Target, greedy: Bool) {
    for v in contextVariables where v.name == name { return (v.target, v.greedy) }
    if name.hasPrefix("authorizer."), name.lowercased().contains("origin") { return (.field(.origin), false) }
    return (.ignore, false)
}

/// JSON (and `key: value`) keys recognised without a template, lower-cased. Nested keys are
/// matched by their dotted path first (`error.message`), then by the leaf key.
let recognisedKeys: [(key: String, target: Target)] = [
    ("requestid", .field(.requestId)),
    ("extendedrequestid", .field(.extendedRequestId)),
    ("ip", .field(.sourceIP)), ("sourceip", .field(.sourceIP)), ("identitysourceip", .field(.sourceIP)),
    ("clientip", .field(.sourceIP)),
    ("requesttime", .requestTime),
    ("requesttimeepoch", .requestTimeEpoch),
    ("httpmethod", .method), ("method", .method),
    ("resourcepath", .field(.resourcePath)),
    ("routekey", .field(.routeKey)),
    ("path", .field(.path)),
    ("status", .status), ("statuscode", .status),
    ("useragent", .field(.userAgent)),
    ("responsetype", .field(.errorType)), ("errorresponsetype", .field(.errorType)), ("errortype", .field(.errorType)),
    ("errormessage", .field(.errorMessage)),
    ("integrationstatus", .integrationStatus),
    ("responselatency", .latency),
    ("responselength", .responseLength),
    ("origin", .field(.origin)),
    ("stage", .field(.stage)),
    ("domainname", .field(.domainName)),
    ("authorizererror", .field(.authorizerError)),
    ("integrationerror", .field(.integrationError)), ("integrationerrormessage", .field(.integrationError)),
    ("protocol", .protocolVersion),
    // Known but unused keys (anchors for `key: value` lines).
    ("caller", .ignore), ("user", .ignore), ("wafstatus", .ignore), ("waflatency", .ignore),
    ("authorizestatus", .ignore), ("integrationlatency", .ignore), ("apiid", .ignore),
]

/// Key sets of the console JSON presets (lower-cased), for naming a detected file.
let restJSONPresetKeys: Set<String> = ["requestid", "extendedrequestid", "ip", "caller", "user", "requesttime",
                                       "httpmethod", "resourcepath", "status", "protocol", "responselength"]
let httpJSONPresetKeys: Set<String> = ["requestid", "ip", "requesttime", "httpmethod", "routekey", "status",
                                       "protocol", "responselength"]

/// Console presets and widely deployed templates, most specific first (see reference §1.2, §1.3).
let presetTemplates: [(format: String, template: String)] = [
    ("rest-clf", #"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId"#),
    ("rest-clf", #"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime]"$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId"#),
    ("rest-clf", #"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId"#),
    ("rest-clf", #"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime]"$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId"#),
    ("http-clf", #"$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId"#),
    ("http-clf", #"$context.identity.sourceIp - - [$context.requestTime]"$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId"#),
    ("rest-xml", #"<request id="$context.requestId"> <extendedRequestId>$context.extendedRequestId</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#),
    ("rest-xml", #"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#),
    ("http-xml", #"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#),
    ("rest-csv", #"$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId"#),
    ("rest-csv", #"$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId"#),
    ("http-csv", #"$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId"#),
]

/// FNV-1a over ASCII-lower-cased bytes: the key of the lookup tables (JSON paths are hashed
/// as `parent.child`).
enum KeyHash {
    static let basis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3
    @inline(__always) static func add(_ h: UInt64, _ b: UInt8) -> UInt64 { (h ^ UInt64(ASCII.lower(b))) &* prime }
    static func hash(_ s: String) -> UInt64 { s.utf8.reduce(basis, add) }
    @inline(__always) static func hash(_ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, from h0: UInt64 = basis) -> UInt64 {
        var h = h0
        var i = lo
        while i < hi { h = add(h, p[i]); i += 1 }
        return h
    }
}

/// How a table hit is applied: a target, with literal text to strip around the value, or a
/// positional sub-template (a JSON template value holding several variables).
struct Slot: Sendable {
    var target: Target
    var greedy: Bool = false
    var prefix: Int = 0
    var suffix: Int = 0
    var sub: Int = -1
}

/// Open-addressing hash table key hash → slot; no allocation on lookup.
struct KeyTable: Sendable {
    private var keys: [UInt64]
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 128) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        slots = Array(repeating: Slot(target: .ignore), count: size)
        mask = size - 1
    }

    /// Inserts unless present (first entry wins).
    mutating func insert(_ key: UInt64, _ slot: Slot) {
        let k = key == 0 ? 1 : key
        if count * 2 >= keys.count { grow() }
        var i = Int(truncatingIfNeeded: k) & mask
        while keys[i] != 0 {
            if keys[i] == k { return }
            i = (i + 1) & mask
        }
        keys[i] = k
        slots[i] = slot
        count += 1
    }

    private mutating func grow() {
        var bigger = KeyTable(capacity: keys.count)
        for i in 0..<keys.count where keys[i] != 0 { bigger.insert(keys[i], slots[i]) }
        self = bigger
    }

    @inline(__always) func lookup(_ key: UInt64) -> Slot? {
        let k = key == 0 ? 1 : key
        var i = Int(truncatingIfNeeded: k) & mask
        while true {
            let s = keys[i]
            if s == k { return slots[i] }
            if s == 0 { return nil }
            i = (i + 1) & mask
        }
    }
}

/// The table for template-less JSON and `key: value` lines.
let recognisedKeyTable: KeyTable = {
    var t = KeyTable()
    // Dotted `$context` names first (nested JSON such as {"error":{"message":…}}).
    for v in contextVariables { t.insert(KeyHash.hash(v.name), Slot(target: v.target, greedy: v.greedy)) }
    for k in recognisedKeys {
        let greedy: Bool
        switch k.target {
        case .field(.userAgent), .field(.errorMessage), .field(.integrationError), .field(.authorizerError),
             .field(.routeKey):
            greedy = true
        default: greedy = false
        }
        t.insert(KeyHash.hash(k.key), Slot(target: k.target, greedy: greedy))
    }
    return t
}()


