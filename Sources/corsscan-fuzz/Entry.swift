import Glibc

// Two builds of one file set:
// - plain `swift build`: a small `main` that replays files through the same targets, so a
//   crasher saved by libFuzzer can be re-run without the fuzzer (`corsscan-fuzz TARGET FILE…`);
// - `Fuzz/run.sh` builds with `-sanitize=fuzzer,address -D CORSSCAN_LIBFUZZER`: libFuzzer
//   supplies `main` and calls `LLVMFuzzerTestOneInput`, the target named by the
//   `CORSSCAN_FUZZ_TARGET` environment variable.

#if CORSSCAN_LIBFUZZER
nonisolated(unsafe) private var selected: FuzzTarget?

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable target's entry point as `<module>_main` (renamed to `main`
/// at link time), so libFuzzer's own `main` is not used: this one hands over to its driver.
@_cdecl("corsscan_fuzz_main")
public func corsscanFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, fuzzTestOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if selected == nil {
        guard let name = getenv("CORSSCAN_FUZZ_TARGET").map({ String(cString: $0) }),
              let t = FuzzTargets.named(name) else {
            printError("corsscan-fuzz: set CORSSCAN_FUZZ_TARGET to one of: \(FuzzTargets.names.joined(separator: " "))")
            exit(2)
        }
        selected = t
    }
    let bytes = data.map { UnsafeBufferPointer(start: $0, count: size) } ?? UnsafeBufferPointer(start: nil, count: 0)
    selected!.run(bytes)
    return 0
}
#else
@main
struct FuzzReplay {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let name = args.first, name != "--help", name != "-h" else {
            print("usage: corsscan-fuzz TARGET [FILE|DIR]…   replays inputs through a fuzz target")
            print("       corsscan-fuzz --list")
            print("targets: \(FuzzTargets.names.joined(separator: " "))")
            exit(args.isEmpty ? 2 : 0)
        }
        if name == "--list" { FuzzTargets.names.forEach { print($0) }; exit(0) }
        guard let t = FuzzTargets.named(name) else {
            printError("corsscan-fuzz: unknown target \(name)")
            exit(2)
        }
        var count = 0
        for path in args.dropFirst() {
            for file in FuzzReplayFiles.expand(path) {
                let bytes = FuzzReplayFiles.read(file)
                bytes.withUnsafeBufferPointer { t.run($0) }
                count += 1
            }
        }
        print("corsscan-fuzz: \(name): \(count) input(s) ran without a crash")
    }
}
#endif

enum FuzzReplayFiles {
    static func expand(_ path: String) -> [String] {
        var st = stat()
        guard stat(path, &st) == 0 else { return [] }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return [path] }
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            out += expand(path + "/" + name)
        }
        return out.sorted()
    }

    static func read(_ path: String) -> [UInt8] {
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }
}
