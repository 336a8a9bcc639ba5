import XCTest
@testable import CorsscanAnalysis

/// `RingQueue` against an array model: FIFO order across wrap-around and growth, copies
/// that are values, and elements released exactly once (moved out or freed with the queue).
final class RingQueueTests: XCTestCase {
    final class Counter { var live = 0 }
    final class Token {
        let n: Int
        let counter: Counter
        init(_ n: Int, _ counter: Counter) { self.n = n; self.counter = counter; counter.live += 1 }
        deinit { counter.live -= 1 }
    }

    func testFIFOAgainstAnArrayModel() {
        var q = RingQueue<Int>()
        var model: [Int] = []
        var state: UInt64 = 3
        for step in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Bursts of appends (growth) and of removals (wrap-around).
            if (state >> 40) % 3 != 0 || model.isEmpty {
                q.append(step)
                model.append(step)
            } else {
                XCTAssertEqual(q.first, model.first)
                XCTAssertEqual(q.removeFirst(), model.removeFirst())
            }
            XCTAssertEqual(q.count, model.count)
        }
        while !model.isEmpty { XCTAssertEqual(q.removeFirst(), model.removeFirst()) }
        XCTAssertTrue(q.isEmpty)
        XCTAssertNil(q.first)
    }

    func testCopiesAreValuesAndElementsAreReleasedOnce() {
        let counter = Counter()
        do {
            var a = RingQueue<Token>()
            for i in 0..<40 { a.append(Token(i, counter)) }  // grows past 16 and 32
            for _ in 0..<10 { _ = a.removeFirst() }
            var b = a
            b.append(Token(100, counter))
            XCTAssertEqual(b.removeFirst().n, 10)
            XCTAssertEqual(a.count, 30)
            XCTAssertEqual(b.count, 30)
            XCTAssertEqual(a.first?.n, 10, "changing the copy left the original alone")
            XCTAssertEqual(counter.live, 31, "30 shared tokens in both queues and the one only in b")
        }
        XCTAssertEqual(counter.live, 0, "every element released with its queue")
    }
}
