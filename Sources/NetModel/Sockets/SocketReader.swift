/// Why `SocketReader.read` stopped reading a connection.
package enum SocketReadStop: Sendable {
    /// The socket had nothing more (a short read or `EAGAIN`).
    case drained
    /// The connection's input budget ran out: its outbound buffer is over what the caller allows
    /// (or the caller's handler asked to pause). Stop watching it for input until it drains.
    case budget
    /// The turn's quota of reads was used; more may wait (read again next turn: fairness).
    case quota
    /// The peer closed its end.
    case closed
    /// The read failed (reset by the peer).
    case failed(SocketError)
    /// The handler stopped (it closed the connection, or the server is stopping).
    case stopped
}

/// The read loop of every server of the project: reads a connection's socket in chunks into one
/// shared buffer and hands each chunk to a handler, checking the input budget *before every
/// read* — a connection whose outbound buffer is over its limit is not read until it drains, so a
/// sender cannot make the server queue more for a reader that does not keep up while the loop
/// is still reading it — and reading at most `maxReads` chunks per turn, so one busy connection
/// cannot starve the others.
package struct SocketReader {
    /// The shared chunk buffer (owned: freed by `deallocate()`).
    package let buffer: UnsafeMutableRawBufferPointer
    /// Most chunks read from one connection in one turn.
    package let maxReads: Int

    /// A reader with a chunk buffer of `chunk` bytes reading at most `maxReads` chunks per turn.
    package init(chunk: Int = 64 * 1024, maxReads: Int = 16) {
        buffer = .allocate(byteCount: chunk, alignment: 16)
        self.maxReads = maxReads
    }

    /// Frees the chunk buffer.
    package func deallocate() { buffer.deallocate() }

    /// Reads `socket` while `mayRead()` allows (the input budget), handing each chunk to
    /// `consume`, which returns false to stop (it closed the connection).
    /// - Returns: why it stopped, and how many bytes it read.
    @inline(__always)
    package func read(
        _ socket: Socket, mayRead: () -> Bool, consume: (UnsafeRawBufferPointer) -> Bool
    ) -> (stop: SocketReadStop, bytes: Int) {
        var total = 0
        for _ in 0..<maxReads {
            guard mayRead() else { return (.budget, total) }
            let result: ReadResult
            do {
                result = try socket.read(into: buffer)
            } catch let error as SocketError {
                return (.failed(error), total)
            } catch {
                return (.failed(SocketError("read(fd \(socket.fd))", code: 0)), total)
            }
            switch result {
            case .wouldBlock: return (.drained, total)
            case .closed: return (.closed, total)
            case .bytes(let n):
                total += n
                guard consume(UnsafeRawBufferPointer(rebasing: buffer[..<n])) else { return (.stopped, total) }
                if n < buffer.count { return (.drained, total) }  // a short read emptied the socket
            }
        }
        return (.quota, total)
    }
}
