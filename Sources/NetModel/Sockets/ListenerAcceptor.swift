import Glibc

/// Accepting on a listening socket at the descriptor limit, for every server of the project.
///
/// When `accept` fails with `EMFILE`/`ENFILE` (the process or the system is out of descriptors)
/// the pending clients would otherwise wait in the backlog with no answer, and a level-triggered
/// listener would spin. The acceptor keeps one spare descriptor (`/dev/null`): at the limit it
/// gives the spare back, accepts each pending client and closes it at once (the client sees the
/// connection close promptly), then takes the spare again. When even that fails, the caller
/// stops watching the listener for `backoffMilliseconds` (accept back-off).
package final class ListenerAcceptor {
    /// What one `acceptNext()` gave.
    package enum Outcome {
        /// A new connection.
        case accepted(Socket)
        /// No client is pending.
        case drained
        /// Out of descriptors: `shed` pending clients were accepted and closed at once; when
        /// `pause` is true the listener must not be watched for `backoffMilliseconds`.
        case exhausted(SocketError, shed: Int, pause: Bool)
    }

    /// The listening socket.
    package let listener: Socket
    /// How long to stop watching the listener when shedding failed.
    package let backoffMilliseconds: Int64
    private var spare: Int32

    /// An acceptor on `listener`, taking its spare descriptor now.
    package init(listener: Socket, backoffMilliseconds: Int64 = 100) {
        self.listener = listener
        self.backoffMilliseconds = backoffMilliseconds
        spare = Self.openSpare()
    }

    deinit { if spare >= 0 { _ = Glibc.close(spare) } }

    /// Accepts one pending connection.
    /// - Returns: the connection, `.drained`, or `.exhausted` at the descriptor limit (after
    ///   shedding the pending clients).
    package func acceptNext() -> Outcome {
        do {
            guard let socket = try listener.accept() else { return .drained }
            return .accepted(socket)
        } catch let error as SocketError where error.code == EMFILE || error.code == ENFILE {
            let shed = shedPending()
            return .exhausted(error, shed: shed, pause: shed == 0)
        } catch let error as SocketError {
            return .exhausted(error, shed: 0, pause: true)
        } catch {
            return .exhausted(SocketError("accept", code: 0), shed: 0, pause: true)
        }
    }

    /// Accepts and closes every pending client using the spare descriptor.
    /// - Returns: how many were closed.
    private func shedPending() -> Int {
        guard spare >= 0 else {
            spare = Self.openSpare()
            return 0
        }
        _ = Glibc.close(spare)
        spare = -1
        var shed = 0
        while shed < 4096, let socket = try? listener.accept() {
            socket.close()
            shed += 1
        }
        spare = Self.openSpare()
        return shed
    }

    private static func openSpare() -> Int32 {
        open("/dev/null", O_RDONLY | O_CLOEXEC)
    }
}
