import CorsscanCore

/// `report.html`: one self-contained page (SPEC "What it writes").
///
/// - No network access of any kind: inline CSS, inline SVG, no script, no fonts, no
///   external `src`/`href`/`url()`; the only links and `url(#…)` references are fragments
///   inside the document. A Content-Security-Policy `<meta>` (`default-src 'none'`)
///   blocks fetches and scripts even if something slipped through.
/// - Every value from a log goes through `HTMLEscaping` and only into element text (never
///   into `<style>`, a URL attribute, or an unquoted attribute). Element ids and classes
///   are built from `FailureClass` raw values only.
/// - Colours: the Okabe–Ito palette (distinguishable with the common colour-vision
///   deficiencies), and each class also gets a fill pattern, a legend and text labels, so
///   no information depends on colour alone. `@media print` keeps colours and patterns.
/// - Deterministic: the same `RunReport` renders the same bytes.
///
/// Sections (ids): `headline`, `timeline`, `top`, `classes`, `inputs`, `notes`.
public enum HTMLReport {
    /// The whole document.
    public static func render(_ r: RunReport) -> [UInt8] {
        var h = HTMLBuilder()
        var shown = Set(presentClasses(r).map(\.0))
        for m in r.perMinute { for (c, n) in m.counts where n > 0 { shown.insert(c) } }
        for (i, c) in FailureClass.allCases.filter(shown.contains).enumerated() { h.styleIndex[c] = i }
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        h.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'\">\n")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        h.raw("<meta name=\"referrer\" content=\"no-referrer\">\n")
        h.raw("<title>corsscan report</title>\n<style>\n\(css)</style>\n</head>\n<body>\n")
        h.raw("<header><h1>CORS failure report</h1><p class=\"meta\">")
        h.text("Generated \(Format.second(r.generated)) by corsscan \(r.version)")
        h.raw("</p>\n<nav><a href=\"#headline\">Summary</a> <a href=\"#timeline\">Timeline</a> <a href=\"#top\">Top</a> <a href=\"#classes\">Classes</a> <a href=\"#inputs\">Inputs</a> <a href=\"#notes\">Notes</a></nav></header>\n<main>\n")
        headline(r, &h)
        timeline(r, &h)
        top(r, &h)
        classes(r, &h)
        inputs(r, &h)
        notes(r, &h)
        h.raw("</main>\n<footer><p>")
        h.text("corsscan \(r.version) · window \(r.windowSeconds) s · max skew \(r.maxSkewSeconds) s · schema \(RunReport.schemaVersion)")
        h.raw("</p></footer>\n</body>\n</html>\n")
        return h.out
    }

    // MARK: - Sections

    /// Classes with incidents, most incidents first (ties in `FailureClass` order).
    static func presentClasses(_ r: RunReport) -> [(FailureClass, Int)] {
        FailureClass.allCases.compactMap { c in r.byClass[c].flatMap { $0 > 0 ? (c, $0) : nil } }
            .enumerated().sorted { $0.element.1 != $1.element.1 ? $0.element.1 > $1.element.1 : $0.offset < $1.offset }
            .map(\.element)
    }

    /// What the rows say about one class: when, which stage, where.
    struct ClassFacts {
        var first: Int64 = .max, last: Int64 = .min
        var preflight = 0, response = 0
        /// Method + path with incident counts, most first (ties by label).
        var routes: [(String, Int)] = []
    }

    static func facts(_ r: RunReport, _ c: FailureClass) -> ClassFacts {
        var f = ClassFacts()
        var routes: [String: Int] = [:]
        for row in r.rows where row.failureClass == c {
            f.first = min(f.first, row.firstSeen)
            f.last = max(f.last, row.lastSeen)
            if row.stage == .preflight { f.preflight += row.count } else { f.response += row.count }
            routes[row.method.isEmpty ? row.path : "\(row.method) \(row.path)", default: 0] += row.count
        }
        f.routes = routes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        return f
    }

