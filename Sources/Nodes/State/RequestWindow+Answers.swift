/// An answer a `RequestWindow` remembers: packed into its entry when it fits one word and a kind
/// byte, kept whole beside the entries otherwise.
package protocol WindowAnswer: Sendable {
    /// This answer as a kind (below 254) and one word, or nil to keep it whole.
    var packed: (kind: UInt8, word: UInt64)? { get }
    /// The answer `packed` gave `kind` and `word` for.
    init(kind: UInt8, word: UInt64)
}

extension ClientResult: WindowAnswer {
    /// `.ok`, a flag and an accepted push id pack (most answers a window holds: reads and
    /// writes); a token, a room, a refusal or a service's reply is kept whole.
    package var packed: (kind: UInt8, word: UInt64)? {
        switch self {
        case .ok: (0, 0)
        case .flag(let value): (1, value ? 1 : 0)
        case .accepted(let pushID): (2, pushID)
        case .token, .joined, .refused, .reply: nil
        }
    }

    /// The answer `packed` gave `kind` and `word` for.
    package init(kind: UInt8, word: UInt64) {
        switch kind {
        case 0: self = .ok
        case 1: self = .flag(word != 0)
        default: self = .accepted(pushID: word)
        }
    }
}
