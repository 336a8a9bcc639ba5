import CorsscanCore
@testable import CorsscanReport
import Foundation
import XCTest

/// `report.html` loaded in a real browser (headless Chromium): hostile log values stay text.
///
/// Skipped when no Chromium is on `PATH` (`chromium`, `chromium-browser`, `google-chrome`,
/// `google-chrome-stable`; `CORSSCAN_CHROMIUM` names another binary). `.ci/run` installs
/// Debian's `chromium`, so CI runs it.
///
/// One Chromium launch: `--dump-dom` prints the DOM after the page has loaded (and after
/// any script would have run). The page is loaded **without** its Content-Security-Policy
/// `<meta>`, so the test checks the escaping itself, not the CSP that backs it up: if a
/// value could open a tag or an attribute, its script would run and the checks would see
/// it. Whatever the data says, the DOM must hold no `<script>`, no `<img>`, no event
/// handler attribute, no `javascript:` URL, and the title must be ours. A probe script of
/// ours (added last, removed by itself) shows that scripts do run in this browser and that
/// the page fits 500 px without sideways scrolling.
final class BrowserRenderTests: XCTestCase {
    /// Values that act if they are not escaped, one per field in turn.
    static let payloads = [
        "<script>document.title='PWNED'</script>",
        "\"><img src=x onerror=\"document.title='PWNED'\">",
        "'><img src=x onerror='document.title=`PWNED`'>",
        "javascript:alert(1)",
        "</style><script>document.title='PWNED'</script><style>",
        "</title><script>document.title='PWNED'</script>",
        "<svg onload=\"document.title='PWNED'\"></svg>",
        "]]><script>document.title='PWNED'</script>",
        "<a href=\"javascript:document.title='PWNED'\">click</a>",
    ]

    static let probe = """
        <script>(function () { var d = document.documentElement;
        d.setAttribute('data-probe', d.scrollWidth <= window.innerWidth ? 'fits' : 'overflow ' + d.scrollWidth + '>' + window.innerWidth);
        document.currentScript.remove(); })();</script>

        """

    static func chromium() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let c = env["CORSSCAN_CHROMIUM"], !c.isEmpty { return c }
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/" + name) {
                return d + "/" + name
            }
        }
        return nil
    }

    /// Runs `exe args`, stdout to a file; kills it after `timeout` seconds.
    static func run(_ exe: String, _ args: [String], timeout: TimeInterval) throws -> (status: Int32, out: String, timedOut: Bool) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corsscan-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["--user-data-dir=\(dir.appendingPathComponent("profile").path)"] + args
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        var timedOut = false
        if p.isRunning {
            timedOut = true
            p.terminate()
            let grace = Date().addingTimeInterval(3)
            while p.isRunning && Date() < grace { usleep(50_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        p.waitUntilExit()
        try out.close()
        let text = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        return (p.terminationStatus, text, timedOut)
    }

    func matches(_ pattern: String, in s: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        let ns = s as NSString
        return re.matches(in: s, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    func testHostileReportIsInertInChromium() throws {
        guard let chrome = Self.chromium() else {
            throw XCTSkip("no chromium, chromium-browser or google-chrome on PATH")
        }
        let report = Fixtures.report(hostileFields: true, payloads: Self.payloads)
        var html = String(decoding: HTMLReport.render(report), as: UTF8.self)
        // The shipped page carries the CSP; take it out so only the escaping protects us.
        let csp = matches("<meta http-equiv=\"Content-Security-Policy\"[^>]*>\n", in: html)
        XCTAssertEqual(csp.count, 1, "report.html must carry a CSP meta")
        XCTAssertTrue(csp.first?.contains("default-src 'none'") ?? false)
        if let c = csp.first { html = html.replacingOccurrences(of: c, with: "") }
        // Our own probe, the page's last element: proves scripts do run in this browser (so
        // a payload that ran would have shown), and checks that the page needs no
        // horizontal scrolling at a phone-like width. It removes itself.
        XCTAssertTrue(html.hasSuffix("</body>\n</html>\n"))
        html = String(html.dropLast("</body>\n</html>\n".count)) + Self.probe + "</body>\n</html>\n"

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corsscan-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: file)
        if let keep = ProcessInfo.processInfo.environment["CORSSCAN_KEEP_HTML"], !keep.isEmpty {
            try? Data(HTMLReport.render(report)).write(to: URL(fileURLWithPath: keep))  // the page as shipped, to look at
        }

        let r = try Self.run(chrome, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                      "--no-first-run", "--disable-extensions", "--window-size=500,900",
                                      "--dump-dom", file.absoluteString],
                             timeout: 30)
        XCTAssertFalse(r.timedOut, "chromium did not finish within 30 s")
        XCTAssertEqual(r.status, 0)
        let dom = r.out

        // The page rendered: every section is in the DOM, with our markup.
        XCTAssertTrue(dom.contains("<title>corsscan report</title>"), "title changed or missing")
        for id in ["headline", "timeline", "top", "classes", "inputs", "notes"] {
            XCTAssertEqual(matches("<section id=\"\(id)\"", in: dom).count, 1, "section \(id) missing from the DOM")
        }
        XCTAssertGreaterThanOrEqual(matches("<article class=\"card\"", in: dom).count, 4)
        XCTAssertGreaterThan(matches("<svg class=\"chart\"", in: dom).count, 0)

        let probe = matches("data-probe=\"[^\"]*\"", in: dom)
        XCTAssertEqual(probe, ["data-probe=\"fits\""], "probe did not run, or the page scrolls sideways at 500 px")

        // Nothing from the data became an element, an attribute or ran.
        XCTAssertEqual(matches("<script", in: dom).count, 0, "a <script> element exists")
        XCTAssertEqual(matches("<img", in: dom).count, 0, "an <img> element exists")
        XCTAssertEqual(matches("<iframe|<object|<embed|<base|<form|<link", in: dom).count, 0)
        XCTAssertEqual(matches("<[a-z][^>]*\\son[a-z]+\\s*=", in: dom).count, 0, "an event handler attribute exists")
        // (Text nodes keep their quotes in the dump, so attribute checks look inside tags
        // only: a `<` followed by a letter is always a real tag, data's `<` is `&lt;`.)
        XCTAssertEqual(matches("<[a-z][^<>]*\\s(?:href|src|action|formaction)\\s*=\\s*\"\\s*javascript:", in: dom).count, 0,
                       "a javascript: URL exists")
        XCTAssertEqual(matches("<style", in: dom).count, 1, "a second <style> element exists")
        XCTAssertFalse(matches("<title>[^<]*</title>", in: dom).contains { $0.contains("PWNED") }, "a script ran")
        for tag in matches("<[a-z][^<>]*\\s(?:href|src)=\"[^\"]*\"", in: dom) {
            XCTAssertEqual(matches("\\s(?:href|src)=\"#", in: tag).count, 1, "reference out of the page: \(tag)")
        }

        // And the values are there, as text.
        XCTAssertTrue(dom.contains("&lt;script&gt;document.title='PWNED'&lt;/script&gt;"), "payload not shown as text")
        XCTAssertTrue(dom.contains("&lt;img src=x onerror="), "payload not shown as text")
        XCTAssertTrue(dom.contains("javascript:alert(1)"))
    }
}