    static func headline(_ r: RunReport, _ h: inout HTMLBuilder) {
        let present = presentClasses(r)
        let total = Int64(present.reduce(0) { $0 + $1.1 })
        let errors = r.inputs.filter { $0.error != nil }
        h.raw("<section id=\"headline\">\n<h2>Summary</h2>\n<p class=\"lede\">")
        if total == 0 {
            h.raw("<strong class=\"okmark\">No CORS failures found</strong> ")
        } else {
            h.raw("<strong>")
            h.text("\(Format.int(total)) CORS failure\(total == 1 ? "" : "s")")
            h.raw("</strong> ")
        }
        h.text("in \(Format.int(r.totals.records)) records from \(r.inputs.count) input\(r.inputs.count == 1 ? "" : "s")")
        if let f = r.firstTime, let l = r.lastTime {
            h.text(", \(Format.minute(f)) to \(Format.minute(l)) (\(Format.duration(l.subtractingReportingOverflow(f).partialValue)))")
        }
        h.text(".")
        if !present.isEmpty {
            h.text(" Most: " + present.prefix(3).map { "\($0.0.rawValue) \(Format.int($0.1)) (\(Format.share(Int64($0.1), of: total)))" }
                .joined(separator: ", ") + (present.count > 3 ? ", and \(present.count - 3) more class\(present.count == 4 ? "" : "es")." : "."))
        }
        if let peak = peakMinute(r) {
            h.text(" Busiest minute: \(Format.minute(peak.0)) with \(Format.int(peak.1)).")
        }
        h.raw("</p>\n")
        if !errors.isEmpty {
            h.raw("<p class=\"alert\"><strong>")
            h.text("\(errors.count) input\(errors.count == 1 ? "" : "s") could not be read completely")
            h.raw("</strong> ")
            h.text("(results may be incomplete): " + errors.prefix(3).map(\.path).joined(separator: ", ") + (errors.count > 3 ? ", …" : "") + ".")
            h.raw(" <a href=\"#inputs\">See inputs</a></p>\n")
        }
        h.raw("<div class=\"tiles\">")
        tile(&h, Format.int(total), "incidents")
        tile(&h, Format.int(present.count), present.count == 1 ? "class" : "classes")
        tile(&h, Format.int(r.totals.records), "records")
        tile(&h, Format.int(r.totals.preflights), "preflights")
        tile(&h, Format.int(r.inputs.count), r.inputs.count == 1 ? "input" : "inputs")
        tile(&h, Format.int(r.totals.skipped), "lines skipped", warn: r.totals.skipped > 0)
        h.raw("</div>\n")
        guard let first = present.first else {
            h.raw("<p class=\"ok\">")
            h.text(r.inputs.isEmpty ? "No inputs were read, so there is nothing to fix." : "Nothing to fix: no request in these logs failed CORS.")
            h.raw("</p>\n</section>\n")
            return
        }
        let e = ClassGuide.entry(first.0)
        let f = facts(r, first.0)
        h.raw("<div class=\"fixfirst\"><h3>Fix this first: ")
        swatch(&h, first.0)
        h.raw(" ")
        h.text(e.title)
        h.raw(" <code>")
        h.text(first.0.rawValue)
        h.raw("</code></h3>\n<p class=\"what\">")
        var what = "\(Format.int(first.1)) incident\(first.1 == 1 ? "" : "s") (\(Format.share(Int64(first.1), of: total)) of all)"
        if f.first <= f.last {
            what += ", first \(Format.minute(f.first)), last \(Format.minute(f.last))"
        }
        h.text(what + ".")
        if !f.routes.isEmpty {
            h.raw(" <span class=\"routes\">")
            h.text("Routes: " + f.routes.prefix(3).map { "\($0.0) (\(Format.int($0.1)))" }.joined(separator: ", ")
                   + (f.routes.count > 3 ? ", +\(f.routes.count - 3) more" : ""))
            h.raw("</span>")
        }
        h.raw("</p>\n<p class=\"do\"><strong>Do:</strong> ")
        h.text(sentence(e.firstFix))
        h.raw("</p>\n")
        let snippet = e.snippet.isEmpty ? e.snippetHTTP : e.snippet
        if !snippet.isEmpty {
            h.raw("<pre><code>")
            h.text(snippet)
            h.raw("</code></pre>\n")
        }
        h.raw("<p><a href=\"#class-\(first.0.rawValue)\">REST, HTTP API and Lambda fixes, and evidence</a></p></div>\n")
        h.raw("<div class=\"scroll\"><table class=\"classes\"><caption>Incidents by class (most first)</caption>\n<thead><tr><th>Class</th><th class=\"n\">Incidents</th><th class=\"n\">Share</th><th class=\"n mid\">Preflight</th><th class=\"n mid\">Response</th><th class=\"wide\">First seen</th><th class=\"wide\">Last seen</th></tr></thead>\n<tbody>\n")
        for (c, n) in present {
            let cf = facts(r, c)
            h.raw("<tr><td class=\"cls\">")
            swatch(&h, c)
            h.raw(" <a href=\"#class-\(c.rawValue)\">")
            h.text(c.rawValue)
            h.raw("</a></td><td class=\"n\">")
            h.text(Format.int(n))
            h.raw("</td><td class=\"n\">")
            bar(&h, Int64(n), of: total)
            h.text(Format.share(Int64(n), of: total))
            h.raw("</td><td class=\"n mid\">")
            h.text(Format.int(cf.preflight))
            h.raw("</td><td class=\"n mid\">")
            h.text(Format.int(cf.response))
            h.raw("</td><td class=\"wide\">")
            h.text(cf.first <= cf.last ? Format.minute(cf.first) : "")
            h.raw("</td><td class=\"wide\">")
            h.text(cf.first <= cf.last ? Format.minute(cf.last) : "")
            h.raw("</td></tr>\n")
        }
        h.raw("</tbody></table></div>\n</section>\n")
    }

