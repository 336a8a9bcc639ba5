#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A report file that could not be written: which path, what was being done, and why.
///
/// `description` is one readable line for the terminal, e.g.
/// `cannot create a temporary file in 'Reports': Permission denied`.
public struct OutputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path the operation was about (the target, its directory or the temp file).
    public var path: String
    /// What was being done, e.g. `create a temporary file in`, `write`, `rename`.
    public var operation: String
    /// `errno` of the failed call, 0 when the error is not from the system.
    public var code: Int32
    /// Human-readable reason (`strerror` text or our own).
    public var reason: String

    public init(path: String, operation: String, code: Int32 = 0, reason: String) {
        self.path = path
        self.operation = operation
        self.code = code
        self.reason = reason
    }

    static func system(_ operation: String, _ path: String, _ code: Int32 = errno) -> OutputError {
        OutputError(path: path, operation: operation, code: code, reason: String(cString: strerror(code)))
    }

    public var description: String { "cannot \(operation) '\(path)': \(reason)" }
}

/// Writes a file atomically: a temp file in the same directory, `fsync`, `rename`.
///
/// Readers of `path` (a dashboard, a cron job) see either the old file or the complete
/// new one, never a half-written one: the bytes go to `.<name>.tmp-XXXXXX` next to the
/// target, and only `commit()` renames it over the target (rename within one directory,
/// hence one file system, is atomic on POSIX). Writes are buffered (1 MiB) so big files
/// stream without being held whole. If the writer is dropped without `commit()`, the
/// temp file is removed.
///
/// Not thread-safe: one writer per file, used from one task.
public final class AtomicFileWriter {
    /// The target path.
    public let path: String
    /// The temp file the bytes go to until `commit()`.
    public let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var finished = false
    private static let bufferLimit = 1 << 20

    /// Creates the temp file next to `path`.
    ///
    /// - Throws: `OutputError` naming the directory when it does not exist or is not writable.
    public init(path: String) throws(OutputError) {
        precondition(!path.isEmpty, "AtomicFileWriter: empty path")
        self.path = path
        let (dir, name) = AtomicFileWriter.split(path)
        var template = Array("\(dir)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 {
            throw OutputError.system("create a temporary file in", dir)
        }
        self.fd = fd
        self.temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // mkstemp creates 0600; reports are meant to be read by others (dashboards).
        _ = fchmod(fd, 0o644)
        buffer.reserveCapacity(AtomicFileWriter.bufferLimit)
    }

    deinit {
        if !finished { abort() }
    }

    /// Appends bytes (buffered; flushed every 1 MiB).
    public func write(_ bytes: [UInt8]) throws(OutputError) {
        try checkOpen("write")
        buffer.append(contentsOf: bytes)
        if buffer.count >= AtomicFileWriter.bufferLimit { try flush() }
    }

    /// Appends the UTF-8 bytes of `text`.
    public func write(_ text: String) throws(OutputError) {
        try write(Array(text.utf8))
    }

    private func checkOpen(_ operation: String) throws(OutputError) {
        if finished {
            throw OutputError(path: path, operation: operation, code: EBADF,
                              reason: "the file was already committed or aborted")
        }
    }

    private func flush() throws(OutputError) {
        var done = 0
        let total = buffer.count
        while done < total {
            let n = buffer.withUnsafeBytes { raw in
                systemWrite(fd, raw.baseAddress! + done, total - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                abort()
                throw OutputError.system("write", temporaryPath, e)
            }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, `fsync`s and renames the temp file over `path`; then syncs the directory.
    ///
    /// On failure the temp file is removed and `path` is left as it was.
    public func commit() throws(OutputError) {
        try checkOpen("commit")
        try flush()
        if fsync(fd) != 0 {
            let e = errno
            abort()
            throw OutputError.system("sync", temporaryPath, e)
        }
        if close(fd) != 0 {
            let e = errno
            fd = -1
            abort()
            throw OutputError.system("close", temporaryPath, e)
        }
        fd = -1
        if rename(temporaryPath, path) != 0 {
            let e = errno
            abort()
            throw OutputError.system("rename a temporary file to", path, e)
        }
        finished = true
        // Make the rename itself durable (best effort: some file systems refuse O_DIRECTORY fsync).
        let dfd = open(AtomicFileWriter.split(path).dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            _ = close(dfd)
        }
    }

    /// Discards everything written: closes and removes the temp file. Idempotent.
    public func abort() {
        if fd >= 0 {
            _ = close(fd)
            fd = -1
        }
        if !finished {
            _ = unlink(temporaryPath)
            finished = true
        }
        buffer = []
    }

    /// Writes `bytes` to `path` atomically in one call.
    public static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
        let w = try AtomicFileWriter(path: path)
        try w.write(bytes)
        try w.commit()
    }

    /// Directory and file name of a path (`"."` when it has no slash).
    static func split(_ path: String) -> (dir: String, name: String) {
        let u = Array(path.utf8)
        guard let slash = u.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
        let dir = slash == 0 ? "/" : String(decoding: u[..<slash], as: UTF8.self)
        return (dir, String(decoding: u[(slash + 1)...], as: UTF8.self))
    }
}

/// `write(2)`, named apart from `AtomicFileWriter.write`.
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, p, n)
}

/// The `--out` directory.
public enum OutputDirectory {
    /// Creates `path` and its parents (`mkdir -p`) and checks that it is a writable directory.
    ///
    /// - Throws: `OutputError` naming the path: it exists but is not a directory, a parent
    ///   cannot be created, or it is not writable.
    public static func prepare(_ path: String) throws(OutputError) {
        precondition(!path.isEmpty, "OutputDirectory: empty path")
        var prefix = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for (i, part) in parts.enumerated() {
            prefix += (i == 0 ? "" : "/") + part
            if part.isEmpty || part == "." || part == ".." { continue }
            if mkdir(prefix, 0o777) != 0 {
                let e = errno
                if e == EEXIST {
                    if !isDirectory(prefix) {
                        throw OutputError(path: prefix, operation: "use as output directory", code: ENOTDIR,
                                          reason: "exists and is not a directory")
                    }
                } else if !isDirectory(prefix) {
                    throw OutputError.system("create directory", prefix, e)
                }
            }
        }
        if !isDirectory(path) {
            throw OutputError(path: path, operation: "use as output directory", code: ENOTDIR,
                              reason: "not a directory")
        }
        if access(path, W_OK | X_OK) != 0 {
            throw OutputError.system("write to output directory", path)
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
