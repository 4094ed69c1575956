import Glibc

/// A failed system call on a socket, an epoll instance or an event descriptor: which operation
/// failed, the `errno` it set and the system's text for it.
package struct SocketError: Error, CustomStringConvertible, Sendable {
    /// What was being done, with its subject: `connect(127.0.0.1:7000)`, `epoll_wait`.
    package var operation: String
    /// The `errno` value the call set.
    package var code: Int32

    /// Makes an error for `operation` with an explicit `errno` value.
    package init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// Makes an error for `operation` from the calling thread's current `errno`.
    /// - Returns: the error carrying the `errno` value read at once.
    package static func fromErrno(_ operation: String) -> SocketError {
        SocketError(operation, code: errno)
    }

    /// The system's text for `code` (`strerror`).
    package var systemMessage: String { String(cString: strerror(code)) }

    /// True when the peer went away (reset, broken pipe, refused, unreachable, timed out).
    package var isPeerGone: Bool {
        [ECONNRESET, EPIPE, ECONNREFUSED, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH]
            .contains(code)
    }

    /// `operation failed: text (errno N)`.
    package var description: String { "\(operation) failed: \(systemMessage) (errno \(code))" }
}

/// A `HOST:PORT` text that is not an IPv4 socket address.
package struct SocketAddressError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The text that was given.
    package var text: String
    /// What is wrong with it.
    package var reason: String

    /// Makes an error for `text`.
    package init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    /// `bad address "TEXT": REASON (expected HOST:PORT, e.g. 127.0.0.1:7000)`.
    package var description: String {
        "bad address \"\(text)\": \(reason) (expected HOST:PORT, e.g. 127.0.0.1:7000)"
    }
}
