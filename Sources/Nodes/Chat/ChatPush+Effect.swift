extension ChatPush {
    /// What a chat door's member is told when the chat node restarted (its rooms are gone; a
    /// person at the course client joins again by hand).
    public static let restartedText = "채팅 서버가 다시 시작되었습니다. 방에 다시 들어가세요. (chat node restarted: join your room again)"

    /// The chat effect this push stands for, addressed to `member`: how a chat door turns the
    /// chat node's pushes back into what the standalone server would have sent.
    /// - Returns: `.system` for a system text, `.chat` (the speaker's display name and the text;
    ///   the line's id is dropped) for a line, `.rooms` for a room list, member names in order.
    public func effect(for member: ChatMemberID) -> ChatEffect {
        switch self {
        case .system(let text):
            return .system(to: member, text: text)
        case .line(let speaker, let text, _):
            return .chat(to: member, from: speaker, text: text)
        case .rooms(let summaries):
            return .rooms(to: member, summaries.map { ChatRoomInfo(roomID: $0.roomID, title: $0.title, members: $0.members) })
        case .restarted:
            return .system(to: member, text: Self.restartedText)
        }
    }
}
