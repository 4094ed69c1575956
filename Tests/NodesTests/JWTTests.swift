import Foundation
import Testing
@testable import Nodes

@Suite("Base64URL (RFC 4648 §5, unpadded)")
struct Base64URLTests {
    /// RFC 4648 §10 test vectors with the padding removed.
    static let rfc4648: [(String, String)] = [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"),
        ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 vectors encode and decode", arguments: rfc4648)
    func rfc4648Vector(plain: String, encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test("uses - and _ instead of + and /")
    func urlSafeAlphabet() {
        #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xfb, 0xff, 0xbf])
        #expect(Base64URL.decode("+/+/") == nil)
    }

    @Test("round trip for every length 0...70 and all byte values")
    func roundTrip() {
        for length in 0...70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("="))
            #expect(Base64URL.decode(text) == bytes)
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64URL.decode(Base64URL.encode(all)) == all)
    }

    /// RFC 4648 §5 decoding a character at a time, the plain way: the reference the library's
    /// four-at-a-time decoder is checked against.
    private static func referenceDecode(_ text: [UInt8]) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        guard text.count % 4 != 1 else { return nil }
        var out: [UInt8] = [], accumulator: UInt32 = 0, pending = 0
        for character in text {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            pending += 1
            if pending == 4 {
                out += [UInt8(truncatingIfNeeded: accumulator >> 16), UInt8(truncatingIfNeeded: accumulator >> 8),
                        UInt8(truncatingIfNeeded: accumulator)]
                accumulator = 0
                pending = 0
            }
        }
        switch pending {
        case 2: return accumulator & 0x0F != 0 ? nil : out + [UInt8(truncatingIfNeeded: accumulator >> 4)]
        case 3: return accumulator & 0x03 != 0 ? nil
            : out + [UInt8(truncatingIfNeeded: accumulator >> 10), UInt8(truncatingIfNeeded: accumulator >> 2)]
        default: return out
        }
    }

    @Test("the decoder agrees with a character-at-a-time reference on every text, valid or not, contiguous or not")
    func decoderAgreesWithReference() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .".utf8)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for round in 0..<2_000 {
            let length = Int(next() % 24)
            // Mostly alphabet characters, so that many texts are valid or fail only at the end.
            let text: [UInt8] = (0..<length).map { _ in alphabet[Int(next() % UInt64(round % 3 == 0 ? alphabet.count : 64))] }
            let expected = Self.referenceDecode(text)
            #expect(Base64URL.decode(bytes: text) == expected, "\(String(decoding: text, as: UTF8.self))")
            #expect(Base64URL.decode(bytes: text.lazy.map { $0 }) == expected, "non-contiguous")   // copied first
        }
    }

    @Test("rejects invalid text", arguments: [
        "Zg==", "Zm8=", "Z", "Zm9vY", "Zm 9v", "Zm9v\n", "Zm9v!", "Zé9v", "Zh", "Zm9", "a.b",
    ])
    func rejectsInvalid(_ text: String) {
        // "Zh" and "Zm9" carry non-zero unused bits: not the canonical encoding of any bytes.
        #expect(Base64URL.decode(text) == nil)
    }
}

@Suite("JWT HS256 (RFC 7515 / RFC 7519)")
struct JWTTests {
    // MARK: RFC 7515 Appendix A.1

    static let rfcKey = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
    static let rfcSigningInput = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    static let rfcSignature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let rfcToken = rfcSigningInput + "." + rfcSignature

    @Test("RFC 7515 A.1: the HS256 signature is computed byte-exactly")
    func rfc7515Signature() throws {
        let key = try #require(Base64URL.decode(Self.rfcKey))
        #expect(key.count == 64)
        let mac = HMAC.sha256(key: key, message: Array(Self.rfcSigningInput.utf8))
        #expect(Base64URL.encode(mac) == Self.rfcSignature)
    }

    @Test("RFC 7515 A.1: the example token verifies and its payload decodes")
    func rfc7515Verify() throws {
        let signer = TokenSigner(secret: try #require(Base64URL.decode(Self.rfcKey)))
        let verified = try signer.verifySignature(Self.rfcToken).get()
        #expect(verified.header == Array("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}".utf8))
        #expect(verified.payload == Array(
            "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}".utf8))

