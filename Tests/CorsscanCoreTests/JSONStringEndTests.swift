import XCTest
@testable import CorsscanCore

/// `JSONStringEnd` against a byte-by-byte oracle on strings dense with quotes and backslashes.
final class JSONStringEndTests: XCTestCase {
    func testMatchesByteByByteScan() {
        var state: UInt64 = 7
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let alphabet: [UInt8] = [0x22, 0x5C, 0x5C, 0x61, 0x62, 0x7B, 0x20, 0x22]
        // Runs of backslashes crossing word boundaries, odd and even, next to quotes.
        let runs: [UInt8] = [0x5C, 0x5C, 0x5C, 0x5C, 0x5C, 0x22, 0x61]
        for k in 0..<40_000 {
            var bytes: [UInt8]
            if k % 4 < 2 {
                let letters = k % 2 == 0 ? alphabet : runs
                bytes = (0..<Int(next() % 80)).map { _ in letters[Int(next() % UInt64(letters.count))] }
            } else {
                // Escaped JSON as in an envelope's message, long enough for the 64-byte blocks:
                // escapes only (`\"`, `\\`, `\\\"`), plain text, runs of backslashes
                // across block edges, and now and then one real quote.
                let pieces: [[UInt8]] = [[0x5C, 0x22], [0x5C, 0x5C], [0x5C, 0x5C, 0x5C, 0x22], Array("abcdefg".utf8),
                                         Array("requestId".utf8), [0x61], [0x5C, 0x6E], [0x5C, 0x5C, 0x5C, 0x5C]]
                bytes = []
                let n = Int(next() % 400)
                while bytes.count < n { bytes += pieces[Int(next() % UInt64(pieces.count))] }
                if k % 4 == 3, !bytes.isEmpty {
                    let at = Int(next() % UInt64(bytes.count))
                    bytes.insert(0x22, at: at)
                }
            }
            let n = bytes.count
            let from = n == 0 || k % 4 >= 2 ? 0 : Int(next() % UInt64(n + 1))
            // Oracle.
            var i = from, want = (n, false)
            while i < n {
                if bytes[i] == 0x22 { want = (i, false); break }
                if bytes[i] == 0x5C {
                    if i + 1 >= n { want = (n, true); break }
                    i += 2
                } else {
                    i += 1
                }
            }
            bytes.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                let got = JSONStringEnd.find(base, from: from, end: n)
                XCTAssertEqual(got.index, want.0, "\(bytes) from \(from)")
                XCTAssertEqual(got.escapePending, want.1, "\(bytes) from \(from)")
            }
        }
    }
}
