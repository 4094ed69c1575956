extension NodeLog {
    /// At the node that executes a client request (a frontend: State, Login, IsOnline; the
    /// session node: MessageUser, Broadcast, Kick, and the chat node's pushes as ChatPush; the
    /// chat node: ChatCommand): executed, once. `origin=X req=I service=S`
    public static let requestExecuted = "request-executed"
    /// At the executing node: a copy of an executed request, answered with the first answer and
    /// not executed again. `origin=X req=I service=S`
    public static let requestRepeat = "request-repeat"
    /// At the session node: a push request is in the outbox (K users; 0 for a broadcast with no
    /// one online). `push=P origin=X req=I users=K`
    public static let pushHeld = "push-held"
    /// At a node: a backend call it could neither run nor hold. `call=C from=N reason=R`
    public static let callDropped = "call-dropped"
    /// At a client: a push delivered before (same push id under an earlier outbox generation)
    /// dropped. `push=P seq=Q gen=G`
    public static let pushRepeat = "push-repeat"
    /// At the chat node: a chat push given up (its outbox to the session node was full). `push=P`
    public static let chatPushDropped = "chat-push-dropped"
    /// At a client: it put itself back in its room after the chat node forgot it. `room=R title=T`
    public static let chatRestored = "chat-restored"
}
