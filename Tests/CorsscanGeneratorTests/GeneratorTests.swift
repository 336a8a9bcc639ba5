import XCTest
import Foundation
@testable import CorsscanGenerator
import CorsscanCore

final class GeneratorTests: XCTestCase {
    func tmpDir(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "corsscan-gen-tests-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: d)
        return d
    }

    func options(_ dir: String, seed: UInt64 = 7, lines: Int = 6000, reports: BrowserReportMode = .all,
                 formats: [LogFormat] = LogFormat.allCases, rate: Double = 0.05) -> GeneratorOptions {
        var o = GeneratorOptions()
        o.seed = seed; o.lines = lines; o.outDir = dir; o.browserReports = reports; o.formats = formats
        o.failureRate = rate
        return o
    }

    func allFiles(_ dir: String) -> [String] {
        let e = FileManager.default.enumerator(atPath: dir)!
        var r: [String] = []
        while let p = e.nextObject() as? String {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir + "/" + p, isDirectory: &isDir)
            if !isDir.boolValue { r.append(p) }
        }
        return r.sorted()
    }

    func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    func json(_ s: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Any]? {
        let o = try? JSONSerialization.jsonObject(with: Data(s.utf8))
        XCTAssertNotNil(o as? [String: Any], "not a JSON object: \(s.prefix(200))", file: file, line: line)
        return o as? [String: Any]
    }

    /// Splits on spaces, keeping "…" and […] groups whole.
    func clfFields(_ s: String) -> [String] {
        var r: [String] = []
        var cur = ""
        var close: Character? = nil
        for ch in s {
            if let c = close {
                cur.append(ch)
                if ch == c { close = nil }
            } else if ch == " " {
                if !cur.isEmpty { r.append(cur); cur = "" }
            } else {
                if cur.isEmpty && (ch == "\"" || ch == "[") { close = ch == "\"" ? "\"" : "]" }
                cur.append(ch)
            }
        }
        if !cur.isEmpty { r.append(cur) }
        return r
    }

    // MARK: determinism

    func testSameSeedSameBytes() throws {
        let a = tmpDir("det-a"), b = tmpDir("det-b"), c = tmpDir("det-c")
        _ = try CorsscanGenerator.run(options(a))
        var ob = options(b); ob.parallel = false
        _ = try CorsscanGenerator.run(ob)
        _ = try CorsscanGenerator.run(options(c, seed: 8))
        let fa = allFiles(a), fb = allFiles(b)
        XCTAssertEqual(fa, fb)
        XCTAssertGreaterThan(fa.count, 15)
        for f in fa {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + f))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + f))
            XCTAssertEqual(x, y, "\(f) differs between runs with the same seed")
        }
        let ta = try Data(contentsOf: URL(fileURLWithPath: a + "/ground-truth.csv"))
        let tc = try Data(contentsOf: URL(fileURLWithPath: c + "/ground-truth.csv"))
        XCTAssertNotEqual(ta, tc, "another seed should give other data")
    }

    // MARK: shapes

    func testEveryFormatIsParseShaped() throws {
        let d = tmpDir("shape")
        let s = try CorsscanGenerator.run(options(d))
        XCTAssertEqual(s.accessLogFiles.count, LogFormat.allCases.count)
        XCTAssertTrue(s.lines >= 6000 && s.lines < 6000 + 20, "\(s.lines)")
        var seen = Set<LogFormat>()
        var counted = 0
        for (i, path) in s.accessLogFiles.enumerated() {
            let f = LogFormat.allCases[i]
            seen.insert(f)
            let (bytes, members) = try generatorGunzip(path: path)
            if f == .firehose {
                XCTAssertFalse(path.hasSuffix(".gz"))
                XCTAssertGreaterThan(members, 2, "firehose objects are multi-member")
                // Envelopes back to back without newline: split by brace depth.
                let envs = splitJSONObjects(bytes)
                XCTAssertEqual(envs.count, members)
                let first = json(envs[0])
                XCTAssertEqual(first?["messageType"] as? String, "CONTROL_MESSAGE")
                for e in envs.dropFirst() {
                    let o = json(e)
                    XCTAssertEqual(o?["messageType"] as? String, "DATA_MESSAGE")
                    for ev in (o?["logEvents"] as? [[String: Any]]) ?? [] {
                        XCTAssertEqual((ev["id"] as? String)?.count, 56)
                        let m = json(ev["message"] as! String)
                        XCTAssertNotNil(m?["requestTimeEpoch"]); XCTAssertNotNil(m?["routeKey"]); XCTAssertNotNil(m?["userAgent"])
                        counted += 1
                    }
                }
                continue
            }
            XCTAssertEqual(members, 1)
            let ls = lines(bytes)
            XCTAssertFalse(ls.isEmpty)
            counted += ls.count
            for l in ls {
                switch f {
                case .restJSON, .httpJSON, .cdkJSON, .terraformJSON:
                    let o = json(l)
                    XCTAssertNotNil(o?["requestId"]); XCTAssertNotNil(o?["httpMethod"]); XCTAssertNotNil(o?["status"])
                    XCTAssertNotNil(Timestamp.parse(o?["requestTime"] as? String ?? ""))
                case .restCLF:
                    let fl = clfFields(l)
                    XCTAssertEqual(fl.count, 9, l)
                    XCTAssertEqual(fl[4].split(separator: " ").count, 3, l)
                    XCTAssertNotNil(Timestamp.parse(String(fl[3].dropFirst().dropLast())))
                case .httpCLF:
                    let fl = clfFields(l)
                    XCTAssertEqual(fl.count, 8, l)
                    let req = fl[4].dropFirst().dropLast().split(separator: " ")
                    XCTAssertEqual(req.count, 4, l)
                    XCTAssertEqual(req[0], req[1], "HTTP CLF repeats the method (route key)")
                case .restCSV:
                    XCTAssertEqual(l.split(separator: ",", omittingEmptySubsequences: false).count, 11, l)
                case .restXML:
                    XCTAssertTrue(l.hasPrefix("<request id=\"") && l.hasSuffix("</request>"), l)
                    XCTAssertEqual(l.components(separatedBy: "<status>").count, 2)
                case .serverless:
                    let kv = l.components(separatedBy: ", ")
                    XCTAssertEqual(kv.count, 10, l)
                    XCTAssertTrue(kv.allSatisfy { $0.contains(": ") }, l)
                case .custom:
                    let fl = clfFields(l)
                    XCTAssertEqual(fl.count, 11, l)
                    XCTAssertEqual(fl[1].count, 15)   // [13-digit epoch]
                case .cloudwatch:
                    let sp = l.firstIndex(of: " ")!
                    XCTAssertEqual(l.distance(from: l.startIndex, to: sp), 24)
                    XCTAssertNotNil(Timestamp.parse(String(l[..<sp])))
                    let o = json(String(l[l.index(after: sp)...]))
                    XCTAssertNotNil(o?["userAgent"]); XCTAssertNotNil(o?["responseType"])
                case .firehose: break
                }
            }
        }
        XCTAssertEqual(seen.count, LogFormat.allCases.count)
        XCTAssertEqual(counted, s.lines)
        let custom = try String(contentsOfFile: d + "/custom.format", encoding: .utf8)
        XCTAssertTrue(custom.contains("$context.identity.userAgent"))

        // Browser files.
        let kinds = Set(s.browserFiles.map { ($0 as NSString).lastPathComponent })
        XCTAssertEqual(kinds, ["chrome-console.log", "firefox-console.txt", "safari-console.txt", "webdriver-browser.jsonl",
                               "cdp-network.jsonl", "session.har", "beacon.jsonl"])
        for p in s.browserFiles {
            let text = try String(contentsOfFile: p, encoding: .utf8)
            if p.hasSuffix(".jsonl") {
                for l in text.split(separator: "\n") { _ = json(String(l)) }
            } else if p.hasSuffix(".har") {
                let o = json(text)
                let entries = ((o?["log"] as? [String: Any])?["entries"] as? [Any]) ?? []
                XCTAssertFalse(entries.isEmpty)
            } else {
                for l in text.split(separator: "\n") {
                    XCTAssertNotNil(Timestamp.parse(String(l.prefix(23))) ?? Timestamp.parse(String(l.prefix(24))), String(l))
                }
            }
        }
        XCTAssertTrue(try String(contentsOfFile: d + "/browser/chrome-console.log", encoding: .utf8)
            .contains("has been blocked by CORS policy: "))
        XCTAssertTrue(try String(contentsOfFile: d + "/browser/firefox-console.txt", encoding: .utf8)
            .contains("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "))
        XCTAssertTrue(try String(contentsOfFile: d + "/browser/safari-console.txt", encoding: .utf8)
            .contains("due to access control checks."))
    }

    // MARK: ground truth

    func testGroundTruthMatchesInjected() throws {
        for mode in [BrowserReportMode.all, .none, .some] {
            let d = tmpDir("truth-\(mode)")
            let s = try CorsscanGenerator.run(options(d, lines: 20000, reports: mode))
            let csv = lines(Array(try Data(contentsOf: URL(fileURLWithPath: d + "/ground-truth.csv"))))
            XCTAssertEqual(csv.first, "time,class,stage,method,path,client_ip,user_agent,request_id,source_format")
            XCTAssertEqual(csv.count - 1, s.truth.count)
            let summary = json(try String(contentsOfFile: d + "/ground-truth-summary.json", encoding: .utf8))!
            let byClass = summary["by_class"] as! [String: Int]
            XCTAssertEqual(byClass.values.reduce(0, +), s.truth.count)
            for (k, v) in byClass { XCTAssertEqual(v, s.truth.filter { $0.cls.rawValue == k }.count, k) }
            let injected = summary["injected_total"] as! Int
            XCTAssertEqual(injected - s.invisible, s.truth.count, "every visible injection is one row")
            XCTAssertEqual(summary["incidents"] as? Int, s.truth.count)
            // Sorted by time then request id; request ids unique.
            for (a, b) in zip(s.truth, s.truth.dropFirst()) {
                XCTAssertTrue(a.time < b.time || (a.time == b.time && a.requestId <= b.requestId))
            }
            XCTAssertEqual(Set(s.truth.map(\.requestId)).count, s.truth.count)
            switch mode {
            case .all:
                // Every class of the SPEC appears.
                for c in FailureClass.allCases { XCTAssertGreaterThan(byClass[c.rawValue] ?? 0, 0, "missing \(c)") }
                XCTAssertEqual(s.invisible, 0)
            case .none:
                XCTAssertTrue(s.browserFiles.isEmpty)
                let gatewayOnly: Set<FailureClass> = [.preflightRejected, .redirectNotAllowed, .blockedAfterPreflight, .gatewayErrorMasked]
                XCTAssertTrue(s.truth.allSatisfy { gatewayOnly.contains($0.cls) })
                XCTAssertGreaterThan(s.invisible, 0)
            case .some:
                XCTAssertGreaterThan(s.invisible, 0)
                XCTAssertFalse(s.browserFiles.isEmpty)
            }
        }
    }

    /// Re-derives the gateway-only incidents from the error-aware records and checks them
    /// against the ground truth (the rules corsscan applies).
    func testGatewayRulesAgreeWithTruth() throws {
        let d = tmpDir("rules")
        let s = try CorsscanGenerator.run(options(d, lines: 30000, reports: .none, formats: [.cloudwatch, .firehose], rate: 0.03))
        struct R { var id: String; var ip: String; var ua: String; var t: Int64; var m: String; var path: String; var status: Int; var err: String }
        var recs: [R] = []
        for (i, p) in s.accessLogFiles.enumerated() {
            let (bytes, _) = try generatorGunzip(path: p)
            var msgs: [[String: Any]] = []
            if i % 2 == 0 {
                for l in lines(bytes) { msgs.append(json(String(l[l.index(l.startIndex, offsetBy: 25)...]))!) }
            } else {
                for e in splitJSONObjects(bytes) {
                    for ev in (json(e)?["logEvents"] as? [[String: Any]]) ?? [] {
                        if let m = ev["message"] as? String, m.hasPrefix("{") { msgs.append(json(m)!) }
                    }
                }
            }
            for o in msgs {
                let path = (o["resourcePath"] as? String) ?? String((o["routeKey"] as! String).split(separator: " ")[1])
                recs.append(R(id: o["requestId"] as! String, ip: (o["ip"] ?? o["sourceIp"]) as! String, ua: o["userAgent"] as! String,
                              t: Int64(o["requestTimeEpoch"] as! String)!, m: o["httpMethod"] as! String, path: path,
                              status: Int(o["status"] as! String)!, err: (o["responseType"] ?? o["errorResponseType"]) as! String))
            }
        }
        XCTAssertEqual(recs.count, s.lines)
        recs.sort { $0.t < $1.t }
        var expected: [String: String] = [:]   // request id → class
        var byClient: [String: [Int]] = [:]
        for (i, r) in recs.enumerated() { byClient[r.ip + "|" + r.ua + "|" + r.path, default: []].append(i) }
        for (_, idx) in byClient {
            for (k, i) in idx.enumerated() {
                let r = recs[i]
                if r.m == "OPTIONS" {
                    if r.status >= 400 { expected[r.id] = "preflight-rejected"; continue }
                    if r.status >= 300 { expected[r.id] = "redirect-not-allowed"; continue }
                    let next = idx[(k + 1)...].first { recs[$0].m != "OPTIONS" }
                    if next == nil || recs[next!].t - r.t > 10_000 { expected[r.id] = "blocked-after-preflight" }
                } else if r.err != "-" {
                    let pre = idx[..<k].contains { recs[$0].m == "OPTIONS" && r.t - recs[$0].t <= 10_000 }
                    if pre { expected[r.id] = "gateway-error-masked" }
                }
            }
        }
        var truth: [String: String] = [:]
        for t in s.truth { truth[t.requestId] = t.cls.rawValue }
        XCTAssertEqual(expected.count, truth.count)
        XCTAssertEqual(expected, truth)
        XCTAssertGreaterThan(truth.values.filter { $0 == "gateway-error-masked" }.count, 0)
        // Server clients get gateway errors without preflight: present, and not incidents.
        XCTAssertGreaterThan(recs.filter { $0.err != "-" && $0.m != "OPTIONS" && truth[$0.id] == nil }.count, 0)
    }
}

