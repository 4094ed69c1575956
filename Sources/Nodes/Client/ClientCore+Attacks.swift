import Foundation
import NetModel

extension ClientCore {
    /// One attack, chosen at random: a request with a forged token, a request replaying this
    /// client's first token after it expired, or a backend call with a wrong group id sent straight
    /// to the session node. The cluster must refuse each without running it.
    mutating func attack() {
        guard isConnected, loadPhase, let victim = plan.users.first(where: { $0 != plan.user }) else { return }
        let pick = random() % 3
        // Replayed only once it is expired on every frontend: node clocks may differ by up to the
        // token leeway (5 s), and a frontend whose clock is behind still accepts it until then.
        if pick == 1, let first = firstToken, nowSeconds >= first.exp + 5 {
            let req = request(.broadcast(text: "replayed"), token: first.token, attack: true)
            append(.logAttack(kind: "expired-token", service: "Broadcast", request: req, token: first.token))
        } else if pick == 2 {
            let call = BackendCall.kick(user: victim, request: RequestKey(origin: name, id: 0))
            send(.backend(group: "intruder", call), to: .session)
            append(.logAttack(kind: "wrong-group", service: call.traceLabel, request: nil, token: nil))
        } else {
            let forged = Self.forge(token, as: victim)
            let req = request(.kick(user: victim), token: forged, attack: true)
            append(.logAttack(kind: "forged-token", service: "Kick", request: req, token: forged))
        }
    }

    /// `token` with its claims rewritten to `user` and the original signature kept: the forgery
    /// an attacker without the secret can make.
    static func forge(_ token: String, as user: String) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return "forged" }
        let claims = TokenClaims(sub: user, iat: 0, exp: Int64.max / 2)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = (try? encoder.encode(claims)).map { Base64URL.encode(Array($0)) } ?? "e30"
        return "\(parts[0]).\(payload).\(parts[2])"
    }

    /// The claims of `token` as trace fields (`sub`, `iat`, `exp`, and `push`, `grp` when set),
    /// decoded without checking the signature: what the attacker sent, for the reader of the trace.
    static func claimFields(of token: String) -> [TraceDetail.Field] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(bytes: Array(parts[1].utf8)),
              let claims = TokenClaims.decode(bytes) else { return [("claims", .text("unreadable"))] }
        var fields: [TraceDetail.Field] = [("sub", .text(claims.sub)), ("iat", .signed(claims.iat)), ("exp", .signed(claims.exp))]
        if let push = claims.push { fields.append(("push", .text(push))) }
        if let grp = claims.grp { fields.append(("grp", .text(grp))) }
        return fields
    }

    /// The `exp` claim of a token (clients read it to know when to replay).
    static func expiry(of token: String) -> Int64? {
        // Read from the token's contiguous UTF-8 (native strings have it) as a byte buffer;
        // through `String.UTF8View` indices the same steps cost several times more.
        if let exp = token.utf8.withContiguousStorageIfAvailable({ expiry(ofUTF8: $0) }) { return exp }
        return expiry(ofUTF8: Array(token.utf8))
    }

    /// The `exp` claim of a token given as its UTF-8 bytes.
    private static func expiry<Bytes: RandomAccessCollection<UInt8>>(ofUTF8 utf8: Bytes) -> Int64? {
        guard let first = utf8.firstIndex(of: UInt8(ascii: ".")),
              let second = utf8[utf8.index(after: first)...].firstIndex(of: UInt8(ascii: ".")),
              !utf8[utf8.index(after: second)...].contains(UInt8(ascii: ".")),
              let bytes = Base64URL.decode(bytes: utf8[utf8.index(after: first)..<second]),
              let claims = TokenClaims.decode(bytes) else { return nil }
        return claims.exp
    }
}
