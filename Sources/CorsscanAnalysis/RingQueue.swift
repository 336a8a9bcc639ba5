import CorsscanCore

/// A FIFO queue on a growable ring buffer (the standard library has no deque).
///
/// Used for expiry queues whose entries are appended in time order.
struct RingQueue<Element> {
    private var storage: [Element?] = Array(repeating: nil, count: 16)
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    var first: Element? { count == 0 ? nil : storage[head] }

    mutating func append(_ e: consuming Element) {
        if count == storage.count { grow() }
        storage[(head + count) & (storage.count - 1)] = e
        count += 1
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        precondition(count > 0)
        // Moved out (no copy of the element, no reference-count traffic).
        let e = storage[head].take()!
        head = (head + 1) & (storage.count - 1)
        count -= 1
        return e
    }

    private mutating func grow() {
        var n: [Element?] = Array(repeating: nil, count: storage.count * 2)
        for i in 0..<count { n[i] = storage[(head + i) & (storage.count - 1)] }
        storage = n
        head = 0
    }
}

extension RingQueue where Element == AccessRecord {
    /// Time and location of the first record, read in place (no copy of the record).
    @inline(__always)
    var firstKey: (time: Int64, location: SourceLocation)? {
        guard count > 0 else { return nil }
        // Projected through the optional: reading two fields copies no record.
        guard let time = storage[head]?.time, let location = storage[head]?.location else { return nil }
        return (time, location)
    }
}
