/// What one input held and what became of it: the per-file accounting every report shows.
///
/// Invariant (checked by tests over every fixture): `lines == records + skippedTotal`.
/// `lines` counts the input's units: text lines, or log events for Firehose envelopes,
/// or entries for HAR documents.
public struct InputStats: Sendable {
    /// The path as given or discovered (`-` for stdin).
    public var path: String
    public var kind: InputKind
    /// Detected format, e.g. `rest-json`, `http-clf`, `firehose`, `chrome-console`, `har`.
    public var format: String
    /// Bytes read from disk (compressed size for gzip).
    public var compressedBytes: Int64 = 0
    /// Bytes after decompression.
    public var bytes: Int64 = 0
    public var lines: Int64 = 0
    /// Lines (units) that were used: parsed into a record or consumed as evidence.
    public var records: Int64 = 0
    public private(set) var skipped: [SkipReason: Int64] = [:]
    /// The first few line numbers of each skip reason, for "see line 12, 40, …".
    public private(set) var skipSamples: [SkipReason: [Int64]] = [:]
    /// Records used but later than `--max-skew` in their file (still correlated).
    public var late: Int64 = 0
    /// The error that stopped reading, if any (everything before it was used).
    public var error: InputError?

    public static let samplesPerReason = 5

    public init(path: String, kind: InputKind = .unknown, format: String = "unknown") {
        self.path = path
        self.kind = kind
        self.format = format
    }

    /// Counts one skipped unit (a line, event or entry) with its reason.
    public mutating func skip(_ reason: SkipReason, line: Int64, count: Int64 = 1) {
        skipped[reason, default: 0] += count
        if skipSamples[reason, default: []].count < InputStats.samplesPerReason {
            skipSamples[reason, default: []].append(line)
        }
    }

    public var skippedTotal: Int64 { skipped.values.reduce(0, +) }

    /// Adds another partial count of the same input (used when a file is read in parts).
    public mutating func merge(_ o: InputStats) {
        compressedBytes += o.compressedBytes
        bytes += o.bytes
        lines += o.lines
        records += o.records
        late += o.late
        for (r, n) in o.skipped { skipped[r, default: 0] += n }
        for (r, s) in o.skipSamples {
            var cur = skipSamples[r, default: []]
            for l in s where cur.count < InputStats.samplesPerReason && !cur.contains(l) { cur.append(l) }
            skipSamples[r] = cur.sorted()
        }
        if error == nil { error = o.error }
    }
}

/// What kind of evidence an input holds.
public enum InputKind: String, Sendable {
    case accessLog = "access-log"
    case browserReport = "browser-report"
    /// REST execution logs (full request/response data): headers the browser really got.
    case executionLog = "execution-log"
    case unknown = "unknown"
}

/// Why a unit of input was not used. Open set: readers may add their own spellings,
/// but the common ones are named here so every file reports them alike.
public struct SkipReason: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: SkipReason, b: SkipReason) -> Bool { a.rawValue < b.rawValue }

    /// Empty or whitespace-only line.
    public static let blank = SkipReason("blank")
    /// The line matches no known format (or not the format detected for its file).
    public static let unknownFormat = SkipReason("unknown-format")
    /// JSON that does not parse, even leniently.
    public static let malformedJSON = SkipReason("malformed-json")
    /// A record without a field corsscan needs (time, method).
    public static let missingField = SkipReason("missing-field")
    /// A value that cannot be what its key says (e.g. a status that is not three digits).
    public static let badValue = SkipReason("bad-value")
    /// A time that does not parse or is out of range.
    public static let badTime = SkipReason("bad-time")
    /// A line longer than the 1 MiB limit (skipped without being held whole).
    public static let oversizeLine = SkipReason("oversize-line")
    /// A CloudWatch `CONTROL_MESSAGE` envelope or its events.
    public static let controlMessage = SkipReason("control-message")
    /// A browser line that is not a CORS failure.
    public static let notCORS = SkipReason("not-cors")
    /// A record outside `--since`/`--until`.
    public static let outsideTimeRange = SkipReason("outside-time-range")
    /// A record seen before (same request id) in overlapping exports.
    public static let duplicate = SkipReason("duplicate")
    /// A partial line cut off by a read error at the end of a damaged file.
    public static let truncated = SkipReason("truncated")
    /// A browser line not examined: the browser evidence held for joining reached its bound.
    public static let reportLimit = SkipReason("report-limit")
}

/// An input that could not be read to its end. Everything decoded before `offset` was used.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case unreadable = "unreadable"          // open/read failed (permissions, EISDIR, I/O)
        case notGzip = "not-gzip"               // `.gz` name but no gzip magic
        case truncatedGzip = "truncated-gzip"   // input ended inside a gzip member
        case badCRC = "bad-crc"                 // member check value or length mismatch
        case corruptGzip = "corrupt-gzip"       // invalid deflate data or header
        case trailingGarbage = "trailing-garbage" // non-gzip bytes after a complete member
        case tooLarge = "too-large"             // a structure over corsscan's limits
        case invalid = "invalid"                // a document (HAR, JSON) that cannot be read
        case truncated = "truncated"            // the input ended inside a JSON object or document
    }
    public var kind: Kind
    /// Byte offset in the file (compressed offset for gzip) where the problem was found.
    public var offset: Int64
    public var message: String

    public init(_ kind: Kind, offset: Int64, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(kind.rawValue) at byte \(offset): \(message)" }
}
