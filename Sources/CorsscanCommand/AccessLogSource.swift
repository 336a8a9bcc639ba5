import CorsscanCore
import CorsscanInput
import CorsscanAccessLog
import CorsscanAnalysis

/// One access-log input as a stream of records: bytes → lines or JSON objects → records,
/// counting every line it does not use.
///
/// Inline (`threaded: false`, used for the short peek at an input's first records) the
/// caller's thread does all the work. Threaded, the input is inflated on one thread
/// (`ByteSource.startPrefetch`) and split and parsed on another, which hands records over
/// in batches through a bounded queue; the records, their order and the accounting are
/// the same either way.
final class AccessLogSource: RecordSource {
    let index: Int32
    /// The input's accounting: final once the source is closed.
    private(set) var stats: InputStats
    private let onClose: (AccessLogSource) -> Void
    private var inline: AccessLogDecoder?
    private let source: ByteSource
    // Threaded mode.
    private struct Batch {
        var records: [AccessRecord]
        /// The decoder's accounting, on the last batch.
        var final: InputStats?
    }
    private var queue: BoundedQueue<Batch>?
    /// Records the consumer is done with, going back to the worker to be released there:
    /// their memory was allocated on the worker's thread, and freeing it on the same thread
    /// keeps malloc's per-thread caches warm instead of contending for the worker's arena.
    private var recycled: BoundedQueue<[AccessRecord]>?
    private var worker: WorkerThread?
    /// The current batch, reversed: `popLast` moves records out without copying them.
    private var batch: [AccessRecord] = []
    /// An emptied batch's storage, reused for the next hand-back: arrays go round between
    /// the two threads instead of being freed on the one that did not allocate them.
    private var spare: [AccessRecord]?
    private var done = false
    private var closed = false

    /// Records per batch handed between threads, and batches queued at most. The consumer
    /// takes each batch as it comes: waiting for a full queue left a core idle whenever the
    /// inflate thread was waiting for the decoder at the same time (the decoder alone ran
    /// for about 0.13 s of a 1 s single-file run).
    static let batchSize = 512
    static let queuedBatches = 8
    /// Batches queued at most when this is the only input open (`yieldToMain` false). Its
    /// three threads (inflate, decode, main) share two cores, and the scheduler runs two of
    /// them in turns of a few milliseconds on one core: eight batches (about 1.5 ms of
    /// decoding) filled while the main thread waited for its turn, and the decoder then
    /// slept on a full queue with its core idle. Thirty-two batches (≈ 1.2 MB of records when
    /// most are fieldless, as on the benchmark inputs; up to 4–5 MB when every record keeps its
    /// text) hold a turn's worth: on REST CLF 1M, idle core time per run
    /// 0.17 → 0.12 s. With several inputs open each has its own queue and the cores are
    /// busy with the other inputs, so they keep eight (memory per open input).
    static let queuedBatchesAlone = 32
    /// Used records handed back to the worker at a time (a batch's worth, so a batch's
    /// array can carry them), and such hand-backs queued at most (more are released by the
    /// consumer). Records waiting to be released are memory held per open input: at most
    /// 4 × 512 (one hand-back being filled, two queued, one being released), ≈ 0.8 MB.
    static let recycleSize = batchSize
    static let recycledBatches = 2
    /// How much `yieldToMain` lowers the decode and inflate threads' priority (nice values):
    /// with several inputs open, the main thread (merge and correlation, the one stage that
    /// cannot run in parallel) competes with two threads per input; at equal priority it
    /// got a fair share of the cores instead of the core it needs, and the run waited for
    /// it. Inflate is lowered most: it runs ahead into its ring and can wait.
    static let decodeNiceness: Int32 = 3
    static let inflateNiceness: Int32 = 9

