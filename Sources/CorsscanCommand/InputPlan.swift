import CorsscanCore
import CorsscanInput
import CorsscanAccessLog
import CorsscanBrowser

/// How one input will be read, decided from its content (never only its name).
enum InputPlan {
    /// Access-log lines, parsed by `parser`.
    case accessLines(AccessLogParser)
    /// Concatenated JSON objects: CloudWatch subscription envelopes (Firehose objects),
    /// saved `aws logs filter-log-events` output, or records API Gateway sent to Firehose
    /// directly. `parser` reads the events' messages (nil: no message could be recognised).
    case accessObjects(AccessLogParser?)
    /// Browser evidence read line by line.
    case browserLines(BrowserFormat)
    /// A HAR document.
    case har
    /// Nothing recognisable: every line is counted as skipped.
    case unknown
}

/// Looks at the first bytes and lines of an input to choose its `InputPlan`.
enum InputProbe {
    static let peekBytes = 64 * 1024
    static let sampleLines = 50

    /// The plan and the format name reported for the input. `source` is the opened input;
    /// the probe only peeks, so it can still be read from the start.
    static func plan(for source: ByteSource, path: String, template: LogTemplate?) throws(InputError)
        -> (InputPlan, InputKind, String)
    {
        let head = try source.peek(peekBytes)
        if head.count >= 2, (head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF) {
            // Windows tools (PowerShell `>`, Notepad) save UTF-16: not one line would parse.
            throw InputError(.invalid, offset: 0, "UTF-16 text (byte order mark \(head[0] == 0xFF ? "FF FE" : "FE FF")): "
                             + "convert it to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8")
        }
        let firstNonSpace = head.first { !ASCII.isWhitespace($0) }
        let lines = sample(head)

        if firstNonSpace == ASCII.openBrace {
            if contains(head, "\"logEvents\"") || contains(head, "\"messageType\"")
                || (contains(head, "\"events\"") && contains(head, "\"ingestionTime\"")) {
                // A second open would steal bytes from stdin or a pipe (and close fd 0): for
                // those the reader detects the format from the first message instead.
                let parser = path == "-" || source.fileSize == nil ? nil : try detectContainerMessages(path: path, template: template)
                return (.accessObjects(parser), .accessLog, "firehose" + (parser.map { "+" + $0.format } ?? ""))
            }
        }
        // HAR first (its JSON could pass for JSON access records), by its first bytes alone:
        // classifying the sample lines as browser evidence costs more than detecting an access
        // log, and every input would pay it.
        if BrowserDetector.isHAR(firstBytes: Array(head.prefix(4096))) {
            return (.har, .browserReport, BrowserFormat.har.rawValue)
        }
        // The user's template first (it describes their stage), then the known formats:
        // a directory may mix the custom-format stage with presets and exports.
        for t in template == nil ? [nil] : [template, nil] {
            if let p = AccessLogDetector.detect(sampleLines: lines, template: t), parsesAny(p, lines) {
                return (.accessLines(p), .accessLog, p.format)
            }
        }
        if let f = BrowserDetector.detect(sampleLines: lines, firstBytes: Array(head.prefix(4096))) {
            return (.browserLines(f), f == .executionLog ? .executionLog : .browserReport, f.rawValue)
        }
        if firstNonSpace == ASCII.openBrace, lines.count > 1, lines[0].count < 4 {
            // A pretty-printed JSON document that is not a known container.
            return (.accessObjects(nil), .accessLog, "json-document")
        }
        return (.unknown, .unknown, "unknown")
    }

    /// The first lines of the peeked bytes (the last, possibly partial, line only when the
    /// peek holds the whole input).
    static func sample(_ head: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var start = 0
        for (i, b) in head.enumerated() where b == ASCII.lf {
            var line = Array(head[start..<i])
            if line.last == ASCII.cr { line.removeLast() }
            out.append(line)
            start = i + 1
            if out.count == sampleLines { return out }
        }
        if start < head.count, head.count < peekBytes { out.append(Array(head[start...])) }
        return out
    }

    static func parsesAny(_ p: AccessLogParser, _ lines: [[UInt8]]) -> Bool {
        var b = AccessRecordBuilder()
        for l in lines {
            let ok = l.withUnsafeBufferPointer { p.parse($0, into: &b) == nil }
            if ok { return true }
        }
        return false
    }

    static func contains(_ hay: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard n.count <= hay.count else { return false }
        var i = 0
        while i + n.count <= hay.count {
            if hay[i] == n[0] && hay[i..<(i + n.count)].elementsEqual(n) { return true }
            i += 1
        }
        return false
    }

    /// Reads the first few envelopes of a container stream to detect its messages' format.
    static func detectContainerMessages(path: String, template: LogTemplate?) throws(InputError) -> AccessLogParser? {
        let src = try ByteSource(path: path)
        defer { src.close() }
        var reader = JSONObjectReader(src, startMarker: LogEventContainer.firehoseStart)
        var messages: [[UInt8]] = []
        func take(_ msg: UnsafeBufferPointer<UInt8>, _: Int64) {
            if messages.count < sampleLines { messages.append(Array(msg)) }
        }
        var scratch = LogEventContainer.Scratch()
        var objects = 0
        while messages.count < sampleLines, objects < 20 {
            let item: JSONObjectItem?
            do { item = try reader.next() } catch { break }
            guard let item else { break }
            if case .truncated(_, let partial) = item {
                _ = LogEventContainer.salvage(partial, scratch: &scratch, onEvent: take)
            }
            guard case .object(let buf, _, _) = item else { continue }
            objects += 1
            var count = 0
            let kind = LogEventContainer.scan(buf, eventCount: &count, scratch: &scratch, onEvent: take)
            if kind == .notContainer { messages.append(Array(buf)) }
        }
        if let t = template, let p = AccessLogDetector.detect(sampleLines: messages, template: t), parsesAny(p, messages) {
            return p
        }
        return AccessLogDetector.detect(sampleLines: messages, template: nil)
    }
}
