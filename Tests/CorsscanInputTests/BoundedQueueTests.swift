import CorsscanInput
import XCTest

/// The hand-off between pipeline threads: order, bounds and closing.
final class BoundedQueueTests: XCTestCase {
    func testTryPushNeverWaitsAndKeepsOrder() {
        let q = BoundedQueue<Int>(capacity: 3)
        XCTAssertTrue(q.tryPush(1))
        XCTAssertTrue(q.push(2))
        XCTAssertTrue(q.tryPush(3))
        XCTAssertFalse(q.tryPush(4), "full: dropped, not queued")
        XCTAssertEqual(q.tryPop(), 1)
        XCTAssertTrue(q.tryPush(5))
        XCTAssertEqual([q.tryPop(), q.tryPop(), q.tryPop(), q.tryPop()], [2, 3, 5, nil])
    }

    func testClosedQueueRefusesPushesAndHandsOutWhatIsLeft() {
        let q = BoundedQueue<Int>(capacity: 4)
        q.push(1)
        q.push(2)
        q.close()
        XCTAssertFalse(q.tryPush(3))
        XCTAssertFalse(q.push(3))
        XCTAssertEqual(q.pop(), 1)
        XCTAssertEqual(q.pop(), 2)
        XCTAssertNil(q.pop())
        let drained = BoundedQueue<Int>(capacity: 2)
        drained.push(1)
        drained.closeAndDrain()
        XCTAssertNil(drained.tryPop())
        XCTAssertFalse(drained.tryPush(2))
    }

    /// A producer thread and this consumer pass thousands of elements through a small queue:
    /// every element arrives once, in order, whichever side waits.
    func testElementsCrossThreadsInOrder() throws {
        for (capacity, n) in [(1, 3_000), (4, 20_000)] {
            let q = BoundedQueue<Int>(capacity: capacity)
            let producer = try XCTUnwrap(WorkerThread.start {
                for i in 0..<n { q.push(i) }
                q.close()
            })
            var expected = 0
            while let v = q.pop() {
                XCTAssertEqual(v, expected)
                if v != expected { break }
                expected += 1
            }
            producer.join()
            XCTAssertEqual(expected, n)
        }
    }
}
