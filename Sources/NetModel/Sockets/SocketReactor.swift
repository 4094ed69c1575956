import Glibc

/// What a `SocketReactor` calls on the thread that runs it: the per-socket handler of one
/// server (the TCP network's reactor, one chat-server loop).
package protocol SocketReactorHandler: AnyObject {
    /// epoll reported `event` for a descriptor the handler registered (never the wake-up).
    func reactor(_ reactor: SocketReactor, didReport event: EPollEvent)
    /// Another thread signalled the wake-up (it was drained already).
    func reactorWasWoken(_ reactor: SocketReactor)
    /// The end of one turn (after every report of one `epoll_wait`): flush output, run due
    /// timers.
    /// - Returns: false to stop the loop.
    func reactorDidFinishTurn(_ reactor: SocketReactor) -> Bool
    /// Milliseconds until the handler's next timer (-1 for none); asked before each wait.
    func reactorTimeout(_ reactor: SocketReactor) -> Int32
    /// `epoll_wait` failed; the loop stops after this call.
    func reactor(_ reactor: SocketReactor, didFail error: SocketError)
}

/// The one event loop of the project's servers: an epoll set, an eventfd through which other
/// threads wake it, and a coarse monotonic clock read once per turn (`now`). Everything else —
/// which descriptors, what a connection is, when to write — is the handler's.
///
/// Both the TCP network (`TCPReactor`, one per `TCPNetwork`) and every loop of the standalone
/// chat server (`ChatServerWorker`) run on it, with `OutboundBuffer`, `SocketReader`,
/// `ListenerAcceptor` and `ConnectionDeadlines` for the parts every connection needs.
package final class SocketReactor: @unchecked Sendable {
    /// The token of the wake-up descriptor; handlers use any other.
    package static let wakeupToken = UInt64.max
    /// The epoll set; register descriptors with tokens other than `wakeupToken`.
    package let epoll: EPoll
    /// Signal it from any thread to get `reactorWasWoken` on the loop's thread.
    package let wakeup: Wakeup
    /// Milliseconds of the monotonic clock when the current turn began (read once per turn).
    package private(set) var now: Int64

    /// A reactor with room for `maxEvents` reports per wait.
    /// - Throws: `SocketError` when epoll or the eventfd cannot be made.
    package init(maxEvents: Int = 512) throws {
        epoll = try EPoll(maxEvents: maxEvents)
        do {
            wakeup = try Wakeup()
            try epoll.register(fd: wakeup.fd, events: .readable, token: Self.wakeupToken)
        } catch {
            epoll.close()
            throw error
        }
        now = Self.monotonicMilliseconds()
    }

    /// Runs turns on the calling thread until the handler's `reactorDidFinishTurn` returns false
    /// or a wait fails.
    package func run<Handler: SocketReactorHandler>(_ handler: Handler) {
        var events: [EPollEvent] = []
        events.reserveCapacity(epoll.maxEvents)
        while true {
            do {
                try epoll.wait(timeoutMilliseconds: handler.reactorTimeout(self), into: &events)
            } catch let error as SocketError {
                handler.reactor(self, didFail: error)
                return
            } catch {
                handler.reactor(self, didFail: SocketError("epoll_wait", code: 0))
                return
            }
            now = Self.monotonicMilliseconds()
            for event in events {
                if event.token == Self.wakeupToken {
                    wakeup.drain()
                    handler.reactorWasWoken(self)
                } else {
                    handler.reactor(self, didReport: event)
                }
            }
            guard handler.reactorDidFinishTurn(self) else { return }
        }
    }

    /// Closes the eventfd and the epoll set (after the loop returned).
    package func close() {
        wakeup.close()
        epoll.close()
    }

    /// Milliseconds until `deadline` from the current turn's `now`, clamped for `epoll_wait`
    /// (0 when due).
    package func timeout(until deadline: Int64) -> Int32 {
        Int32(clamping: max(0, deadline - now))
    }

    /// The monotonic clock in milliseconds.
    package static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
