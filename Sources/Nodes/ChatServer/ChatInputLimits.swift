/// The largest names, room titles and chat lines (in UTF-8 bytes) a chat client may send.
///
/// Each is copied into what others receive — a name into every line its member says and every
/// `/rooms` answer, a title into `/rooms` — so an unbounded one multiplies memory and traffic.
/// A message over its bound is refused with a system message saying which bound and by how much;
/// the connection stays open and nothing else changes.
package struct ChatInputLimits: Equatable, Sendable {
    /// Most bytes of a `/name` (default 64).
    package var maxNameBytes: Int
    /// Most bytes of a `/create` title (default 256).
    package var maxTitleBytes: Int
    /// Most bytes of a chat line (default 16,384, the default frame size: a larger `--max-frame` does not let longer lines through).
    package var maxLineBytes: Int

    /// Limits with the given bounds.
    package init(maxNameBytes: Int = 64, maxTitleBytes: Int = 256, maxLineBytes: Int = 16_384) {
        self.maxNameBytes = maxNameBytes
        self.maxTitleBytes = maxTitleBytes
        self.maxLineBytes = maxLineBytes
    }

    /// Checks the bounds.
    /// - Throws: `ChatServerError.configuration` for a bound below 1.
    func validate() throws(ChatServerError) {
        guard maxNameBytes >= 1, maxTitleBytes >= 1, maxLineBytes >= 1 else {
            throw .configuration("name, title and line limits must be at least 1 byte")
        }
    }

    /// Why `message` is refused, or nil when it is within the bounds.
    /// - Returns: the system message for the sender (Korean, as the server's other texts, then
    ///   English), naming the bound.
    package func refusal(for message: ChatClientMessage) -> String? {
        switch message {
        case .name(let name):
            let size = name.utf8.count
            guard size > maxNameBytes else { return nil }
            return "이름이 너무 깁니다: \(size) 바이트, 최대 \(maxNameBytes) 바이트 (name refused: \(size) bytes, at most \(maxNameBytes))"
        case .createRoom(let title):
            let size = title.utf8.count
            guard size > maxTitleBytes else { return nil }
            return "방제가 너무 깁니다: \(size) 바이트, 최대 \(maxTitleBytes) 바이트 (title refused: \(size) bytes, at most \(maxTitleBytes))"
        case .chat(let text):
            let size = text.utf8.count
            guard size > maxLineBytes else { return nil }
            return "메시지가 너무 깁니다: \(size) 바이트, 최대 \(maxLineBytes) 바이트 (line refused: \(size) bytes, at most \(maxLineBytes))"
        case .rooms, .joinRoom, .leaveRoom, .shutdown:
            return nil
        }
    }
}
