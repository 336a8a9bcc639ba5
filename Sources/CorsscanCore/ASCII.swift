/// Named bytes for the byte-level parsers (all ASCII; logs are parsed as bytes).
public enum ASCII {
    public static let tab: UInt8 = 0x09
    public static let lf: UInt8 = 0x0A
    public static let cr: UInt8 = 0x0D
    public static let space: UInt8 = 0x20
    public static let quote: UInt8 = 0x22        // "
    public static let hash: UInt8 = 0x23         // #
    public static let dollar: UInt8 = 0x24       // $
    public static let apostrophe: UInt8 = 0x27   // '
    public static let openParen: UInt8 = 0x28
    public static let closeParen: UInt8 = 0x29
    public static let plus: UInt8 = 0x2B
    public static let comma: UInt8 = 0x2C
    public static let minus: UInt8 = 0x2D
    public static let dot: UInt8 = 0x2E
    public static let slash: UInt8 = 0x2F
    public static let zero: UInt8 = 0x30
    public static let nine: UInt8 = 0x39
    public static let colon: UInt8 = 0x3A
    public static let lessThan: UInt8 = 0x3C
    public static let equals: UInt8 = 0x3D
    public static let greaterThan: UInt8 = 0x3E
    public static let openBracket: UInt8 = 0x5B
    public static let backslash: UInt8 = 0x5C
    public static let closeBracket: UInt8 = 0x5D
    public static let underscore: UInt8 = 0x5F
    public static let openBrace: UInt8 = 0x7B
    public static let closeBrace: UInt8 = 0x7D
    public static let upperT: UInt8 = 0x54
    public static let upperZ: UInt8 = 0x5A

    @inlinable public static func isDigit(_ b: UInt8) -> Bool { b &- zero < 10 }
    @inlinable public static func isWhitespace(_ b: UInt8) -> Bool {
        b == space || b == tab || b == lf || b == cr
    }
    /// The value of a hexadecimal digit (`0-9`, `A-F`, `a-f`), nil for any other byte.
    @inlinable public static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// ASCII lower-casing of one byte; other bytes unchanged.
    @inlinable public static func lower(_ b: UInt8) -> UInt8 { (b &- 0x41 < 26) ? b | 0x20 : b }
    /// ASCII upper-casing of one byte; other bytes unchanged.
    @inlinable public static func upper(_ b: UInt8) -> UInt8 { (b &- 0x61 < 26) ? b & 0xDF : b }
}

extension Collection where Element == UInt8 {
    /// Case-insensitive ASCII comparison with a literal.
    @inlinable public func equalsIgnoringCase(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { lit in
            var i = 0
            for b in self {
                if ASCII.lower(b) != ASCII.lower(lit[i]) { return false }
                i += 1
            }
            return true
        }
    }

    /// The bytes as a `String`, invalid UTF-8 repaired with U+FFFD.
    @inlinable public var utf8String: String { String(decoding: self, as: UTF8.self) }
}
