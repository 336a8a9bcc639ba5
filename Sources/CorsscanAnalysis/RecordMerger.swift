import CorsscanCore

/// One input's records in file order, produced on demand.
///
/// The pipeline implements this over input → line splitting → parsing; errors and skipped
/// lines are the source's business (it records them in its own accounting).
public protocol RecordSource: AnyObject {
    /// The next record in file order, or nil at the end of the input.
    func next() -> AccessRecord?
    /// Releases the file and buffers; called once the source is exhausted.
    func close()
}

/// An input not opened yet: when its first record happens, and how to open it.
public struct LazyInput {
    /// Time of the input's first record (from a peek), nil when none was found there.
    public var firstTime: Int64?
    /// The input's index (`SourceLocation.input`): the tie-breaker.
    public var index: Int32
    public var open: () -> RecordSource

    public init(firstTime: Int64?, index: Int32, open: @escaping () -> RecordSource) {
        self.firstTime = firstTime
        self.index = index
        self.open = open
    }
}

/// A k-way merge of many inputs into one time-ordered stream of records.
///
/// Inputs are opened lazily in order of their first timestamp, at most `maxOpen` at once,
/// so thousands of hourly files never mean thousands of open handles. Inside an input,
/// records may be out of order by up to `maxSkewMs` (a reorder buffer per input holds them
/// back that long); records later than that are still returned, and counted in `late`.
/// Ties are broken by input index, then line, so the output order is deterministic.
///
/// Complexity: O(log k) per record for k open inputs, plus O(log b) for the out-of-order
/// records of a buffer of b records; in-order records take the O(1) path.
public final class RecordMerger {
    public let maxSkewMs: Int64
    public let maxOpen: Int
    /// Records returned out of time order (later than the skew tolerance allowed).
    public private(set) var late: Int64 = 0
    /// `late` per input index.
    public private(set) var lateByInput: [Int32: Int64] = [:]
    /// The most inputs that were open at once.
    public private(set) var maxOpenSeen = 0
    /// Inputs that were due (their time had come) while `maxOpen` inputs were open already,
    /// so their records were merged late.
    public private(set) var delayedInputs = 0
    private var lastDelayed: Int32 = -1

    /// The most records held in the reorder buffers of all open inputs together. A flood
    /// of records inside one `maxSkewMs` (a million in the same second) would otherwise be
    /// held whole; past the bound the earliest held record is released before its skew
    /// time is up (a record still earlier, arriving after it, then counts as late).
    public let maxBuffered: Int
    /// Records released early because the buffers were full.
    public private(set) var releasedEarly: Int64 = 0
    private var buffered = 0

    private var unopened: [LazyInput]  // sorted descending so the next is `last`
    /// Binary heap by key; it owns one reference to each (released on leaving it).
    private var open: [Unmanaged<OpenInput>] = []
    private var lastReleased: Int64 = .min

    public init(inputs: [LazyInput], maxSkewMs: Int64, maxOpen: Int = 64, maxBuffered: Int = 65_536) {
        self.maxSkewMs = maxSkewMs
        self.maxOpen = max(1, maxOpen)
        self.maxBuffered = max(1, maxBuffered)
        self.unopened = inputs.sorted { a, b in
            let ta = a.firstTime ?? .min, tb = b.firstTime ?? .min
            return ta != tb ? ta > tb : a.index > b.index
        }
    }

    /// The next record in time order, or nil when every input is exhausted.
    public func next() -> AccessRecord? {
        while true {
            if !unopened.isEmpty { openDueInputs() }
            guard let top = open.first else { return nil }
            // Borrowed from the heap (which keeps it alive) rather than retained per record.
            var removed: Unmanaged<OpenInput>?
            let r = top._withUnsafeGuaranteedRef { s in step(s, &removed) }
            removed?.release()
            if let r { return r }
        }
    }

