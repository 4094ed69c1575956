/// The largest names, passwords and tokens a frontend accepts from a client, in UTF-8 bytes.
/// A request over a limit is refused with `Refusal.tooLarge(field)` before anything of it is
/// verified, executed or remembered, so an unauthenticated client cannot grow a frontend with
/// huge logins.
package struct RequestLimits: Sendable, Equatable {
    /// Most bytes of a user name (a login's user, a message's or kick's or is-online's target).
    package var userBytes: Int
    /// Most bytes of a login's password.
    package var passwordBytes: Int
    /// Most bytes of a token (the frontend's own tokens are ~200 bytes).
    package var tokenBytes: Int
    /// Most bytes of a service's encoded request (as received from a socket).
    package var payloadBytes: Int

    /// Limits in bytes; the defaults are well above what the cluster's own clients send.
    package init(userBytes: Int = 256, passwordBytes: Int = 256, tokenBytes: Int = 2_048, payloadBytes: Int = 16_384) {
        self.userBytes = userBytes
        self.passwordBytes = passwordBytes
        self.tokenBytes = tokenBytes
        self.payloadBytes = payloadBytes
    }

    /// The limits every frontend applies.
    package static let standard = RequestLimits()

    /// Why `request` is too large, if it is.
    /// - Returns: `.tooLarge(field)` naming the first field over its limit, or nil when it fits.
    package func refusal(for request: ClientRequest) -> Refusal? {
        if request.token.utf8.count > tokenBytes { return .tooLarge("token") }
        let payload = request.call.payload
        if case .encoded(let bytes) = payload, bytes.count > payloadBytes { return .tooLarge("payload") }
        // The built-in services' user names (a request that does not decode is the service's to refuse).
        switch request.call.service {
        case LoginService.name:
            guard let login = try? payload.decode(as: LoginRequest.self) else { return nil }
            if login.user.utf8.count > userBytes { return .tooLarge("user") }
            if login.password.utf8.count > passwordBytes { return .tooLarge("password") }
        case MessageService.name:
            if let message = try? payload.decode(as: MessageRequest.self), message.to.utf8.count > userBytes { return .tooLarge("user") }
        case KickService.name:
            if let kick = try? payload.decode(as: KickRequest.self), kick.user.utf8.count > userBytes { return .tooLarge("user") }
        case IsOnlineService.name:
            if let ask = try? payload.decode(as: IsOnlineRequest.self), ask.user.utf8.count > userBytes { return .tooLarge("user") }
        default:
            break
        }
        return nil
    }
}
