/// A `Codable` type that writes and reads its hot values as MessagePack by hand: exactly the
/// bytes `MessagePackEncoder` makes of them through `Codable`, without its intermediate tree,
/// its boxed containers and its string-keyed lookups.
///
/// `MessagePackEncoder.encode` and `MessagePackDecoder.decode` ask a top-level value of such a
/// type first (unless `handCoding` is off); nil means "not one of mine", and the `Codable` path
/// runs as before. A hand decoder accepts only the exact form the encoder writes (keys in the
/// order written, integers in their smallest form) and returns nil for anything else, valid or
/// not: the `Codable` decoder then decodes it, or reports what is wrong with it.
package protocol MessagePackHandCoded {
    /// The value's MessagePack bytes, byte for byte what `Codable` encodes; nil when this value
    /// is not hand-coded.
    func handEncodedMessagePack() -> [UInt8]?

    /// The value in `bytes`, when they are exactly one hand-coded value in the encoder's form.
    /// - Returns: nil for anything else (the caller decodes through `Codable`).
    static func handDecodedMessagePack(_ bytes: [UInt8]) -> Self?
}
