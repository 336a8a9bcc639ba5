// Threads and the bounded hand-off between them, on pthreads directly: a producer
// thread per pipeline stage, no global thread pool whose width or scheduling we do not
// control (the stages block on each other, which a cooperative pool must not do).

import Glibc

/// A FIFO of at most `capacity` elements between threads, blocking on both ends.
///
/// `close()` wakes everyone: `push` then drops its element and returns false, `pop`
/// returns what is left and then nil. Memory held is bounded by `capacity` elements.
public final class BoundedQueue<Element>: @unchecked Sendable {
    public let capacity: Int
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let notEmpty: UnsafeMutablePointer<pthread_cond_t>
    private let notFull: UnsafeMutablePointer<pthread_cond_t>
    private var items: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    /// Producers waiting for room: they are woken once the queue is down to `resumeAt`
    /// (half full), not after every pop, so a fast producer sleeps and wakes once per
    /// half a queue instead of once per element (wake-ups are costly system calls).
    private var producersWaiting = 0
    private var resumeAt: Int { capacity / 2 }

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        items = Array(repeating: nil, count: capacity)
        lock = .allocate(capacity: 1)
        notEmpty = .allocate(capacity: 1)
        notFull = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(lock)
        notFull.deallocate()
        notEmpty.deallocate()
        lock.deallocate()
    }

    /// Appends, waiting while the queue is full. False when the queue was closed.
    @discardableResult
    public func push(_ e: Element) -> Bool {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if count == capacity && !closed {
            producersWaiting += 1
            while count > resumeAt && !closed { pthread_cond_wait(notFull, lock) }
            producersWaiting -= 1
        }
        if closed { return false }
        enqueueLocked(e)
        return true
    }

    /// Appends without waiting: false (and the element dropped) when the queue is full
    /// or closed.
    @discardableResult
    public func tryPush(_ e: Element) -> Bool {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if closed || count == capacity { return false }
        enqueueLocked(e)
        return true
    }

    /// Removes the oldest element, waiting while the queue is empty; nil once it is
    /// closed and empty.
    public func pop() -> Element? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if count == 0 && !closed { spinLocked { $0.count > 0 || $0.closed } }
        while count == 0 && !closed { pthread_cond_wait(notEmpty, lock) }
        return dequeueLocked()
    }

    /// How long a consumer that finds the queue empty keeps looking before it sleeps.
    /// Waits for the next element are mostly shorter than this, and a sleeping thread costs
    /// a system call to wake and, on virtual machines, often a fraction of a millisecond
    /// before it runs again. (Producers do not spin: they sleep until half the queue is
    /// free, see `resumeAt`.)
    static var spinNanoseconds: Int { 100_000 }

    /// Before a consumer's wait: gives the core away (`sched_yield`, so a runnable thread
    /// goes first) and looks again, for up to `spinNanoseconds`, while `ready` is false. The caller
    /// holds `lock`, and holds it again after.
    @inline(never)
    private func spinLocked(_ ready: (BoundedQueue) -> Bool) {
        let limit = Self.spinNanoseconds
        var start = timespec(), now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        while !ready(self) {
            pthread_mutex_unlock(lock)
            sched_yield()
            pthread_mutex_lock(lock)
            clock_gettime(CLOCK_MONOTONIC, &now)
            if (now.tv_sec - start.tv_sec) * 1_000_000_000 + (now.tv_nsec - start.tv_nsec) > limit { return }
        }
    }

    /// The oldest element without waiting, nil when there is none right now.
    public func tryPop() -> Element? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return dequeueLocked()
    }

    /// Appends to a queue with room, waking a waiting consumer; the caller holds `lock`.
    private func enqueueLocked(_ e: Element) {
        items[(head + count) % capacity] = e
        count += 1
        pthread_cond_signal(notEmpty)
    }

    /// Takes the oldest element, nil when empty; the caller holds `lock`.
    private func dequeueLocked() -> Element? {
        if count == 0 { return nil }
        let e = items[head]
        items[head] = nil
        head = (head + 1) % capacity
        count -= 1
        if producersWaiting > 0 && count <= resumeAt { pthread_cond_broadcast(notFull) }
        return e
    }

    /// Ends the queue for both sides (idempotent). Elements still queued stay poppable.
    public func close() {
        pthread_mutex_lock(lock)
        closed = true
        pthread_cond_broadcast(notEmpty)
        pthread_cond_broadcast(notFull)
        pthread_mutex_unlock(lock)
    }

    /// Closes and drops everything queued (a consumer giving up).
    public func closeAndDrain() {
        pthread_mutex_lock(lock)
        closed = true
        for i in 0..<capacity { items[i] = nil }
        count = 0
        pthread_cond_broadcast(notEmpty)
        pthread_cond_broadcast(notFull)
        pthread_mutex_unlock(lock)
    }
}

/// One joinable pthread running a closure.
///
/// The closure is not checked for `Sendable`: callers hand it state they stop touching
/// until `join()` (or that they share only through a `BoundedQueue`), and say so.
public final class WorkerThread: @unchecked Sendable {
    private var thread: pthread_t?
    private var joined = false

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts a thread running `body`; nil when the system refuses one (the caller then
    /// does the work inline: running `body` here could block forever on its own queue).
    public static func start(stackBytes: Int = 1 << 20, _ body: @escaping () -> Void) -> WorkerThread? {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, stackBytes)
        var t = pthread_t()
        let rc = pthread_create(&t, &attr, { arg in
            let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            b.body()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        return WorkerThread(t)
    }

    private init(_ t: pthread_t) { thread = t }

    /// Lowers the calling thread's scheduling priority by `niceness` (on Linux the nice
    /// value is per thread; a thread may always lower its own priority).
    public static func lowerPriority(by niceness: Int32) {
        guard niceness > 0 else { return }
        _ = nice(niceness)
    }

    /// Waits for the closure to return (idempotent).
    public func join() {
        guard !joined else { return }
        joined = true
        if let t = thread { pthread_join(t, nil) }
    }

    deinit { join() }
}