    /// The minute with the most incidents (earliest on ties).
    static func peakMinute(_ r: RunReport) -> (Int64, Int)? {
        var best: (Int64, Int)? = nil
        for m in r.perMinute {
            let n = m.counts.values.reduce(0, +)
            if n > 0 && (best == nil || n > best!.1 || n == best!.1 && m.minute < best!.0) { best = (m.minute, n) }
        }
        return best
    }

    /// `s` with a capital first letter and a full stop.
    static func sentence(_ s: String) -> String {
        guard let c = s.first else { return s }
        return c.uppercased() + s.dropFirst() + (s.hasSuffix(".") ? "" : ".")
    }

    /// A small inline share bar (decorative; the number next to it carries the value).
    static func bar(_ h: inout HTMLBuilder, _ part: Int64, of whole: Int64) {
        let w = whole > 0 ? Int((part * 60 + whole / 2) / whole) : 0
        h.raw("<svg class=\"bar\" width=\"60\" height=\"8\" aria-hidden=\"true\"><rect width=\"60\" height=\"8\" fill=\"currentColor\" fill-opacity=\"0.15\"/><rect width=\"\(w)\" height=\"8\" fill=\"currentColor\" fill-opacity=\"0.75\"/></svg> ")
    }

    static func tile(_ h: inout HTMLBuilder, _ value: String, _ label: String, warn: Bool = false) {
        h.raw(warn ? "<div class=\"tile warn\"><span class=\"v\">" : "<div class=\"tile\"><span class=\"v\">")
        h.text(value)
        h.raw("</span><span class=\"l\">")
        h.text(label)
        h.raw("</span></div>")
    }

    static func timeline(_ r: RunReport, _ h: inout HTMLBuilder) {
        h.raw("<section id=\"timeline\">\n<h2>Failures over time</h2>\n")
        let points = r.perMinute.filter { !$0.counts.isEmpty && $0.counts.values.contains { $0 > 0 } }
        guard let firstMinute = points.first?.minute, let lastMinute = points.last?.minute else {
            h.raw("<p>No incidents to chart.</p>\n</section>\n")
            return
        }
        let order = presentClasses(r).map(\.0)
        let chart = Timeline(points: points, first: firstMinute, last: lastMinute, order: order)
        chart.render(&h)
        if let (a, b, n, total) = busiestPeriod(points), (b - a) * 4 < lastMinute - firstMinute, chart.bucketMs > Timeline.minute {
            var zoom = Timeline(points: points.filter { $0.minute >= a && $0.minute <= b }, first: a, last: b, order: order)
            zoom.id = "tlz"
            zoom.legendAndTable = false
            h.raw("<h3>")
            h.text("Close-up: \(Format.minute(a)) to \(Format.minute(b + Timeline.minute)), \(Format.int(n)) of \(Format.int(total)) incidents")
            h.raw("</h3>\n")
            zoom.render(&h)
        }
        h.raw("</section>\n")
    }

    /// The shortest run of minutes holding at least 90% of the incidents: (first minute,
    /// last minute, incidents in it, all incidents); nil when there are under 10 incidents.
    static func busiestPeriod(_ points: [RunReport.MinuteCount]) -> (Int64, Int64, Int, Int)? {
        let counts = points.map { $0.counts.values.reduce(0, +) }
        let total = counts.reduce(0, +)
        guard total >= 10 else { return nil }
        let need = (total * 9 + 9) / 10
        var best: (Int, Int)? = nil
        var sum = 0, lo = 0
        for hi in points.indices {
            sum += counts[hi]
            while sum - counts[lo] >= need { sum -= counts[lo]; lo += 1 }
            if sum >= need, best == nil || points[hi].minute - points[lo].minute < points[best!.1].minute - points[best!.0].minute {
                best = (lo, hi)
            }
        }
        guard let (i, j) = best else { return nil }
        return (points[i].minute, points[j].minute, counts[i...j].reduce(0, +), total)
    }

