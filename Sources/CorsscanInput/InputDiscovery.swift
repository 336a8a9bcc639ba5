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

    public init(files: [String] = [], problems: [(path: String, error: InputError)] = []) {
        self.files = files
        self.problems = problems
    }
}

/// Turns command-line paths into the list of input files.
///
/// Directories are recursed, following symlinks; each directory (by device and
/// inode) is entered once, so symlink loops end. Inside directories only regular
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
        var files = walker.files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var unique: [String] = []
        unique.reserveCapacity(files.count + 1)
        if stdin { unique.append("-") }
        for f in files where unique.last != f { unique.append(f) }
        files = unique
        let problems = walker.problems.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return Discovery(files: files, problems: problems)
    }

    private struct DirID: Hashable {
        var dev: UInt64
        var ino: UInt64
    }

    private struct Walker {
        var files: [String] = []
        var problems: [(path: String, error: InputError)] = []
        var visited = Set<DirID>()

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
                files.append(path)
            }
        }

        mutating func walk(_ dir: String, _ st: stat) {
            let id = DirID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
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
