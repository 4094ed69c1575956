/// The largest names, passwords and tokens a frontend accepts from a client, in UTF-8 bytes.
/// A request over a limit is refused with `Refusal.tooLarge(field)` before anything of it is
/// verified, executed or remembered, so an unauthenticated client cannot grow a frontend with
/// huge logins.
public struct RequestLimits: Sendable, Equatable {
    /// Most bytes of a user name (a login's user, a message's or kick's or is-online's target).
    public var userBytes: Int
    /// Most bytes of a login's password.
    public var passwordBytes: Int
    /// Most bytes of a token (the frontend's own tokens are ~200 bytes).
    public var tokenBytes: Int

    /// Limits in bytes; the defaults are well above what the cluster's own clients send.
    public init(userBytes: Int = 256, passwordBytes: Int = 256, tokenBytes: Int = 2_048) {
        self.userBytes = userBytes
        self.passwordBytes = passwordBytes
        self.tokenBytes = tokenBytes
    }

    /// The limits every frontend applies.
    public static let standard = RequestLimits()

    /// Why `request` is too large, if it is.
    /// - Returns: `.tooLarge(field)` naming the first field over its limit, or nil when it fits.
    public func refusal(for request: ClientRequest) -> Refusal? {
        if request.token.utf8.count > tokenBytes { return .tooLarge("token") }
        switch request.service {
        case .login(let user, let password):
            if user.utf8.count > userBytes { return .tooLarge("user") }
            if password.utf8.count > passwordBytes { return .tooLarge("password") }
        case .message(let to, _):
            if to.utf8.count > userBytes { return .tooLarge("user") }
        case .kick(let user), .isOnline(let user):
            if user.utf8.count > userBytes { return .tooLarge("user") }
        case .state, .broadcast, .chat:
            break
        }
        return nil
    }
}