    static func top(_ r: RunReport, _ h: inout HTMLBuilder) {
        h.raw("<section id=\"top\">\n<h2>Top routes, origins and clients</h2>\n<div class=\"cols\">\n")
        let total = max(r.totals.incidents, Int64(r.byClass.values.reduce(0, +)))
        rankedTable(&h, "Routes", "Method and path", r.topRoutes, total)
        rankedTable(&h, "Origins", "Origin", r.topOrigins, total)
        rankedTable(&h, "Clients", "IP and user agent", r.topClients, total, splitFirstWord: true)
        h.raw("</div>\n</section>\n")
    }

    static func rankedTable(_ h: inout HTMLBuilder, _ caption: String, _ column: String,
                            _ items: [RunReport.Ranked], _ total: Int64, splitFirstWord: Bool = false) {
        h.raw("<table class=\"ranked\"><caption>")
        h.text(caption)
        h.raw("</caption>\n<thead><tr><th>")
        h.text(column)
        h.raw("</th><th class=\"n\">Incidents</th><th class=\"n\">Share</th></tr></thead>\n<tbody>\n")
        if items.isEmpty {
            h.raw("<tr><td colspan=\"3\" class=\"none\">none</td></tr>\n")
        }
        for item in items {
            h.raw("<tr><td class=\"val\">")
            if item.label.isEmpty {
                h.raw("<span class=\"muted\">(none)</span>")
            } else if splitFirstWord, let sp = item.label.firstIndex(of: " ") {
                h.text(String(item.label[..<sp]))
                h.raw(" <span class=\"ua\">")
                h.text(String(item.label[item.label.index(after: sp)...]))
                h.raw("</span>")
            } else {
                h.text(item.label)
            }
            h.raw("</td><td class=\"n\">")
            h.text(Format.int(item.count))
            h.raw("</td><td class=\"n\">")
            h.text(Format.share(Int64(item.count), of: total))
            h.raw("</td></tr>\n")
        }
        h.raw("</tbody></table>\n")
    }

