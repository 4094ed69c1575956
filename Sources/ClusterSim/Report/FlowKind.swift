import NetModel
import Nodes

/// The flows of the architecture a newcomer learns, each found in a recorded trace by its first
/// occurrence and drawn as a ``SequenceDiagram`` from the real sends and deliveries.
package enum FlowKind: String, Sendable, CaseIterable {
    /// A node registers with the manager (the service blocker lifts), everyone is told, and it pings.
    case registration
    /// A client logs in: `Login` → a JWT.
    case login
    /// A client opens its push stream; the frontend tells the session node.
    case pushStream = "push-stream"
    /// A push to a user whose stream is on the frontend that took the request.
    case push
    /// A push to a user whose stream is on another frontend: routed by the session node.
    case pushRouting = "push-routing"
    /// A frontend crashes: its clients reconnect elsewhere, the manager removes it.
    case failover
    /// A second login of the same user: the older stream is kicked.
    case duplicateLogin = "duplicate-login"
    /// A backend call with a wrong group id is refused unrun (next to an accepted one).
    case backendAuth = "backend-auth"
    /// Requests through the gateway to a frontend.
    case gateway
    /// A chat line said in a room reaches the other members by push.
    case chat
    /// A member joins a room: the chat protocol's Korean system messages, by push.
    case chatJoin = "chat-join"
    /// The session node crashes and restarts empty: frontends re-send their streams.
    case sessionRestart = "session-restart"
    /// The management node crashes and restarts empty: every node registers again.
    case managementRestart = "management-restart"
    /// A silent node is removed after pingTimeout and fenced when it wakes.
    case removalFencing = "removal-fencing"
    /// A partition cuts a frontend off: messages dropped, removal, heal and re-registration.
    case partition
    /// Requests with a forged or an expired token are refused unrun.
    case tokenRefusal = "token-refusal"

    /// A one-line title.
    package var title: String {
        switch self {
        case .registration: "registration with the management node, then the first ping"
        case .login: "a client logs in: Login returns a JWT"
        case .pushStream: "opening the push stream"
        case .push: "a push to a user on the same frontend"
        case .pushRouting: "a push to a user on another frontend"
        case .failover: "frontend failover: crash, reconnect elsewhere, removal"
        case .duplicateLogin: "duplicate login: the last login wins, the older stream is kicked"
        case .backendAuth: "backend authentication by group id"
        case .gateway: "a login through the gateway"
        case .chat: "a chat line delivered to the room's members"
        case .chatJoin: "joining a chat room: the Korean system messages"
        case .sessionRestart: "session node restart: the frontends re-send their streams"
        case .managementRestart: "management node restart: every node registers again"
        case .removalFencing: "removal after pingTimeout, and fencing when the node wakes"
        case .partition: "a partition: dropped messages, removal, heal, re-registration"
        case .tokenRefusal: "token refusal: a forged and an expired token, decoded"
        }
    }

    /// The flows `report.md` shows, in order.
    package static let reportFlows: [FlowKind] = [.registration, .login, .pushStream, .pushRouting, .failover,
                                                 .duplicateLogin, .chat]

    /// The first occurrence of this flow in `events`.
    /// - Returns: its diagram, or nil when the trace holds no such flow.
    package func firstOccurrence(in events: [TraceEvent]) -> SequenceDiagram? {
        FlowCatalog(events).diagram(self)
    }
}

