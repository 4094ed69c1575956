import NetModel

/// The chat door's logic as a value type: its members (the chat server's connections) and their
/// cluster user names, their commands on one stream to the chat node, the pushes that come back
/// through the session node (one delivery per push for every member here, split into one
/// `PushInbox` per member: duplicates dropped, gaps held), the acknowledgements (one `acks` call
/// per flush), the re-syncs to the session node and whether the cluster can take commands.
///
/// Each event (a connection opening, a client message, a connection closing, a backend call, a
/// management message, a timer, …) goes in with what the management link knows (`Link`) and
/// comes out as the actions `ChatDoorNode`, the actor shell, carries out in order: sends,
/// effects for the chat server's connections, timers as data, trace records.
///
/// The stream to the chat node is the core's to open and close: it numbers them (`ChatStream`)
/// and the shell maps the number to the transport's stream id. An open is an action in its place
/// among the others, so the trace shows it where the door decided it.
struct ChatDoorCore {
    /// What the shell does, in order.
    enum Action: Equatable {
        /// Send a backend call (with the cluster's group id) to a node.
        case send(BackendCall, to: NodeName)
        /// Open a stream to the chat node, known to the core as `ChatStream`.
        case openChatStream(ChatStream, to: NodeName)
        /// Send a backend call on the chat stream.
        case sendOnChatStream(BackendCall, ChatStream)
        /// Close the chat stream.
        case closeChatStream(ChatStream)
        /// Hand effects to the chat server's connections (the door's sink).
        case effects([ChatEffect])
        /// Tell the chat server whether commands can reach the cluster now (`isReady` changed).
        case readinessChanged(Bool)
        /// Call `fire(timer, …)` after `after`.
        case schedule(Timer, after: Duration)
        /// Record an event in the trace.
        case log(String, TraceDetail)
        /// Record a backend call the door did not expect.
        case unexpected(BackendCall, from: NodeName)
    }

    /// A timer of the door.
    enum Timer: Equatable, Sendable {
        /// Send every member to the session node again (every `resyncPeriod`, for the door's life).
        case resync
        /// Send the acknowledgements waiting since the first of them (`ackDelay`).
        case flushAcks
    }

    /// One stream to the chat node, numbered from 1 in the order the core opened them.
    struct ChatStream: Hashable, Sendable {
        /// The stream's number.
        let number: UInt64
    }

    /// What the door's management link knows when an event is handled.
    struct Link: Equatable {
        /// Registered and not fenced.
        var isServing: Bool
        /// The peers membership notices and the manager's configurations announced.
        var config: NodeConfig
    }

    /// One connection of the chat server, as the cluster knows it.
    struct DoorMember: Sendable {
        /// The member's user name in the cluster.
        var user: String
        /// The name the connection joined with (its peer address).
        var defaultName: String
        /// The connection number the session node knows it by.
        var connection: UInt64
        /// When it joined (the session's `since`).
        var since: Int64
        /// Pushes received, in sequence order, duplicates dropped (under the session outbox
        /// generation they are numbered in).
        var inbox = PushInbox<PushBody>()
    }

    /// A member's latest cumulative acknowledgement, not sent yet.
    struct PendingAck: Equatable, Sendable {
        /// Every push up to this sequence number was received.
        var upTo: UInt64
        /// The session outbox generation the numbers belong to.
        var generation: UInt64
        /// The session node that sent the pushes.
        var session: NodeName
    }

    /// How often the door re-sends its members to the session node (as a frontend re-sends its
    /// push streams): repairs a lost login and rebuilds a restarted session node's map.
    static let resyncPeriod: Duration = .seconds(5)
    /// How long an acknowledgement may wait to be sent with the others (the session node resends
    /// what is unacknowledged after a second).
    static let ackDelay: Duration = .milliseconds(10)