    init(source: ByteSource, index: Int32, stats: InputStats, plan: InputPlan, template: LogTemplate?,
         since: Int64?, until: Int64?, threaded: Bool = false, fieldless: Bool = false,
         yieldToMain: Bool = false, onClose: @escaping (AccessLogSource) -> Void) {
        self.index = index
        self.stats = stats
        self.onClose = onClose
        self.source = source
        let decoder = AccessLogDecoder(source: source, index: index, stats: stats, plan: plan, template: template,
                                       since: since, until: until, fieldless: fieldless)
        guard threaded else {
            inline = decoder
            return
        }
        inline = nil
        let q = BoundedQueue<Batch>(capacity: yieldToMain ? Self.queuedBatches : Self.queuedBatchesAlone)
        queue = q
        let back = BoundedQueue<[AccessRecord]>(capacity: Self.recycledBatches)
        recycled = back
        // The decoder and the byte source belong to the worker until it is joined.
        worker = WorkerThread.start {
            if yieldToMain {
                // The inflate thread starts first: a thread inherits its creator's nice value.
                source.startPrefetch(niceness: Self.inflateNiceness)
                WorkerThread.lowerPriority(by: Self.decodeNiceness)
            } else {
                source.startPrefetch()
            }
            let size = Self.batchSize
            var out: [AccessRecord] = []
            out.reserveCapacity(size)
            while true {
                decoder.fill(&out, limit: size)
                if out.count < size { break }  // the input is exhausted
                // Reversed in place by moves (`Array.reverse` copies each record).
                out.withUnsafeMutableBufferPointer { $0.reverse() }
                guard q.push(Batch(records: out, final: nil)) else { return }
                // Used records are released here, on the thread that allocated them: one
                // before each record the next batch builds (a free just before each
                // allocation keeps malloc on its per-thread cache). The array emptied while
                // building this batch carries the next one.
                var emptied: [AccessRecord] = []
                swap(&emptied, &decoder.toRelease)
                emptied.removeAll(keepingCapacity: true)
                decoder.toRelease = back.tryPop() ?? []
                while var more = back.tryPop() { more.removeAll(keepingCapacity: true) }
                out = emptied
                out.reserveCapacity(size)
            }
            out.withUnsafeMutableBufferPointer { $0.reverse() }
            q.push(Batch(records: out, final: decoder.finish()))
            q.close()
        }
        if worker == nil {
            // No thread to be had: decode inline.
            queue = nil
            inline = decoder
        }
    }

    /// Compressed bytes read so far (for progress; any thread).
    var bytesRead: Int64 { source.compressedBytesRead }

    func next() -> AccessRecord? {
        if let inline { return inline.next() }
        while true {
            if let r = batch.popLast() { return r }
            if done { return nil }
            guard var b = queue!.pop() else { done = true; return nil }
            // Swapped, not copied: `batch` must hold the only reference for `popLast` to move.
            swap(&batch, &b.records)
            if spare == nil, b.records.capacity >= Self.recycleSize { spare = b.records }
            if let f = b.final {
                stats = f
                done = true
            }
        }
    }

    /// Takes records the consumer is done with (emptying `records`): they go back to the
    /// worker thread to be released, or are released here when it is not taking any.
    func recycle(_ records: inout [AccessRecord]) {
        if let recycled, !done, recycled.tryPush(records) {
            records = spare.take() ?? []
            records.reserveCapacity(Self.recycleSize)
        } else {
            records.removeAll(keepingCapacity: true)
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let inline {
            stats = inline.finish()
        } else {
            recycled!.closeAndDrain()
            queue!.closeAndDrain()
            worker!.join()
            if !done {
                // Closed before the end: what the worker counted is lost with its batches;
                // report the bytes read at least.
                stats.compressedBytes = source.compressedBytesRead
            }
        }
        source.close()
        batch = []
        spare = nil
        done = true
        onClose(self)
    }
}

/// Records the correlator is done with, per input, on their way back to the decode thread
/// that allocated them (`AccessLogSource.recycle`, `recycleSize` at a time) while that input
/// is open. Records of an input that is not open are released where they are.
struct UsedRecords {
    private var held: [[AccessRecord]]
    /// `sources[i] != nil`, kept apart: the per-record check then loads a flag instead of
    /// a reference.
    private var isOpen: [Bool]
    private var sources: [AccessLogSource?]

    init(inputs: Int) {
        held = Array(repeating: [], count: inputs)
        isOpen = Array(repeating: false, count: inputs)
        sources = Array(repeating: nil, count: inputs)
    }

    mutating func opened(_ s: AccessLogSource) {
        let i = Int(s.index)
        guard i < sources.count else { return }
        isOpen[i] = true
        sources[i] = s
    }

    /// Forgets the input, releasing what is held for it.
    mutating func closed(_ index: Int32) {
        let i = Int(index)
        guard i < sources.count else { return }
        isOpen[i] = false
        sources[i] = nil
        held[i] = []
    }

    @inline(__always)
    mutating func add(_ r: consuming AccessRecord) {
        let i = Int(r.location.input)
        guard isOpen[i] else { return }
        held[i].append(consume r)
        if held[i].count >= AccessLogSource.recycleSize { sources[i]!.recycle(&held[i]) }
    }
}

/// The work behind one `AccessLogSource`: bytes → lines or JSON objects → records.
final class AccessLogDecoder {
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
    /// What the parser learned from this input's earlier lines (speed only).
    private var parseCache = AccessLogParser.Cache()
    /// Records decoded from one container object, handed out one by one.
    private var queue: [AccessRecord] = []
    private var queueHead = 0
    private var eventNumber: Int64 = 0
    /// Used records to release while decoding, one per record built (set by the worker).
    var toRelease: [AccessRecord] = []
    /// Whether records the correlator never reads the fields of are built without them
    /// (`Correlator.needsFields`): false when browser reports are joined.
    let fieldless: Bool
    private var containerScratch = LogEventContainer.Scratch()
    private var done = false

