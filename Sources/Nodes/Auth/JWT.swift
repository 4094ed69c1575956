// Compact-serialised JWS/JWT with HMAC-SHA256 only ("HS256", RFC 7515 / 7518 /
// 7519). Times are virtual: callers always pass "now"; nothing here reads a clock.

import Foundation

/// The claims carried by a cluster login token (the JWT payload).
///
/// All times are seconds of *virtual* time supplied by the caller. Optional
/// claims that are `nil` are omitted from the JSON, and keys are encoded in
/// sorted order, so equal claims always produce byte-identical tokens.
public struct TokenClaims: Codable, Sendable, Equatable {
    /// The subject: the user id the token was issued to.
    public var sub: String
    /// Issued-at, in the nodes' token seconds (`NodeEnvironment.tokenSeconds`: virtual seconds on
    /// the simulator, seconds since the Unix epoch on a real network).
    public var iat: Int64
    /// Expiry, in the same seconds as `iat`; the token is valid only while `now < exp`.
    public var exp: Int64
    /// The push frontend's node name, added when the token is renewed; `nil` on a fresh login token.
    public var push: String?
    /// An optional group (for example a game or shard id) the user is bound to.
    public var grp: String?

    /// Creates a claims set; returns the claims with the given fields.
    public init(sub: String, iat: Int64, exp: Int64, push: String? = nil, grp: String? = nil) {
        self.sub = sub
        self.iat = iat
        self.exp = exp
        self.push = push
        self.grp = grp
    }
}

/// Why a token was rejected by ``TokenSigner/verify(_:now:)``.
public enum TokenError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The part of a compact JWS that could not be parsed; carried by ``TokenError/malformed(_:)``.
    public enum Part: String, Sendable, Equatable {
        /// The token is not exactly three dot-separated segments.
        case structure
        /// The header is not base64url-encoded JSON with a string `alg`.
        case header
        /// The payload is not base64url, or not JSON decodable as ``TokenClaims``.
        case payload
        /// The signature is not base64url.
        case signature
    }

    /// The token could not be parsed; the associated value says which part.
    case malformed(Part)
    /// The header's `alg` is not `HS256` (for example `none` or `RS256`).
    case badAlgorithm
    /// The signature does not match the header and payload under our secret.
    case badSignature
    /// The token has expired: `now >= exp`.
    case expired(exp: Int64, now: Int64)
    /// The token was issued in the future: `iat > now`.
    case notYetValid(iat: Int64, now: Int64)
    /// The token expires further in the future than a token of this cluster can:
    /// `exp > now + maximumLifetime + leeway`.
    case lifetimeTooLong(exp: Int64, now: Int64)

    /// Returns a short human-readable explanation of the error.
    public var description: String {
        switch self {
        case .malformed(let part): "malformed token (\(part.rawValue))"
        case .badAlgorithm: "unsupported token algorithm (only HS256 is accepted)"
        case .badSignature: "bad token signature"
        case .expired(let exp, let now): "token expired at \(exp) (now \(now))"
        case .notYetValid(let iat, let now): "token issued in the future at \(iat) (now \(now))"
        case .lifetimeTooLong(let exp, let now): "token expires too far in the future at \(exp) (now \(now))"
        }
    }
}

/// The decoded header and payload bytes of a compact JWS whose HS256 signature
/// has been verified; returned by ``TokenSigner/verifySignature(_:)``.
public struct VerifiedJWS: Sendable, Equatable {
    /// The exact decoded header bytes (JSON as the signer wrote it).
    public let header: [UInt8]
    /// The exact decoded payload bytes (JSON as the signer wrote it).
    public let payload: [UInt8]
}

/// Signs and verifies HS256 JWTs carrying ``TokenClaims``.
///
/// Tokens are `base64url(header) "." base64url(claims JSON) "." base64url(HMAC)`
/// with the fixed header `{"alg":"HS256","typ":"JWT"}`.
public struct TokenSigner: Sendable {
    /// The canonical protected header every token is signed with; returns
    /// `{"alg":"HS256","typ":"JWT"}`.
    public static let header = #"{"alg":"HS256","typ":"JWT"}"#

    /// The secret with the HMAC pads pre-absorbed.
    private let key: HMAC.SHA256Key
    /// `base64url(header)`, computed once.
    private static let encodedHeader = Base64URL.encode(Array(header.utf8))
    /// The bytes of `header`.
    private static let headerBytes = Array(header.utf8)
    /// `encodedHeader`'s bytes.
    private static let encodedHeaderBytes = Array(encodedHeader.utf8)
    /// The separator of a compact JWS's segments.
    private static let dot = UInt8(ascii: ".")

    /// The longest a token may still be valid for, in seconds (the cluster's token lifetime);
    /// nil accepts any `exp`.
    public let maximumLifetime: Int64?

    /// Creates a signer for `secret` (the HS256 key); returns the signer.
    /// - Parameter maximumLifetime: when given, `verify` refuses a token whose `exp` is more
    ///   than this many seconds (plus the leeway) after now, such as a forged `exp` of 2^63−1.
    public init(secret: [UInt8], maximumLifetime: Int64? = nil) {
        key = HMAC.SHA256Key(secret)
        self.maximumLifetime = maximumLifetime
    }

