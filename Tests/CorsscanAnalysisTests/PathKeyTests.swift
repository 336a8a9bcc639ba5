import XCTest
import CorsscanCore
@testable import CorsscanAnalysis

/// The correlation key's path: a greedy `{…+}` resource path keys as "any path" (so a request
/// to any concrete path matches the route's preflight), every other path as itself.
final class PathKeyTests: XCTestCase {
    private func pathKey(_ bytes: [UInt8]) -> UInt64 {
        let r = AccessRecord(time: t0, method: .get, status: 200, location: SourceLocation(input: 0, line: 1),
                             fields: [.sourceIP: "203.0.113.25", .userAgent: chromeUA,
                                      .resourcePath: String(decoding: bytes, as: UTF8.self)])
        return Correlator.keys(of: r).path
    }

    /// `+}` anywhere, by a plain scan.
    private func isGreedy(_ b: [UInt8]) -> Bool {
        b.count >= 2 && (1..<b.count).contains { b[$0] == UInt8(ascii: "}") && b[$0 - 1] == UInt8(ascii: "+") }
    }

    /// Paths around the byte search's 16-byte blocks: `+}` at every place, `}` and `+` apart,
    /// `}` many times without a `+` before it. Each keys as any path exactly when it has `+}`.
    func testGreedyPathsKeyAsAnyPath() {
        let anyPath = pathKey([])
        var greedy = 0, plain = 0
        let close = UInt8(ascii: "}"), plus = UInt8(ascii: "+")
        for length in 2...70 {
            for at in 1..<length {
                let filler = (0..<length).map { $0 == 0 ? UInt8(ascii: "/") : $0 % 5 == 4 ? close : UInt8(ascii: "a") }
                var variants: [[UInt8]] = []
                var v = filler; v[at] = close; v[at - 1] = plus; variants.append(v)   // `+}`
                v = filler; v[at] = close; variants.append(v)                          // `}` alone
                v = filler; v[at] = plus; variants.append(v)                           // `+` before `a` or `}`
                v = filler; v[at - 1] = close; v[at] = plus; variants.append(v)        // `}+`
                for b in variants {
                    let expected = isGreedy(b)
                    if expected { greedy += 1 } else { plain += 1 }
                    XCTAssertEqual(pathKey(b) == anyPath, expected, String(decoding: b, as: UTF8.self))
                }
            }
        }
        XCTAssertEqual(pathKey(Array("/{proxy+}".utf8)), anyPath)
        XCTAssertEqual(pathKey(Array("/api/v1/orders/{orderId}/items/{proxy+}".utf8)), anyPath)
        XCTAssertNotEqual(pathKey(Array("/api/v1/orders/{orderId}/items/{itemId}".utf8)), anyPath)
        XCTAssertGreaterThan(greedy, 2_000)
        XCTAssertGreaterThan(plain, 4_000)
    }
}
