extension ChatPush {
    /// The chat effect this push stands for, addressed to `member`: how a chat door turns the
    /// chat node's pushes back into what the standalone server would have sent.
    /// - Returns: `.system` for a system text, `.chat` (the speaker's display name and the text;
    ///   the line's id is dropped) for a line, `.rooms` for a room list, member names in order.
    package func effect(for member: ChatMemberID) -> ChatEffect {
        switch self {
        case .system(let text):
            return .system(to: member, text: text)
        case .line(let speaker, let text, _):
            return .chat(to: member, from: speaker, text: text)
        case .rooms(let rooms):
            return .rooms(to: member, rooms)
        case .restarted:
            return .system(to: member, text: ChatText.restarted)
        }
    }
}
