/// One API Gateway access-log record, compact and parsed from bytes.
///
/// Numbers are stored inline; the text fields share one byte buffer (one allocation per
/// record, none per field). A field the log did not have, or logged as `-`, is missing:
/// `bytes(_:)` is empty and `string(_:)` is `nil`.
///
/// Sendable by hand: the one reference it holds, its `RecordBytes`, is never written after
/// the record is built (`ManagedBuffer` opts out of `Sendable` for mutable buffers).
public struct AccessRecord: @unchecked Sendable {
    /// The text fields a record can carry.
    public enum Field: Int, CaseIterable, Sendable {
        case sourceIP, userAgent, resourcePath, routeKey, path, requestId, extendedRequestId
        case errorType, errorMessage, origin, stage, domainName, authorizerError, integrationError
    }
    static let fieldCount = Field.allCases.count

    /// Request time in epoch milliseconds (UTC).
    public var time: Int64
    /// True when the time came from a one-second-resolution source (`requestTime`).
    public var timeInSeconds: Bool
    public var method: HTTPMethod
    /// HTTP status sent to the client; 0 when not logged.
    public var status: UInt16
    /// `$context.integration.status` / `integrationStatus`; 0 when not logged.
    public var integrationStatus: UInt16
    /// `$context.responseLatency` in ms; -1 when not logged.
    public var latencyMs: Int32
    /// `$context.responseLength` in bytes; -1 when not logged.
    public var responseLength: Int32
    public var location: SourceLocation
    /// The correlation keys when computed ahead (on the thread that parsed the record, so
    /// the correlating thread does less); `RecordKeys.none` until then.
    public var keys: RecordKeys

    /// One allocation per record: the end offset of each field (`fieldCount` × UInt32, in
    /// `Field` order, counted from `headerBytes`), then the fields' bytes. The record
    /// itself stays small, so moving it between threads and buffers is cheap. Nil for a
    /// fieldless record (see `hasFields`).
    @usableFromInline let storage: RecordBytes?
    @usableFromInline static let headerBytes = 4 * 14

    /// False for a record built without its text fields (`AccessRecordBuilder.build(location:keys:fieldless:)`):
    /// its numbers and `keys` only, every field missing. The pipeline builds such records
    /// for the requests the correlator never reports or shows (`Correlator.needsFields`),
    /// sparing an allocation, a copy and a free per record.
    @inlinable
    public var hasFields: Bool { storage != nil }

    @inlinable
    func end(_ storage: RecordBytes, _ i: Int) -> Int {
        Self.headerBytes + Int(storage.withUnsafeMutablePointerToElements {
            UnsafeRawPointer($0).load(fromByteOffset: i * 4, as: UInt32.self)
        })
    }

    /// The bytes of a field (empty when missing). Copies: hot loops use `withStorage`.
    public func bytes(_ field: Field) -> ArraySlice<UInt8> {
        withStorage { ArraySlice($0[range(field)]) }
    }

    /// Where a field lies in the record's bytes (see `withStorage`); empty when missing.
    @inlinable
    public func range(_ field: Field) -> Range<Int> {
        guard let storage else { return 0..<0 }
        let i = field.rawValue
        return (i == 0 ? Self.headerBytes : end(storage, i - 1))..<end(storage, i)
    }

