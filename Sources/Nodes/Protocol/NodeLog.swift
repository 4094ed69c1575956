import NetModel

/// The vocabulary of node-level trace events (`TraceKind.node`): what nodes record so that
/// checkers and metrics can reason about a run from its trace alone.
///
/// Each event has a stable label and a detail of ordered `key=value` fields (`TraceDetail`), kept
/// structured in memory and written as space-separated text (values contain no spaces; lists are
/// comma-separated). Read a written detail with `NodeLog.fields(_:)`.
public enum NodeLog {
    /// At the manager: it had not run for a while (paused) and forgave the nodes that silence. `asleep-ms=T`
    public static let managerWoke = "manager-woke"
    /// At a node: registration accepted. `epoch=E`
    public static let registered = "registered"
    /// At a node: registration refused. `reason=R`
    public static let registerRejected = "register-rejected"
    /// At a node: the manager fenced it (Stop); it serves nothing more. `epoch=E`
    public static let fenced = "fenced"
    /// At the manager: a node joined. `name=N epoch=E`
    public static let nodeJoined = "node-joined"
    /// At the manager: a node was removed. `name=N epoch=E reason=pingTimeout|unregistered|reregistered last-heard-ns=T`
    public static let nodeRemoved = "node-removed"
    /// At the session node: a push stream registered. `user=U frontend=F conn=C`
    public static let sessionLogin = "session-login"
    /// At the session node: a logout. `user=U frontend=F conn=C removed=true|false`
    public static let sessionLogout = "session-logout"
    /// At the session node: an older stream kicked (last login wins, or a kick request). `user=U frontend=F conn=C`
    public static let sessionKick = "session-kick"
    /// At the session node: a removed frontend's users dropped. `frontend=F users=K`
    public static let sessionDropFrontend = "session-drop-frontend"
    /// At the session node: a frontend re-sent its streams. `frontend=F streams=K`
    public static let sessionResync = "session-resync"
    /// At a frontend: a push stream accepted. `user=U conn=C`
    public static let streamAccepted = "stream-accepted"
    /// At a frontend: a push stream ended. `user=U conn=C reason=R`
    public static let streamEnded = "stream-ended"
    /// At a frontend: a login token issued. `user=U exp=S` (seconds of the frontend's clock)
    public static let tokenIssued = "token-issued"
    /// At a frontend: a client request served. `client=X service=S user=U req=I`
    public static let requestServed = "request-served"
    /// At a frontend: a client request refused. `client=X service=S reason=R req=I`
    public static let requestRejected = "request-rejected"
    /// At a server: a backend call from a non-server node (a client) passed the group check and ran.
    /// Calls between servers are not logged one by one. `call=C from=N`
    public static let backendExecuted = "backend-executed"
    /// At a server: a backend call refused for its group id, handler not run. `call=C from=N group=G`
    public static let backendRejected = "backend-rejected"
    /// At the session node: a push accepted and numbered. `push=P user=U seq=Q gen=G`
    public static let pushAccepted = "push-accepted"
    /// At the session node: an unacknowledged push given up after the retention window. `push=P user=U seq=Q`
    public static let pushExpired = "push-expired"
    /// At a frontend: a push written to a user's stream. `push=P user=U seq=Q`
    public static let pushForwarded = "push-forwarded"
    /// At a client: a push delivered to the application (first time). `push=P user=U seq=Q gen=G latency-ns=L`
    public static let pushReceived = "push-received"
    /// At a client: a duplicate push dropped by sequence number. `push=P seq=Q`
    public static let pushDuplicate = "push-duplicate"
    /// At a client: its push stream is open and accepted. `frontend=F conn=C`
    public static let clientConnected = "client-connected"
    /// At a client: its push stream ended. `frontend=F reason=R`
    public static let clientDisconnected = "client-disconnected"
    /// At a client: a request's outcome: its reply, or `result=error reason=no-answer` when it gave up after
    /// its retries. `service=S result=ok|error reason=R req=I`, with `push=P` for an accepted push
    /// and `msg=M` for a chat line
    public static let clientReply = "client-reply"
    /// At the node that executes a client request (a frontend for State and Login; the session
    /// node for MessageUser, Broadcast, Kick, IsOnline and the chat node's pushes, ChatPush; the
    /// chat node for ChatCommand): the
    /// request's effect was applied, logged once per execution. `origin=X req=I service=S`
    /// (X: the node that sent the request, a client or a chat door; I: its request id; S: the
    /// request's trace label)
    public static let requestExecuted = "request-executed"
    /// At the node that executes a client request: a copy of a request it already executed,
    /// answered with the first answer and not executed again. `origin=X req=I service=S`
    public static let requestRepeat = "request-repeat"
    /// At the session node: a push request (a message or a broadcast) is held in its outbox for
    /// K users (0 for a broadcast with nobody online). `push=P origin=X req=I users=K`
    public static let pushHeld = "push-held"
    /// At the chat node: a line said in a room. `msg=M room=R sender=U members=a,b,c text=T` (members: every
    /// other member present; T: the line, spaces written `_`)
    public static let chatLine = "chat-line"
    /// At a client: a chat line received. `msg=M from=NAME text=T`
    public static let chatReceived = "chat-received"
    /// At a client: a system message of the chat protocol received, e.g. `text=[user-2]_님이_입장했습니다.`
    /// (the seed's exact Korean texts; spaces written `_`)
    public static let chatSystem = "chat-system"
    /// At a client (misbehaving on purpose): an attack sent. `kind=forged-token|expired-token|wrong-group
    /// id=M service=S` (M: the network message id) and, for token attacks, `req=I` (the request id) and the
    /// token's decoded claims `sub=U iat=S exp=S` (plus `push=F`, `grp=G` when set)
    public static let attackSent = "attack-sent"
    /// At the chat node: the members a removed node (a chat door) had connected were
    /// disconnected. `node=N members=K`
    public static let chatMembersDropped = "chat-members-dropped"
    /// At a chat door: a chat connection joined or left the cluster. `user=U event=connect|disconnect`
    public static let chatDoorMember = "chat-door-member"
    /// At a chat door: a client's command could not reach the cluster. `user=U reason=R`
    public static let chatDoorRefused = "chat-door-refused"
    /// At any node: a message it did not expect or could not decode. `from=N what=W`
    public static let unexpected = "unexpected-message"

    /// Reads one field of a text detail without building a dictionary.
    /// - Returns: the value of `key`, or nil when the detail has no such field.
    public static func field(_ key: String, in detail: String) -> Substring? {
        TraceDetail.field(key, in: detail)
    }

    /// Reads a detail's fields.
    /// - Returns: the `key=value` pairs as a dictionary (later keys win).
    public static func fields(_ detail: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in detail.split(separator: " ") {
            guard let eq = part.firstIndex(of: "=") else { continue }
            out[String(part[..<eq])] = String(part[part.index(after: eq)...])
        }
        return out
    }
}
