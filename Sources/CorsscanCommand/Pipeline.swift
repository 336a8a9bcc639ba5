import CorsscanCore
import CorsscanInput
import CorsscanAccessLog
import CorsscanBrowser
import CorsscanAnalysis
import CorsscanReport

/// The one place where input, parsing, browser evidence, analysis and reporting meet.
///
/// Phases, each handing the next a finished product:
/// 1. discover the inputs (sorted paths; unreadable ones recorded);
/// 2. probe each input's content to choose how to read it;
/// 3. read browser evidence (small) completely;
/// 4. stream access logs through the time-ordered merge into the correlator;
/// 5. join browser evidence, aggregate, and write the reports atomically.
final class Pipeline {
    let config: Configuration
    /// Per-input accounting; `SourceLocation.input` indexes it.
    private var stats: [InputStats] = []
    /// Paths that named a file already read under another path.
    private var sameFileAs: [String] = []
    private var progress: Progress?

    init(config: Configuration) {
        self.config = config
    }

    struct Outcome {
        var report: RunReport
        /// The incidents still in memory at the end, in report order.
        var incidents: [Incident]
        /// Incidents written out during the run (they come before or between `incidents`
        /// in report order; `ReportFiles` merges the two).
        var spill: IncidentSpill?
    }

    func run() -> Outcome {
        // 1. Discover.
        let discovery = InputDiscovery.discover(config.paths)
        sameFileAs = discovery.sameFile
        var entries: [(path: String, error: InputError?)] = discovery.files.map { ($0, nil) }
        entries += discovery.problems.map { ($0.path, $0.error) }
        let outReal = Platform.realPath(config.outDir)
        let promReal = config.promPath.flatMap(Platform.realPath)
        entries = entries.filter { e in
            // Never read our own reports back (--out inside, or equal to, an input directory),
            // but do read everything else: `--out .` must not hide the logs below it.
            guard e.path != "-", let r = Platform.realPath(e.path) else { return true }
            return !ReportFiles.isOwnOutput(r, outDir: outReal, prom: promReal)
        }
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        stats = entries.map { e in
            // Reports name stdin "<stdin>" ("-" would read as a formula in spreadsheets).
            var s = InputStats(path: e.path == "-" ? "<stdin>" : e.path)
            s.error = e.error
            return s
        }
        let totalBytes = entries.reduce(Int64(0)) { $0 + (Platform.fileSize($1.path) ?? 0) }
        if config.progress { progress = Progress(totalBytes: totalBytes) }

        // 2. Probe every input; access logs become lazy merge inputs.
        var lazy: [LazyInput] = []
        var browserInputs: [(index: Int, source: ByteSource, plan: InputPlan)] = []
        for i in entries.indices where entries[i].error == nil {
            let index = Int32(i)
            let path = entries[i].path
            let source: ByteSource
            let plan: InputPlan
            var opened: ByteSource?
            do {
                source = try ByteSource(path: path)
                opened = source
                let (p, kind, format) = try InputProbe.plan(for: source, path: path, template: config.template)
                plan = p
                stats[i].kind = kind
                stats[i].format = format
            } catch {
                opened?.close()
                stats[i].error = error
                continue
            }
            switch plan {
            case .accessLines, .accessObjects, .unknown:
                lazy.append(accessInput(index: index, path: path, plan: plan, opened: source))
            case .browserLines, .har:
                // stdin, pipes and FIFOs can be read only once: keep the probed source.
                if path != "-" && source.fileSize != nil { source.close() }
                browserInputs.append((i, source, plan))
            }
        }

        // 3. Browser evidence, held whole for joining within a memory budget (past it, lines
        // are skipped as `report-limit` and HAR reading stops with `too-large`). Stamps
        // without a year take the gateway data's year.
        let firstGateway = lazy.compactMap(\.firstTime).min()
        let referenceYear = Timestamp.civil(firstGateway ?? config.generated).year
        var reports: [BrowserReport] = []
        for b in browserInputs {
            let source: ByteSource
            if entries[b.index].path == "-" || b.source.fileSize == nil {
                source = b.source
            } else {
                do throws(InputError) {
                    source = try ByteSource(path: entries[b.index].path)
                } catch {
                    stats[b.index].error = error
                    continue
                }
            }
            let budget = max(0, Pipeline.browserBudgetBytes - reports.count * Pipeline.bytesPerReport)
            switch b.plan {
            case .browserLines(let format):
                reports += readBrowserLines(source, format: format, index: b.index, referenceYear: referenceYear,
                                            maxHeld: budget / Pipeline.bytesPerReport)
            default:
                reports += readHAR(source, index: b.index, maxKeptBytes: min(HARReader.maxKeptBytes, budget))
            }
        }
        if let s = config.since { reports.removeAll { ($0.time ?? s) < s } }
        if let u = config.until { reports.removeAll { ($0.time ?? (u - 1)) >= u } }

        // 4. Merge and correlate.
        let correlator = Correlator(options: config.analysis, browserReports: reports,
                                    inputPaths: stats.map(\.path))
        // Final incidents leave memory as the run goes: tallied, and their rows spilled.
        var tally = IncidentTally()
        let spill = IncidentSpill(directory: config.outDir)
        if let spill {
            correlator.drain = { [unowned self] batch in
                for inc in batch { tally.add(inc) }
                spill.append(batch) { loc in self.sourceText(loc) }
            }
        }
        fieldlessRecords = !correlator.joinsBrowserReports
        accessInputCount = lazy.count
        let merger = RecordMerger(inputs: lazy, maxSkewMs: config.analysis.maxSkewMs, maxOpen: config.maxOpen)
        var n = 0
        used = UsedRecords(inputs: stats.count)
        // The correlator takes each record and hands it back once it is done with it (at
        // once, or when a pending preflight or a one-second request is let go).
        correlator.collectsReleased = true
        while let r = merger.next() {
            correlator.add(consume r)
            correlator.handOffReleased { done in used.add(done) }
            n &+= 1
            if n & 0xFFFF == 0, let p = progress { p.update(bytesDone: bytesDone()) }
        }
        used = UsedRecords(inputs: 0)
        correlator.finish()
        for (i, late) in merger.lateByInput { stats[Int(i)].late = late }
        for (i, d) in correlator.duplicates {
            // Parsed, but a repeat of a record already used: counted as skipped, not used.
            stats[Int(i)].records -= d.count
            for (k, line) in d.lines.enumerated() {
                stats[Int(i)].skip(.duplicate, line: line, count: k == d.lines.count - 1 ? d.count - Int64(k) : 1)
            }
        }
        progress?.finish()

        // 5. Join and aggregate.
        var (incidents, joined) = correlator.joinedIncidents()
        var totals = correlator.totals
        totals.joined = joined
        var first = correlator.firstTime, last = correlator.lastTime
        for r in reports {
            guard let t = r.time else { continue }
            first = min(first ?? t, t)
            last = max(last ?? t, t)
        }
        incidents.sort(by: Incident.reportOrder)
        for inc in incidents { tally.add(inc) }
        var report = tally.build(inputs: stats, totals: totals, firstTime: first, lastTime: last,
                                 options: config.analysis, version: CorsscanMain.version, generated: config.generated)
        let limited = stats.reduce(Int64(0)) { $0 + ($1.skipped[.reportLimit] ?? 0) }
        if limited > 0 {
            report.notes.insert("\(limited) browser report line\(limited == 1 ? " was" : "s were") not examined (skipped as report-limit): browser evidence is held in memory for joining, up to about \(Pipeline.browserBudgetBytes / Pipeline.bytesPerReport) reports.", at: 0)
        }
        if !sameFileAs.isEmpty {
            let n = sameFileAs.count
            report.notes.insert("\(n) path\(n == 1 ? "" : "s") named a file already read under another path (a symlink or another spelling) and \(n == 1 ? "was" : "were") read once: \(sameFileAs.prefix(3).joined(separator: ", "))\(n > 3 ? ", …" : "").", at: 0)
        }
        if merger.releasedEarly > 0 {
            report.notes.insert("\(merger.releasedEarly) record\(merger.releasedEarly == 1 ? " was" : "s were") merged before --max-skew \(config.analysis.maxSkewMs / 1000) s had passed: more than \(merger.maxBuffered) records fell inside one skew interval, and holding them all would not keep memory bounded.", at: 0)
        }
        if merger.delayedInputs > 0 {
            report.notes.insert("\(merger.delayedInputs) input\(merger.delayedInputs == 1 ? "" : "s") overlapped in time with \(config.maxOpen) already open (--max-open) and \(merger.delayedInputs == 1 ? "was" : "were") merged late; raise --max-open to correlate them in order.", at: 0)
        }
        return Outcome(report: report, incidents: incidents, spill: spill)
    }

