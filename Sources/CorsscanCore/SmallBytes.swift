/// Compare and copy for the short byte runs of log fields (keys, ids, paths: mostly under
/// 64 bytes), with word loads instead of a call to `memcmp`/`memcpy` per field.
public enum SmallBytes {
    /// Whether `n` bytes at `a` and `b` are equal.
    @inlinable @inline(__always)
    public static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        if n >= 8 {
            var i = 0
            while i + 8 < n {
                if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    return false
                }
                i += 8
            }
            // The last eight bytes (overlapping the ones compared when n is not a multiple of 8).
            return ra.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == rb.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        if n >= 4 {
            return ra.loadUnaligned(as: UInt32.self) == rb.loadUnaligned(as: UInt32.self)
                && ra.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == rb.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        }
        var i = 0
        while i < n {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// Copies `n` bytes from `src` to `dst` (the ranges must not overlap).
    @inlinable @inline(__always)
    public static func copy(_ dst: UnsafeMutablePointer<UInt8>, _ src: UnsafePointer<UInt8>, _ n: Int) {
        let d = UnsafeMutableRawPointer(dst), s = UnsafeRawPointer(src)
        if n > 32 {
            d.copyMemory(from: s, byteCount: n)
        } else if n >= 16 {
            let a0 = s.loadUnaligned(as: UInt64.self), a1 = s.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let b0 = s.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self)
            let b1 = s.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            d.storeBytes(of: a0, as: UInt64.self)
            d.storeBytes(of: a1, toByteOffset: 8, as: UInt64.self)
            d.storeBytes(of: b0, toByteOffset: n - 16, as: UInt64.self)
            d.storeBytes(of: b1, toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 8 {
            let a = s.loadUnaligned(as: UInt64.self), b = s.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            d.storeBytes(of: a, as: UInt64.self)
            d.storeBytes(of: b, toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            let a = s.loadUnaligned(as: UInt32.self), b = s.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            d.storeBytes(of: a, as: UInt32.self)
            d.storeBytes(of: b, toByteOffset: n - 4, as: UInt32.self)
        } else {
            var i = 0
            while i < n {
                dst[i] = src[i]
                i += 1
            }
        }
    }
}
