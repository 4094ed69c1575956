extension NodeLog {
    /// At a node: a backend call it could neither run nor hold. `call=C from=N reason=R`
    public static let callDropped = "call-dropped"
    /// At a client: a push delivered before (same push id under an earlier outbox generation)
    /// dropped. `push=P seq=Q gen=G`
    public static let pushRepeat = "push-repeat"
    /// At a client: a chat line shown before (said again by a restarted chat node) dropped. `msg=M`
    public static let chatRepeat = "chat-repeat"
    /// At the chat node: a chat push given up (its outbox to the session node was full). `push=P`
    public static let chatPushDropped = "chat-push-dropped"
    /// At a client: it put itself back in its room after the chat node forgot it. `room=R title=T`
    public static let chatRestored = "chat-restored"
}
