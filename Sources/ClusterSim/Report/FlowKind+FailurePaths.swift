import NetModel
import Nodes

/// The flows of failure: what the cluster does when a node restarts, goes silent, is cut off, or
/// is sent a bad token — each the first occurrence in a trace, as in ``FlowCatalog/diagram(_:)``.
extension FlowCatalog {
    static let registrationLabels: Set<String> = ["Ping", "Pong", "Register", "RegisterAccepted", "RegisterRejected", "Notice"]

    /// The first join of a chat room that told an earlier member `[NAME] 님이 입장했습니다.`: the
    /// joiner's command, the chat node's system messages and their pushes.
    func chatJoin(title: String) -> SequenceDiagram? {
        let t = tracer
        var from = 0
        while let told = t.firstNodeEvent(NodeLog.chatSystem, from: from, where: { Self.isEntryNotice($0.fields.text("text") ?? "") }) {
            from = told + 1
            guard let join = t.sendsAbove(told, stop: { $0.label == "ChatCommand" && $0.node?.role == .client }).last,
                  events[join].label == "ChatCommand" else { continue }
            let labels: Set<String> = ["ChatCommand", "ChatCall", "PushTo", "Deliver", "Push", "Reply"]
            return t.diagram(title: title, picked: t.cone(from: join, follows: { labels.contains($0) }, limit: 16))
        }
        return nil
    }

    /// Whether `text` is `[NAME] 님이 입장했습니다.` (spaces as written, or as `_` in a trace read back).
    static func isEntryNotice(_ text: String) -> Bool {
        text.hasPrefix("[") && (text.hasSuffix("님이 입장했습니다.") || text.hasSuffix("님이_입장했습니다."))
    }

    /// The first crash of the session node: a call lost with it, its restart and registration,
    /// its requests for the frontends' streams and their re-syncs, then the first request it runs again.
    func sessionRestart(title: String) -> SequenceDiagram? {
        let t = tracer
        guard let crash = t.first(where: { $0.kind == .crash && $0.node?.role == .session }), let session = events[crash].node,
              let restart = t.first(from: crash, where: { $0.kind == .restart && $0.node == session }) else { return nil }
        var picked: [Int] = []
        if let lost = t.first(from: crash, where: { $0.kind == .drop && $0.node == session && $0.detail == "crashed" && $0.peer?.role == .frontend }),
           let send = t.send(of: lost) {
            picked.append(send)
        }
        if let registered = t.firstNodeEvent(NodeLog.registered, from: restart, where: { $0.node == session }),
           let register = t.sendsAbove(registered, stop: { $0.label == "Register" }).last {
            let labels = Self.registrationLabels.union(["ResyncRequest", "SessionResync"])
            picked += t.cone(from: t.root(of: register), follows: { labels.contains($0) }, limit: 16)
            if let executed = t.firstNodeEvent(NodeLog.requestExecuted, from: registered, where: { $0.node == session }),
               let call = t.sendsAbove(executed).first {
                picked += t.cone(from: call, follows: { ["PushTo", "Deliver", "Push", "Executed", "Reply"].contains($0) }, limit: 5)
            }
        }
        return t.diagram(title: title, picked: picked, notes: [
            (crash, "crash: the session table, the outbox and every message in flight are lost"),
            (restart, "restart: an empty session node, blocked until registered"),
        ])
    }

    /// The first crash of the management node: pings lost, its restart, and the first node whose
    /// ping is answered "unknown" registering again.
    func managementRestart(title: String) -> SequenceDiagram? {
        let t = tracer
        guard let crash = t.first(where: { $0.kind == .crash && $0.node?.role == .management }), let manager = events[crash].node,
              let restart = t.first(from: crash, where: { $0.kind == .restart && $0.node == manager }) else { return nil }
        var picked: [Int] = []
        if let lost = t.first(from: crash, where: { $0.kind == .drop && $0.node == manager && $0.label == "Ping" }),
           let send = t.send(of: lost) {
            picked.append(send)
        }
        guard let registered = t.firstNodeEvent(NodeLog.registered, from: restart, where: { $0.node != manager }),
              let ping = t.sendsAbove(registered, stop: { $0.label == "Ping" }).last else { return nil }
        picked += t.cone(from: t.root(of: ping), follows: { Self.registrationLabels.contains($0) }, limit: 8)
        return t.diagram(title: title, picked: picked, notes: [
            (crash, "crash: the registry (every node, every epoch) is lost"),
            (restart, "restart: an empty registry that knows no node"),
        ])
    }

