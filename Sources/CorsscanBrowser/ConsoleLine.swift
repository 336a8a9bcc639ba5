import CorsscanCore

/// One console line with its decorations taken apart: a leading time stamp, Chrome's
/// `--enable-logging` framing, Android logcat prefixes, Web Inspector `[Error]` tags.
struct ConsoleLine {
    /// Epoch ms when the line carried a full date and time; `nil` for date-less stamps
    /// (`HH:MM:SS.mmm`, `[MMDD/HHMMSS.mmm:…]`, logcat `MM-DD hh:mm:ss`).
    var time: Int64?
    /// The message text (framing removed, the rest of the line otherwise kept).
    var text: String
    /// The `source:` URL of an `--enable-logging` line (the page or script).
    var source: String?

    /// - Parameter referenceYear: the year for `--enable-logging` stamps, which carry
    ///   month, day and time but no year (taken as UTC).
    init(_ line: String, referenceYear: Int? = nil) {
        var s = Substring(line)
        if s.hasPrefix("\u{FEFF}") { s = s.dropFirst() }
        s = Substring(String(s).trimmingSpaces())
        time = nil
        source = nil
        // Leading `[…]` stamp: ISO inside brackets, or the base/logging prefix.
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let inner = s[s.index(after: s.startIndex)..<close]
            if let t = ConsoleLine.parseTime(String(inner)) {
                time = t
                s = s[s.index(after: close)...]
            } else if let year = referenceYear {
                time = ConsoleLine.loggingStamp(inner, year: year)
            }
        } else {
            // `2026-11-21T09:45:12.345Z msg`, `2026-11-21 09:45:12.345 msg`, `1795254312345 msg`.
            let parts = s.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            if parts.count >= 2, let t = ConsoleLine.parseTime(parts[0] + " " + parts[1]) {
                time = t
                s = parts.count > 2 ? parts[2] : ""
            } else if parts.count >= 1, let t = ConsoleLine.parseTime(String(parts[0])) {
                time = t
                s = parts.count > 1 ? s[parts[1].startIndex...] : ""
            }
        }
        let str = String(s)
        // Chrome `--enable-logging`: `[pid:tid:MMDD/HHMMSS.ms:LEVEL:CONSOLE(n)] "msg", source: url (n)`,
        // also inside logcat: `… I chromium: [INFO:CONSOLE(1)] "msg", source: url (1)`.
        // Newer Chromium writes `…:INFO:CONSOLE:0] "msg", source: url (0)`.
        if let c = str.firstRange(of: "CONSOLE(") ?? str.firstRange(of: ":CONSOLE:"),
           let open = str[c.upperBound...].firstRange(of: "] \"") {
            let msgStart = open.upperBound
            if let end = str[msgStart...].lastRangeOf("\", source: ") {
                text = String(str[msgStart..<end.lowerBound])
                let src = str[end.upperBound...]
                source = src.split(separator: " ").first.map(String.init)
                return
            }
            text = String(str[msgStart...]).trimmingTrailing("\"")
            return
        }
        text = str.trimmingSpaces()
    }

    /// The time of Chrome's `--enable-logging` prefix `pid:tid:MMDD/HHMMSS.ffffff:LEVEL:…`
    /// in the given year, as UTC; nil when the prefix has no such stamp.
    static func loggingStamp(_ inner: Substring, year: Int) -> Int64? {
        for field in inner.split(separator: ":") where field.utf8.count >= 11 {
            let b = Array(field.utf8)
            guard b[4] == ASCII.slash, b[0..<4].allSatisfy(ASCII.isDigit), b[5..<11].allSatisfy(ASCII.isDigit) else { continue }
            func num(_ r: Range<Int>) -> Int { b[r].reduce(0) { $0 * 10 + Int($1 - ASCII.zero) } }
            var millis = 0
            if b.count > 12, b[11] == ASCII.dot {
                let frac = b[12...].prefix(3)
                guard frac.allSatisfy(ASCII.isDigit) else { continue }
                millis = frac.reduce(0) { $0 * 10 + Int($1 - ASCII.zero) }
                for _ in frac.count..<3 { millis *= 10 }
            }
            return Timestamp.compose(year: year, month: num(0..<2), day: num(2..<4), hour: num(5..<7),
                                     minute: num(7..<9), second: num(9..<11), millis: millis, offsetMinutes: 0)
        }
        return nil
    }

    /// Parses a stamp only when it is a full date-time (ISO 8601, CLF, epoch ≥ 10 digits).
    static func parseTime(_ s: String) -> Int64? {
        let t = s.trimmingSpaces()
        guard let f = t.utf8.first, ASCII.isDigit(f) else { return nil }
        let digits = t.utf8.prefix { ASCII.isDigit($0) }.count
        if digits == t.utf8.count, digits < 10 { return nil }
        if digits < 4 && !(digits == 2 && t.utf8.count > 2 && t.utf8[t.utf8.index(t.utf8.startIndex, offsetBy: 2)] == ASCII.slash) {
            return nil
        }
        return Timestamp.parse(t)
    }
}

extension Substring {
    /// The last occurrence of `needle`.
    func lastRangeOf(_ needle: String) -> Range<Index>? {
        var found: Range<Index>?
        var from = startIndex
        while let r = self[from...].firstRange(of: needle) {
            found = r
            from = index(after: r.lowerBound)
        }
        return found
    }
}

/// A DevTools network line printed with a console error:
/// `POST https://api.example.com/prod/orders net::ERR_FAILED 403 (Forbidden)`, or the
/// `Failed to load resource: net::ERR_FAILED` / `…: the server responded with a status of
/// 403 ()` lines (URL outside the text in WebDriver entries).
struct CompanionLine {
    var method: String?
    var url: String?
    var status: Int?
    /// `true` for `net::ERR_FAILED` (the net error CORS blocks show), `false` for a bare
    /// "server responded with a status" line.
    var failed: Bool

    init?(_ text: String) {
        guard text.utf8.count < 4096, text.contains("net::") || text.contains("ailed to load resource") else { return nil }
        let t = FoldedText(text)
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if let i = words.firstIndex(where: { $0.lowercased() == "net::err_failed" }) {
            failed = true
            var m: String?, u: String?
            for (k, w) in words[..<i].enumerated() where w.contains("://") {
                u = w
                if k > 0, HTTPMethod(bytes: Array(words[k - 1].utf8)) != .other,
                   HTTPMethod(bytes: Array(words[k - 1].utf8)) != .none {
                    m = words[k - 1].uppercased()
                }
            }
            method = m
            url = u
            status = i + 1 < words.count ? Int(words[i + 1]).flatMap { (100..<600).contains($0) ? $0 : nil } : nil
            return
        }
        if t.contains("failed to load resource: the server responded with a status of "),
           let s = t.between("with a status of ", nil), let n = ConsoleMessageClassifier.leadingInt(s) {
            failed = false
            status = n
            method = nil
            url = nil
            return
        }
        return nil
    }
}
