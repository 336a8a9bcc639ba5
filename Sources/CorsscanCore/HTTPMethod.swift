/// An HTTP request method as logged, kept as one byte.
///
/// `other` covers any token not listed (its text is lost; corsscan only needs to tell
/// OPTIONS from the rest and to print the common methods).
public enum HTTPMethod: UInt8, Sendable, CaseIterable, Comparable {
    case none = 0
    case get, head, post, put, patch, delete, options, connect, trace, other

    public static func < (a: HTTPMethod, b: HTTPMethod) -> Bool { a.rawValue < b.rawValue }

    /// The canonical spelling (`""` for `.none`, `"OTHER"` for `.other`).
    public var text: String {
        switch self {
        case .none: return ""
        case .get: return "GET"
        case .head: return "HEAD"
        case .post: return "POST"
        case .put: return "PUT"
        case .patch: return "PATCH"
        case .delete: return "DELETE"
        case .options: return "OPTIONS"
        case .connect: return "CONNECT"
        case .trace: return "TRACE"
        case .other: return "OTHER"
        }
    }

    /// Parses a method token case-insensitively from bytes; `-` and empty give `.none`.
    @inlinable
    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        var it = bytes.makeIterator()
        var packed: UInt64 = 0
        var n = 0
        while let b = it.next() {
            n += 1
            if n > 7 { self = .other; return }
            packed = packed << 8 | UInt64(ASCII.upper(b))
        }
        self = HTTPMethod(packedUpper: packed)
    }

    /// The method whose upper-case token is `packed`, one byte per 8 bits, the first byte
    /// highest (`0` or `-`: `.none`).
    @inlinable
    init(packedUpper packed: UInt64) {
        switch packed {
        case 0, 0x2D: self = .none
        case 0x474554: self = .get
        case 0x48454144: self = .head
        case 0x504F5354: self = .post
        case 0x505554: self = .put
        case 0x5041_5443_48: self = .patch
        case 0x44454C455445: self = .delete
        case 0x4F5054494F4E53: self = .options
        case 0x434F4E4E454354: self = .connect
        case 0x5452414345: self = .trace
        default: self = .other
        }
    }

    /// `init(bytes:)` for a token in memory, without a loop per byte: tokens of 3–7 bytes
    /// (every method's length) are read as two overlapping 4-byte words and upper-cased by
    /// clearing bit 5 of every byte. That is exact for letters, and a byte that is no letter
    /// becomes no letter either, so it still matches no method.
    @inlinable
    public init(buffer v: UnsafeBufferPointer<UInt8>) {
        let n = v.count
        guard n >= 3, n <= 7, let base = v.baseAddress, base[0] >= 0x41 else { self.init(bytes: v); return }
        let raw = UnsafeRawPointer(base)
        let packed: UInt64
        if n == 3 {
            packed = UInt64(base[0]) << 16 | UInt64(base[1]) << 8 | UInt64(base[2])
        } else {
            // Big-endian order, as `init(bytes:)` packs: the first byte highest.
            let lo = UInt64(UInt32(bigEndian: raw.loadUnaligned(as: UInt32.self)))
            let hi = UInt64(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)))
            let tail = 8 * (n - 4)
            packed = lo << tail | hi & ((1 << tail) - 1)
        }
        // Never 0 or `-` here: the first byte is at least 0x41 and there are three or more.
        self = HTTPMethod(packedUpper: packed & ~0x0020_2020_2020_2020)
    }

    public init(_ text: String) { self.init(bytes: text.utf8) }
}