    /// One step at the frontier input `s`: a record to return, or nil when it pulled one
    /// more record into `s` instead. Sets `removed` when `s` left the heap.
    @inline(__always)
    private func step(_ s: OpenInput, _ removed: inout Unmanaged<OpenInput>?) -> AccessRecord? {
        if open.count == 1, unopened.isEmpty {
            // The only input left: nothing to interleave and none to open (a waiting input
            // may become due with any record pulled, and must open before the next release),
            // so pull until its earliest record may go, without a trip through the heap per
            // record pulled.
            while !s.exhausted, buffered < maxBuffered || s.isEmpty, !s.releasable(maxSkewMs) {
                if let r = s.source.next() {
                    s.push(consume r)
                    buffered += 1
                } else {
                    s.exhausted = true
                    s.source.close()
                }
            }
        }
        let full = buffered >= maxBuffered && !s.isEmpty
        if full || s.releasable(maxSkewMs) {
            if full && !s.releasable(maxSkewMs) { releasedEarly += 1 }
            let r = s.popMin()
            buffered -= 1
            if s.exhausted && s.isEmpty {
                removed = removeTop()
            } else {
                s.key = s.computeKey(maxSkewMs)
                if open.count > 1 { siftDown(0) }
            }
            if r.time < lastReleased {
                late += 1
                lateByInput[r.location.input, default: 0] += 1
            } else {
                lastReleased = r.time
            }
            return r
        }
        // Pull more from the input at the frontier.
        if s.exhausted {
            // Only after the loop above emptied it: nothing to pull.
        } else if let r = s.source.next() {
            s.push(consume r)
            buffered += 1
        } else {
            s.exhausted = true
            s.source.close()
        }
        if s.exhausted && s.isEmpty {
            removed = removeTop()
        } else {
            s.key = s.computeKey(maxSkewMs)
            if open.count > 1 { siftDown(0) }
        }
        return nil
    }

    private func openDueInputs() {
        if open.count >= maxOpen, let next = unopened.last, let t = next.firstTime, !open.isEmpty,
           t - maxSkewMs <= key(0).key, next.index != lastDelayed {
            // Due, but the bound is reached: its records will come late.
            delayedInputs += 1
            lastDelayed = next.index
        }
        while let next = unopened.last, open.count < maxOpen {
            let due: Bool
            if open.isEmpty {
                due = true
            } else {
                let t = next.firstTime ?? .min
                due = t == .min || t - maxSkewMs <= key(0).key
            }
            guard due else { return }
            unopened.removeLast()
            let s = OpenInput(source: next.open(), index: next.index)
            s.key = next.firstTime.map { $0 - maxSkewMs } ?? .min
            open.append(.passRetained(s))
            siftUp(open.count - 1)
            maxOpenSeen = max(maxOpenSeen, open.count)
        }
    }

    deinit {
        for s in open { s.release() }
    }

    // MARK: - Heap of open inputs

    @inline(__always)
    private func key(_ i: Int) -> (key: Int64, index: Int32) {
        open[i]._withUnsafeGuaranteedRef { ($0.key, $0.index) }
    }

    @inline(__always)
    private func less(_ i: Int, _ j: Int) -> Bool {
        let a = key(i), b = key(j)
        return a.key != b.key ? a.key < b.key : a.index < b.index
    }

    /// Takes the top out of the heap; the caller releases it once done with it.
    private func removeTop() -> Unmanaged<OpenInput> {
        let top = open[0]
        let last = open.removeLast()
        if !open.isEmpty {
            open[0] = last
            siftDown(0)
        }
        return top
    }

    private func siftUp(_ i0: Int) {
        var i = i0
        while i > 0 {
            let p = (i - 1) / 2
            guard less(i, p) else { return }
            open.swapAt(i, p)
            i = p
        }
    }

    private func siftDown(_ i0: Int) {
        var i = i0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < open.count, less(l, m) { m = l }
            if r < open.count, less(r, m) { m = r }
            if m == i { return }
            open.swapAt(i, m)
            i = m
        }
    }
}

