/// Why the chat server could not start or a connection was closed.
package enum ChatServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The listening socket could not be made (address in use, bad host, no permission).
    case listen(host: String, port: Int, reason: String)
    /// The event-loop machinery (epoll, eventfd) could not be created.
    case eventLoop(String)
    /// The system refused to start a thread.
    case threadStart(errno: Int32)
    /// The configuration is not usable; the text names the setting.
    case configuration(String)

    /// A one-line explanation that says what was wrong.
    package var description: String {
        switch self {
        case .listen(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason) (choose another --port or --host)"
        case .eventLoop(let reason):
            return "cannot set up the event loop: \(reason)"
        case .threadStart(let code):
            return "cannot start an event-loop thread (error \(code)); try fewer --workers"
        case .configuration(let reason):
            return "bad chat server configuration: \(reason)"
        }
    }
}