/// Finds every flow of ``FlowKind`` in one trace (the tracer's indexes are built once).
package struct FlowCatalog {
    let tracer: FlowTracer

    /// Indexes `events` (a whole trace in order).
    package init(_ events: [TraceEvent]) {
        tracer = FlowTracer(events)
    }

    var events: [TraceEvent] { tracer.events }

    static let loginLabels: Set<String> = ["Login", "Reply"]
    static let streamLabels: Set<String> = ["stream-open", "PushOpen", "PushOpened", "PushRejected", "SessionLogin"]
    static let pushLabels: Set<String> = ["MessageUser", "PushTo", "Deliver", "Push", "PushAck", "PushAckCall", "Reply"]

    /// The first occurrence of `kind`.
    /// - Returns: its diagram, or nil when the trace holds none.
    package func diagram(_ kind: FlowKind) -> SequenceDiagram? {
        let t = tracer
        switch kind {
        case .registration:
            guard let r = t.firstNodeEvent(NodeLog.registered, where: { $0.node?.role == .frontend })
                    ?? t.firstNodeEvent(NodeLog.registered, where: { $0.node?.role != .management }),
                  let node = events[r].node else { return nil }
            let path = t.sendsAbove(r) { $0.label == "Register" }
            guard let register = path.last else { return nil }
            var picked = t.cone(from: t.root(of: register)) { ["Register", "RegisterAccepted", "RegisterRejected", "Notice"].contains($0) }
            if let ping = t.first(from: r, where: { $0.kind == .send && $0.node == node && $0.label == "Ping" }) {
                picked += t.cone(from: t.root(of: ping)) { $0 == "Ping" || $0 == "Pong" }
            }
            return t.diagram(title: kind.title, picked: picked)
        case .login:
            guard let issued = t.firstNodeEvent(NodeLog.tokenIssued),
                  let login = t.sendsAbove(issued, stop: { $0.node?.role == .client }).last else { return nil }
            return t.diagram(title: kind.title, picked: t.cone(from: t.root(of: login)) { Self.loginLabels.contains($0) })
        case .pushStream:
            guard let accepted = t.firstNodeEvent(NodeLog.streamAccepted),
                  let open = t.sendsAbove(accepted, stop: { $0.label == "PushOpen" && $0.node?.role == .client }).last else { return nil }
            return t.diagram(title: kind.title, picked: t.cone(from: t.root(of: open)) { Self.streamLabels.contains($0) })
        case .push, .pushRouting:
            return push(across: kind == .pushRouting, title: kind.title)
        case .failover:
            return failover(title: kind.title)
        case .duplicateLogin:
            return duplicateLogin(title: kind.title)
        case .backendAuth:
            guard let rejected = t.firstNodeEvent(NodeLog.backendRejected),
                  let attack = t.sendsAbove(rejected).last else { return nil }
            let label = events[attack].label
            var picked = t.cone(from: attack) { $0 == label }
            if let good = t.first(where: { $0.kind == .send && $0.label == "SessionLogin" }) {
                picked += t.cone(from: good, follows: { $0 == "SessionLogin" })
            }
            return t.diagram(title: kind.title, picked: picked)
        case .gateway:
            guard let issued = t.firstNodeEvent(NodeLog.tokenIssued, where: { _ in true }) else { return nil }
            var from = issued
            while true {
                let path = t.sendsAbove(from, stop: { $0.node?.role == .client })
                if path.contains(where: { events[$0].node?.role == .gateway }), let login = path.last {
                    return t.diagram(title: kind.title, picked: t.cone(from: t.root(of: login)) { Self.loginLabels.contains($0) })
                }
                guard let next = t.firstNodeEvent(NodeLog.tokenIssued, from: from + 1) else { return nil }
                from = next
            }
        case .chat:
            guard let line = t.firstNodeEvent(NodeLog.chatLine, where: { !(NodeLog.field("members", in: $0.detail) ?? "").isEmpty }),
                  let say = t.sendsAbove(line, stop: { $0.label == "ChatCommand" && $0.node?.role == .client }).last else { return nil }
            let labels = Self.pushLabels.union(["ChatCommand", "ChatCall"])
            return t.diagram(title: kind.title, picked: t.cone(from: t.root(of: say), follows: { labels.contains($0) }, limit: 24))
        case .chatJoin:
            return chatJoin(title: kind.title)
        case .sessionRestart:
            return sessionRestart(title: kind.title)
        case .managementRestart:
            return managementRestart(title: kind.title)
        case .removalFencing:
            return removalFencing(title: kind.title)
        case .partition:
            return partition(title: kind.title)
        case .tokenRefusal:
            return tokenRefusal(title: kind.title)
        }
    }

    /// The first kick of an older stream that reached a live frontend (a kick of a crashed
    /// frontend's stale entry after a failover is not a second device), from the second login on.
    private func duplicateLogin(title: String) -> SequenceDiagram? {
        let t: FlowTracer = tracer
        var labels: Set<String> = Self.loginLabels
        labels.formUnion(Self.streamLabels)
        labels.formUnion(["KickStream", "Kicked", "SessionLogout"])
        var start = 0
        while true {
            guard let kick: Int = t.firstNodeEvent(NodeLog.sessionKick, from: start) else { return nil }
            start = kick + 1
            let path: [Int] = t.sendsAbove(kick, stop: Self.isClientLogin)
            guard let login: Int = path.last else { continue }
            let picked: [Int] = t.cone(from: t.root(of: login), follows: { (label: String) -> Bool in labels.contains(label) })
            if picked.contains(where: t.isDeliveredKick) { return t.diagram(title: title, picked: picked) }
        }
    }

    /// `2.250s`: the time from `a` to `b`.
    static func gap(from a: VirtualInstant, to b: VirtualInstant) -> String {
        SequenceDiagram.seconds(b.nanoseconds - a.nanoseconds)
    }

    private static func isClientLogin(_ e: TraceEvent) -> Bool {
        e.label == "Login" && e.node?.role == .client
    }

    /// The first push received by a client whose request went to a frontend other than (`across`)
    /// or the same as the one holding the receiver's stream.
    private func push(across: Bool, title: String) -> SequenceDiagram? {
        let t = tracer
        var from = 0
        while let received = t.firstNodeEvent(NodeLog.pushReceived, from: from) {
            from = received + 1
            let path = t.sendsAbove(received, stop: { $0.label == "MessageUser" && $0.node?.role == .client })
            guard let request = path.last, events[request].label == "MessageUser",
                  let pushTo = path.first(where: { events[$0].label == "PushTo" }),
                  let frame = path.first(where: { events[$0].label == "Push" }),
                  let taker = events[pushTo].node, let holder = events[frame].node,
                  (taker != holder) == across else { continue }
            return t.diagram(title: title, picked: t.cone(from: t.root(of: request)) { Self.pushLabels.contains($0) })
        }
        return nil
    }

    /// The first frontend crash: the crash, one of its clients reconnecting elsewhere (and the
    /// pushes resent to it), and the manager removing the frontend.
    private func failover(title: String) -> SequenceDiagram? {
        let t = tracer
        guard let crash = t.first(where: { $0.kind == .crash && $0.node?.role == .frontend }),
              let frontend = events[crash].node else { return nil }
        var picked: [Int] = []
        var notes: [(Int, String)] = [(crash, "crash")]
        if let closed = t.first(from: crash, where: { $0.kind == .streamClose && $0.node?.role == .client && $0.peer == frontend }),
           let client = events[closed].node {
            notes.append((closed, "stream to \(frontend) closed (\(events[closed].detail))"))
            if let connected = t.firstNodeEvent(NodeLog.clientConnected, from: closed, where: { $0.node == client }),
               let open = t.sendsAbove(connected, stop: { $0.label == "PushOpen" && $0.node?.role == .client }).last {
                let labels = Self.streamLabels.union(["Deliver", "Push", "PushAck", "PushAckCall"])
                picked += t.cone(from: t.root(of: open), follows: { labels.contains($0) }, limit: 16)
            }
        }
        if let removed = t.firstNodeEvent(NodeLog.nodeRemoved, from: crash, where: {
            NodeLog.field("name", in: $0.detail) == Substring(frontend.description)
        }) {
            picked.append(removed)
            notes.append((removed, "detected \(Self.gap(from: events[crash].at, to: events[removed].at)) after the crash"))
            picked += t.cone(from: t.root(of: removed)) { $0 == "Notice" || $0 == "Stop" }
        }
        return t.diagram(title: title, picked: picked, notes: notes)
    }
}