    /// Calls `body` with all the record's text bytes (fields located by `range(_:)`),
    /// without copying or retaining them: for hot loops that read several fields.
    @inlinable
    public func withStorage<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard let storage else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        let count = storage.header
        return try storage.withUnsafeMutablePointerToElements {
            try body(UnsafeBufferPointer(start: $0, count: count))
        }
    }

    /// The field as a `String`, or `nil` when missing. Allocates: not for the hot path.
    public func string(_ field: Field) -> String? {
        let b = bytes(field)
        return b.isEmpty ? nil : b.utf8String
    }

    public func has(_ field: Field) -> Bool { !range(field).isEmpty }

    /// Builds a record from strings (tests, generators; not the hot path).
    public init(
        time: Int64, method: HTTPMethod, status: UInt16 = 0, location: SourceLocation,
        fields: [Field: String] = [:], timeInSeconds: Bool = false,
        integrationStatus: UInt16 = 0, latencyMs: Int32 = -1, responseLength: Int32 = -1
    ) {
        var b = AccessRecordBuilder()
        for (f, v) in fields { b.set(f, v.utf8) }
        b.time = time
        b.timeInSeconds = timeInSeconds
        b.method = method
        b.status = status
        b.integrationStatus = integrationStatus
        b.latencyMs = latencyMs
        b.responseLength = responseLength
        self = b.build(location: location)
    }

    @inlinable @inline(__always)
    init(time: Int64, timeInSeconds: Bool, method: HTTPMethod, status: UInt16, integrationStatus: UInt16,
         latencyMs: Int32, responseLength: Int32, location: SourceLocation, keys: RecordKeys,
         storage: RecordBytes?) {
        self.time = time
        self.timeInSeconds = timeInSeconds
        self.method = method
        self.status = status
        self.integrationStatus = integrationStatus
        self.latencyMs = latencyMs
        self.responseLength = responseLength
        self.location = location
        self.keys = keys
        self.storage = storage
    }

    @usableFromInline
    static func storage(of b: borrowing AccessRecordBuilder) -> RecordBytes {
        let sc = b.scratch
        var total = 0
        for i in 0..<AccessRecord.fieldCount { total += Int(sc.range(i).count) }
        // One allocation: the end offsets, then each field copied in `Field` order.
        let header = Self.headerBytes
        let storage = RecordBytes.make(count: header + total)
        storage.withUnsafeMutablePointerToElements { out in
            let raw = UnsafeMutableRawPointer(out)
            var o = 0
            for i in 0..<AccessRecord.fieldCount {
                let r = sc.range(i)
                let n = Int(r.count)
                if n > 0 {
                    SmallBytes.copy(out + header + o, sc.base + Int(r.start), n)
                    o += n
                }
                raw.storeBytes(of: UInt32(truncatingIfNeeded: o), toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return storage
    }
}

/// A record's bytes in one tail allocation (the header is the byte count). A class of
/// our own rather than `[UInt8]`: creating one needs no generic metadata lookup and
/// freeing it no generic element destruction. Immutable once built.
public final class RecordBytes: ManagedBuffer<Int, UInt8> {
    @usableFromInline
    static func make(count: Int) -> RecordBytes {
        unsafeDowncast(RecordBytes.create(minimumCapacity: count) { _ in count }, to: RecordBytes.self)
    }
}

/// A record's text fields wherever they lie: a built record's storage or a builder's
/// scratch, so what is derived from them (the correlation keys) can be computed before
/// deciding how to build the record.
public protocol RecordFieldBytes {
    /// Where a field lies in the buffer `withStorage` passes; empty when missing.
    func range(_ field: AccessRecord.Field) -> Range<Int>
    /// Calls `body` with the bytes the fields lie in, without copying them.
    func withStorage<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
}

extension AccessRecord: RecordFieldBytes {}
extension AccessRecordBuilder: RecordFieldBytes {}

/// Collects one record's fields while a parser walks a line; reused across lines.
///
/// Field values are copied into a scratch buffer as they are found, in any order;
/// `build` lays them out in one allocation. A value of exactly `-` is treated as missing
/// (API Gateway writes `-` for every variable without a value).
public struct AccessRecordBuilder: Sendable {
    public var time: Int64 = 0
    public var timeInSeconds = false
    public var method: HTTPMethod = .none
    public var status: UInt16 = 0
    public var integrationStatus: UInt16 = 0
    public var latencyMs: Int32 = -1
    public var responseLength: Int32 = -1
    /// Whether a time has been set for this record.
    public var hasTime = false
    /// The last time text parsed (kept across `reset`: the next line often repeats it).
    public var timeMemo = TimestampMemo()

    /// The field values copied so far and where each lies (copy-on-write).
    @usableFromInline var scratch = BuilderScratch()

    public init() {}

    /// Clears everything for the next line, keeping the buffers' capacity.
    public mutating func reset() {
        time = 0; timeInSeconds = false; hasTime = false; method = .none; status = 0
        integrationStatus = 0; latencyMs = -1; responseLength = -1
        uniqueScratch().clear()
    }

    @inlinable
    mutating func uniqueScratch() -> BuilderScratch {
        if !isKnownUniquelyReferenced(&scratch) { scratch = scratch.copy() }
        return scratch
    }

    /// Sets a text field; `-` and empty mean missing. A later set of the same field wins.
    @inlinable
    public mutating func set<C: Collection>(_ field: Field, _ value: C) where C.Element == UInt8 {
        let bytes = Array(value)
        bytes.withUnsafeBufferPointer { set(field, $0) }
    }

    /// Sets a text field from raw memory (for parsers working on unsafe buffers).
    @inlinable
    public mutating func set(_ field: Field, _ value: UnsafeRawBufferPointer) {
        set(field, UnsafeBufferPointer(start: value.baseAddress?.assumingMemoryBound(to: UInt8.self), count: value.count))
    }

    /// Sets a text field from memory (the parsers' path: one copy, no generic code).
    @inlinable
    public mutating func set(_ field: Field, _ value: UnsafeBufferPointer<UInt8>) {
        let s = uniqueScratch()
        let n = value.count
        if n == 0 || (n == 1 && value[0] == ASCII.minus) {
            s.setRange(field.rawValue, 0, 0)
            return
        }
        s.append(field.rawValue, value.baseAddress!, n)
    }

    /// Whether the field currently has a value.
    public func has(_ field: Field) -> Bool { scratch.range(field.rawValue).count > 0 }

    /// Calls `body` with the bytes set so far for a field, without copying them.
    @inlinable
    public func withBytes<R>(_ field: Field, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let r = scratch.range(field.rawValue)
        return try body(UnsafeBufferPointer(start: scratch.base + Int(r.start), count: Int(r.count)))
    }

    /// Where a field set so far lies in the buffer `withStorage` passes; empty when missing.
    @inlinable
    public func range(_ field: Field) -> Range<Int> {
        let r = scratch.range(field.rawValue)
        return Int(r.start)..<(Int(r.start) + Int(r.count))
    }

    /// Calls `body` with the bytes of every field set so far (located by `range(_:)`).
    @inlinable
    public func withStorage<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: scratch.base, count: scratch.count))
    }

    /// The bytes set so far for a field (a copy).
    public func bytes(_ field: Field) -> ArraySlice<UInt8> { withBytes(field) { ArraySlice($0) } }

    public typealias Field = AccessRecord.Field

    /// The finished record.
    @inlinable
    public func build(location: SourceLocation) -> AccessRecord {
        build(location: location, keys: .none, fieldless: false)
    }

    /// The finished record with its correlation keys computed ahead; `fieldless` leaves
    /// its text fields out (`AccessRecord.hasFields` false: no allocation), so compute
    /// what is needed of them first (`withStorage`, `range`).
    @inlinable
    public func build(location: SourceLocation, keys: RecordKeys, fieldless: Bool) -> AccessRecord {
        AccessRecord(time: time, timeInSeconds: timeInSeconds, method: method, status: status,
                     integrationStatus: integrationStatus, latencyMs: latencyMs, responseLength: responseLength,
                     location: location, keys: keys, storage: fieldless ? nil : AccessRecord.storage(of: self))
    }
}

