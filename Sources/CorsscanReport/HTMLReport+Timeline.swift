import CorsscanCore

/// The `timeline` section's stacked bar chart: inline SVG, bucketed automatically.
///
/// The bucket is the smallest of 1 min, 5 min, 15 min, 1 h, 6 h, 1 d (then whole days)
/// that keeps the chart at most `maxBuckets` bars. Buckets start at UTC multiples of
/// their size. Each bar stacks the classes in `FailureClass` order, each with its colour
/// and pattern and a `<title>` tooltip; a legend and a data table (in `<details>`) give
/// the same numbers without relying on colour. Coordinates use one decimal, computed
/// deterministically.
struct Timeline {
    static let maxBuckets = 96
    static let minute: Int64 = 60_000
    static let steps: [(Int64, String)] = [
        (1, "1 min"), (5, "5 min"), (15, "15 min"), (60, "1 h"), (360, "6 h"), (1440, "1 day"),
    ]

    let bucketMs: Int64
    let bucketLabel: String
    let start: Int64
    /// Per-bucket counts by class, `count` buckets from `start`.
    let buckets: [[FailureClass: Int]]
    let classes: [FailureClass]

    /// Prefix of the chart's element ids (patterns, title), unique per chart in the page.
    var id = "tl"
    /// Whether `render` adds the legend and the data table after the chart.
    var legendAndTable = true

    /// - Parameter order: stacking (bottom first) and legend order of the classes; classes
    ///   not in it follow in `FailureClass` order.
    init(points: [RunReport.MinuteCount], first: Int64, last: Int64, order: [FailureClass] = []) {
        let span = max(0, last - first)
        var chosen: (Int64, String)? = nil
        for (m, label) in Timeline.steps {
            let b = m * Timeline.minute
            if (last / b - first / b + 1) <= Int64(Timeline.maxBuckets) {
                chosen = (b, label)
                break
            }
        }
        if chosen == nil {
            let day = 1440 * Timeline.minute
            let days = (span / day + Int64(Timeline.maxBuckets) - 1) / Int64(Timeline.maxBuckets) + 1
            chosen = (days * day, "\(days) days")
        }
        bucketMs = chosen!.0
        bucketLabel = chosen!.1
        start = first / bucketMs * bucketMs
        let count = Int(last / bucketMs - first / bucketMs + 1)
        var b = [[FailureClass: Int]](repeating: [:], count: count)
        var seen = Set<FailureClass>()
        for p in points {
            let i = Int((p.minute - start) / bucketMs)
            guard b.indices.contains(i) else { continue }
            for (c, n) in p.counts where n > 0 {
                b[i][c, default: 0] += n
                seen.insert(c)
            }
        }
        buckets = b
        classes = (order + FailureClass.allCases.filter { !order.contains($0) }).filter { seen.contains($0) }
    }

