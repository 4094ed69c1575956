import Foundation
import Testing
@testable import Nodes

@Suite("Token claims JSON fast path agrees with Foundation")
struct TokenClaimsJSONTests {
    static let samples: [TokenClaims] = [
        TokenClaims(sub: "user-1", iat: 0, exp: 600),
        TokenClaims(sub: "user-1000", iat: 1_234_567, exp: 1_235_167, push: "frontend-3"),
        TokenClaims(sub: "a b/c", iat: -5, exp: Int64.max, push: nil, grp: "shard-9"),
        TokenClaims(sub: "quote\"back\\slash", iat: 1, exp: 2),
        TokenClaims(sub: "한글", iat: 1, exp: 2, push: "p\tq"),
    ]

    static func foundation(_ c: TokenClaims) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(c))
    }

    @Test("the fast encoder writes Foundation's bytes, or declines", arguments: samples)
    func encodesLikeFoundation(claims: TokenClaims) throws {
        let expected = try Self.foundation(claims)
        if let fast = claims.sortedJSON() {
            #expect(fast == expected, "\(String(decoding: fast, as: UTF8.self))")
        } else {
            #expect(claims.sub.contains("\"") || claims.push?.contains("\t") == true)
        }
        #expect(TokenClaims.decode(expected) == claims)
    }

    @Test("the fast decoder declines what it does not know, and decode still reads it")
    func declinesOtherShapes() {
        let spaced = Array(#"{ "exp": 5, "iat": 1, "sub": "u" }"#.utf8)
        #expect(TokenClaims(flatJSON: spaced) == nil)
        #expect(TokenClaims.decode(spaced) == TokenClaims(sub: "u", iat: 1, exp: 5))
        let unknown = Array(#"{"exp":5,"iat":1,"sub":"u","x":1}"#.utf8)
        #expect(TokenClaims(flatJSON: unknown) == nil)
        #expect(TokenClaims.decode(unknown) == TokenClaims(sub: "u", iat: 1, exp: 5))
        for bad in [#"{"exp":5,"iat":1}"#, #"{"exp":05,"iat":1,"sub":"u"}"#, #"{"exp":5,"exp":6,"iat":1,"sub":"u"}"#,
                    #"{"exp":99999999999999999999,"iat":1,"sub":"u"}"#, #"{"exp":5,"iat":1,"sub":"u"} "#, "", "{"] {
            #expect(TokenClaims(flatJSON: Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test("a signed token verifies to the same claims through either path")
    func signAndVerify() {
        let signer = TokenSigner(secret: Array("k".utf8))
        for c in Self.samples {
            let now = max(c.iat, 0)
            #expect(signer.verify(signer.sign(c), now: now, leeway: 0) == .success(c))
        }
    }
}
