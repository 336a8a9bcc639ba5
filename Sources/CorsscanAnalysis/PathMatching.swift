import CorsscanCore

/// How gateway paths and browser URLs are compared.
///
/// Gateway records carry up to three spellings of the path: the concrete `$context.path`
/// (`/prod/orders/42`, stage included on the execute-api host), the REST resource template
/// `$context.resourcePath` (`/orders/{orderId}`) and the HTTP route key
/// `$context.routeKey` (`POST /orders/{orderId}`). A file logs the same ones on every line.
enum PathMatching {
    /// The path a preflight and its follow-up are compared on: the concrete path when
    /// logged (the browser preflights exactly the URL it then requests), else the resource
    /// template, else the route key's path part. Empty when the record has none, which
    /// then matches any path of the same client.
    /// A greedy template (`/{proxy+}`, AWS's catch-all `OPTIONS /{proxy+}` route) also
    /// counts as no path: it answers preflights for every path.
    /// `s` is the record's storage (`withStorage`); the result is a range of it.
    static func correlationPath<F: RecordFieldBytes>(_ r: F, in s: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        let raw = r.range(.path)
        if !raw.isEmpty { return raw }
        var t = r.range(.resourcePath)
        if t.isEmpty {
            // The path part of the route key (`GET /x` → `/x`), as `routePath` does.
            let k = r.range(.routeKey)
            t = k
            var i = k.lowerBound
            while i < k.upperBound {
                if s[i] == ASCII.space {
                    t = (i + 1)..<k.upperBound
                    break
                }
                i += 1
            }
        }
        // Greedy: `+}` anywhere.
        var i = t.lowerBound + 1
        while i < t.upperBound {
            if s[i] == ASCII.closeBrace && s[i - 1] == ASCII.plus { return 0..<0 }
            i += 1
        }
        return t
    }

    /// Whether a record names its path at all (concrete path, template or route).
    static func hasPath(_ r: AccessRecord) -> Bool {
        r.has(.path) || r.has(.resourcePath)
            || r.withStorage { routePath($0[r.range(.routeKey)]).first == ASCII.slash }
    }

    /// The path part of a route key (`GET /x` → `/x`; `$default` stays `$default`).
    static func routePath<C: Collection>(_ key: C) -> C.SubSequence where C.Element == UInt8 {
        guard let sp = key.firstIndex(of: ASCII.space) else { return key[...] }
        return key[key.index(after: sp)...]
    }

    /// The path shown in reports: the template when logged (it groups requests), else the
    /// concrete path.
    static func displayPath(_ r: AccessRecord) -> String {
        if let res = r.string(.resourcePath) { return res }
        let route = routePath(r.bytes(.routeKey))
        if !route.isEmpty, route.first == ASCII.slash { return route.utf8String }
        if let p = r.string(.path) { return p }
        return route.utf8String
    }

    /// The path of a URL (`https://api.example.com/prod/orders/42?x=1` → `/prod/orders/42`);
    /// a bare path is returned as is, without query or fragment.
    static func urlPath(_ url: String) -> String {
        var s = Substring(url)
        if let colon = s.firstIndex(of: ":"), s[colon...].hasPrefix("://") {
            s = s[s.index(colon, offsetBy: 3)...]
            if let slash = s.firstIndex(of: "/") { s = s[slash...] } else { return "/" }
        }
        if let q = s.firstIndex(where: { $0 == "?" || $0 == "#" }) { s = s[..<q] }
        return s.isEmpty ? "/" : String(s)
    }

    /// Whether a browser-side URL path names the request in a gateway record: equal to the
    /// concrete path, or to the resource template / route path (`{param}` matches one
    /// segment, `{proxy+}` the rest), with or without a leading stage segment.
    static func urlPath(_ path: String, matches r: AccessRecord) -> Bool {
        let segs = segments(path)
        if let raw = r.string(.path) {
            let rs = segments(raw)
            if rs == segs || (segs.count > 1 && rs == Array(segs.dropFirst())) || (rs.count > 1 && Array(rs.dropFirst()) == segs) {
                return true
            }
        }
        var templates: [String] = []
        if let res = r.string(.resourcePath) { templates.append(res) }
        let route = routePath(r.bytes(.routeKey))
        if route.first == ASCII.slash { templates.append(route.utf8String) }
        for t in templates {
            let ts = segments(t)
            if templateMatches(ts, segs) { return true }
            if segs.count > 1, templateMatches(ts, Array(segs.dropFirst())) { return true }
        }
        return false
    }

    static func segments(_ p: String) -> [Substring] {
        p.split(separator: "/", omittingEmptySubsequences: true)
    }

    static func templateMatches(_ t: [Substring], _ p: [Substring]) -> Bool {
        var i = 0
        while i < t.count {
            let seg = t[i]
            if seg.hasPrefix("{") && seg.hasSuffix("+}") { return p.count > i }
            guard i < p.count else { return false }
            if !(seg.hasPrefix("{") && seg.hasSuffix("}")) && seg != p[i] { return false }
            i += 1
        }
        return i == p.count
    }
}