    static func classes(_ r: RunReport, _ h: inout HTMLBuilder) {
        h.raw("<section id=\"classes\">\n<h2>Failure classes and fixes</h2>\n")
        let present = presentClasses(r)
        if present.isEmpty {
            h.raw("<p>No CORS failures found, so no fixes to suggest.</p>\n")
        } else {
            h.raw("<p class=\"hint\">One card per class, most incidents first. Each gives the fix for REST APIs, HTTP APIs and Lambda proxy integrations, where it happened, and sample log lines (<code>file:line</code>).</p>\n")
        }
        for (c, n) in present {
            let e = ClassGuide.entry(c)
            let f = facts(r, c)
            h.raw("<article class=\"card\" id=\"class-\(c.rawValue)\">\n<h3>")
            swatch(&h, c)
            h.raw(" ")
            h.text(e.title)
            h.raw(" <code>")
            h.text(c.rawValue)
            h.raw("</code></h3>\n<p class=\"facts\"><strong>")
            h.text("\(Format.int(n)) incident\(n == 1 ? "" : "s")")
            h.raw("</strong>")
            var facts = " · \(Format.int(f.preflight)) at preflight, \(Format.int(f.response)) on the response"
            if f.first <= f.last { facts += " · \(Format.minute(f.first)) to \(Format.minute(f.last))" }
            h.text(facts)
            h.raw("</p>\n<p>")
            h.text(e.explanation)
            h.raw("</p>\n<p class=\"do\"><strong>Fix first:</strong> ")
            h.text(sentence(e.firstFix))
            h.raw("</p>\n<div class=\"fixes\">\n")
            for (label, text, snippet) in [("REST API", e.fixREST, e.snippet), ("HTTP API", e.fixHTTP, e.snippetHTTP),
                                           ("Lambda proxy", e.fixLambda, e.snippetLambda)] {
                h.raw("<div class=\"fix\"><h4>")
                h.text(label)
                h.raw("</h4><div><p>")
                h.text(text)
                h.raw("</p>")
                if !snippet.isEmpty {
                    h.raw("<pre><code>")
                    h.text(snippet)
                    h.raw("</code></pre>")
                }
                h.raw("</div></div>\n")
            }
            h.raw("</div>\n")
            if !e.likelyCauses.isEmpty {
                h.raw("<h4>Likely causes</h4>\n<ul>")
                for cause in e.likelyCauses {
                    h.raw("<li>")
                    h.text(cause)
                    h.raw("</li>")
                }
                h.raw("</ul>\n")
            }
            let rows = r.rows.filter { $0.failureClass == c }
            if !rows.isEmpty {
                h.raw("<h4>Where</h4>\n<div class=\"scroll\"><table class=\"where\"><thead><tr><th>Stage</th><th>Method and path</th><th>Origin</th><th class=\"n\">Count</th><th>First seen (UTC)</th><th>Last seen (UTC)</th></tr></thead>\n<tbody>\n")
                let shown = rows.sorted { $0.count != $1.count ? $0.count > $1.count : false }.prefix(10)
                for row in shown {
                    h.raw("<tr><td>")
                    h.text(row.stage.rawValue)
                    h.raw("</td><td class=\"val\"><code>")
                    h.text(row.method.isEmpty ? row.path : "\(row.method) \(row.path)")
                    h.raw("</code></td>")
                    valueCell(&h, row.origin)
                    h.raw("<td class=\"n\">")
                    h.text(Format.int(row.count))
                    h.raw("</td><td class=\"t\">")
                    h.text(Format.secondShort(row.firstSeen))
                    h.raw("</td><td class=\"t\">")
                    h.text(Format.secondShort(row.lastSeen))
                    h.raw("</td></tr>\n")
                }
                h.raw("</tbody></table></div>\n")
                if rows.count > shown.count {
                    h.raw("<p class=\"more\">")
                    h.text("\(rows.count - shown.count) more rows in summary.csv.")
                    h.raw("</p>\n")
                }
            }
            let samples = r.samples[c] ?? []
            if !samples.isEmpty {
                h.raw("<h4>Sample evidence</h4>\n<ol class=\"samples\">\n")
                for i in samples {
                    h.raw("<li><p class=\"sh\"><code class=\"src\">")
                    h.text(r.sourceText(i.source))
                    h.raw("</code> <span class=\"t\">")
                    h.text(Timestamp.iso8601(i.time))
                    h.raw("</span> <span class=\"tag\">")
                    h.text(i.stage.rawValue)
                    h.raw("</span> <span class=\"tag\">")
                    h.text(i.confidence.rawValue)
                    h.raw("</span></p>\n<p class=\"req\"><code>")
                    h.text(i.method.isEmpty ? i.path : "\(i.method) \(i.path)")
                    h.raw("</code>")
                    if let st = i.status {
                        h.raw(" → <strong>")
                        h.text(String(st))
                        h.raw("</strong>")
                    }
                    if !i.gatewayError.isEmpty {
                        h.raw(" <code class=\"gw\">")
                        h.text(i.gatewayError)
                        h.raw("</code>")
                    }
                    if let fs = i.followupStatus {
                        h.raw(" <span class=\"muted\">")
                        h.text("(follow-up request: \(fs))")
                        h.raw("</span>")
                    }
                    h.raw("</p>\n<p class=\"ev\">")
                    h.text(i.evidence)
                    h.raw("</p>\n<dl class=\"kv\"><dt>Origin</dt><dd>")
                    h.text(i.origin.isEmpty ? "(not logged)" : i.origin)
                    h.raw("</dd><dt>Client</dt><dd>")
                    h.text(i.clientIP.isEmpty ? "(not logged)" : i.clientIP)
                    if !i.userAgent.isEmpty {
                        h.raw(" <span class=\"ua\">")
                        h.text(i.userAgent)
                        h.raw("</span>")
                    }
                    h.raw("</dd><dt>Request id</dt><dd>")
                    h.text(i.requestId.isEmpty ? "(not logged)" : i.requestId)
                    h.raw("</dd></dl></li>\n")
                }
                h.raw("</ol>\n")
            }
            h.raw("<p class=\"top\"><a href=\"#headline\">Back to the summary</a></p>\n</article>\n")
        }
        h.raw("</section>\n")
    }

    /// A table cell for a log value; empty values show as a muted "(none)".
    static func valueCell(_ h: inout HTMLBuilder, _ v: String) {
        if v.isEmpty {
            h.raw("<td class=\"none\">(none)</td>")
        } else {
            h.raw("<td class=\"val\">")
            h.text(v)
            h.raw("</td>")
        }
    }

