// libc details for the input layer in one place: opening, reading, stat and
// errno → message. Everything here produces `InputError`, never Foundation errors.

import Glibc
import CorsscanCore

enum Platform {
    // MARK: errno

    /// The C library's message for an errno value, e.g. "No such file or directory".
    static func message(_ code: Int32) -> String {
        guard let p = strerror(code) else { return "error \(code)" }
        return String(cString: p)
    }

    // MARK: files

    /// Opens a file for reading; `-` is standard input (not closed later).
    static func openForReading(_ path: String) throws(InputError) -> Int32 {
        if path == "-" { return STDIN_FILENO }
        var fd: Int32
        repeat {
            fd = open(path, O_RDONLY | O_CLOEXEC)
        } while fd < 0 && errno == EINTR
        if fd < 0 {
            throw InputError(.unreadable, offset: 0, message(errno))
        }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            _ = Glibc.close(fd)
            throw InputError(.unreadable, offset: 0, message(EISDIR))
        }
        return fd
    }

    /// Size of a regular file, nil for pipes, terminals and other streams.
    static func regularFileSize(_ fd: Int32) -> Int64? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    /// `read(2)` retried on EINTR. Returns bytes read, 0 at end of file.
    static func read(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int, offset: Int64) throws(InputError) -> Int {
        while true {
            let r = Glibc.read(fd, p, n)
            if r >= 0 { return r }
            if errno == EINTR { continue }
            throw InputError(.unreadable, offset: offset, "read failed: \(message(errno))")
        }
    }

    static func close(_ fd: Int32) {
        if fd > STDERR_FILENO { _ = Glibc.close(fd) }
    }
}