/// `{…}{…}` → objects, by brace depth outside strings.
func splitJSONObjects(_ b: [UInt8]) -> [String] {
    var r: [String] = []
    var depth = 0, start = 0, inStr = false, esc = false
    for (i, c) in b.enumerated() {
        if inStr {
            if esc { esc = false } else if c == 0x5C { esc = true } else if c == 0x22 { inStr = false }
            continue
        }
        if c == 0x22 { inStr = true } else if c == 0x7B { if depth == 0 { start = i }; depth += 1 } else if c == 0x7D {
            depth -= 1
            if depth == 0 { r.append(String(decoding: b[start...i], as: UTF8.self)) }
        }
    }
    return r
}

final class SampleLogsTests: XCTestCase {
    /// The committed SampleLogs ground truth is what Benchmarks/make-samplelogs.sh produces today.
    func testSampleLogsGroundTruthIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let committed = root + "/Tests/CorsscanGeneratorTests/SampleLogsGroundTruth/ground-truth.csv"
        guard FileManager.default.fileExists(atPath: committed) else { throw XCTSkip("no committed ground truth") }
        let d = NSTemporaryDirectory() + "corsscan-gen-sample-\(getpid())"
        try? FileManager.default.removeItem(atPath: d)
        var o = GeneratorOptions()
        o.seed = 42; o.lines = 3000; o.failureRate = 0.06; o.browserReports = .all; o.outDir = d
        let s = try CorsscanGenerator.run(o)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d + "/ground-truth.csv")),
                       try Data(contentsOf: URL(fileURLWithPath: committed)),
                       "regenerate with Benchmarks/make-samplelogs.sh")
        for c in FailureClass.allCases { XCTAssertGreaterThan(s.byClass[c.rawValue] ?? 0, 0, "\(c) missing from SampleLogs") }
        // Same bytes as the committed sample files.
        for p in s.accessLogFiles + s.browserFiles {
            let rel = String(p.dropFirst(d.count + 1))
            let mine = try Data(contentsOf: URL(fileURLWithPath: p))
            let theirs = try? Data(contentsOf: URL(fileURLWithPath: root + "/SampleLogs/" + rel))
            XCTAssertEqual(mine, theirs, rel)
        }
    }
}
