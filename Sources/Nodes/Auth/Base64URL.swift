// The URL- and filename-safe base64 alphabet of RFC 4648 section 5, without
// padding, as required by JWS (RFC 7515 section 2, "Base64url Encoding").

/// Unpadded base64url encoding and strict decoding (RFC 4648 §5, RFC 7515 §2).
package enum Base64URL {
    /// The 64-character base64url alphabet, indexed by 6-bit value.
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Maps an ASCII byte to its 6-bit value, or 0xFF when it is not in the alphabet.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    /// Encodes `bytes` as base64url with no `=` padding; returns the encoded string.
    package static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the unpadded base64url encoding of `bytes` to `out`.
    package static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(alphabet[Int((n >> 6) & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(alphabet[Int((n >> 6) & 63)])
        default:
            break
        }
    }

    /// Decodes unpadded base64url text; returns the bytes, or `nil` when the
    /// text is not canonical base64url.
    ///
    /// Rejected (→ `nil`): any character outside `A–Z a–z 0–9 - _` (including
    /// `=`, `+`, `/`, whitespace and non-ASCII), a length of 1 modulo 4, and
    /// non-zero unused bits in the last character. The last rule makes the
    /// encoding of every byte string unique, so a JWS signature cannot be
    /// altered into a different string that still decodes to the same bytes.
    /// The empty string decodes to an empty array.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(bytes: text.utf8)
    }

    /// Decodes base64url text given as its UTF-8 bytes (a segment of a token, without making a
    /// `String` of it).
    /// - Returns: the bytes, or nil when the text is not valid unpadded base64url.
    package static func decode(bytes utf8: some Collection<UInt8>) -> [UInt8]? {
        // A collection without contiguous storage (none in the package's own calls) is copied first.
        if let decoded = utf8.withContiguousStorageIfAvailable({ decode(contiguous: $0) }) { return decoded }
        return Array(utf8).withUnsafeBufferPointer { decode(contiguous: $0) }
    }

    /// `decode(bytes:)` on contiguous bytes: four characters to three bytes a step, written
    /// straight into the result (a token's signature and payload on every verification).
    private static func decode(contiguous text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = text.count
        let remainder = count % 4
        if remainder == 1 { return nil }
        let whole = count / 4
        let outCount = whole * 3 + (remainder == 0 ? 0 : remainder - 1)
        return decodeTable.withUnsafeBufferPointer { table -> [UInt8]? in
            var valid = true
            let out = [UInt8](unsafeUninitializedCapacity: outCount) { out, initialized in
                var o = 0
                var i = 0
                for _ in 0..<whole {
                    let a = table[Int(text[i])], b = table[Int(text[i + 1])]
                    let c = table[Int(text[i + 2])], d = table[Int(text[i + 3])]
                    // A character outside the alphabet has a table value of 0xFF.
                    if (a | b | c | d) & 0xC0 != 0 { valid = false; break }
                    let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[o] = UInt8(truncatingIfNeeded: n >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: n >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: n)
                    o += 3
                    i += 4
                }
                if valid, remainder >= 2 {
                    let a = table[Int(text[i])], b = table[Int(text[i + 1])]
                    let c = remainder == 3 ? table[Int(text[i + 2])] : 0
                    if (a | b | c) & 0xC0 != 0 {
                        valid = false
                    } else if remainder == 2 {
                        // 12 bits: one byte plus 4 unused bits, which must be zero.
                        if b & 0x0F != 0 { valid = false } else {
                            out[o] = a << 2 | b >> 4
                            o += 1
                        }
                    } else {
                        // 18 bits: two bytes plus 2 unused bits, which must be zero.
                        if c & 0x03 != 0 { valid = false } else {
                            out[o] = a << 2 | b >> 4
                            out[o + 1] = (b & 0x0F) << 4 | c >> 2
                            o += 2
                        }
                    }
                }
                // Bytes written so far are plain integers: a failed decode keeps them until the
                // array is dropped below.
                initialized = o
            }
            return valid ? out : nil
        }
    }
}
