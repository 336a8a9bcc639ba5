import XCTest
@testable import CorsscanAnalysis

/// `RingQueue` against an array model: FIFO order across wrap-around and growth, and
/// elements released exactly once (moved out or freed with the queue).
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

    func testElementsAreReleasedOnce() {
        let counter = Counter()
        do {
            var a = RingQueue<Token>()
            for i in 0..<40 { a.append(Token(i, counter)) }  // grows past 16 and 32
            for _ in 0..<10 { _ = a.removeFirst() }           // moved out, released by the caller
            XCTAssertEqual(counter.live, 30)
            for i in 40..<60 { a.append(Token(i, counter)) }  // wraps around, grows again
            XCTAssertEqual(a.removeFirst().n, 10)
            XCTAssertEqual(a.count, 49)
            XCTAssertEqual(counter.live, 49)
        }
        XCTAssertEqual(counter.live, 0, "every element left is released with its queue")
    }
}
