import Testing
@testable import Nodes

@Suite("Bounded logins and token cache")
struct RequestLimitsTests {
    @Test("each oversized field is refused by name; requests within the limits pass")
    func limits() {
        let limits = RequestLimits(userBytes: 8, passwordBytes: 8, tokenBytes: 16)
        func request(_ service: ClientService, token: String = "") -> ClientRequest {
            ClientRequest(requestID: 1, token: token, call: service.call)
        }
        #expect(limits.refusal(for: request(.login(user: "user-1", password: "pw"))) == nil)
        #expect(limits.refusal(for: request(.login(user: "user-1234", password: "pw"))) == .tooLarge("user"))
        #expect(limits.refusal(for: request(.login(user: "u", password: "123456789"))) == .tooLarge("password"))
        #expect(limits.refusal(for: request(.state, token: String(repeating: "t", count: 17))) == .tooLarge("token"))
        #expect(limits.refusal(for: request(.message(to: "user-1234", text: "hi"))) == .tooLarge("user"))
        #expect(limits.refusal(for: request(.kick(user: "user-1234"))) == .tooLarge("user"))
        #expect(Refusal.tooLarge("user").label == "too-large:user")
        #expect(!Refusal.tooLarge("user").isRetryable)
        // Bytes, not characters: eight two-byte letters are sixteen bytes.
        #expect(limits.refusal(for: request(.login(user: String(repeating: "é", count: 8), password: ""))) == .tooLarge("user"))
        // Any service's request as it comes off a socket is bounded too.
        let big = ClientRequest(requestID: 1, token: "", call: ServiceCall(service: "Inventory.Add", payload: .encoded(Array(repeating: 0, count: 16_385))))
        #expect(RequestLimits.standard.refusal(for: big) == .tooLarge("payload"))
    }

    @Test("the verified-token cache is bounded in bytes: a huge entry is not kept, many starts it afresh")
    func cacheBytes() {
        var cache = VerifiedTokenCache(limit: 1_000, byteLimit: 10_000)
        let claims = TokenClaims(sub: "user-1", iat: 0, exp: 10)
        cache.remember(String(repeating: "x", count: 20_000), TokenClaims(sub: "big", iat: 0, exp: 10))
        #expect(cache.count == 0 && cache.bytes == 0)
        for i in 0..<200 { cache.remember("token-\(i)-" + String(repeating: "y", count: 100), claims) }
        #expect(cache.bytes <= 10_000)
        #expect(cache.count < 200)
        #expect(cache.claims(for: "token-199-" + String(repeating: "y", count: 100)) == claims)
    }

    @Test("the verified-token cache: a token with another's fingerprint replaces it, and a full cache starts afresh")
    func cacheEntries() {
        var cache = VerifiedTokenCache(limit: 3, byteLimit: 10_000)
        let one = TokenClaims(sub: "one", iat: 0, exp: 10), two = TokenClaims(sub: "two", iat: 0, exp: 10)
        cache.remember("aaaa.SIGNATUR", one)
        cache.remember("bbbbbb.SIGNATUR", two)
        #expect(cache.count == 1 && cache.bytes == VerifiedTokenCache.entryBytes("bbbbbb.SIGNATUR", two))
        #expect(cache.claims(for: "aaaa.SIGNATUR") == nil && cache.claims(for: "bbbbbb.SIGNATUR") == two)
        cache.remember("c.cccc1234", one)
        cache.remember("d.dddd1234", one)
        #expect(cache.count == 3 && cache.claims(for: "c.cccc1234") == one && cache.claims(for: "bbbbbb.SIGNATUR") == two)
        cache.remember("e.eeee1234", two)
        #expect(cache.count == 1 && cache.claims(for: "c.cccc1234") == nil && cache.claims(for: "e.eeee1234") == two)
    }
}