    /// The spacing of x-axis labels: the smallest round step (1, 2, 5, 10, 15, 30 min, 1, 2,
    /// 3, 6, 12 h, then whole days) that is a multiple of the bucket and leaves at most 8
    /// labels across `buckets` bars.
    static func labelStep(bucketMs: Int64, buckets: Int) -> Int64 {
        let span = bucketMs * Int64(buckets)
        let steps: [Int64] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440]
        for m in steps {
            let st = m * minute
            if st % bucketMs == 0 && span / st <= 8 { return st }
        }
        let day = 1440 * minute
        var days = max(1, span / (8 * day))  // the least that can give ≤ 8 labels
        while span / (days * day) > 8 || (days * day) % bucketMs != 0 { days += 1 }
        return days * day
    }

    /// One decimal, deterministic.
    static func f(_ x: Double) -> String {
        let t = Int((x * 10).rounded())
        let sign = t < 0 ? "-" : ""
        return "\(sign)\(abs(t) / 10).\(abs(t) % 10)"
    }

    /// A "nice" tick step (1, 2, 5 × 10^k) giving at most 5 intervals up to `maxValue`.
    static func tickStep(_ maxValue: Int) -> Int {
        var mag = 1
        while true {
            for m in [1, 2, 5] where (maxValue + m * mag - 1) / (m * mag) <= 5 {
                return m * mag
            }
            mag *= 10
        }
    }

    func label(_ ms: Int64, previous: Int64?) -> String {
        let iso = Timestamp.iso8601(ms)
        let date = String(iso.dropFirst(5).prefix(5))          // MM-DD
        let time = String(iso.dropFirst(11).prefix(5))         // HH:MM
        if bucketMs >= 1440 * Timeline.minute { return date }
        if let p = previous, Timestamp.iso8601(p).prefix(10) == iso.prefix(10) { return time }
        return "\(date) \(time)"
    }

    func render(_ h: inout HTMLBuilder) {
        let width = 960.0, height = 300.0
        let left = 56.0, right = 12.0, top = 12.0, bottom = 52.0
        let plotW = width - left - right, plotH = height - top - bottom
        let totals = buckets.map { $0.values.reduce(0, +) }
        let maxTotal = max(1, totals.max() ?? 1)
        let step = Timeline.tickStep(maxTotal)
        let yMax = (maxTotal + step - 1) / step * step
        let n = buckets.count
        let barW = plotW / Double(n)
        let gap = barW >= 6 ? 1.0 : 0.0
        let f = Timeline.f

        let end = start + Int64(n) * bucketMs
        h.raw("<figure><p>")
        h.text("Incidents per \(bucketLabel), stacked by class; times in UTC, \(Format.minute(start)) to \(Format.minute(end)).")
        h.raw("</p>\n")
        h.raw("<div class=\"chartbox\"><svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-labelledby=\"\(id)-title\">")
        h.raw("<title id=\"\(id)-title\">")
        h.text("Incidents per \(bucketLabel) by failure class")
        h.raw("</title><defs>")
        for c in classes { h.raw(HTMLReport.patternDef(c, id: "\(id)-\(c.rawValue)", h)) }
        h.raw("</defs>\n")
        // Y axis: grid lines and counts.
        var v = 0
        while v <= yMax {
            let y = top + plotH - plotH * Double(v) / Double(yMax)
            h.raw("<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"\(v == 0 ? "#333" : "#ddd")\" stroke-width=\"1\"/>")
            h.raw("<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">")
            h.text(Format.int(v))
            h.raw("</text>\n")
            v += step
        }
        h.raw("<text x=\"14\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(top + plotH / 2)))\">incidents</text>\n")
        // Bars.
        for (i, b) in buckets.enumerated() where !b.isEmpty {
            let x = left + Double(i) * barW + gap / 2
            var acc = 0
            let when = Format.minute(start + Int64(i) * bucketMs)
            for c in classes {
                guard let cnt = b[c], cnt > 0 else { continue }
                let y0 = top + plotH - plotH * Double(acc) / Double(yMax)
                acc += cnt
                let y1 = top + plotH - plotH * Double(acc) / Double(yMax)
                h.raw("<rect x=\"\(f(x))\" y=\"\(f(y1))\" width=\"\(f(max(0.5, barW - gap)))\" height=\"\(f(y0 - y1))\" fill=\"url(#\(id)-\(c.rawValue))\" stroke=\"#fff\" stroke-width=\"0.3\"><title>")
                h.text("\(when): \(c.rawValue) \(cnt)")
                h.raw("</title></rect>")
            }
            h.raw("\n")
        }
        // X axis labels: at most about 8, on round UTC times (a multiple of a "nice" step
        // that is itself a multiple of the bucket), so ticks read 08:00, 08:10, 08:20.
        let tick = Timeline.labelStep(bucketMs: bucketMs, buckets: n)
        var previous: Int64? = nil
        var i = 0
        while i < n {
            let t = start + Int64(i) * bucketMs
            if t % tick != 0 { i += 1; continue }
            let x = left + Double(i) * barW
            h.raw("<line x1=\"\(f(x))\" y1=\"\(f(top + plotH))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#333\"/>")
            h.raw("<text x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"\(x - left < 30 ? "start" : left + plotW - x < 30 ? "end" : "middle")\">")
            h.text(label(t, previous: previous))
            h.raw("</text>\n")
            previous = t
            i += Int(tick / bucketMs)
        }
        h.raw("<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">")
        h.text("time (UTC), one bar per \(bucketLabel)")
        h.raw("</text>\n</svg></div></figure>\n")
        guard legendAndTable else { return }
        // Legend.
        h.raw("<ul class=\"legend\">")
        for c in classes {
            let total = buckets.reduce(0) { $0 + ($1[c] ?? 0) }
            h.raw("<li>")
            HTMLReport.swatch(&h, c)
            h.raw(" ")
            h.text("\(c.rawValue) (\(Format.int(total)))")
            h.raw("</li>")
        }
        h.raw("</ul>\n")
        // The same numbers as a table.
        h.raw("<details><summary>Data table</summary>\n<div class=\"scroll\"><table class=\"tldata\"><thead><tr><th>Bucket start (UTC)</th><th class=\"n\">Total</th>")
        for c in classes {
            h.raw("<th class=\"n\">")
            h.text(c.rawValue)
            h.raw("</th>")
        }
        h.raw("</tr></thead>\n<tbody>\n")
        for (i, b) in buckets.enumerated() where !b.isEmpty {
            h.raw("<tr><td>")
            h.text(Format.minute(start + Int64(i) * bucketMs))
            h.raw("</td><td class=\"n\">")
            h.text(Format.int(totals[i]))
            h.raw("</td>")
            for c in classes {
                h.raw("<td class=\"n\">")
                h.text(Format.int(b[c] ?? 0))
                h.raw("</td>")
            }
            h.raw("</tr>\n")
        }
        h.raw("</tbody></table></div>\n</details>\n")
    }
}
