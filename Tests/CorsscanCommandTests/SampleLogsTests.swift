import Foundation
import XCTest

/// corsscan on the committed SampleLogs finds exactly the generator's ground truth, and the
/// committed Reports/ are what the README's main command writes today.
final class SampleLogsTests: XCTestCase {
    /// The README's main command, minus `swift run`.
    static let readmeArguments = ["--log-format-file", "docs/sample-stage-format.txt", "SampleLogs"]

    func testSampleLogsGiveExactlyTheGroundTruth() throws {
        let root = CLI.repoRoot
        let out = try CLI.tempDir()
        let r = try CLI.run(["-q", "--no-progress", "--out", out.path] + Self.readmeArguments, cwd: root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let got = CLI.parseCSV(try CLI.read(out.appendingPathComponent("incidents.csv")))
        let header = got[0]
        let cls = header.firstIndex(of: "class")!, rid = header.firstIndex(of: "request_id")!, src = header.firstIndex(of: "source")!
        let rows = got.dropFirst()

        let truthDir = root.appendingPathComponent("Tests/CorsscanGeneratorTests/SampleLogsGroundTruth")
        let truth = CLI.parseCSV(try CLI.read(truthDir.appendingPathComponent("ground-truth.csv")))
        let tcls = truth[0].firstIndex(of: "class")!, trid = truth[0].firstIndex(of: "request_id")!
        var expected = truth.dropFirst().map { "\($0[trid]) \($0[tcls])" }
        // Hand-written files (SampleLogs/handwritten, expectations in handwritten-expected.csv).
        let hand = CLI.parseCSV(try CLI.read(truthDir.appendingPathComponent("handwritten-expected.csv")))
        let hcls = hand[0].firstIndex(of: "class")!, hrid = hand[0].firstIndex(of: "request_id")!
        expected += hand.dropFirst().filter { $0[hcls] != "none" }.map { "\($0[hrid]) \($0[hcls])" }

        let generated = rows.filter { !$0[src].contains("handwritten/rest-exec-log") }.map { "\($0[rid]) \($0[cls])" }
        XCTAssertEqual(generated.sorted(), expected.sorted(),
                       "missing: \(Set(expected).subtracting(generated)); extra: \(Set(generated).subtracting(expected))")
        // The execution log shows the headers the browser got: Allow-Headers without
        // authorization on the preflight, and a POST 201 without Allow-Origin.
        let exec = rows.filter { $0[src].contains("handwritten/rest-exec-log") }.map { $0[cls] }.sorted()
        XCTAssertEqual(exec, ["header-not-allowed", "missing-allow-origin"])

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let byClass = json["by_class"] as! [String: Int]
        XCTAssertEqual(byClass.count, 16, "SampleLogs show every class")
        for i in json["inputs"] as! [[String: Any]] {
            XCTAssertNotEqual(i["kind"] as? String, "unknown", "\(i["path"]!) was not recognised")
            XCTAssertTrue(i["error"] is NSNull)
        }
    }

    func testCommittedReportsAreCurrent() throws {
        let root = CLI.repoRoot
        let committed = root.appendingPathComponent("Reports")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: committed.appendingPathComponent("summary.json"))) as! [String: Any]
        let generated = summary["generated"] as! String
        let out = try CLI.tempDir()
        let r = try CLI.run(["-q", "--no-progress", "--now", generated, "--out", out.path] + Self.readmeArguments, cwd: root)
        XCTAssertEqual(r.status, 0, r.stderr)
        for f in ["report.html", "incidents.csv", "summary.csv", "summary.json"] {
            let fresh = try Data(contentsOf: out.appendingPathComponent(f))
            let old = try Data(contentsOf: committed.appendingPathComponent(f))
            XCTAssertTrue(fresh == old, "Reports/\(f) is stale: regenerate with `swift run corsscan \(Self.readmeArguments.joined(separator: " "))`")
        }
    }
}