    static func inputs(_ r: RunReport, _ h: inout HTMLBuilder) {
        h.raw("<section id=\"inputs\">\n<h2>Inputs</h2>\n")
        if r.inputs.isEmpty {
            h.raw("<p>No inputs were read.</p>\n</section>\n")
            return
        }
        let failed = r.inputs.filter { $0.error != nil }.count
        let withSkips = r.inputs.filter { !$0.skipped.isEmpty }.count
        h.raw("<p>")
        h.text("\(r.inputs.count) input\(r.inputs.count == 1 ? "" : "s"): \(Format.int(r.totals.lines)) lines read, \(Format.int(r.totals.records)) records used, \(Format.int(r.totals.skipped)) lines skipped (in \(withSkips) input\(withSkips == 1 ? "" : "s"), by reason below). ")
        if failed > 0 {
            h.raw("<strong class=\"errtext\">")
            h.text("\(failed) input\(failed == 1 ? "" : "s") failed; their rows are marked.")
            h.raw("</strong>")
        } else {
            h.text("No input failed.")
        }
        h.raw("</p>\n")
        h.raw("<div class=\"scroll\"><table class=\"inputs\"><thead><tr><th>File</th><th>Kind</th><th>Format</th><th class=\"n\">Compressed</th><th class=\"n\">Bytes</th><th class=\"n\">Lines</th><th class=\"n\">Records</th><th>Skipped</th><th>Error</th></tr></thead>\n<tbody>\n")
        for s in r.inputs {
            h.raw(s.error == nil ? "<tr>" : "<tr class=\"err\">")
            h.raw("<td class=\"val file\"><code>")
            h.text(s.path)
            h.raw("</code></td><td class=\"t\">")
            h.text(s.kind.rawValue)
            h.raw("</td><td class=\"val\">")
            h.text(s.format)
            h.raw("</td><td class=\"n\">")
            h.text(s.compressedBytes > 0 && s.compressedBytes != s.bytes ? Format.bytes(s.compressedBytes) : "—")
            h.raw("</td><td class=\"n\">")
            h.text(Format.bytes(s.bytes))
            h.raw("</td><td class=\"n\">")
            h.text(Format.int(s.lines))
            h.raw("</td><td class=\"n\">")
            h.text(Format.int(s.records))
            if s.late > 0 {
                h.raw("<br><small>")
                h.text("\(Format.int(s.late)) late")
                h.raw("</small>")
            }
            h.raw("</td><td class=\"val\">")
            let reasons = s.skipped.sorted { $0.key < $1.key }
            if reasons.isEmpty {
                h.raw("0")
            } else {
                h.raw("<ul class=\"skips\">")
                for (reason, n) in reasons {
                    h.raw("<li>")
                    h.text("\(reason.rawValue): \(Format.int(n))")
                    if let lines = s.skipSamples[reason], !lines.isEmpty {
                        h.raw(" <small>")
                        h.text("(line\(lines.count == 1 ? "" : "s") \(lines.map(String.init).joined(separator: ", "))\(Int64(lines.count) < n ? ", …" : ""))")
                        h.raw("</small>")
                    }
                    h.raw("</li>")
                }
                h.raw("</ul>")
            }
            h.raw("</td><td class=\"val\">")
            if let e = s.error {
                h.raw("<strong class=\"errtext\">")
                h.text("Error: \(e.description)")
                h.raw("</strong><br><small>")
                h.text("everything before byte \(e.offset) was used")
                h.raw("</small>")
            } else {
                h.raw("—")
            }
            h.raw("</td></tr>\n")
        }
        let t = r.totals
        h.raw("</tbody><tfoot><tr><th colspan=\"5\">Total</th><td class=\"n\">")
        h.text(Format.int(t.lines))
        h.raw("</td><td class=\"n\">")
        h.text(Format.int(t.records))
        h.raw("</td><td>")
        h.text(Format.int(t.skipped))
        h.raw("</td><td></td></tr></tfoot></table></div>\n</section>\n")
    }

    static func notes(_ r: RunReport, _ h: inout HTMLBuilder) {
        let t = r.totals
        h.raw("<section id=\"notes\">\n<h2>Notes</h2>\n")
        if r.notes.isEmpty {
            h.raw("<p>No notes about this run.</p>\n")
        } else {
            h.raw("<ul class=\"notes\">")
            for n in r.notes {
                h.raw("<li>")
                h.text(n)
                h.raw("</li>")
            }
            h.raw("</ul>\n")
        }
        h.raw("<dl class=\"totals\">")
        let items: [(String, Int64)] = [
            ("Preflights", t.preflights), ("Preflights followed by the request", t.followed),
            ("Incidents", t.incidents), ("Undetermined", t.undetermined), ("Late records", t.late),
            ("Browser reports joined to gateway records", t.joined), ("Pending preflights evicted (state bound)", t.evicted),
        ]
        for (k, v) in items {
            h.raw("<dt>")
            h.text(k)
            h.raw("</dt><dd>")
            h.text(Format.int(v))
            h.raw("</dd>")
        }
        h.raw("<dt>Correlation window</dt><dd>")
        h.text("\(r.windowSeconds) s")
        h.raw("</dd><dt>Max skew</dt><dd>")
        h.text("\(r.maxSkewSeconds) s")
        h.raw("</dd></dl>\n</section>\n")
    }

