import NetModel

/// Several backend calls from one node to another as one message (`BackendCall.batch`): the
/// calls one event of the sender produced for that node, in order. The receiver takes each as
/// if it had come alone, in the same order: numbering, acknowledgement, resends and
/// exactly-once stay per call (each `pushTo` keeps its request key, each `executed` answers one,
/// each `deliver` numbers its recipients).
///
/// `CallBatch.messages(_:)` cuts a list of calls into messages: one call alone as itself, more
/// as batches of at most `maxCalls` calls and about `maxBytes` encoded bytes (far below a TCP
/// frame's 1 MiB, whatever the lines, room lists or recipients they carry); a call too large
/// for any batch goes alone. Batches never nest.
package enum CallBatch {
    /// The most calls in one batch.
    package static let maxCalls = 256
    /// The most estimated encoded bytes in one batch (`BackendCall.estimatedSize`).
    package static let maxBytes = 256 * 1024

    /// `calls` as messages, in order: runs of consecutive calls as batches (each within
    /// `maxCalls` and `maxBytes`), a run of one as the call itself.
    package static func messages(_ calls: [BackendCall]) -> [BackendCall] {
        guard calls.count > 1 else { return calls }
        var out: [BackendCall] = []
        var run: [BackendCall] = []
        var bytes = 0
        func close() {
            if run.count == 1 { out.append(run[0]) } else if run.count > 1 { out.append(.batch(run)) }
            run = []
            bytes = 0
        }
        for call in calls {
            let size = call.estimatedSize
            if !run.isEmpty, run.count == maxCalls || bytes + size > maxBytes { close() }
            run.append(call)
            bytes += size
        }
        close()
        return out
    }
}

extension BackendCall {
    /// An upper estimate of the call's MessagePack size in bytes (keys, strings, numbers), for
    /// keeping batches far below a TCP frame. Calls other than the chat path's are counted
    /// generously.
    package var estimatedSize: Int {
        switch self {
        case .pushTo(let users, _, let body, _, let request):
            return 96 + body.estimatedSize + request.estimatedSize + users.reduce(0) { $0 + $1.utf8.count + 5 }
        case .broadcast(_, let body, _, let request):
            return 96 + body.estimatedSize + request.estimatedSize
        case .deliver(let d):
            return 128 + d.body.estimatedSize + d.recipients.reduce(0) { $0 + $1.user.utf8.count + 24 }
        case .executed(let request, let result):
            return 64 + request.estimatedSize + result.estimatedSize
        case .chat(let user, let command, let request):
            return 64 + user.utf8.count + command.estimatedSize + (request?.estimatedSize ?? 0)
        case .chatCommands(let commands):
            return 64 + commands.reduce(0) { $0 + $1.user.utf8.count + $1.command.estimatedSize + 8 }
        case .ack(let user, _, _):
            return 64 + user.utf8.count
        case .acks(let acks):
            return 32 + acks.reduce(0) { $0 + $1.user.utf8.count + 24 }
        case .sessionLogin(let user, _, _, _), .sessionLoginAck(let user, _), .sessionLogout(let user, _, _),
             .kickStream(let user, _, _), .kick(let user, _), .isOnline(let user, _):
            return 256 + user.utf8.count
        case .sessionResync(_, let entries, _):
            return 128 + entries.reduce(0) { $0 + $1.user.utf8.count + 40 }
        case .resyncRequest:
            return 32
        case .service:
            return CallBatch.maxBytes   // payloads of any size: sent alone
        case .batch(let calls):
            return 16 + calls.reduce(0) { $0 + $1.estimatedSize }
        }
    }
}

extension BackendCall {
    /// The call's case, as a number (for telling whether the calls of a batch are of one kind
    /// without building their labels).
    var kind: Int {
        switch self {
        case .sessionLogin: 0
        case .sessionLoginAck: 1
        case .sessionLogout: 2
        case .sessionResync: 3
        case .resyncRequest: 4
        case .pushTo: 5
        case .broadcast: 6
        case .deliver: 7
        case .ack: 8
        case .acks: 9
        case .kickStream: 10
        case .kick: 11
        case .isOnline: 12
        case .chat: 13
        case .chatCommands: 14
        case .executed: 15
        case .service: 16
        case .batch: 17
        }
    }
}

extension PushBody {
    /// An upper estimate of the body's encoded size in bytes.
    var estimatedSize: Int {
        switch self {
        case .message(let from, let text): 48 + from.utf8.count + text.utf8.count
        case .broadcast(let text): 32 + text.utf8.count
        case .chat(.system(let text)): 40 + text.utf8.count
        case .chat(.line(let member, let text, _)): 64 + member.utf8.count + text.utf8.count
        case .chat(.restarted): 32
        case .chat(.rooms(let rooms)):
            32 + rooms.reduce(0) { $0 + 48 + $1.title.utf8.count + $1.members.reduce(0) { $0 + $1.utf8.count + 5 } }
        }
    }
}

extension ChatCommand {
    /// An upper estimate of the command's encoded size in bytes.
    var estimatedSize: Int {
        switch self {
        case .name(let text), .create(let text), .say(let text, _), .restore(_, let text), .connect(let text):
            40 + text.utf8.count
        case .rooms, .join, .leave, .disconnect:
            40
        }
    }
}

extension RequestKey {
    /// An upper estimate of the key's encoded size in bytes.
    var estimatedSize: Int { 64 + origin.description.utf8.count }
}

extension ClientResult {
    /// An upper estimate of the result's encoded size in bytes (a service's reply counts as a
    /// whole batch: it goes alone).
    var estimatedSize: Int {
        switch self {
        case .ok, .flag, .accepted: 32
        case .token(let token): 32 + token.utf8.count
        case .joined(_, let title): 48 + title.utf8.count
        case .refused: 512
        case .reply: CallBatch.maxBytes
        }
    }
}

extension CallBatch {
    /// The calls one event sends to nodes that take batches, gathered per destination (in the
    /// order each destination first came up, each one's calls in order) and then sent as
    /// `CallBatch.messages`.
    package struct Outgoing {
        private var byNode: [(node: NodeName, calls: [BackendCall])] = []

        /// Nothing gathered.
        package init() {}

        /// Whether nothing is gathered.
        package var isEmpty: Bool { byNode.isEmpty }

        /// Gathers `call` for `node`.
        package mutating func add(_ call: consuming BackendCall, to node: NodeName) {
            if let last = byNode.indices.last, byNode[last].node == node {
                byNode[last].calls.append(call)
            } else if let i = byNode.firstIndex(where: { $0.node == node }) {
                byNode[i].calls.append(call)
            } else {
                byNode.append((node, [call]))
            }
        }

        /// The messages for every destination (`CallBatch.messages` of each one's calls), in
        /// order; nothing is left gathered.
        package mutating func take() -> [(message: BackendCall, node: NodeName)] {
            defer { byNode = [] }
            var out: [(message: BackendCall, node: NodeName)] = []
            for (node, calls) in byNode {
                for message in CallBatch.messages(calls) { out.append((message, node)) }
            }
            return out
        }
    }
}