    init(source: ByteSource, index: Int32, stats: InputStats, plan: InputPlan, template: LogTemplate?,
         since: Int64?, until: Int64?, fieldless: Bool) {
        self.source = source
        self.fieldless = fieldless
        self.index = index
        self.stats = stats
        self.template = template
        self.since = since
        self.until = until
        switch plan {
        case .accessLines(let p):
            parser = p
            lines = LineReader(source)
        case .accessObjects(let p):
            parser = p
            objects = JSONObjectReader(source, startMarker: LogEventContainer.firehoseStart)
        default:
            lines = LineReader(source)
        }
    }

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

    /// Appends records to `out` until it holds `limit` (fewer only at the end of the
    /// input): `next()` in a loop, with the line parser copied once per call instead of
    /// once per line.
    func fill(_ out: inout [AccessRecord], limit: Int) {
        if objects != nil {
            fillFromObjects(&out, limit: limit)
            return
        }
        guard lines != nil, let parser else {
            while out.count < limit, let r = next() { out.append(r) }
            return
        }
        // The builder as a local for the loop: a class property would be copied per use.
        var builder = AccessRecordBuilder()
        swap(&builder, &self.builder)
        var cache = AccessLogParser.Cache()
        swap(&cache, &parseCache)
        defer {
            swap(&builder, &self.builder)
            swap(&cache, &parseCache)
        }
        while out.count < limit, !done {
            do throws(InputError) {
                guard let item = try lines!.next() else {
                    done = true
                    return
                }
                stats.lines += 1
                switch item {
                case .line(let buf, let n):
                    if let reason = parser.parse(buf, into: &builder, cache: &cache) {
                        stats.skip(reason, line: n)
                    } else {
                        accept(n, &builder, into: &out)
                    }
                case .oversize(let n):
                    stats.skip(.oversizeLine, line: n)
                case .truncated(let n):
                    stats.skip(.truncated, line: n)
                }
            } catch {
                stats.error = error
                done = true
            }
        }
    }

    /// `fill` for JSON objects: the records of whole objects are appended straight to
    /// `out` (it may end a few records over `limit`; fewer only at the end of the input).
    private func fillFromObjects(_ out: inout [AccessRecord], limit: Int) {
        // Records left over from `next()` first, in order.
        while out.count < limit, queueHead < queue.count {
            out.append(queue[queueHead])
            queueHead += 1
        }
        guard queueHead == queue.count else { return }
        queue.removeAll(keepingCapacity: true)
        queueHead = 0
        // `parseMessage` appends to `queue`: let that be `out` for now.
        swap(&out, &queue)
        defer { swap(&out, &queue) }
        while queue.count < limit, !done {
            do {
                try nextFromObjects()
            } catch {
                stats.error = error
                done = true
            }
        }
    }

    /// Stops reading; the accounting with the bytes read and decompressed.
    func finish() -> InputStats {
        stats.compressedBytes = source.compressedBytesRead
        stats.bytes = source.decompressedBytes
        done = true
        return stats
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
            if let reason = parser.parse(buf, into: &builder, cache: &parseCache) {
                stats.skip(reason, line: n)
                return nil
            }
            var one: [AccessRecord] = []
            accept(n, &builder, into: &one)
            return one.popLast()
        case .oversize(let n):
            stats.skip(.oversizeLine, line: n)
        case .truncated(let n):
            stats.skip(.truncated, line: n)
        }
        return nil
    }

    /// Appends the record built from line `n` to `out` (moved, not copied), unless it is
    /// outside the time range. `builder` is `inout` only so a class-held builder is used in
    /// place: passed by value (even `borrowing`) it was copied for every record (retains and
    /// releases of its parts).
    @inline(__always)
    private func accept(_ n: Int64, _ builder: inout AccessRecordBuilder, into out: inout [AccessRecord]) {
        if let s = since, builder.time < s { stats.skip(.outsideTimeRange, line: n); return }
        if let u = until, builder.time >= u { stats.skip(.outsideTimeRange, line: n); return }
        stats.records += 1
        // Hashed here, on the input's own thread, not on the one correlating every input.
        let keys = Correlator.keys(of: builder)
        out.append(builder.build(location: SourceLocation(input: index, line: n), keys: keys,
                                 fieldless: fieldless && !Correlator.needsFields(method: builder.method, status: builder.status)))
        _ = toRelease.popLast()
    }

    private func isBlank(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        buf.allSatisfy(ASCII.isWhitespace)
    }

    // MARK: - JSON objects (Firehose envelopes, CLI output, direct Firehose records)

