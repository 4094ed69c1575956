/// JSON string literals, written one way everywhere: the trace's JSON lines, experiment files and
/// their error messages, and the chat protocol's JSON frames.
///
/// Escapes `"` and `\`, writes `\n`, `\r` and `\t` short, other control characters as `\u00XX`
/// (lower-case hex), and everything else as raw UTF-8.
package enum JSONText {
    /// Appends `text` as a JSON string literal (quotes included) to `bytes`, as UTF-8.
    package static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20:
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                          hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `text` as a JSON string literal, quotes included; past `limit` Unicode scalars it is cut
    /// and ends in `…` (for error messages that quote what they found).
    /// - Returns: the literal.
    package static func quoted(_ text: String, limit: Int = .max) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        if limit < .max, text.unicodeScalars.count > limit {
            var cut = String.UnicodeScalarView()
            cut.append(contentsOf: text.unicodeScalars.prefix(limit))
            appendQuoted(String(cut) + "…", to: &bytes)
        } else {
            appendQuoted(text, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
