import NetModel

/// The gateway's logic as a value type (seed 001): which frontend a client request goes to
/// (round-robin over the live ones, one reused multiplexed stream each), which requests are in
/// flight on which stream, the last answers per client, and which frontends are suspended after
/// their stream broke. Each event returns the actions the actor shell performs, in order.
struct GatewayCore {
    /// What the shell does.
    enum Action: Equatable {
        /// Answer a client.
        case reply(ClientReply, to: NodeName)
        /// Forward a request on a frontend's stream.
        case forward(ClientRequest, on: StreamID)
        /// Close a stream.
        case close(StreamID)
    }

    /// How long a frontend whose stream broke gets no requests (unless it rejoins first).
    static let suspension: Int64 = 2_000_000_000

    /// One multiplexed connection per frontend, opened once and reused.
    private(set) var connections = EndpointTable<StreamID>()
    private(set) var frontendOf: [StreamID: NodeName] = [:]
    /// Requests in flight, by their end-to-end key: the stream they went on. A copy of one in
    /// flight is not routed again (the answer is on its way).
    private(set) var inFlight: [RequestKey: StreamID] = [:]
    /// The last answers per client: a late copy of an answered request gets the same answer and
    /// is never routed to a second frontend. Retryable refusals and token refusals are not kept
    /// (a retry may succeed; one with a new token after a refusal of the old).
    private var answered = RequestWindow<ClientResult>(capacity: 16)
    private var cursor = 0
    private var actions = ActionList<Action>()
    /// Frontends whose connection broke: skipped until this instant (ns) or until they rejoin.
    private(set) var suspended: [NodeName: Int64] = [:]
    /// Requests that were in flight on a stream that broke: the frontend they went to, and when
    /// the stream broke (ns). That frontend may have executed one (or, paused, may still), and
    /// only its window knows: a retry goes to it again, never to another frontend, and is refused
    /// `frontendUnavailable` while it cannot be reached. A pin goes when its retry is forwarded,
    /// or after `pinLifetime` (the client's retries stop long before).
    private(set) var pinned: [RequestKey: (frontend: NodeName, since: Int64)] = [:]

    /// How long a pin is kept: twice a client's whole retry budget (30 retries at most 1 s apart).
    static let pinLifetime: Int64 = 60_000_000_000

    /// The frontends requests may go to now, in the manager's order.
    func routingTable(_ frontends: [NodeConfig.Peer], now: Int64) -> [NodeName] {
        frontends.map(\.name).filter { (suspended[$0] ?? 0) <= now }
    }

    /// A client's request: answered from memory, dropped as a copy in flight, refused when no
    /// frontend is live, or forwarded to the next frontend (`open` opens a stream to one the
    /// gateway has none to yet).
    mutating func request(_ request: ClientRequest, from client: NodeName, serving: Bool, frontends: [NodeConfig.Peer],
                          now: Int64, open: (NodeName) -> StreamID) -> [Action] {
        // The origin is who sent it here, whatever the request says.
        actions.begin()
        let key = RequestKey(origin: client, id: request.requestID)
        if let first = answered.answer(for: key) {
            actions.append(.reply(ClientReply(requestID: key.id, result: first, origin: client), to: client))
            return actions.end()
        }
        guard inFlight[key] == nil else { return actions.end() }
        let frontend: NodeName
        if !pinned.isEmpty, let pin = pinned[key], now - pin.since < Self.pinLifetime {
            guard serving, frontends.contains(where: { $0.name == pin.frontend }), (suspended[pin.frontend] ?? 0) <= now else {
                actions.append(.reply(ClientReply(requestID: key.id, result: .refused(.frontendUnavailable), origin: client),
                                      to: client))
                return actions.end()
            }
            pinned[key] = nil
            frontend = pin.frontend
        } else {
            if !pinned.isEmpty { pinned[key] = nil }
            guard serving, let next = nextFrontend(frontends, now: now) else {
                actions.append(.reply(ClientReply(requestID: key.id, result: .refused(.noFrontend), origin: client), to: client))
                return actions.end()
            }
            frontend = next
        }
        let stream: StreamID
        if let id = connections[frontend] {
            stream = id
        } else {
            stream = open(frontend)
            connections[frontend] = stream
            frontendOf[stream] = frontend
        }
        inFlight[key] = stream
        var forwarded = request
        forwarded.origin = client
        actions.append(.forward(forwarded, on: stream))
        return actions.end()
    }

