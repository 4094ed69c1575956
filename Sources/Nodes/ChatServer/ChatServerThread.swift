import Glibc

/// A named POSIX thread that runs one closure and can be joined: the chat server's event loops
/// run on these so that `/shutdown` can wait for every one of them to finish.
final class ChatServerThread: @unchecked Sendable {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    private var handle: pthread_t
    private var joined = false

    /// Starts a thread running `body`.
    /// - Throws: `ChatServerError.threadStart` when the system refuses a new thread.
    init(_ body: @escaping @Sendable () -> Void) throws(ChatServerError) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw .threadStart(errno: status)
        }
        handle = thread
    }

    /// Waits for the thread's closure to return (once; later calls return at once).
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(handle, nil)
    }
}
