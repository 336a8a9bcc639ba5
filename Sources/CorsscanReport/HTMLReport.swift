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

    static func headline(_ r: RunReport, _ h: inout HTMLBuilder) {
        let present = presentClasses(r)
        let total = Int64(present.reduce(0) { $0 + $1.1 })
        h.raw("<section id=\"headline\">\n<h2>Summary</h2>\n")
        h.raw("<div class=\"tiles\">")
        tile(&h, Format.int(total), "incidents")
        tile(&h, Format.int(r.totals.records), "records")
        tile(&h, Format.int(r.totals.preflights), "preflights")
        tile(&h, Format.int(r.inputs.count), r.inputs.count == 1 ? "input" : "inputs")
        h.raw("</div>\n<p>")
        if let f = r.firstTime, let l = r.lastTime {
            h.text("Time range: \(Format.second(f)) – \(Format.second(l))")
        } else {
            h.text("Time range: no timed records")
        }
        let errors = r.inputs.filter { $0.error != nil }.count
        h.raw("<br>")
        h.text("Inputs: \(r.inputs.count) read, \(Format.int(r.totals.lines)) lines, \(Format.int(r.totals.skipped)) skipped")
        if errors > 0 {
            h.raw(" · <a class=\"err\" href=\"#inputs\">")
            h.text("\(errors) with errors")
            h.raw("</a>")
        }
        h.raw("</p>\n")
        guard let first = present.first else {
            h.raw("<p class=\"ok\"><strong>No CORS failures found.</strong></p>\n</section>\n")
            return
        }
        let e = ClassGuide.entry(first.0)
        h.raw("<div class=\"fixfirst\"><h3>Fix this first</h3><p>")
        swatch(&h, first.0)
        h.raw(" <strong>")
        h.text(e.title)
        h.raw("</strong> <code>")
        h.text(first.0.rawValue)
        h.raw("</code> — ")
        h.text("\(Format.int(first.1)) incidents (\(Format.share(Int64(first.1), of: total))): \(e.firstFix).")
        h.raw(" <a href=\"#class-\(first.0.rawValue)\">Details and fix</a></p></div>\n")
        h.raw("<table class=\"classes\"><caption>Incidents by class</caption>\n<thead><tr><th>Class</th><th class=\"n\">Incidents</th><th class=\"n\">Share</th><th>Preflight / response</th></tr></thead>\n<tbody>\n")
        for (c, n) in present {
            var pre = 0, resp = 0
            for row in r.rows where row.failureClass == c {
                if row.stage == .preflight { pre += row.count } else { resp += row.count }
            }
            h.raw("<tr><td>")
            swatch(&h, c)
            h.raw(" <a href=\"#class-\(c.rawValue)\">")
            h.text(c.rawValue)
            h.raw("</a></td><td class=\"n\">")
            h.text(Format.int(n))
            h.raw("</td><td class=\"n\">")
            h.text(Format.share(Int64(n), of: total))
            h.raw("</td><td>")
            h.text("\(Format.int(pre)) / \(Format.int(resp))")
            h.raw("</td></tr>\n")
        }
        h.raw("</tbody></table>\n</section>\n")
    }

    static func tile(_ h: inout HTMLBuilder, _ value: String, _ label: String) {
        h.raw("<div class=\"tile\"><span class=\"v\">")
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
        let chart = Timeline(points: points, first: firstMinute, last: lastMinute)
        chart.render(&h)
        h.raw("</section>\n")
    }

    static func top(_ r: RunReport, _ h: inout HTMLBuilder) {
        h.raw("<section id=\"top\">\n<h2>Top routes, origins and clients</h2>\n<div class=\"cols\">\n")
        let total = max(r.totals.incidents, Int64(r.byClass.values.reduce(0, +)))
        rankedTable(&h, "Routes", "Method and path", r.topRoutes, total)
        rankedTable(&h, "Origins", "Origin", r.topOrigins, total)
        rankedTable(&h, "Clients", "IP and user agent", r.topClients, total)
        h.raw("</div>\n</section>\n")
    }

    static func rankedTable(_ h: inout HTMLBuilder, _ caption: String, _ column: String,
                            _ items: [RunReport.Ranked], _ total: Int64) {
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
            h.text(item.label.isEmpty ? "(none)" : item.label)
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
        }
        for (c, n) in present {
            let e = ClassGuide.entry(c)
            h.raw("<article class=\"card\" id=\"class-\(c.rawValue)\">\n<h3>")
            swatch(&h, c)
            h.raw(" ")
            h.text(e.title)
            h.raw(" <code>")
            h.text(c.rawValue)
            h.raw("</code> <span class=\"count\">")
            h.text("\(Format.int(n)) incident\(n == 1 ? "" : "s")")
            h.raw("</span></h3>\n<p>")
            h.text(e.explanation)
            h.raw("</p>\n<h4>Fix</h4>\n<dl class=\"fix\"><dt>REST API</dt><dd>")
            h.text(e.fixREST)
            if !e.snippet.isEmpty {
                h.raw("<pre><code>")
                h.text(e.snippet)
                h.raw("</code></pre>")
            }
            h.raw("</dd>\n<dt>HTTP API</dt><dd>")
            h.text(e.fixHTTP)
            if c != .multipleAllowOrigin && c != .redirectNotAllowed && c != .privateNetwork {
                h.raw("<pre><code>")
                h.text(ClassGuide.httpCorsSnippet)
                h.raw("</code></pre>")
            }
            h.raw("</dd>\n<dt>Lambda proxy</dt><dd>")
            h.text(e.fixLambda)
            h.raw("</dd></dl>\n")
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
                h.raw("<h4>Where</h4>\n<table class=\"where\"><thead><tr><th>Stage</th><th>Method</th><th>Path</th><th>Origin</th><th class=\"n\">Count</th><th>First seen</th><th>Last seen</th></tr></thead>\n<tbody>\n")
                let shown = rows.sorted { $0.count != $1.count ? $0.count > $1.count : false }.prefix(10)
                for row in shown {
                    h.raw("<tr><td>")
                    h.text(row.stage.rawValue)
                    h.raw("</td><td class=\"val\">")
                    h.text(row.method)
                    h.raw("</td><td class=\"val\">")
                    h.text(row.path)
                    h.raw("</td><td class=\"val\">")
                    h.text(row.origin)
                    h.raw("</td><td class=\"n\">")
                    h.text(Format.int(row.count))
                    h.raw("</td><td>")
                    h.text(Timestamp.iso8601(row.firstSeen))
                    h.raw("</td><td>")
                    h.text(Timestamp.iso8601(row.lastSeen))
                    h.raw("</td></tr>\n")
                }
                h.raw("</tbody></table>\n")
                if rows.count > shown.count {
                    h.raw("<p class=\"more\">")
                    h.text("\(rows.count - shown.count) more rows in summary.csv.")
                    h.raw("</p>\n")
                }
            }
            let samples = r.samples[c] ?? []
            if !samples.isEmpty {
                h.raw("<h4>Sample evidence</h4>\n<table class=\"samples\"><thead><tr><th>Time</th><th>Stage</th><th>Confidence</th><th>Client</th><th>Origin</th><th>Request</th><th>Status</th><th>Gateway error</th><th>Request id</th><th>Evidence</th><th>Source</th></tr></thead>\n<tbody>\n")
                for i in samples {
                    h.raw("<tr><td>")
                    h.text(Timestamp.iso8601(i.time))
                    h.raw("</td><td>")
                    h.text(i.stage.rawValue)
                    h.raw("</td><td>")
                    h.text(i.confidence.rawValue)
                    h.raw("</td><td class=\"val\">")
                    h.text(i.clientIP)
                    if !i.userAgent.isEmpty {
                        h.raw("<br><small>")
                        h.text(i.userAgent)
                        h.raw("</small>")
                    }
                    h.raw("</td><td class=\"val\">")
                    h.text(i.origin)
                    h.raw("</td><td class=\"val\">")
                    h.text(i.method.isEmpty ? i.path : "\(i.method) \(i.path)")
                    h.raw("</td><td>")
                    h.text(i.status.map(String.init) ?? "")
                    if let f = i.followupStatus {
                        h.raw("<br><small>")
                        h.text("follow-up \(f)")
                        h.raw("</small>")
                    }
                    h.raw("</td><td class=\"val\">")
                    h.text(i.gatewayError)
                    h.raw("</td><td class=\"val\">")
                    h.text(i.requestId)
                    h.raw("</td><td class=\"val ev\">")
                    h.text(i.evidence)
                    h.raw("</td><td class=\"val\"><code>")
                    h.text(r.sourceText(i.source))
                    h.raw("</code></td></tr>\n")
                }
                h.raw("</tbody></table>\n")
            }
            h.raw("</article>\n")
        }
        h.raw("</section>\n")
    }

    static func inputs(_ r: RunReport, _ h: inout HTMLBuilder) {
        h.raw("<section id=\"inputs\">\n<h2>Inputs</h2>\n")
        if r.inputs.isEmpty {
            h.raw("<p>No inputs were read.</p>\n</section>\n")
            return
        }
        h.raw("<table class=\"inputs\"><thead><tr><th>File</th><th>Kind</th><th>Format</th><th class=\"n\">Compressed</th><th class=\"n\">Bytes</th><th class=\"n\">Lines</th><th class=\"n\">Records</th><th>Skipped</th><th>Error</th></tr></thead>\n<tbody>\n")
        for s in r.inputs {
            h.raw(s.error == nil ? "<tr>" : "<tr class=\"err\">")
            h.raw("<td class=\"val\"><code>")
            h.text(s.path)
            h.raw("</code></td><td>")
            h.text(s.kind.rawValue)
            h.raw("</td><td>")
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
            h.raw("</td><td>")
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
            h.raw("</td><td>")
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
        h.raw("</td><td></td></tr></tfoot></table>\n</section>\n")
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
            ("Browser reports joined to gateway records", t.joined), ("Clients evicted (state bound)", t.evicted),
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
        :root{color-scheme:light;--fg:#1b1b1b;--muted:#555;--line:#d0d0d0;--bg:#fff;--err:#a40000;--errbg:#fde8e8}
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
        header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
        h1{font-size:1.6em;margin:16px 0 4px}h2{font-size:1.3em;border-bottom:2px solid var(--fg);padding-bottom:2px;margin-top:28px}
        h3{font-size:1.1em}h4{margin:14px 0 4px}
        .meta,.more,footer{color:var(--muted)}
        nav a{margin-right:12px}
        code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
        pre{background:#f4f4f4;border:1px solid var(--line);padding:8px;overflow-x:auto;white-space:pre-wrap}
        table{border-collapse:collapse;margin:8px 0 12px;width:100%}
        caption{text-align:left;font-weight:600;padding:4px 0}
        th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
        th{background:#f0f0f0}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.val{word-break:break-all;white-space:pre-wrap}
        td.ev{min-width:16em}
        td.none{color:var(--muted);font-style:italic}
        .tiles{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0}
        .tile{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px}
        .tile .v{display:block;font-size:1.6em;font-weight:700}.tile .l{color:var(--muted)}
        .fixfirst{border-left:6px solid #D55E00;background:#fff4ec;padding:4px 12px;margin:12px 0}
        .ok{font-size:1.2em}
        .cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
        .card{border:1px solid var(--line);border-radius:6px;padding:4px 14px 8px;margin:14px 0}
        .card .count{color:var(--muted);font-weight:400}
        dl.fix dt{font-weight:700;margin-top:6px}dl.fix dd{margin-left:16px}
        dl.totals{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dl.totals dd{margin:0}
        tr.err td{background:var(--errbg)}.err,.errtext{color:var(--err)}
        ul.skips{margin:0;padding-left:16px}
        svg.sw{vertical-align:-2px}
        svg.chart{width:100%;height:auto;max-height:360px}
        svg.chart text{font:11px system-ui,sans-serif;fill:#333}
        .legend{display:flex;flex-wrap:wrap;gap:6px 16px;list-style:none;padding:0}
        details{margin:8px 0}
        @media print{
          body{font-size:10pt;color:#000}
          nav{display:none}
          header,main,footer{max-width:none;padding:0}
          *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
          .card,table,svg.chart{break-inside:avoid}
          h2{break-after:avoid}
          pre{white-space:pre-wrap}
          details>*{display:block}
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
