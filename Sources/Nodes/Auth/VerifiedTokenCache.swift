/// The tokens a frontend has already verified (or signed itself), so that a client's next
/// requests skip the HMAC.
///
/// Entries are keyed by a 64-bit fingerprint of the token, its last eight bytes (the end of the
/// base64url signature): hashing one integer costs a fraction of hashing a ~180-byte string on
/// every request. A hit still compares the whole token, so a different token with the same
/// fingerprint (a forgery that copies the end of a real signature, or a rare collision) is a
/// miss and is verified in full; a collision only costs a verification, never a wrong answer.
/// The cache is bounded in entries and in bytes (the tokens' and subjects' UTF-8 bytes plus a
/// fixed cost per entry): at either limit it starts afresh.
///
/// The entries sit in an array, found through a dictionary of 12-byte buckets (fingerprint →
/// position): a frontend holds a token of nearly every client, and a dictionary of whole entries
/// would spend its empty buckets' bytes each. An entry is 56 bytes, not 96: the claims' `push`
/// and `grp` (a frontend's name and the group: few distinct pairs) are kept once, in `extras`,
/// and an entry holds the pair's number.
struct VerifiedTokenCache {
    private var positions: [UInt64: UInt32] = [:]
    /// A remembered token. A struct, not a tuple: a tuple of these fields was copied whole, through
    /// the runtime's generic tuple copy, to read one field.
    private struct Entry {
        var token: String
        var sub: String
        var iat: Int64
        var exp: Int64
        /// The claims' `push` and `grp`, as a position in `extras`.
        var extras: UInt32
    }

    /// The claims' optional fields, as a pair.
    private struct Extras: Hashable {
        var push: String?
        var grp: String?
    }

    private var entries: [Entry] = []
    /// The distinct `push` and `grp` pairs of the entries, and where each is in `extras`.
    private var extras: [Extras] = []
    private var extrasPositions: [Extras: UInt32] = [:]
    /// The most entries kept.
    let limit: Int
    /// The most bytes kept (estimated as `entryBytes(_:_:)` per entry).
    let byteLimit: Int
    /// The bytes of the entries kept now.
    private(set) var bytes = 0

    /// An empty cache holding at most `limit` tokens and `byteLimit` bytes of them.
    init(limit: Int = 50_000, byteLimit: Int = 32 << 20) {
        self.limit = limit
        self.byteLimit = byteLimit
    }

    /// How many tokens are remembered.
    var count: Int { entries.count }
    /// How many entries the cache has room for now.
    var room: Int { entries.capacity }

    /// The claims of `token` if it was remembered.
    /// - Returns: the claims, or nil when the token is not in the cache.
    func claims(for token: String) -> TokenClaims? {
        guard let i = positions[Self.fingerprint(token)], entries[Int(i)].token == token else { return nil }
        return claims(of: entries[Int(i)])
    }

    /// The claims `entry` keeps.
    private func claims(of entry: Entry) -> TokenClaims {
        let more = extras[Int(entry.extras)]
        return TokenClaims(sub: entry.sub, iat: entry.iat, exp: entry.exp, push: more.push, grp: more.grp)
    }

    /// `claims` as an entry for `token`, numbering its `push` and `grp` pair if it is new.
    private mutating func entry(_ token: String, _ claims: TokenClaims) -> Entry {
        let more = Extras(push: claims.push, grp: claims.grp)
        let number: UInt32
        if let known = extrasPositions[more] { number = known } else {
            number = UInt32(extras.count)
            extras.append(more)
            extrasPositions[more] = number
        }
        return Entry(token: token, sub: claims.sub, iat: claims.iat, exp: claims.exp, extras: number)
    }

    /// Remembers that `token` carries `claims` (replacing a token with the same fingerprint).
    /// An entry larger than the byte limit on its own is not remembered.
    mutating func remember(_ token: String, _ claims: TokenClaims) {
        let size = Self.entryBytes(token, claims)
        guard size <= byteLimit else { return }
        if entries.count >= limit || bytes + size > byteLimit {
            positions.removeAll(keepingCapacity: true)
            entries.removeAll(keepingCapacity: true)
            extras.removeAll()
            extrasPositions.removeAll()
            bytes = 0
        }
        let key = Self.fingerprint(token)
        if let i = positions[key] {
            let old = entries[Int(i)]
            bytes -= Self.entryBytes(old.token, self.claims(of: old))
            entries[Int(i)] = entry(token, claims)
        } else {
            positions[key] = UInt32(entries.count)
            // Grown by a quarter up to the limit, not doubled: a frontend keeps its cache for the
            // whole run, and doubling left up to half of it spare (tens of thousands of entries).
            if entries.count == entries.capacity {
                entries.reserveCapacity(min(limit, entries.count + max(16, entries.count / 4)))
            }
            entries.append(entry(token, claims))
        }
        bytes += size
    }

    /// What one entry is counted as: its strings' UTF-8 bytes plus 64 bytes of fixed cost.
    static func entryBytes(_ token: String, _ claims: TokenClaims) -> Int {
        64 + token.utf8.count + claims.sub.utf8.count + (claims.push?.utf8.count ?? 0) + (claims.grp?.utf8.count ?? 0)
    }

    /// The token's last eight bytes as one integer (fewer for a shorter token, with its length).
    static func fingerprint(_ token: String) -> UInt64 {
        // Straight from the string's bytes when they are contiguous (a native string: always on
        // the frontend), where `utf8.suffix(8)` walked the view index by index.
        if let value = token.utf8.withContiguousStorageIfAvailable({ bytes -> UInt64 in
            var value = UInt64(truncatingIfNeeded: bytes.count < 8 ? bytes.count : 0)
            for byte in bytes[max(0, bytes.count - 8)...] { value = value << 8 | UInt64(byte) }
            return value
        }) {
            return value
        }
        var value = UInt64(truncatingIfNeeded: token.utf8.count < 8 ? token.utf8.count : 0)
        for byte in token.utf8.suffix(8) { value = value << 8 | UInt64(byte) }
        return value
    }
}