    /// The door's node name (its members' push frontend).
    let name: NodeName
    /// Drawn once per incarnation: a restarted door never reuses a user name whose pushes the
    /// session node may still hold.
    let tag: String
    /// What every member's user name starts with: `d` and the door's number, then the tag,
    /// slash-separated (`d1/TAG/`). Short on purpose: a name of up to 15 bytes is held inside its
    /// `String` without an allocation, and every push, delivery and ack carries one per member.
    let userPrefix: String
    /// The high bits of this incarnation's chat line ids (`PushIDLayout.prefix`).
    let lineIDPrefix: UInt64
    /// The connections, by the server's member id.
    var members: [ChatMemberID: DoorMember] = [:]
    /// Member ids by cluster user name.
    var users: [String: ChatMemberID] = [:]
    /// The session connection number of the next member.
    var nextConnection: UInt64 = 1
    /// The stream the commands go on, and the chat node it goes to.
    var chatStream: (stream: ChatStream, node: NodeName)?
    private var streamsOpened: UInt64 = 0
    /// Acknowledgements waiting to be sent, by user (see `queueAck`).
    var pendingAcks: [String: PendingAck] = [:]
    /// Whether a `.flushAcks` timer is pending.
    var ackFlushScheduled = false
    /// The last configuration the manager sent (registration, pongs): it lists addresses.
    var heard = NodeConfig(sessionNode: nil, frontends: [])
    /// `isReady` as last told to the chat server.
    var reportedReady = false
    /// The counter of the next chat line id.
    var nextLine: UInt64 = 1

    /// The link for the event being handled.
    private(set) var link = Link(isServing: false, config: NodeConfig(sessionNode: nil, frontends: []))
    /// The clock reading of the event being handled.
    private(set) var now: VirtualInstant = .zero
    private var actions: [Action] = []
    /// The estimated size of the last message put on the chat stream (what a command joining it adds to).
    private var lastMessageBytes = 0

    /// The core of door `name`, its user names tagged `tag`, its line ids under `lineIDPrefix`.
    /// Use `makeChatDoorCore(…)`.
    init(name: NodeName, tag: String, lineIDPrefix: UInt64) {
        self.name = name
        self.tag = tag
        self.userPrefix = "d\(name.index)/\(tag)/"
        self.lineIDPrefix = lineIDPrefix
    }

    // MARK: reading

    /// The session node to call: registered, and listed in a configuration from the manager.
    func sessionNode(_ link: Link) -> NodeName? { addressed(link.config.sessionNode, heard.sessionNode) }

    /// The chat node to send commands to: registered, and listed in a configuration from the manager.
    func chatNode(_ link: Link) -> NodeName? { addressed(link.config.chatNode, heard.chatNode) }

    /// Whether commands can reach the cluster: registered, with a session and a chat node.
    func isReady(_ link: Link) -> Bool { link.isServing && sessionNode(link) != nil && chatNode(link) != nil }

    /// The cluster user name of each connected member, by member id (sorted by member id).
    var memberUsers: [(member: ChatMemberID, user: String)] {
        members.keys.sorted().compactMap { id in members[id].map { (id, $0.user) } }
    }

    /// A peer the membership notices know, once a configuration from the manager (which carries
    /// addresses: a real runtime learns them from it) has listed it too. A node announced only by
    /// a notice has no known address yet on TCP: what is sent to it would be lost.
    private func addressed(_ known: NodeConfig.Peer?, _ listed: NodeConfig.Peer?) -> NodeName? {
        guard let name = known?.name, listed?.name == name else { return nil }
        return name
    }

    // MARK: helpers

    /// Opens a new chat stream (the next number) to `chat`.
    mutating func openChatStream(to chat: NodeName) -> ChatStream {
        streamsOpened += 1
        let stream = ChatStream(number: streamsOpened)
        chatStream = (stream, chat)
        actions.append(.openChatStream(stream, to: chat))
        return stream
    }

    /// Closes the chat stream, if one is open.
    mutating func dropChatStream() {
        guard let open = chatStream else { return }
        chatStream = nil
        actions.append(.closeChatStream(open.stream))
    }

    /// The most commands one `chatCommands` message carries.
    static let maxCommandsPerMessage = 256
    /// The most estimated bytes of commands one `chatCommands` message carries
    /// (`BackendCall.estimatedSize`): 256 lines of 16 KiB would not fit a TCP frame's 1 MiB.
    static let maxCommandBytesPerMessage = CallBatch.maxBytes

