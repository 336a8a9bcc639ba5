/// Where a record came from: an input (index into the run's sorted input list) and a line.
///
/// For inputs that are not line-based (Firehose envelopes, HAR documents) `line` is the
/// number of the log event or entry, counted from 1 in file order. Ordering by
/// `(input, line)` is the deterministic tie-breaker everywhere records share a time.
public struct SourceLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var input: Int32
    public var line: Int64

    public init(input: Int32, line: Int64) {
        self.input = input
        self.line = line
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        a.input != b.input ? a.input < b.input : a.line < b.line
    }

    public var description: String { "#\(input):\(line)" }
}
