import NetModel

/// Who may stop the chat server with `/shutdown` (the course client has the command; a server
/// that anyone on the network can stop is not one to keep running).
package enum ChatShutdownPolicy: String, Sendable, CaseIterable {
    /// Only clients connecting from a loopback address (127.0.0.0/8): the default.
    case loopbackOnly = "loopback"
    /// Any client (the reference server's behaviour).
    case anyone = "any"
    /// Nobody: `/shutdown` is always refused (stop the server with SIGTERM or SIGINT).
    case never

    /// Whether a client at `peer` may stop the server.
    /// - Parameter peer: the client's address; nil when it is not known (refused unless `.anyone`).
    /// - Returns: true to stop, false to refuse.
    package func allows(peer: SocketAddress?) -> Bool {
        switch self {
        case .anyone: return true
        case .never: return false
        case .loopbackOnly:
            guard let host = peer?.host else { return false }
            return host.hasPrefix("127.")
        }
    }

    /// The system message a refused client gets, saying why.
    package var refusal: String {
        switch self {
        case .never: return "/shutdown 거부: 이 서버는 /shutdown 을 받지 않습니다 (refused: this server was started with --no-shutdown; stop it with SIGTERM)"
        case .loopbackOnly, .anyone: return "/shutdown 거부: 같은 호스트(127.0.0.1)의 클라이언트만 서버를 멈출 수 있습니다 (refused: only a client on the server's own host may stop it)"
        }
    }
}
