import NetModel

/// What a trace says about each message and each node's handlers, read in one pass: which `send`
/// each `deliver` or `drop` belongs to, and which event caused each event at a node.
///
/// Matching: a delivery or drop belongs to the oldest unmatched send with the same sender,
/// receiver, id and label (one-shot message ids are unique; stream frames share their stream's id
/// and arrive in order, so first-in first-out pairs them). A `stream-open` counts as the send of
/// the `stream-open` delivery; a `duplicate` adds a second copy of its send. A drop recorded right
/// after its send (loss, partition) is a send-time drop, any other drop an arrival-time drop.
///
/// Causes: nodes handle one event at a time to completion on the simulator's thread, so an event
/// recorded at a node belongs to the latest delivery, timer or received stream close at the same
/// node and the same instant, if any.
package struct MessageLinks: Sendable {
    /// For a `deliver` or `drop` (or the `duplicate` record): the index of its send; -1 otherwise.
    package private(set) var sendOf: [Int32]
    /// For a `send` or a `stream-open`: the index of its first delivery or drop; -1 while in flight
    /// at the end of the trace (or for other kinds).
    package private(set) var outcomeOf: [Int32]
    /// For an event at a node: the index of the event that caused it (a delivery, timer or received
    /// stream close or restart at the same node and instant); -1 when none, and always -1 for a
    /// delivery, a timer or a restart (they are causes).
    package private(set) var causeOf: [Int32]

    private struct Key: Hashable {
        let from: NodeName
        let to: NodeName
        let id: UInt64
        let label: String
    }

    /// Reads `events` (a whole trace, in order).
    package init(_ events: [TraceEvent]) {
        let n = events.count
        sendOf = Array(repeating: -1, count: n)
        outcomeOf = Array(repeating: -1, count: n)
        causeOf = Array(repeating: -1, count: n)
        var pending: [Key: [Int32]] = [:]
        var currentCause: [NodeName: (index: Int32, at: Int64)] = [:]

        func take(_ key: Key) -> Int32? {
            guard var queue = pending[key], !queue.isEmpty else { return nil }
            let first = queue.removeFirst()
            pending[key] = queue.isEmpty ? nil : queue
            return first
        }

        for i in 0..<n {
            let e = events[i]
            let at = e.at.nanoseconds
            if let node = e.node, e.kind != .deliver, e.kind != .timer, e.kind != .restart,
               let c = currentCause[node], c.at == at {
                causeOf[i] = c.index
            }
            switch e.kind {
            case .send:
                if let from = e.node, let to = e.peer {
                    pending[Key(from: from, to: to, id: e.messageID, label: e.label), default: []].append(Int32(i))
                }
            case .streamOpen:
                if let from = e.node, let to = e.peer {
                    pending[Key(from: from, to: to, id: e.messageID, label: "stream-open"), default: []].append(Int32(i))
                }
            case .duplicate:
                if let from = e.node, let to = e.peer {
                    let key = Key(from: from, to: to, id: e.messageID, label: e.label)
                    if let original = pending[key]?.last {
                        pending[key]!.append(original)
                        sendOf[i] = original
                    }
                }
            case .deliver:
                if let to = e.node, let from = e.peer,
                   let s = take(Key(from: from, to: to, id: e.messageID, label: e.label)) {
                    link(send: s, outcome: i)
                }
                if let node = e.node { currentCause[node] = (Int32(i), at) }
            case .drop:
                guard let node = e.node, let peer = e.peer else { break }
                let atSend = Key(from: node, to: peer, id: e.messageID, label: e.label)
                if i > 0, events[i - 1].kind == .send, events[i - 1].node == node, events[i - 1].peer == peer,
                   events[i - 1].messageID == e.messageID, let s = take(atSend) {
                    link(send: s, outcome: i)
                } else if let s = take(Key(from: peer, to: node, id: e.messageID, label: e.label)) {
                    link(send: s, outcome: i)
                }
            case .timer:
                if let node = e.node { currentCause[node] = (Int32(i), at) }
            case .streamClose:
                // A close at a node already handling something at this instant is that handler's own
                // action; otherwise the node was told its stream closed, which its handler reacts to.
                if let node = e.node, causeOf[i] < 0 { currentCause[node] = (Int32(i), at) }
            case .crash:
                if let node = e.node { currentCause[node] = nil }
            case .restart:
                if let node = e.node { currentCause[node] = (Int32(i), at) }
            default:
                break
            }
        }
    }

    private mutating func link(send: Int32, outcome: Int) {
        sendOf[outcome] = send
        if outcomeOf[Int(send)] < 0 { outcomeOf[Int(send)] = Int32(outcome) }
    }
}