    // MARK: - Colours and patterns

    /// Okabe & Ito (2008) "Color Universal Design" palette, black last.
    static let palette = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]

    /// Colour and pattern of a class: 8 colours × 4 patterns; no two classes share both,
    /// and neighbouring classes differ in pattern as well as colour.
    ///
    /// `i` is the class's position among the classes this report shows (so up to eight
    /// classes get eight different colours), falling back to its `FailureClass` order.
    static func style(_ i: Int) -> (color: String, pattern: Int) {
        (palette[i % palette.count], (i + i / palette.count) % 4)
    }

    /// SVG `<pattern>` definition for a class with the given id.
    static func patternDef(_ c: FailureClass, id: String, _ h: HTMLBuilder) -> String {
        let (color, p) = style(h.styleIndex[c] ?? c.order)
        let ink = color == "#000000" || color == "#0072B2" ? "#ffffff" : "#000000"
        let mark: String
        switch p {
        case 0: mark = ""
        case 1: mark = "<path d=\"M0 6L6 0M-1 1L1 -1M5 7L7 5\" stroke=\"\(ink)\" stroke-width=\"1.2\" stroke-opacity=\"0.6\"/>"
        case 2: mark = "<circle cx=\"3\" cy=\"3\" r=\"1.2\" fill=\"\(ink)\" fill-opacity=\"0.6\"/>"
        default: mark = "<path d=\"M0 3H6M3 0V6\" stroke=\"\(ink)\" stroke-width=\"1\" stroke-opacity=\"0.6\"/>"
        }
        return "<pattern id=\"\(id)\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\"><rect width=\"6\" height=\"6\" fill=\"\(color)\"/>\(mark)</pattern>"
    }

    /// A small legend square with the class's colour and pattern.
    static func swatch(_ h: inout HTMLBuilder, _ c: FailureClass) {
        h.swatchCount += 1
        let id = "sw\(h.swatchCount)"
        h.raw("<svg class=\"sw\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\"><defs>\(patternDef(c, id: id, h))</defs><rect x=\"0.5\" y=\"0.5\" width=\"13\" height=\"13\" fill=\"url(#\(id))\" stroke=\"#333\"/></svg>")
    }

    static let css = """
        :root{color-scheme:light dark;--fg:#1b1b1b;--muted:#595959;--line:#d0d0d0;--bg:#fff;--soft:#f4f4f4;--th:#ececec;--err:#a40000;--errbg:#fde8e8;--warnbg:#fff4ec;--accent:#D55E00;--link:#0b57a4}
        @media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--muted:#b0b0b0;--line:#4a4a4a;--bg:#161616;--soft:#222;--th:#2a2a2a;--err:#ff9b9b;--errbg:#3a1717;--warnbg:#33261c;--link:#8ab8f0}
          svg.chart,svg.sw{background:#fff;border-radius:2px}}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
        a{color:var(--link)}
        header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
        h1{font-size:1.6em;margin:16px 0 4px}h2{font-size:1.3em;border-bottom:2px solid var(--fg);padding-bottom:2px;margin-top:32px}
        h3{font-size:1.15em;margin:12px 0 6px}h4{margin:14px 0 4px}
        .meta,.more,footer,.hint,.muted{color:var(--muted)}
        nav{display:flex;flex-wrap:wrap;gap:4px 14px}
        code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
        pre{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:8px 10px;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere;margin:6px 0 10px}
        table{border-collapse:collapse;margin:8px 0 12px;width:100%}
        caption{text-align:left;font-weight:600;padding:4px 0}
        th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
        th{background:var(--th)}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.t{white-space:nowrap;font-variant-numeric:tabular-nums}
        td.val{white-space:pre-wrap;overflow-wrap:anywhere;word-break:normal}
        td.none{color:var(--muted);font-style:italic}
        td.cls{white-space:nowrap}
        figure{margin:0}
        td.file{min-width:12em}table.inputs td.val{min-width:7em}
        .lede{font-size:1.12em;margin:8px 0}
        .alert{border:2px solid var(--err);background:var(--errbg);padding:6px 12px;border-radius:4px}
        .tiles{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
        .tile{border:1px solid var(--line);border-radius:6px;padding:6px 14px;min-width:110px}
        .tile .v{display:block;font-size:1.5em;font-weight:700;font-variant-numeric:tabular-nums}.tile .l{color:var(--muted)}
        .tile.warn{border-color:var(--accent)}
        .fixfirst{border:1px solid var(--accent);border-left:8px solid var(--accent);background:var(--warnbg);padding:2px 14px 4px;margin:14px 0;border-radius:4px}
        .fixfirst h3{font-size:1.25em}
        .fixfirst pre{background:var(--bg)}
        .do{font-size:1.05em}
        .ok{font-size:1.2em}.okmark{color:#006b4f}
        svg.bar{vertical-align:0;margin-right:4px}
        .cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px;align-items:start}
        .card{border:1px solid var(--line);border-radius:6px;padding:2px 16px 8px;margin:18px 0}
        .facts{color:var(--muted);margin:0 0 8px}.facts strong{color:var(--fg)}
        .fix{border-top:1px solid var(--line);padding:2px 0}
        .fix h4{margin:6px 0 2px}.fix p{margin:2px 0 6px}
        .fix pre,.fixfirst pre{white-space:pre;overflow-wrap:normal}
        ol.samples{list-style:none;padding:0;margin:4px 0}
        ol.samples li{border:1px solid var(--line);border-left:4px solid var(--muted);border-radius:4px;padding:4px 10px;margin:6px 0}
        ol.samples p{margin:2px 0}
        .sh{font-size:.92em;color:var(--muted)}.sh .src{color:var(--fg);font-weight:600}
        .tag{border:1px solid var(--line);border-radius:3px;padding:0 4px;font-size:.9em}
        .ev{white-space:pre-wrap}
        dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:0 10px;margin:4px 0 2px;font-size:.9em}
        dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;white-space:pre-wrap}
        .ua{color:var(--muted)}
        p.top{text-align:right;margin:6px 0 0;font-size:.9em}
        dl.totals{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dl.totals dd{margin:0}
        tr.err td{background:var(--errbg)}.err,.errtext{color:var(--err)}
        ul.skips{margin:0;padding-left:16px}
        svg.sw{vertical-align:-2px}
        svg.chart{width:100%;height:auto;max-height:380px}
        svg.chart text{font:12px system-ui,sans-serif;fill:#333}
        .legend{display:flex;flex-wrap:wrap;gap:6px 16px;list-style:none;padding:0}
        details{margin:8px 0}
        .scroll{overflow-x:auto}
        @media (min-width:900px){.fix{display:grid;grid-template-columns:8.5em minmax(0,1fr);gap:0 12px}.fix h4{margin-top:8px}}
        @media (max-width:900px){.wide{display:none}}
        @media (max-width:600px){.mid,svg.bar{display:none}body{font-size:14px}header,main,footer{padding:0 8px}.card{padding:2px 8px 6px}th,td{padding:2px 4px}.tile{min-width:0;flex:1 1 40%}.chartbox{overflow-x:auto}svg.chart{min-width:640px}}
        @media print{
          :root{--fg:#000;--bg:#fff;--muted:#444;--soft:#f4f4f4;--th:#eee;--line:#bbb}
          body{font-size:9.5pt}
          nav,p.top{display:none}
          header,main,footer{max-width:none;padding:0}
          *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
          .fixfirst,figure,ol.samples li,tr{break-inside:avoid}
          svg.bar{display:none}
          caption{break-after:avoid}
          h2,h3,h4{break-after:avoid}
          .card{break-before:auto;border:0;border-top:2px solid #000;border-radius:0;padding:0}
          .fix{display:grid;grid-template-columns:8em minmax(0,1fr);gap:0 10px}
          pre,.fix pre,.fixfirst pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:7.5pt}
          a{color:inherit;text-decoration:none}
        }

        """
}

/// The report's byte buffer: `raw` for markup we write, `text` for any value (escaped).
struct HTMLBuilder {
    var out: [UInt8] = []
    var swatchCount = 0
    /// Colour/pattern slot of each class shown (see `HTMLReport.style`).
    var styleIndex: [FailureClass: Int] = [:]

    init() { out.reserveCapacity(64 * 1024) }

    /// Markup written by this module. Never pass a value from a log here.
    mutating func raw(_ s: String) { out.append(contentsOf: s.utf8) }

    /// A value, escaped for element text and quoted attributes.
    mutating func text(_ s: String) { HTMLEscaping.append(s, to: &out) }
}
