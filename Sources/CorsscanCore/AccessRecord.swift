/// One API Gateway access-log record, compact and parsed from bytes.
///
/// Numbers are stored inline; the text fields share one byte buffer (one allocation per
/// record, none per field). A field the log did not have, or logged as `-`, is missing:
/// `bytes(_:)` is empty and `string(_:)` is `nil`.
public struct AccessRecord: Sendable {
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
    public var keys = RecordKeys.none

    /// One allocation per record: the end offset of each field (`fieldCount` × UInt32, in
    /// `Field` order, counted from `headerBytes`), then the fields' bytes. The record
    /// itself stays small, so moving it between threads and buffers is cheap.
    @usableFromInline var storage: [UInt8]
    @usableFromInline static let headerBytes = 4 * 14

    @inlinable
    func end(_ i: Int) -> Int {
        Self.headerBytes + Int(storage.withUnsafeBytes { $0.load(fromByteOffset: i * 4, as: UInt32.self) })
    }

    /// The bytes of a field (empty when missing).
    @inlinable
    public func bytes(_ field: Field) -> ArraySlice<UInt8> {
        storage[range(field)]
    }

    /// Where a field lies in the record's bytes (see `withStorage`); empty when missing.
    @inlinable
    public func range(_ field: Field) -> Range<Int> {
        let i = field.rawValue
        return (i == 0 ? Self.headerBytes : end(i - 1))..<end(i)
    }

    /// Calls `body` with all the record's text bytes (fields located by `range(_:)`),
    /// without copying or retaining them: for hot loops that read several fields.
    @inlinable
    public func withStorage<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// The field as a `String`, or `nil` when missing. Allocates: not for the hot path.
    public func string(_ field: Field) -> String? {
        let b = bytes(field)
        return b.isEmpty ? nil : b.utf8String
    }

    public func has(_ field: Field) -> Bool { !bytes(field).isEmpty }

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

    @usableFromInline
    init(builder b: borrowing AccessRecordBuilder, location: SourceLocation) {
        time = b.time
        timeInSeconds = b.timeInSeconds
        method = b.method
        status = b.status
        integrationStatus = b.integrationStatus
        latencyMs = b.latencyMs
        responseLength = b.responseLength
        self.location = location
        var total = 0
        b.ranges.withUnsafeBufferPointer { ranges in
            for i in 0..<AccessRecord.fieldCount { total += ranges[i].count }
        }
        // One allocation: the end offsets, then each field copied in `Field` order.
        let header = Self.headerBytes
        let storage = b.scratch.withUnsafeBufferPointer { scratch in
            b.ranges.withUnsafeBufferPointer { ranges in
                [UInt8](unsafeUninitializedCapacity: header + total) { out, count in
                    let raw = UnsafeMutableRawPointer(out.baseAddress!)
                    var o = 0
                    for i in 0..<AccessRecord.fieldCount {
                        let r = ranges[i]
                        if !r.isEmpty {
                            (out.baseAddress! + header + o).initialize(from: scratch.baseAddress! + r.lowerBound, count: r.count)
                            o += r.count
                        }
                        raw.storeBytes(of: UInt32(truncatingIfNeeded: o), toByteOffset: i * 4, as: UInt32.self)
                    }
                    count = header + o
                }
            }
        }
        self.storage = storage
    }
}

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

    @usableFromInline var scratch: [UInt8] = []
    @usableFromInline var ranges: [Range<Int>] = Array(repeating: 0..<0, count: AccessRecord.fieldCount)

    public init() { scratch.reserveCapacity(1024) }

    /// Clears everything for the next line, keeping the buffers' capacity.
    public mutating func reset() {
        time = 0; timeInSeconds = false; hasTime = false; method = .none; status = 0
        integrationStatus = 0; latencyMs = -1; responseLength = -1
        scratch.removeAll(keepingCapacity: true)
        for i in 0..<ranges.count { ranges[i] = 0..<0 }
    }

    /// Sets a text field; `-` and empty mean missing. A later set of the same field wins.
    @inlinable
    public mutating func set<C: Collection>(_ field: Field, _ value: C) where C.Element == UInt8 {
        if value.isEmpty || (value.count == 1 && value.first == ASCII.minus) {
            ranges[field.rawValue] = 0..<0
            return
        }
        let start = scratch.count
        scratch.append(contentsOf: value)
        ranges[field.rawValue] = start..<scratch.count
    }

    /// Sets a text field from raw memory (for parsers working on unsafe buffers).
    @inlinable
    public mutating func set(_ field: Field, _ value: UnsafeRawBufferPointer) {
        set(field, UnsafeBufferPointer(start: value.baseAddress?.assumingMemoryBound(to: UInt8.self), count: value.count))
    }

    /// Whether the field currently has a value.
    public func has(_ field: Field) -> Bool { !ranges[field.rawValue].isEmpty }

    /// The bytes set so far for a field.
    public func bytes(_ field: Field) -> ArraySlice<UInt8> { scratch[ranges[field.rawValue]] }

    public typealias Field = AccessRecord.Field

    /// The finished record.
    @inlinable
    public func build(location: SourceLocation) -> AccessRecord {
        AccessRecord(builder: self, location: location)
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
