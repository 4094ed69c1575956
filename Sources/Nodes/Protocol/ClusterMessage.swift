import NetModel

/// Every message of the cluster: node ↔ management, backend calls between nodes (carrying the
/// group id), client ↔ frontend requests, and the frames of a client's push stream.
///
/// One `Codable` enum with explicit request ids: the same values travel as Swift values on the
/// simulated network and as MessagePack on TCP.
///
/// The large payloads are boxed (`indirect`): a message is then 33 bytes instead of 122, and
/// every copy on its way through the network, the event queue and a node is a retain rather than
/// a copy of each field (11-mixed-1000: see docs/performance.md).
package enum ClusterMessage: NetworkPayload, Codable, Equatable {
    // MARK: server management service
    /// A node asks to be registered (the service blocker keeps it from serving until accepted).
    /// `incarnation` is the asking process's own id (`NodeEnvironment.incarnationID`): a copy of
    /// the same request, or a retry, is then recognised as the registration it already has.
    case register(address: String, version: String, incarnation: UInt64)
    /// Registration accepted: the node's epoch and its configuration.
    indirect case registerAccepted(epoch: UInt64, config: NodeConfig)
    /// Registration refused, with the reason.
    case registerRejected(reason: String)
    /// A registered node's liveness ping.
    case ping(epoch: UInt64)
    /// The manager's answer: `known` false means "register again" (the manager restarted); a known
    /// node also gets the current configuration, which repairs any membership notice it lost.
    indirect case pong(known: Bool, config: NodeConfig?)
    /// A clean shutdown: remove me now.
    case unregister(epoch: UInt64)
    /// The manager tells every node that another joined or left.
    case notice(MembershipNotice)
    /// Fencing: the manager removed this node's incarnation `epoch`; it must stop serving.
    case stop(epoch: UInt64)

    // MARK: backend (server ↔ server), authenticated by the cluster's group id
    /// A backend call; `group` must equal the cluster's group id or the call is rejected unrun.
    indirect case backend(group: String, BackendCall)

    // MARK: client ↔ frontend (directly or through the gateway)
    /// A client request (every one but `login` carries a token).
    indirect case request(ClientRequest)
    /// The answer to a request.
    indirect case reply(ClientReply)

    // MARK: the push stream
    /// First frame on a new push stream: the client's token.
    case pushOpen(token: String)
    /// The stream is accepted; the renewed token names this push frontend (pushes the session
    /// node still holds for the user follow on the stream, and the client acknowledges them).
    case pushOpened(token: String)
    /// The stream is refused (bad token, not registered yet).
    case pushRejected(reason: String)
    /// One push, numbered per user.
    indirect case push(PushFrame)
    /// The client's cumulative acknowledgement of `generation`'s pushes.
    case pushAck(upTo: UInt64, generation: UInt64)
    /// The stream is being closed by the server (a newer login elsewhere, fencing).
    case kicked(reason: String)

    /// The stable trace label of the message kind.
    package var traceLabel: String {
        switch self {
        case .register: "Register"
        case .registerAccepted: "RegisterAccepted"
        case .registerRejected: "RegisterRejected"
        case .ping: "Ping"
        case .pong: "Pong"
        case .unregister: "Unregister"
        case .notice: "Notice"
        case .stop: "Stop"
        // Matched without binding the call: a binding would copy it out of its box on every send
        // and every delivery.
        case .backend(_, .sessionLogin): "SessionLogin"
        case .backend(_, .sessionLoginAck): "SessionLoginAck"
        case .backend(_, .sessionLogout): "SessionLogout"
        case .backend(_, .sessionResync): "SessionResync"
        case .backend(_, .resyncRequest): "ResyncRequest"
        case .backend(_, .pushTo): "PushTo"
        case .backend(_, .broadcast): "BroadcastCall"
        case .backend(_, .deliver): "Deliver"
        case .backend(_, .ack), .backend(_, .acks): "PushAckCall"
        case .backend(_, .kickStream): "KickStream"
        case .backend(_, .kick): "KickCall"
        case .backend(_, .isOnline): "IsOnlineCall"
        case .backend(_, .chat), .backend(_, .chatCommands): "ChatCall"
        case .backend(_, .executed): "Executed"
        case .backend(_, .service): "BackendService"
        // A batch of one kind of call (a chat node's pushes, a session node's answers or its
        // deliveries to a door) is labelled as that call, so flows read the same; a mixed one "Batch".
        case .backend(_, .batch(let calls)): Self.batchLabel(calls)
        case .request(let r): r.traceLabel
        case .reply: "Reply"
        case .pushOpen: "PushOpen"
        case .pushOpened: "PushOpened"
        case .pushRejected: "PushRejected"
        case .push: "Push"
        case .pushAck: "PushAck"
        case .kicked: "Kicked"
        }
    }
}

extension ClusterMessage {
    /// The trace label of a batch of `calls`: their common label, "Batch" when they differ or there are none.
    static func batchLabel(_ calls: [BackendCall]) -> String {
        // Kinds compared without labels: a label is read through a boxed `ClusterMessage`.
        guard let first = calls.first else { return "Batch" }
        let kind = first.kind
        for call in calls.dropFirst() where call.kind != kind { return "Batch" }
        return first.traceLabel
    }
}

/// One push as it travels to a client.
package struct PushFrame: Codable, Equatable, Sendable {
    /// Per-user sequence number, from 1.
    package var seq: UInt64
    /// The push's cluster-wide id (for checkers).
    package var pushID: UInt64
    /// What the push says (a message, a chat line, a system notice).
    package var body: PushBody
    /// Virtual instant (ns) the push was accepted, for latency metrics.
    package var acceptedAt: Int64
    /// The outbox generation (the session node's incarnation): a new one restarts numbering.
    package var generation: UInt64
    /// The lowest sequence number the outbox may still send (below it: delivered or given up).
    package var floor: UInt64
    /// The user it is for.
    package var user: String
    /// Makes a frame.
    package init(user: String, seq: UInt64, pushID: UInt64, body: PushBody, acceptedAt: Int64, generation: UInt64,
                floor: UInt64) {
        self.user = user
        self.seq = seq
        self.pushID = pushID
        self.body = body
        self.acceptedAt = acceptedAt
        self.generation = generation
        self.floor = floor
    }
}

/// The content of a push.
package enum PushBody: Codable, Hashable, Sendable {
    /// A message from another user.
    case message(from: String, text: String)
    /// A broadcast.
    case broadcast(text: String)
    /// A chat event (system text, a line from a member, a room list).
    case chat(ChatPush)
}

/// A chat event delivered by push.
package enum ChatPush: Codable, Hashable, Sendable {
    /// A system message (`[bob] 님이 입장했습니다.` …).
    case system(String)
    /// A line said by `member` in the room.
    case line(member: String, text: String, messageID: UInt64)
    /// The answer to /rooms.
    case rooms([ChatRoomInfo])
    /// Broadcast by a chat node when it starts: it has no rooms (a restart lost them); members
    /// put themselves back in their rooms (`ChatCommand.restore`).
    case restarted
}