        let object = try #require(try JSONSerialization.jsonObject(with: Data(verified.payload)) as? [String: Any])
        #expect(object["iss"] as? String == "joe")
        #expect((object["exp"] as? NSNumber)?.int64Value == 1_300_819_380)
        #expect(object["http://example.com/is_root"] as? Bool == true)

        // Its payload is not TokenClaims (no "sub"), so the high-level API says so.
        #expect(signer.verify(Self.rfcToken, now: 0) == .failure(.malformed(.payload)))
        // Another key rejects it.
        #expect(TokenSigner(secret: Array("other".utf8)).verifySignature(Self.rfcToken) == .failure(.badSignature))
    }

    // MARK: Our tokens

    static let secret = Array("cluster-login-secret".utf8)
    static let signer = TokenSigner(secret: secret)
    static let claims = TokenClaims(sub: "user-42", iat: 1_000, exp: 1_000 + 3_600)

    @Test("round trip: sign then verify returns the same claims", arguments: [
        TokenClaims(sub: "user-42", iat: 1_000, exp: 4_600),
        TokenClaims(sub: "u/ünïcode \"quoted\"", iat: 0, exp: Int64.max, push: "push-1", grp: "shard/7"),
        TokenClaims(sub: "", iat: -5, exp: 1, push: "push-frontend-3"),
    ])
    func roundTrip(_ claims: TokenClaims) {
        let token = Self.signer.sign(claims)
        #expect(token.split(separator: ".", omittingEmptySubsequences: false).count == 3)
        #expect(Self.signer.verify(token, now: claims.iat) == .success(claims))
    }

    @Test("signing is canonical and deterministic")
    func canonicalEncoding() throws {
        let claims = TokenClaims(sub: "user-42", iat: 1_000, exp: 4_600, push: "node/push-1")
        let token = Self.signer.sign(claims)
        #expect(token == Self.signer.sign(claims))
        let parts = token.split(separator: ".").map(String.init)
        #expect(parts[0] == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9")
        #expect(Base64URL.decode(parts[0]) == Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        #expect(Base64URL.decode(parts[1])
                == Array(#"{"exp":4600,"iat":1000,"push":"node/push-1","sub":"user-42"}"#.utf8))
        // Signature is HMAC-SHA256 over the ASCII signing input.
        let mac = HMAC.sha256(key: Self.secret, message: Array((parts[0] + "." + parts[1]).utf8))
        #expect(parts[2] == Base64URL.encode(mac))
        // A different secret gives a different token.
        #expect(TokenSigner(secret: Array("x".utf8)).sign(claims) != token)
    }

    @Test("one flipped signature character is badSignature")
    func flippedSignatureCharacter() throws {
        let token = Self.signer.sign(Self.claims)
        var chars = Array(token)
        let signatureStart = try #require(token.lastIndex(of: ".")).utf16Offset(in: token) + 1
        chars[signatureStart] = chars[signatureStart] == "A" ? "B" : "A"
        #expect(Self.signer.verify(String(chars), now: 1_500) == .failure(.badSignature))
    }

    @Test("every single-character change to the signature is rejected, never accepted")
    func everySignatureCharacter() throws {
        let token = Self.signer.sign(Self.claims)
        let chars = Array(token)
        let signatureStart = try #require(token.lastIndex(of: ".")).utf16Offset(in: token) + 1
        for index in signatureStart..<chars.count {
            for replacement in ["A", "B", "Q", "g", "w", "-", "_"] as [Character] where replacement != chars[index] {
                var mutated = chars
                mutated[index] = replacement
                let result = Self.signer.verify(String(mutated), now: 1_500)
                // Changing only the unused low bits of the last character is not
                // canonical base64url, so it is malformed rather than "the same signature".
                #expect(result == .failure(.badSignature) || result == .failure(.malformed(.signature)),
                        "index \(index) → \(replacement): \(result)")
            }
        }
    }

    @Test("a tampered payload is badSignature")
    func tamperedPayload() {
        let token = Self.signer.sign(Self.claims)
        let parts = token.split(separator: ".").map(String.init)
        var forged = Self.claims
        forged.sub = "admin"
        forged.exp = Int64.max
        let forgedParts = Self.signer.sign(forged).split(separator: ".").map(String.init)
        let tampered = parts[0] + "." + forgedParts[1] + "." + parts[2]
        #expect(Self.signer.verify(tampered, now: 1_500) == .failure(.badSignature))

        // Also a single-character change inside the payload segment.
        var chars = Array(token)
        let payloadStart = parts[0].count + 1
        chars[payloadStart + 3] = chars[payloadStart + 3] == "x" ? "y" : "x"
        #expect(Self.signer.verify(String(chars), now: 1_500) == .failure(.badSignature))
    }

    @Test("alg none and other algorithms are rejected", arguments: [
        #"{"alg":"none","typ":"JWT"}"#, #"{"alg":"None"}"#, #"{"alg":"HS512","typ":"JWT"}"#,
        #"{"alg":"RS256"}"#, #"{"alg":"hs256"}"#,
    ])
    func rejectsOtherAlgorithms(_ header: String) {
        let token = Self.signer.sign(Self.claims)
        let parts = token.split(separator: ".").map(String.init)
        let headerSegment = Base64URL.encode(Array(header.utf8))
        // With an empty signature (the classic "none" attack) ...
        #expect(Self.signer.verify(headerSegment + "." + parts[1] + ".", now: 1_500) == .failure(.badAlgorithm))
        // ... and with a valid HMAC over the forged header.
        let signingInput = headerSegment + "." + parts[1]
        let mac = Base64URL.encode(HMAC.sha256(key: Self.secret, message: Array(signingInput.utf8)))
        #expect(Self.signer.verify(signingInput + "." + mac, now: 1_500) == .failure(.badAlgorithm))
    }

    @Test("expiry uses the caller's virtual time: valid while now < exp")
    func expiry() {
        let token = Self.signer.sign(Self.claims)  // iat 1000, exp 4600
        #expect(Self.signer.verify(token, now: 1_000) == .success(Self.claims))
        #expect(Self.signer.verify(token, now: 4_599) == .success(Self.claims))
        #expect(Self.signer.verify(token, now: 4_600) == .failure(.expired(exp: 4_600, now: 4_600)))
        #expect(Self.signer.verify(token, now: 9_999) == .failure(.expired(exp: 4_600, now: 9_999)))
        #expect(Self.signer.verify(token, now: 999) == .failure(.notYetValid(iat: 1_000, now: 999)))
    }

    @Test("garbage is malformed, never a crash", arguments: [
        ("", TokenError.Part.structure),
        ("a.b", .structure),
        ("a.b.c.d", .structure),
        ("...", .structure),
        ("..", .header),
        ("a.b.c", .header),
        ("!!!.###.$$$", .header),
        ("eyJhbGciOiJIUzI1NiJ9", .structure),
        ("bm90IGpzb24.e30.AAAA", .header),                         // header "not json"
        ("eyJ0eXAiOiJKV1QifQ.e30.AAAA", .header),                  // header without alg
        ("eyJhbGciOjI1Nn0.e30.AAAA", .header),                     // alg is a number
        ("eyJhbGciOiJIUzI1NiJ9.e30.!!", .signature),
        ("eyJhbGciOiJIUzI1NiJ9.e30.A", .signature),
        ("eyJhbGciOiJIUzI1NiJ9=.e30.AAAA", .header),               // padding is not allowed
        ("eyJhbGciOiJIUzI1NiJ9.e30.AAAA.", .structure),
        ("é.é.é", .header),
    ])
    func garbageIsMalformed(token: String, part: TokenError.Part) {
        #expect(Self.signer.verify(token, now: 0) == .failure(.malformed(part)))
    }

    @Test("a validly signed but non-claims payload is malformed(payload)")
    func signedGarbagePayload() {
        for payload in ["e30", Base64URL.encode(Array("[1,2]".utf8)), Base64URL.encode(Array(#"{"sub":1}"#.utf8))] {
            let signingInput = "eyJhbGciOiJIUzI1NiJ9." + payload
            let mac = Base64URL.encode(HMAC.sha256(key: Self.secret, message: Array(signingInput.utf8)))
            #expect(Self.signer.verify(signingInput + "." + mac, now: 0) == .failure(.malformed(.payload)))
        }
    }

    @Test("errors describe themselves")
    func descriptions() {
        #expect(TokenError.expired(exp: 10, now: 12).description.contains("10"))
        #expect(TokenError.malformed(.signature).description.contains("signature"))
        #expect(!TokenError.badAlgorithm.description.isEmpty)
        #expect(!TokenError.badSignature.description.isEmpty)
    }
}
