@testable import Nodes
import Testing

@Suite("Client: reading a token's expiry")
struct ClientTokenExpiryTests {
    let signer = TokenSigner(secret: Array("k2svc-secret".utf8))

    @Test("the exp claim of a signed token, with and without the push claim")
    func signedTokens() {
        #expect(ClientCore.expiry(of: signer.sign(TokenClaims(sub: "alice", iat: 10, exp: 610))) == 610)
        #expect(ClientCore.expiry(of: signer.sign(TokenClaims(sub: "bob", iat: 0, exp: 42, push: "frontend-3"))) == 42)
    }

    @Test("malformed tokens have no expiry", arguments: ["", "abc", "a.b", "a.b.c.d", "x.!!!.y", "x.e30.y"])
    func malformed(token: String) {
        #expect(ClientCore.expiry(of: token) == nil)
    }
}
