import CorsscanCore

/// A FIFO queue on a growable ring buffer (the standard library has no deque).
///
/// Used for expiry queues whose entries are appended in time order and for the merge's
/// in-order records. Elements live in raw memory, initialised on `append` and moved out by
/// `removeFirst`: no optional per slot, no generic destroy of the empty slot it fills, no
/// array uniqueness check per subscript. A value type like `Array`: a copy shares the
/// buffer until one of them is changed.
struct RingQueue<Element> {
    private final class Buffer {
        /// A power of two.
        let capacity: Int
        let base: UnsafeMutablePointer<Element>
        var head = 0
        var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(capacity: capacity)
        }

        deinit {
            for i in 0..<count { (base + ((head + i) & (capacity - 1))).deinitialize(count: 1) }
            base.deallocate()
        }

        /// A buffer of `capacity` (≥ count) holding copies of these elements, from index 0.
        func copy(capacity: Int) -> Buffer {
            let b = Buffer(capacity: capacity)
            for i in 0..<count { (b.base + i).initialize(to: base[(head + i) & (self.capacity - 1)]) }
            b.count = count
            return b
        }
    }

    private var buffer = Buffer(capacity: 16)

    var count: Int { buffer.count }

    var isEmpty: Bool { buffer.count == 0 }

    var first: Element? { buffer.count == 0 ? nil : buffer.base[buffer.head] }

    mutating func append(_ e: consuming Element) {
        if !isKnownUniquelyReferenced(&buffer) {
            buffer = buffer.copy(capacity: buffer.capacity)
        }
        if buffer.count == buffer.capacity { grow() }
        let b = buffer
        (b.base + ((b.head + b.count) & (b.capacity - 1))).initialize(to: e)
        b.count += 1
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        precondition(buffer.count > 0)
        if !isKnownUniquelyReferenced(&buffer) {
            buffer = buffer.copy(capacity: buffer.capacity)
        }
        let b = buffer
        // Moved out (no copy of the element, no reference-count traffic).
        let e = (b.base + b.head).move()
        b.head = (b.head + 1) & (b.capacity - 1)
        b.count -= 1
        return e
    }

    private mutating func grow() {
        let old = buffer
        let b = Buffer(capacity: old.capacity * 2)
        for i in 0..<old.count {
            (b.base + i).moveInitialize(from: old.base + ((old.head + i) & (old.capacity - 1)), count: 1)
        }
        b.count = old.count
        old.count = 0  // moved out: nothing left for its deinit
        buffer = b
    }
}

extension RingQueue where Element == AccessRecord {
    /// Time and location of the first record, read in place (no copy of the record).
    @inline(__always)
    var firstKey: (time: Int64, location: SourceLocation)? {
        let b = buffer
        guard b.count > 0 else { return nil }
        let p = b.base + b.head
        return (p.pointee.time, p.pointee.location)
    }
}
