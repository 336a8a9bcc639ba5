import CorsscanInput

/// What the generator needs from a gzip writer: `CorsscanInput.GzipWriter`, behind a
/// protocol so tests could swap in an in-memory sink.
public protocol GzipSink: AnyObject {
    func write(_ bytes: some Collection<UInt8>)
    func finishMember()
    func close() throws
}

extension GzipWriter: GzipSink {}

/// The one place that picks the gzip implementation.
func makeGzipSink(path: String, level: Int32) throws -> any GzipSink {
    try GzipWriter(path: path, level: level)
}

/// A file the generator could not write.
public struct GeneratorIOError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