    /// Sends `call` on the chat stream `stream` (an action). A member's command that follows
    /// another one on the same stream, with no other action between them, joins it in one
    /// `chatCommands` message (up to `maxCommandsPerMessage`): the chat node applies them in the
    /// same order.
    mutating func sendOnChatStream(_ call: BackendCall, _ stream: ChatStream) {
        let size = call.estimatedSize
        if case .chat(let user, let command, nil) = call, case .sendOnChatStream(let previous, stream)? = actions.last {
            let next = DoorCommand(user: user, command: command)
            switch previous {
            case .chat(let first, let firstCommand, nil) where lastMessageBytes + size <= Self.maxCommandBytesPerMessage:
                actions[actions.count - 1] = .sendOnChatStream(.chatCommands([DoorCommand(user: first, command: firstCommand), next]),
                                                               stream)
                lastMessageBytes += size
                return
            case .chatCommands(var commands) where commands.count < Self.maxCommandsPerMessage
                && lastMessageBytes + size <= Self.maxCommandBytesPerMessage:
                commands.append(next)
                actions[actions.count - 1] = .sendOnChatStream(.chatCommands(commands), stream)
                lastMessageBytes += size
                return
            default:
                break
            }
        }
        actions.append(.sendOnChatStream(call, stream))
        lastMessageBytes = size
    }

    /// Sends `call` to `node` (an action).
    mutating func send(_ call: BackendCall, to node: NodeName) {
        actions.append(.send(call, to: node))
    }

    /// Hands `effects` to the chat server's connections (an action).
    mutating func effects(_ effects: [ChatEffect]) {
        actions.append(.effects(effects))
    }

    /// Tells the chat server whether commands can reach the cluster now (an action).
    mutating func readinessChanged(_ ready: Bool) {
        actions.append(.readinessChanged(ready))
    }

    /// Schedules `timer` after `delay` (an action).
    mutating func schedule(_ timer: Timer, after delay: Duration) {
        actions.append(.schedule(timer, after: delay))
    }

    /// Records `label` with `detail` in the trace (an action).
    mutating func log(_ label: String, _ detail: TraceDetail) {
        actions.append(.log(label, detail))
    }

    /// Records a backend call the door did not expect (an action).
    mutating func unexpected(_ call: BackendCall, from source: NodeName) {
        actions.append(.unexpected(call, from: source))
    }

    /// Starts an event: its link and clock reading, no actions yet.
    mutating func begin(_ link: Link, _ now: VirtualInstant) {
        self.link = link
        self.now = now
        actions = []
    }

    /// Ends an event.
    /// - Returns: its actions, in order.
    mutating func end() -> [Action] {
        defer { actions = [] }
        return actions
    }
}

/// One call of the chat server to its door, as the door takes several at once
/// (`ChatDoorCore.take(_:link:now:)`): the connections' opens, messages and closes, in the order
/// the server made them.
package enum ChatDoorCall: Sendable {
    /// A connection opened (`ChatDoorCore.open`).
    case open(ChatMemberID, name: String)
    /// A client message (`ChatDoorCore.handle`).
    case message(ChatClientMessage, from: ChatMemberID)
    /// A connection closed (`ChatDoorCore.close`).
    case close(ChatMemberID)
}

extension ChatDoorCore.Link {
    /// What `link` knows now.
    init(_ link: ManagementLink) {
        self.init(isServing: link.isServing, config: link.config)
    }
}

/// A chat door's core for door `name` (chat door 1 unless told) in incarnation `incarnation`: its
/// user names carry the incarnation's tag, its line ids `PushIDLayout.prefix(node:incarnation:)`.
/// - Returns: a core with no members; call `start(now:)` when the door starts.
func makeChatDoorCore(name: NodeName = NodeName(.chatDoor, 1), incarnation: UInt64 = 1) -> ChatDoorCore {
    ChatDoorCore(name: name, tag: String(incarnation & 0xFF_FFFF, radix: 36),
                 lineIDPrefix: PushIDLayout.prefix(node: name, incarnation: incarnation))
}