    /// The `source` text of an incident (`path:line`), as `RunReport.sourceText` gives it.
    private func sourceText(_ loc: SourceLocation) -> String {
        let i = Int(loc.input)
        return "\(stats.indices.contains(i) ? stats[i].path : "?"):\(loc.line)"
    }

    // MARK: - Access logs

    private var openSources: [Int32: AccessLogSource] = [:]
    /// Records the correlator is done with, on their way back to their decode threads.
    private var used = UsedRecords(inputs: 0)
    private var closedBytes: Int64 = 0
    /// Whether inputs opened for merging build fieldless records where the correlator
    /// allows (`Correlator.needsFields`); set once the correlator is made.
    private var fieldlessRecords = false
    /// Access-log inputs to merge; with more than one, their threads yield to the main
    /// thread (`AccessLogSource.yieldToMain`).
    private var accessInputCount = 0

    private func bytesDone() -> Int64 {
        closedBytes + openSources.values.reduce(0) { $0 + $1.bytesRead }
    }

    /// A lazily opened access-log input. Its first record time is found by reading a few
    /// records now (then the file is closed again); stdin, which cannot be reopened, is
    /// merged from its start instead.
    private func accessInput(index: Int32, path: String, plan: InputPlan, opened: ByteSource) -> LazyInput {
        let i = Int(index)
        let base = stats[i]
        let make: (ByteSource) -> AccessLogSource = { [unowned self] src in
            let s = AccessLogSource(source: src, index: index, stats: base, plan: plan, template: config.template,
                                    since: config.since, until: config.until, threaded: true,
                                    fieldless: fieldlessRecords,
                                    yieldToMain: accessInputCount > 1 && config.maxOpen > 1) { [unowned self] done in
                self.stats[Int(done.index)] = done.stats
                self.closedBytes += done.stats.compressedBytes
                self.openSources[done.index] = nil
                self.used.closed(done.index)
            }
            openSources[index] = s
            used.opened(s)
            return s
        }
        // stdin, pipes and FIFOs (`<(zcat …)`) can be read only once: no peek-and-reopen.
        if path == "-" || opened.fileSize == nil {
            return LazyInput(firstTime: nil, index: index, open: { make(opened) })
        }
        var firstTime: Int64?
        if case .unknown = plan {
            // Nothing to merge: it is read once, from the start, to count its lines.
            opened.close()
        } else {
            // Peek at the first records for the merge order, then close.
            let peek = AccessLogSource(source: opened, index: index, stats: base, plan: plan, template: config.template,
                                       since: nil, until: nil) { _ in }
            for _ in 0..<16 {
                guard let r = peek.next() else { break }
                firstTime = min(firstTime ?? r.time, r.time)
            }
            peek.close()
        }
        return LazyInput(firstTime: firstTime, index: index, open: { [unowned self] in
            do throws(InputError) {
                return make(try ByteSource(path: path))
            } catch {
                self.stats[i].error = error
                return EmptySource()
            }
        })
    }