    /// Signs `claims`; returns the compact JWT `header.payload.signature`.
    ///
    /// The result is deterministic: the same claims and secret always give the
    /// same token.
    public func sign(_ claims: TokenClaims) -> String {
        let json = claims.sortedJSON() ?? Self.encodeWithFoundation(claims)
        // Built in one byte array (the signing input, then the signature): no intermediate strings.
        var token: [UInt8] = []
        token.reserveCapacity(Self.encodedHeaderBytes.count + 2 + (json.count * 4 + 2) / 3 + 43)
        token.append(contentsOf: Self.encodedHeaderBytes)
        token.append(Self.dot)
        Base64URL.append(json, to: &token)
        let mac = token.withUnsafeBytes { key.authenticationCode(for: $0) }
        token.append(Self.dot)
        Base64URL.append(mac, to: &token)
        return String(decoding: token, as: UTF8.self)
    }

    /// Verifies `token` and checks its times against the virtual time `now`;
    /// returns the claims, or why the token was rejected.
    ///
    /// Checks, in order: three segments; header is JSON with `alg` `HS256`;
    /// the signature over the original `header.payload` bytes matches (compared
    /// in constant time); the payload decodes as ``TokenClaims``;
    /// `now < exp`; `iat <= now + leeway` (`leeway` absorbs clock skew between the issuing
    /// and the verifying server; expiry gets none); with a `maximumLifetime`,
    /// `exp <= now + maximumLifetime + leeway`.
    public func verify(_ token: String, now: Int64, leeway: Int64 = 0) -> Result<TokenClaims, TokenError> {
        let verified: VerifiedJWS
        switch verifySignature(token) {
        case .success(let value): verified = value
        case .failure(let error): return .failure(error)
        }
        guard let claims = TokenClaims.decode(verified.payload) else { return .failure(.malformed(.payload)) }
        if now >= claims.exp {
            return .failure(.expired(exp: claims.exp, now: now))
        }
        if claims.iat > now + leeway {
            return .failure(.notYetValid(iat: claims.iat, now: now))
        }
        if let maximumLifetime, claims.exp > now &+ maximumLifetime &+ leeway {
            return .failure(.lifetimeTooLong(exp: claims.exp, now: now))
        }
        return .success(claims)
    }

    /// Verifies only the structure, the `alg` and the HS256 signature of a
    /// compact JWS, without interpreting the payload; returns the exact decoded
    /// header and payload bytes, or why the token was rejected.
    ///
    /// Use this for tokens whose payload is not ``TokenClaims`` (for example
    /// the RFC 7515 examples). No time checks are made.
    public func verifySignature(_ token: String) -> Result<VerifiedJWS, TokenError> {
        var token = token
        return token.withUTF8 { verifySignature(bytes: $0) }
    }

    /// `verifySignature(_:)` on the token's UTF-8 bytes, read in place.
    private func verifySignature(bytes: UnsafeBufferPointer<UInt8>) -> Result<VerifiedJWS, TokenError> {
        // Exactly three segments: two dots.
        guard let firstDot = bytes.firstIndex(of: Self.dot),
              let secondDot = bytes[(firstDot + 1)...].firstIndex(of: Self.dot),
              !bytes[(secondDot + 1)...].contains(Self.dot) else { return .failure(.malformed(.structure)) }
        let encodedHeader = bytes[..<firstDot]

        // Our own header (every token this cluster issues) is recognised without decoding it.
        let header: [UInt8]
        if encodedHeader.elementsEqual(Self.encodedHeaderBytes) {
            header = Self.headerBytes
        } else {
            guard let decoded = Base64URL.decode(bytes: encodedHeader) else { return .failure(.malformed(.header)) }
            guard let alg = Self.algorithm(ofHeader: decoded) else { return .failure(.malformed(.header)) }
            guard alg == "HS256" else { return .failure(.badAlgorithm) }
            header = decoded
        }

        guard let signature = Base64URL.decode(bytes: bytes[(secondDot + 1)...]) else { return .failure(.malformed(.signature)) }
        // The signing input is the original text up to (not including) the second dot.
        let expected = key.authenticationCode(for: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[..<secondDot])))
        guard HMAC.constantTimeEquals(signature, expected) else { return .failure(.badSignature) }

        guard let payload = Base64URL.decode(bytes: bytes[(firstDot + 1)..<secondDot]) else { return .failure(.malformed(.payload)) }
        return .success(VerifiedJWS(header: header, payload: payload))
    }

    /// Base64url-decodes one segment; returns the bytes, or `nil` if invalid.
    private static func decodeSegment(_ segment: ArraySlice<UInt8>) -> [UInt8]? {
        Base64URL.decode(bytes: segment)
    }

    /// The header's `alg`; returns `nil` unless the header is a JSON object
    /// whose `alg` member is a string.
    private static func algorithm(ofHeader header: [UInt8]) -> String? {
        if header.elementsEqual(Self.header.utf8) { return "HS256" }
        struct Header: Decodable { let alg: String }
        return try? JSONDecoder().decode(Header.self, from: Data(header)).alg
    }

    /// The claims as sorted-key JSON through Foundation (for strings that need escaping).
    private static func encodeWithFoundation(_ claims: TokenClaims) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(claims))
        } catch {
            // Strings, integers and optionals always encode.
            preconditionFailure("TokenClaims failed to encode: \(error)")
        }
    }
}

extension TokenClaims {
    /// Reads claims from a token's payload JSON: the flat fast path, else Foundation's decoder.
    /// - Returns: the claims, or nil when the bytes are not a claims object.
    public static func decode(_ json: [UInt8]) -> TokenClaims? {
        TokenClaims(flatJSON: json) ?? (try? JSONDecoder().decode(TokenClaims.self, from: Data(json)))
    }
}
