import CorsscanCore
import CorsscanInput
import CorsscanAccessLog
import CorsscanAnalysis

/// One access-log input as a stream of records: bytes → lines or JSON objects → records,
/// counting every line it does not use.
final class AccessLogSource: RecordSource {
    let index: Int32
    private(set) var stats: InputStats
    private let source: ByteSource
    private var lines: LineReader?
    private var objects: JSONObjectReader?
    private var parser: AccessLogParser?
    private let template: LogTemplate?
    private let since: Int64?
    private let until: Int64?
    private var builder = AccessRecordBuilder()
    /// Records decoded from one container object, handed out one by one.
    private var queue: [AccessRecord] = []
    private var queueHead = 0
    private var eventNumber: Int64 = 0
    private var done = false
    private let onClose: (AccessLogSource) -> Void

    init(source: ByteSource, index: Int32, stats: InputStats, plan: InputPlan, template: LogTemplate?,
         since: Int64?, until: Int64?, onClose: @escaping (AccessLogSource) -> Void) {
        self.source = source
        self.index = index
        self.stats = stats
        self.template = template
        self.since = since
        self.until = until
        self.onClose = onClose
        switch plan {
        case .accessLines(let p):
            parser = p
            lines = LineReader(source)
        case .accessObjects(let p):
            parser = p
            objects = JSONObjectReader(source)
        default:
            lines = LineReader(source)
        }
    }

    /// Compressed bytes read so far (for progress).
    var bytesRead: Int64 { source.compressedBytesRead }

    func next() -> AccessRecord? {
        while !done {
            if queueHead < queue.count {
                defer { queueHead += 1 }
                return queue[queueHead]
            }
            if !queue.isEmpty { queue.removeAll(keepingCapacity: true); queueHead = 0 }
            do {
                if lines != nil {
                    if let r = try nextFromLines() { return r }
                } else {
                    try nextFromObjects()
                }
            } catch {
                stats.error = error
                done = true
            }
        }
        return nil
    }

    private var closed = false

    func close() {
        guard !closed else { return }
        closed = true
        stats.compressedBytes = source.compressedBytesRead
        stats.bytes = source.decompressedBytes
        source.close()
        done = true
        onClose(self)
    }

    // MARK: - Lines

    private func nextFromLines() throws(InputError) -> AccessRecord? {
        guard let item = try lines!.next() else {
            done = true
            return nil
        }
        stats.lines += 1
        switch item {
        case .line(let buf, let n):
            guard let parser else {
                stats.skip(isBlank(buf) ? .blank : .unknownFormat, line: n)
                return nil
            }
            if let reason = parser.parse(buf, into: &builder) {
                stats.skip(reason, line: n)
                return nil
            }
            return accept(n)
        case .oversize(let n):
            stats.skip(.oversizeLine, line: n)
        case .truncated(let n):
            stats.skip(.truncated, line: n)
        }
        return nil
    }

    private func accept(_ n: Int64) -> AccessRecord? {
        if let s = since, builder.time < s { stats.skip(.outsideTimeRange, line: n); return nil }
        if let u = until, builder.time >= u { stats.skip(.outsideTimeRange, line: n); return nil }
        stats.records += 1
        return builder.build(location: SourceLocation(input: index, line: n))
    }

    private func isBlank(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        buf.allSatisfy(ASCII.isWhitespace)
    }

    // MARK: - JSON objects (Firehose envelopes, CLI output, direct Firehose records)

    private func nextFromObjects() throws(InputError) {
        guard let item = try objects!.next() else {
            done = true
            return
        }
        switch item {
        case .object(let buf, _, _):
            var count = 0
            let kind = LogEventContainer.scan(buf, eventCount: &count) { msg, ts in
                eventNumber += 1
                stats.lines += 1
                parseMessage(msg, fallbackTime: ts, number: eventNumber)
            }
            switch kind {
            case .data:
                break
            case .control:
                let n = max(count, 1)
                stats.lines += Int64(n)
                stats.skip(.controlMessage, line: eventNumber + 1, count: Int64(n))
                eventNumber += Int64(n)
            case .notContainer:
                eventNumber += 1
                stats.lines += 1
                parseMessage(buf, fallbackTime: nil, number: eventNumber)
            case .malformed:
                eventNumber += 1
                stats.lines += 1
                stats.skip(.malformedJSON, line: eventNumber)
            }
        case .oversize:
            eventNumber += 1
            stats.lines += 1
            stats.skip(.oversizeLine, line: eventNumber)
        case .garbage:
            eventNumber += 1
            stats.lines += 1
            stats.skip(.unknownFormat, line: eventNumber)
        case .truncated:
            eventNumber += 1
            stats.lines += 1
            stats.skip(.truncated, line: eventNumber)
        }
    }

    private func parseMessage(_ msg: UnsafeBufferPointer<UInt8>, fallbackTime: Int64?, number: Int64) {
        if parser == nil {
            parser = AccessLogDetector.detect(sampleLines: [Array(msg)], template: template)
            // Stdin and pipes skip the container probe: name the message format now.
            if let p = parser, stats.format == "firehose" { stats.format += "+" + p.format }
        }
        guard let parser else {
            stats.skip(isBlank(msg) ? .blank : .unknownFormat, line: number)
            return
        }
        if let reason = parser.parse(message: msg, fallbackTime: fallbackTime, into: &builder) {
            stats.skip(reason, line: number)
            return
        }
        if let r = accept(number) { queue.append(r) }
    }
}
