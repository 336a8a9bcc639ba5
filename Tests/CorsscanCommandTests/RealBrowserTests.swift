import Foundation
import XCTest

/// A real headless Chromium session (`--enable-logging=stderr`) against a loopback API with
/// eleven deliberate misconfigurations, and the gateway access log of the same requests:
/// every failed request is found once, joined, with the class the evidence supports.
final class RealBrowserTests: XCTestCase {
    func testRealChromiumConsoleJoinedToGatewayLog() throws {
        let out = try CLI.tempDir()
        let r = try CLI.run(["-q", "--no-progress", "--now", "2026-11-21T12:00:00Z", "--out", out.path,
                             CLI.fixtures.appendingPathComponent("real-chromium").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(try CLI.read(out.appendingPathComponent("incidents.csv")))
        let h = rows[0]
        let col = { (name: String) in h.firstIndex(of: name)! }
        var got: [String: String] = [:]
        for row in rows.dropFirst() {
            XCTAssertEqual(row[col("confidence")], "confirmed", "\(row)")
            XCTAssertFalse(row[col("evidence")].contains("no matching gateway record"), "\(row)")
            let path = row[col("path")]
            XCTAssertNil(got[path], "one incident per failed request: \(path)")
            got[path] = row[col("class")]
        }
        XCTAssertEqual(got, [
            "/no-options": "preflight-rejected",  // 403 Missing Authentication Token; Chrome says "no Allow-Origin"
            "/no-acao": "missing-allow-origin",
            "/mismatch": "origin-mismatch",
            "/multi": "multiple-allow-origin",
            "/wildcard-cred": "wildcard-with-credentials",
            "/hdr": "header-not-allowed",
            "/method": "method-not-allowed",
            "/masked": "gateway-error-masked",  // authorizer 401 without CORS headers
            "/cred-no-acac": "credentials-not-allowed",
            "/preflight-redirect": "redirect-not-allowed",
            "/invalid-acao": "invalid-allow-origin",
        ].reduce(into: [:]) { d, kv in d[kv.key == "/no-options" ? "/prod/no-options" : kv.key] = kv.value })
    }
}

final class PipedBrowserInputTests: XCTestCase {
    /// `corsscan access.log <(cat console.log)`: a piped browser input is read once, whole.
    func testBrowserEvidenceFromAPipeIsRead() throws {
        let dir = CLI.fixtures.appendingPathComponent("real-chromium")
        let out = try CLI.tempDir()
        let cmd = "'\(CLI.binary.path)' -q --no-progress --now 2026-11-21T12:00:00Z --out '\(out.path)' " +
            "'\(dir.appendingPathComponent("access.log").path)' <(cat '\(dir.appendingPathComponent("chromium-enable-logging.log").path)')"
        let r = try CLI.run(["-c", cmd], shell: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(try CLI.read(out.appendingPathComponent("incidents.csv")))
        XCTAssertEqual(rows.count - 1, 11)
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0[3] == "confirmed" }, "\(rows)")
    }
}
