import CorsscanCore

/// Tells browser evidence formats apart from a file's first lines and bytes.
public enum BrowserDetector {
    /// Detects the format from the first non-blank lines (up to ~50) and the first bytes;
    /// `nil` = not browser evidence.
    ///
    /// Order: a HAR document (`{"log": {…"entries"|"creator"|"version"`); any CDP
    /// `Network.*` event; `(requestId) …` execution-log lines; JSON lines with `level` +
    /// `message` (WebDriver) or a message field (beacon); console text with at least one
    /// CORS message or DevTools network line.
    public static func detect(sampleLines: [[UInt8]], firstBytes: [UInt8]) -> BrowserFormat? {
        if isHAR(firstBytes) { return .har }
        var cdp = 0, exec = 0, webdriver = 0, beacon = 0, console = 0, json = 0, lines = 0
        for bytes in sampleLines.prefix(50) {
            let line = bytes.utf8String.trimmingSpaces()
            guard !line.isEmpty else { continue }
            lines += 1
            if line.contains("Network.") && (line.contains("\"method\"") || line.contains("\\\"method\\\"")) {
                cdp += 1
                continue
            }
            if let (_, _, text) = ExecutionLogCollector.split(line), isExecText(text) {
                exec += 1
                continue
            }
            if line.hasPrefix("{") {
                if let v = JSONValue.parse(line) {
                    json += 1
                    if v["level"] != nil, v["message"] != nil { webdriver += 1; continue }
                    if isBeacon(v) { beacon += 1 }
                    continue
                }
                if line.hasPrefix("{'"), line.contains("'level'"), line.contains("'message'") { webdriver += 1; continue }
            }
            if ConsoleMessageClassifier.classify(ConsoleLine(line).text) != nil
                || CompanionLine(ConsoleLine(line).text)?.failed == true { console += 1 }
        }
        if cdp > 0 { return .cdp }
        if exec > 0 { return .executionLog }
        if webdriver > 0 { return .webdriverLog }
        if beacon > 0 { return .beacon }
        if console > 0 { return .console }
        return nil
    }

    /// Whether the first bytes start a HAR document (`detect` gives `.har`), without looking
    /// at the lines: the cheap check every input gets before the access-log formats.
    public static func isHAR(firstBytes b: [UInt8]) -> Bool { isHAR(b) }

    static func isHAR(_ b: [UInt8]) -> Bool {
        var i = 0
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
        while i < b.count, ASCII.isWhitespace(b[i]) { i += 1 }
        guard i < b.count, b[i] == ASCII.openBrace else { return false }
        let s = String(decoding: b[i...].prefix(4096), as: UTF8.self)
        guard let r = s.firstRange(of: "\"log\"") else { return false }
        let after = s[r.upperBound...].drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard after.first == ":" else { return false }
        let value = after.dropFirst().drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard value.first == "{" else { return false }
        return s.contains("\"entries\"") || s.contains("\"creator\"") || s.contains("\"version\"")
    }

    static func isExecText(_ t: String) -> Bool {
        ["Method request headers", "Method response headers", "HTTP Method:", "Starting execution", "Extended Request Id",
         "Method completed with status", "Successfully completed execution", "Method request path",
         "Endpoint request", "Endpoint response", "Execution failed", "Verifying Usage Plan", "API Key ",
         "Usage Plan check", "Method request query string", "Method request body", "Method response body",
         "Received response", "Starting authorizer", "Unauthorized request", "AWS Integration Endpoint",
         "X-ray Tracing ID", "Lambda execution failed", "Sending request to"]
            .contains { t.hasPrefix($0) }
    }

    /// A beacon: a message-like field, and either a CORS/network-error text or none of
    /// the keys access logs use.
    static func isBeacon(_ v: JSONValue) -> Bool {
        guard let m = v.first(["message", "msg", "text", "error", "title"]) else { return false }
        let text = m.string ?? m["message"]?.string ?? ""
        if ConsoleMessageClassifier.classifyScriptError(text) != nil { return true }
        return v.first(["requestId", "httpMethod", "requestTime", "requestTimeEpoch", "routeKey", "resourcePath",
                        "logEvents", "messageType"]) == nil
    }
}