    // MARK: - Browser evidence

    /// Memory for browser evidence across all browser inputs, and what one report (or
    /// pending event) is reckoned to take (measured ~1.7 KB): 48 MiB holds ~24 000.
    static let browserBudgetBytes = 48 << 20
    static let bytesPerReport = 2048

    private func readBrowserLines(_ source: ByteSource, format: BrowserFormat, index i: Int,
                                  referenceYear: Int, maxHeld: Int) -> [BrowserReport] {
        var reader = BrowserLineReader(format: format, input: Int32(i), referenceYear: referenceYear, maxHeld: maxHeld)
        var lines = LineReader(source)
        do {
            while let item = try lines.next() {
                stats[i].lines += 1
                switch item {
                case .line(let buf, let n):
                    if let reason = reader.consume(buf, number: n) {
                        stats[i].skip(reason, line: n)
                    } else {
                        stats[i].records += 1
                    }
                case .oversize(let n): stats[i].skip(.oversizeLine, line: n)
                case .truncated(let n): stats[i].skip(.truncated, line: n)
                }
            }
        } catch {
            stats[i].error = error
        }
        finishBrowserInput(source, index: i)
        return reader.finish()
    }

    /// Records a browser input's byte counts and closes it.
    private func finishBrowserInput(_ source: ByteSource, index i: Int) {
        stats[i].compressedBytes = source.compressedBytesRead
        stats[i].bytes = source.decompressedBytes
        closedBytes += source.compressedBytesRead
        source.close()
    }

    /// HAR files are one JSON document, streamed entry by entry (memory bounded by one entry).
    private func readHAR(_ source: ByteSource, index i: Int, maxKeptBytes: Int) -> [BrowserReport] {
        let out = HARReader.read(from: { (b: UnsafeMutableRawBufferPointer) throws(InputError) -> Int in
            try source.read(into: b)
        }, input: Int32(i), stats: &stats[i], maxKeptBytes: maxKeptBytes)
        finishBrowserInput(source, index: i)
        return out
    }
}

/// A source with nothing in it (an input that failed to reopen).
final class EmptySource: RecordSource {
    func next() -> AccessRecord? { nil }
    func close() {}
}