    /// The first node fenced: it went silent (paused), the manager removed it after pingTimeout,
    /// told the others and sent it Stop, which it reads when it wakes.
    func removalFencing(title: String) -> SequenceDiagram? {
        let t = tracer
        guard let fenced = t.firstNodeEvent(NodeLog.fenced), let node = events[fenced].node,
              let stop = t.sendsAbove(fenced).first, events[stop].label == "Stop" else { return nil }
        var picked = t.cone(from: t.root(of: stop), follows: { $0 == "Notice" || $0 == "Stop" })
        var notes: [(Int, String)] = []
        if let removed = picked.first(where: { events[$0].label == NodeLog.nodeRemoved }),
           let heard = events[removed].fields.signed("last-heard-ns") {
            notes.append((removed, "removed \(Self.gap(from: VirtualInstant(nanoseconds: heard), to: events[removed].at)) after its last ping was heard"))
        }
        picked += t.all(from: fenced, where: { $0.kind == .node && $0.node == node && $0.label == NodeLog.streamEnded }).prefix(2)
        if let pause = t.last(before: fenced, where: { $0.kind == .pause && $0.node == node }) {
            notes.append((pause, "paused: it sends nothing, and hears nothing"))
            if let ping = t.last(before: pause, where: { $0.kind == .send && $0.node == node && $0.label == "Ping" }) {
                picked.append(ping)
            }
        }
        if let resume = t.first(from: t.root(of: stop), where: { $0.kind == .resume && $0.node == node }) {
            notes.append((resume, "resumes: the held Stop is delivered first"))
        }
        if let exit = t.first(from: fenced, where: { $0.kind == .crash && $0.node == node }) {
            notes.append((exit, "exits: a fenced node serves nothing more"))
        }
        return t.diagram(title: title, picked: picked, notes: notes)
    }

    /// The first partition that cut a node's pings: a dropped ping, the removal and its Stop lost
    /// in the partition, the heal, and the node registering again.
    func partition(title: String) -> SequenceDiagram? {
        let t = tracer
        guard let cut = t.first(where: { $0.kind == .partition }),
              let dropped = t.first(from: cut, where: { $0.kind == .drop && $0.detail == "partition" && $0.label == "Ping" }),
              let ping = t.send(of: dropped), let node = events[ping].node else { return nil }
        var picked = [ping]
        var placed: [(Int, NodeName, String)] = [(cut, node, "partition: " + events[cut].detail)]
        let heal = t.first(from: cut, where: { $0.kind == .heal })
        if let removed = t.firstNodeEvent(NodeLog.nodeRemoved, from: cut, where: { $0.fields.text("name") == node.description }),
           heal.map({ removed < $0 }) ?? true {
            picked.append(removed)
            picked += t.cone(from: t.root(of: removed), follows: { $0 == "Notice" || $0 == "Stop" })
        }
        if let resync = t.first(from: cut, where: { $0.kind == .drop && $0.detail == "partition" && $0.node?.role == .session && $0.peer == node }),
           let send = t.send(of: resync) {
            picked.append(send)
        }
        if let heal {
            placed.append((heal, node, "heal: " + events[heal].detail))
            if let registered = t.firstNodeEvent(NodeLog.registered, from: heal, where: { $0.node == node }),
               let register = t.sendsAbove(registered, stop: { $0.label == "Register" }).last {
                picked += t.cone(from: t.root(of: register), follows: { Self.registrationLabels.contains($0) }, limit: 6)
            }
        }
        return t.diagram(title: title, picked: picked, placedNotes: placed)
    }

    /// The first request with a forged token and the first with an expired one: the attacker's
    /// note with the token's decoded claims, the request, the refusal and the reply.
    func tokenRefusal(title: String) -> SequenceDiagram? {
        let t = tracer
        var picked: [Int] = []
        var notes: [(Int, String)] = []
        for kind in ["forged-token", "expired-token"] {
            guard let attack = t.firstNodeEvent(NodeLog.attackSent, where: { $0.fields.text("kind") == kind }),
                  let id = events[attack].fields.number("id"),
                  let request = t.last(before: attack + 1, where: { $0.kind == .send && $0.messageID == id }) else { continue }
            let f = events[attack].fields
            let claims = ["sub", "iat", "exp", "push", "grp"].compactMap { k in f.text(k).map { "\(k): \($0)" } }
            notes.append((attack, "\(kind) (\(f.text("service") ?? "?")): claims {" + claims.joined(separator: ", ") + "}"))
            picked += t.cone(from: request, follows: { $0 == events[request].label || $0 == "Reply" }, limit: 2)
        }
        guard !picked.isEmpty else { return nil }
        return t.diagram(title: title, picked: picked, notes: notes)
    }
}

extension FlowTracer {
    /// The send of the delivery, drop or duplicate at `i`, if known.
    func send(of i: Int) -> Int? {
        let s = Int(links.sendOf[i])
        return s >= 0 ? s : nil
    }

    /// The index of the last event before `index` for which `test` holds.
    func last(before index: Int, where test: (TraceEvent) -> Bool) -> Int? {
        var i = min(index, events.count) - 1
        while i >= 0 {
            if test(events[i]) { return i }
            i -= 1
        }
        return nil
    }

    /// Every event at or after `from` for which `test` holds, in trace order.
    func all(from: Int, where test: (TraceEvent) -> Bool) -> [Int] {
        (from..<events.count).filter { test(events[$0]) }
    }
}