    private func nextFromObjects() throws(InputError) {
        if inPlaceMisses < Self.inPlaceMissLimit || objectsRead % Self.inPlaceRetryEvery == 0, tryObjectInPlace() {
            return
        }
        guard let item = try objects!.next() else {
            done = true
            return
        }
        objectsRead += 1
        switch item {
        case .object(let buf, _, _):
            lastObjectBytes = buf.count
            var count = 0
            let kind = LogEventContainer.scan(buf, eventCount: &count, scratch: &containerScratch, onEvent: useEvent)
            switch kind {
            case .data:
                break
            case .control:
                controlMessage(count)
            case .notContainer:
                parseMessage(buf, fallbackTime: nil, number: countEvent())
            case .malformed:
                skipObject(.malformedJSON)
            }
        case .oversize:
            skipObject(.oversizeLine)
        case .garbage:
            skipObject(.unknownFormat)
        case .truncated(_, let partial):
            // The events that closed before the cut are used; the rest is one `truncated` unit.
            _ = LogEventContainer.salvage(partial, scratch: &containerScratch, onEvent: useEvent)
            skipObject(.truncated)
        }
    }

    /// The next object walked where it lies in the reader's buffer: an envelope's end is
    /// found by the walk that reads its events, not by a scan of its own first. False when
    /// the next item is not an envelope complete in the buffer (then `next()` reads it).
    private func tryObjectInPlace() -> Bool {
        // Room for twice the last object: an envelope cut by the end of the buffer is
        // walked in vain, then read the usual way. From a pipe, only what has arrived: an
        // envelope already whole is not held back waiting for the next ones.
        let want = source.fileSize == nil ? 1 : 2 * lastObjectBytes
        guard let bytes = objects!.peekObject(minBytes: want) else { return false }
        guard let (kind, length) = LogEventContainer.scanPrefix(bytes, scratch: &containerScratch),
              objects!.takeObject(length: length) != nil
        else {
            inPlaceMisses += 1
            return false
        }
        inPlaceMisses = 0
        objectsRead += 1
        lastObjectBytes = length
        if kind == .data {
            // The parser bound once per envelope, not copied out of `self` for every event.
            let parser = self.parser
            LogEventContainer.deliverEscaped(containerScratch, in: UnsafeBufferPointer(rebasing: bytes[0..<length])) {
                useEscapedEvent($0, $1, parser)
            }
        } else {
            controlMessage(containerScratch.eventCount)
        }
        return true
    }

    /// Objects read so far, envelopes walked in place that failed in a row, and the last
    /// envelope's size: after a few misses (objects that are not envelopes, such as access
    /// records written as JSON objects) the in-place walk is only tried now and then.
    private var objectsRead = 0
    private var inPlaceMisses = 0
    private var lastObjectBytes = 64 << 10
    static let inPlaceMissLimit = 4
    static let inPlaceRetryEvery = 256

    /// A control message (`CONTROL_MESSAGE`): its events are skipped.
    private func controlMessage(_ count: Int) {
        let n = max(count, 1)
        stats.lines += Int64(n)
        stats.skip(.controlMessage, line: eventNumber + 1, count: Int64(n))
        eventNumber += Int64(n)
    }

    /// One event of a container object: one line, parsed with the event's time as fallback.
    private func useEvent(_ msg: UnsafeBufferPointer<UInt8>, _ time: Int64) {
        parseMessage(msg, fallbackTime: time, number: countEvent())
    }

    /// One event of an envelope walked in place, its message still escaped: parsed where it
    /// lies when it fits the layout learned so far, else unescaped and parsed as usual.
    private func useEscapedEvent(_ escaped: UnsafeBufferPointer<UInt8>, _ time: Int64, _ parser: borrowing AccessLogParser?) {
        // Through the optional, not bound: binding copies the parser (retains its parts).
        switch parser?.parseInPlace(escapedMessage: escaped, fallbackTime: time, into: &builder, cache: &parseCache) {
        case .record?:
            accept(countEvent(), &builder, into: &queue)
            return
        case .skipped(let reason)?:
            stats.skip(reason, line: countEvent())
            return
        case .unescapeFirst?, nil:
            break
        }
        LogEventContainer.unescape(escaped, using: &messageBuffer) { useEvent($0, time) }
    }

    /// Room for one message unescaped.
    private var messageBuffer: [UInt8] = []

    /// Counts one more event (or unusable object) as a line of the input; its number.
    private func countEvent() -> Int64 {
        eventNumber += 1
        stats.lines += 1
        return eventNumber
    }

    /// Counts one unusable object as one skipped unit.
    private func skipObject(_ reason: SkipReason) {
        stats.skip(reason, line: countEvent())
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
        if let reason = parser.parse(message: msg, fallbackTime: fallbackTime, into: &builder, cache: &parseCache) {
            stats.skip(reason, line: number)
            return
        }
        accept(number, &builder, into: &queue)
    }
}
