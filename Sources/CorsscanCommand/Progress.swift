/// The progress line on stderr (only when stderr is a terminal): bytes done of total,
/// rate and ETA, redrawn at most four times a second.
final class Progress {
    let totalBytes: Int64
    private let start = Platform.monotonicSeconds()
    private var lastDraw = 0.0
    private var drawn = false

    init(totalBytes: Int64) {
        self.totalBytes = totalBytes
    }

    func update(bytesDone: Int64) {
        let now = Platform.monotonicSeconds()
        guard now - lastDraw >= 0.25, now - start >= 1 else { return }
        lastDraw = now
        let rate = Double(bytesDone) / max(now - start, 0.001)
        var line = "corsscan: \(Self.mib(bytesDone)) of \(Self.mib(totalBytes)) MiB, \(Self.mib(Int64(rate))) MiB/s"
        if rate > 0, totalBytes > bytesDone {
            line += ", ETA \(Int(Double(totalBytes - bytesDone) / rate) + 1) s"
        }
        Platform.writeStderr("\r\u{1B}[K" + line)
        drawn = true
    }

    func finish() {
        if drawn { Platform.writeStderr("\r\u{1B}[K") }
    }

    static func mib(_ b: Int64) -> String {
        let tenths = b * 10 / (1 << 20)
        return "\(tenths / 10).\(tenths % 10)"
    }
}
