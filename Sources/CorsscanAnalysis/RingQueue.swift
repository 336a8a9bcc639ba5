import CorsscanCore

/// A FIFO queue on a growable ring buffer (the standard library has no deque).
///
/// Used for expiry queues whose entries are appended in time order and for the merge's
/// in-order records. Elements live in raw memory, initialised on `append` and moved out by
/// `removeFirst`: no optional per slot, no generic destroy of the empty slot it fills.
/// Noncopyable, so it owns its memory outright: no copy-on-write check and no reference
/// counting per operation (each queue lives in one owner, a correlator or a merge input).
struct RingQueue<Element>: ~Copyable {
    /// `capacity` slots, a power of two; `count` of them from `head` (wrapping) are live.
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private var head = 0
    private(set) var count = 0

    init() {
        capacity = 16
        base = .allocate(capacity: 16)
    }

    deinit {
        for i in 0..<count { (base + ((head + i) & (capacity - 1))).deinitialize(count: 1) }
        base.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    var first: Element? { count == 0 ? nil : base[head] }

    mutating func append(_ e: consuming Element) {
        if count == capacity { grow() }
        (base + ((head + count) & (capacity - 1))).initialize(to: e)
        count += 1
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        precondition(count > 0)
        // Moved out (no copy of the element, no reference-count traffic).
        let e = (base + head).move()
        head = (head + 1) & (capacity - 1)
        count -= 1
        return e
    }

    private mutating func grow() {
        let b = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        for i in 0..<count {
            (b + i).moveInitialize(from: base + ((head + i) & (capacity - 1)), count: 1)
        }
        base.deallocate()
        base = b
        head = 0
        capacity *= 2
    }
}

extension RingQueue where Element == AccessRecord {
    /// Time and location of the first record, read in place (no copy of the record).
    @inline(__always)
    var firstKey: (time: Int64, location: SourceLocation)? {
        guard count > 0 else { return nil }
        let p = base + head
        return (p.pointee.time, p.pointee.location)
    }
}
