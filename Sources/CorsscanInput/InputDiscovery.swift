import CorsscanCore
import Glibc

/// The inputs found under the paths given on the command line.
public struct Discovery {
    /// Files to read, sorted by path (byte order) without duplicates; `-` (stdin)
    /// first when given.
    public var files: [String]
    /// Paths that could not be looked at (missing, permission denied, symlink to
    /// nowhere), sorted by path; every other input is still listed.
    public var problems: [(path: String, error: InputError)]
    /// Paths left out because they name a file already listed (a symlink, `a//b`, an
    /// absolute and a relative path): each file is read once.
    public var sameFile: [String] = []

    public init(files: [String] = [], problems: [(path: String, error: InputError)] = [], sameFile: [String] = []) {
        self.files = files
        self.problems = problems
        self.sameFile = sameFile
    }
}

/// Turns command-line paths into the list of input files.
///
/// Directories are recursed, following symlinks; each directory (by device and
/// inode) is entered once, so symlink loops end, and each regular file is listed once
/// under its first path. Inside directories only regular
/// files are taken; a path given directly may also be a FIFO or device
/// (`<(zcat …)`). The CloudWatch export marker `aws-logs-write-test` is skipped.
public enum InputDiscovery {
    /// The name CloudWatch Logs writes at an export prefix to test permissions.
    public static let exportMarkerName = "aws-logs-write-test"

    public static func discover(_ paths: [String]) -> Discovery {
        var walker = Walker()
        var stdin = false
        for path in paths {
            if path == "-" {
                stdin = true
                continue
            }
            walker.visit(path, direct: true)
        }
        let found = walker.files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var files: [String] = []
        files.reserveCapacity(found.count + 1)
        if stdin { files.append("-") }
        // The first path (in byte order, so whatever the argument order) of each file.
        var seen = Set<FileID>()
        var sameFile: [String] = []
        for f in found where files.last != f.path {
            if let id = f.id, !seen.insert(id).inserted {
                sameFile.append(f.path)
                continue
            }
            files.append(f.path)
        }
        let problems = walker.problems.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return Discovery(files: files, problems: problems, sameFile: sameFile)
    }

    /// A directory or regular file by device and inode.
    private struct FileID: Hashable {
        var dev: UInt64
        var ino: UInt64
    }

    private struct Walker {
        /// Paths found, with the identity of regular files (FIFOs and devices have none:
        /// two of them are two streams).
        var files: [(path: String, id: FileID?)] = []
        var problems: [(path: String, error: InputError)] = []
        var visited = Set<FileID>()

        mutating func problem(_ path: String, _ code: Int32) {
            problems.append((path, InputError(.unreadable, offset: 0, Platform.message(code))))
        }

        static func baseName(_ path: String) -> Substring {
            var p = Substring(path)
            while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
            if let slash = p.lastIndex(of: "/") { return p[p.index(after: slash)...] }
            return p
        }

        mutating func visit(_ path: String, direct: Bool) {
            var st = stat()
            if stat(path, &st) != 0 {
                problem(path, errno)
                return
            }
            let type = st.st_mode & S_IFMT
            if type == S_IFDIR {
                walk(path, st)
                return
            }
            if Walker.baseName(path) == InputDiscovery.exportMarkerName { return }
            if type == S_IFREG || direct {
                files.append((path, type == S_IFREG ? FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)) : nil))
            }
        }

        mutating func walk(_ dir: String, _ st: stat) {
            let id = FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            if !visited.insert(id).inserted { return }
            guard let d = opendir(dir) else {
                problem(dir, errno)
                return
            }
            let prefix = dir.hasSuffix("/") ? dir : dir + "/"
            var names: [String] = []
            while true {
                errno = 0
                guard let ent = readdir(d) else {
                    if errno != 0 { problem(dir, errno) }
                    break
                }
                let name: String? = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                    let bytes = raw.bindMemory(to: CChar.self)
                    return String(validatingCString: bytes.baseAddress!)
                }
                guard let name else {
                    problems.append((prefix + "?", InputError(.unreadable, offset: 0, "a file name in this directory is not valid UTF-8")))
                    continue
                }
                if name == "." || name == ".." { continue }
                names.append(name)
            }
            closedir(d)
            for name in names {
                visit(prefix + name, direct: false)
            }
        }
    }
}