/// An `AccessRecordBuilder`'s field bytes (one growing allocation) and each field's
/// (start, count) in it. A class so the builder can share it until written
/// (`AccessRecordBuilder.uniqueScratch`). Sendable as `Array` is: only a builder holding
/// the sole reference writes to it.
public final class BuilderScratch: @unchecked Sendable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var count = 0
    @usableFromInline var ranges: UnsafeMutablePointer<(start: UInt32, count: UInt32)>

    @usableFromInline
    init(capacity: Int = 1024) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
        ranges = .allocate(capacity: AccessRecord.fieldCount)
        ranges.initialize(repeating: (0, 0), count: AccessRecord.fieldCount)
    }

    deinit {
        base.deallocate()
        ranges.deallocate()
    }

    @usableFromInline
    func copy() -> BuilderScratch {
        let c = BuilderScratch(capacity: capacity)
        c.base.initialize(from: base, count: count)
        c.count = count
        c.ranges.update(from: ranges, count: AccessRecord.fieldCount)  // initialised by init
        return c
    }

    @usableFromInline
    func clear() {
        count = 0
        ranges.update(repeating: (0, 0), count: AccessRecord.fieldCount)
    }

    @inlinable
    func range(_ i: Int) -> (start: UInt32, count: UInt32) { ranges[i] }

    @inlinable
    func setRange(_ i: Int, _ start: Int, _ n: Int) {
        ranges[i] = (UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n))
    }

    @inlinable
    func append(_ i: Int, _ p: UnsafePointer<UInt8>, _ n: Int) {
        if count + n > capacity { grow(count + n) }
        SmallBytes.copy(base + count, p, n)
        setRange(i, count, n)
        count += n
    }

    @usableFromInline
    func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.initialize(from: base, count: count)
        base.deallocate()
        base = b
        capacity = c
    }
}

/// Hashes of a record's client, client + path and request id as the correlator keys
/// them (`Correlator.keys(of:)` computes them; opaque to everyone else). 0 stands for
/// "not computed" (`client`) and "no request id" (`id`).
public struct RecordKeys: Sendable {
    public var client: UInt64
    public var path: UInt64
    public var id: UInt64

    public init(client: UInt64, path: UInt64, id: UInt64) {
        self.client = client
        self.path = path
        self.id = id
    }

    public static let none = RecordKeys(client: 0, path: 0, id: 0)
}