    /// A frontend's reply: routed back to its client (non-retryable answers are remembered).
    mutating func reply(_ reply: ClientReply) -> [Action] {
        actions.begin()
        guard let key = reply.key, inFlight.removeValue(forKey: key) != nil else { return actions.end() }
        inFlight.giveBackBurstRoom()
        // Kept: answers a copy must get again. Not kept: retryable refusals and refusals of the
        // token (the request did not run; the client asks again, with a new token, under the same id).
        let refusal = reply.result.refusal
        if !(refusal?.isRetryable ?? false), !(refusal?.needsLogin ?? false), case .execute = answered.begin(key) {
            answered.finish(key, answer: reply.result)
        }
        actions.append(.reply(reply, to: key.origin))
        return actions.end()
    }

    /// Takes back an event's action list once carried out (`ActionList.recycle`): the two
    /// events of every request (`request`, `reply`) then allocate no array.
    mutating func recycle(_ used: consuming [Action]) { actions.recycle(used) }

    /// A stream closed (the frontend crashed, refused, was cut off): stop routing there for a
    /// while (the manager's notices decide for good) and refuse what was in flight on it.
    mutating func streamClosed(_ id: StreamID, now: Int64) -> [Action] {
        let frontend = frontendOf.removeValue(forKey: id)
        if let frontend, connections[frontend] == id {
            connections[frontend] = nil
            suspended[frontend] = now + Self.suspension
        }
        return failInFlight(on: id, to: frontend, now: now)
    }

    /// A membership notice: a frontend that (re)joined is routed to again at once; one that left
    /// loses its stream and what was in flight on it.
    mutating func membershipChanged(_ notice: MembershipNotice, now: Int64) -> [Action] {
        switch notice {
        case .joined(let name, _), .rejoined(let name, _, _):
            suspended[name] = nil
            return []
        case .left(let name, _):
            guard let id = connections[name] else { return [] }
            connections[name] = nil
            frontendOf[id] = nil
            return [.close(id)] + failInFlight(on: id, to: name, now: now)
        }
    }

    /// Fenced: every stream closes and nothing is remembered of them.
    mutating func stopServing() -> [Action] {
        let closing = frontendOf.keys.sorted().map { Action.close($0) }
        connections = EndpointTable()
        frontendOf.removeAll()
        return closing
    }

    /// Refuses what was in flight on the broken stream `id` to `frontend`, pinning each request
    /// to it (`pinned`), and forgets pins past their lifetime.
    private mutating func failInFlight(on id: StreamID, to frontend: NodeName?, now: Int64) -> [Action] {
        let broken = inFlight.filter { $0.value == id }.keys.sorted()
        defer { inFlight.giveBackBurstRoom() }
        if !pinned.isEmpty { pinned = pinned.filter { now - $0.value.since < Self.pinLifetime } }
        return broken.map { key in
            inFlight[key] = nil
            if let frontend { pinned[key] = (frontend, now) }
            return .reply(ClientReply(requestID: key.id, result: .refused(.frontendUnavailable), origin: key.origin), to: key.origin)
        }
    }

    /// The next frontend of the round-robin over the live ones, without building the table.
    /// - Returns: the frontend, or nil when none is live.
    private mutating func nextFrontend(_ frontends: [NodeConfig.Peer], now: Int64) -> NodeName? {
        // A suspension that has run out counts as none; forgetting them keeps the common path cheap.
        if !suspended.isEmpty, suspended.values.allSatisfy({ $0 <= now }) { suspended.removeAll() }
        if suspended.isEmpty {
            guard !frontends.isEmpty else { return nil }
            defer { cursor += 1 }
            return frontends[cursor % frontends.count].name
        }
        let live = frontends.reduce(0) { $0 + ((suspended[$1.name] ?? 0) <= now ? 1 : 0) }
        guard live > 0 else { return nil }
        var k = cursor % live
        cursor += 1
        for f in frontends where (suspended[f.name] ?? 0) <= now {
            if k == 0 { return f.name }
            k -= 1
        }
        return nil
    }
}
