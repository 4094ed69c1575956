import NetModel

/// Why a cluster-backed chat server's door could not start.
package enum ChatDoorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The name is not a chat door's (`chat-door-N`).
    case badName(String)
    /// The door's TCP network or listener could not be set up.
    case network(String)

    /// A one-line explanation that says what was wrong and what to do.
    package var description: String {
        switch self {
        case .badName(let text):
            return "a chat door is named chat-door-N (N from 1, one per chat server of the cluster), got '\(text)'"
        case .network(let reason):
            return "cannot start the chat door's network: \(reason) (choose another --listen address)"
        }
    }
}
