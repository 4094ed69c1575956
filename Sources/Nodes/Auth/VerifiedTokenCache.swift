/// The tokens a frontend has already verified (or signed itself), so that a client's next
/// requests skip the HMAC.
///
/// Entries are keyed by a 64-bit fingerprint of the token, its last eight bytes (the end of the
/// base64url signature): hashing one integer costs a fraction of hashing a ~180-byte string on
/// every request. A hit still compares the whole token, so a different token with the same
/// fingerprint (a forgery that copies the end of a real signature, or a rare collision) is a
/// miss and is verified in full; a collision only costs a verification, never a wrong answer.
/// The cache is bounded: at `limit` entries it starts afresh.
struct VerifiedTokenCache {
    private var entries: [UInt64: (token: String, claims: TokenClaims)] = [:]
    /// The most entries kept.
    let limit: Int

    /// An empty cache holding at most `limit` tokens.
    init(limit: Int = 50_000) { self.limit = limit }

    /// How many tokens are remembered.
    var count: Int { entries.count }

    /// The claims of `token` if it was remembered.
    /// - Returns: the claims, or nil when the token is not in the cache.
    func claims(for token: String) -> TokenClaims? {
        guard let entry = entries[Self.fingerprint(token)], entry.token == token else { return nil }
        return entry.claims
    }

    /// Remembers that `token` carries `claims` (replacing a token with the same fingerprint).
    mutating func remember(_ token: String, _ claims: TokenClaims) {
        if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
        entries[Self.fingerprint(token)] = (token, claims)
    }

    /// The token's last eight bytes as one integer (fewer for a shorter token, with its length).
    static func fingerprint(_ token: String) -> UInt64 {
        var value = UInt64(truncatingIfNeeded: token.utf8.count < 8 ? token.utf8.count : 0)
        for byte in token.utf8.suffix(8) { value = value << 8 | UInt64(byte) }
        return value
    }
}