/// One open input with its reorder buffer: records in arrival order when they come in
/// time order (a FIFO), the rare earlier ones in a heap.
///
/// The heap orders small keys (time, location, slot); the records themselves stay put in
/// `parked` until popped, so sifting never copies a record.
final class OpenInput {
    let source: RecordSource
    let index: Int32
    var key: Int64 = .min
    var exhausted = false
    private(set) var maxSeen: Int64 = .min
    private var inOrder = RingQueue<AccessRecord>()
    /// Time of the last record queued in order (`.min`: none queued).
    private var lastInOrder: Int64 = .min
    private struct HeapKey {
        var time: Int64
        var location: SourceLocation
        var slot: Int
    }
    private var outOfOrder: [HeapKey] = []  // binary heap by (time, location)
    private var parked: [AccessRecord?] = []
    private var freeSlots: [Int] = []

    init(source: RecordSource, index: Int32) {
        self.source = source
        self.index = index
    }

    var isEmpty: Bool { inOrder.isEmpty && outOfOrder.isEmpty }

    private typealias Key = (time: Int64, location: SourceLocation)

    @inline(__always)
    private static func less(_ a: Key, _ b: Key) -> Bool {
        a.time != b.time ? a.time < b.time : a.location < b.location
    }

    @inline(__always)
    private func heapLess(_ i: Int, _ j: Int) -> Bool {
        let a = outOfOrder[i], b = outOfOrder[j]
        return Self.less((a.time, a.location), (b.time, b.location))
    }

    @inline(__always)
    private var heapTopKey: Key? {
        outOfOrder.isEmpty ? nil : (outOfOrder[0].time, outOfOrder[0].location)
    }

    /// Time of the earliest record held (read in place, no record copied).
    @inline(__always)
    var minTime: Int64? {
        switch (inOrder.firstKey, heapTopKey) {
        case let (a?, b?): return min(a.time, b.time)
        case let (a?, nil): return a.time
        case let (nil, b?): return b.time
        default: return nil
        }
    }

    func releasable(_ skew: Int64) -> Bool {
        guard let m = minTime else { return false }
        return exhausted || m <= maxSeen &- skew
    }

    /// Lower bound of the time of the next record this input can release.
    func computeKey(_ skew: Int64) -> Int64 {
        let m = minTime
        if exhausted { return m ?? .max }
        let bound = maxSeen == .min ? .min : maxSeen - skew
        return m.map { min($0, bound) } ?? bound
    }

    @inline(__always)
    func push(_ r: consuming AccessRecord) {
        let time = r.time
        if time > maxSeen { maxSeen = time }
        if time >= lastInOrder {
            lastInOrder = time
            inOrder.append(consume r)
            return
        }
        let location = r.location
        let slot: Int
        if let f = freeSlots.popLast() {
            slot = f
            parked[slot] = consume r
        } else {
            slot = parked.count
            parked.append(consume r)
        }
        outOfOrder.append(HeapKey(time: time, location: location, slot: slot))
        var i = outOfOrder.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard heapLess(i, p) else { break }
            outOfOrder.swapAt(i, p)
            i = p
        }
    }

    @inline(__always)
    func popMin() -> AccessRecord {
        if let a = inOrder.firstKey, outOfOrder.isEmpty || !Self.less(heapTopKey!, a) {
            let r = inOrder.removeFirst()
            if inOrder.isEmpty { lastInOrder = .min }
            return r
        }
        let top = outOfOrder[0]
        let last = outOfOrder.removeLast()
        if !outOfOrder.isEmpty {
            outOfOrder[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, rr = l + 1
                var m = i
                if l < outOfOrder.count, heapLess(l, m) { m = l }
                if rr < outOfOrder.count, heapLess(rr, m) { m = rr }
                if m == i { break }
                outOfOrder.swapAt(i, m)
                i = m
            }
        }
        let r = parked[top.slot].take()!
        if outOfOrder.isEmpty {
            // Nothing parked any more: let the slots go (the buffer holds at most the skew's worth).
            parked.removeAll(keepingCapacity: parked.count <= 4096)
            freeSlots.removeAll(keepingCapacity: true)
        } else {
            freeSlots.append(top.slot)
        }
        return r
    }
}
