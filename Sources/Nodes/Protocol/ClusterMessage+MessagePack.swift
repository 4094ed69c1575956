import NetModel

/// The chat path's hot messages written and read by hand on TCP (`MessagePackHandCoded`):
/// every `.backend` call of a chat line's way — the door's commands (`chat`, `chatCommands`),
/// the chat node's `pushTo`, the session node's `executed` answer and `deliver`, the door's
/// `acks` (and a frontend's `ack`), and a `batch` of them — with the push bodies, chat commands
/// and results they carry.
/// Byte for byte the synthesized `Codable` form (maps keyed by case and argument names, `_0`/`_1`
/// for unlabeled ones, empty maps for cases without values, optionals left out when nil);
/// anything else (a room list, a refusal, a service payload, another call) goes through
/// `Codable`.
extension ClusterMessage: MessagePackHandCoded {
    /// The bytes of a hot `.backend` call, nil for any other message.
    package func handEncodedMessagePack() -> [UInt8]? {
        guard case .backend(let group, let call) = self else { return nil }
        var w = MessagePackWriter(capacity: 128)
        w.writeMapHeader(count: 1)
        w.write("backend")
        w.writeMapHeader(count: 2)
        w.write("group")
        w.write(group)
        w.write("_1")
        guard HotCoding.write(call, to: &w) else { return nil }
        return w.bytes
    }

    /// A hot `.backend` call in exactly the encoder's form, nil for anything else.
    package static func handDecodedMessagePack(_ bytes: [UInt8]) -> ClusterMessage? {
        var c = MessagePackCursor(bytes)
        guard c.mapHeader() == 1, c.key("backend"), c.mapHeader() == 2, c.key("group"), let group = c.string(),
              c.key("_1"), let call = HotCoding.readCall(&c), c.isAtEnd else { return nil }
        return .backend(group: group, call)
    }
}

/// The writers and readers of the hot values; each writer returns false for a value it does not
/// write (the whole message then goes through `Codable`), each reader nil.
private enum HotCoding {
    // MARK: writing

    static func write(_ call: BackendCall, to w: inout MessagePackWriter) -> Bool {
        w.writeMapHeader(count: 1)
        switch call {
        case .deliver(let d):
            w.write("deliver")
            w.writeMapHeader(count: 1)
            w.write("_0")
            w.writeMapHeader(count: 5)
            w.write("pushID")
            w.write(d.pushID)
            w.write("body")
            guard write(d.body, to: &w) else { return false }
            w.write("acceptedAt")
            w.write(d.acceptedAt)
            w.write("generation")
            w.write(d.generation)
            w.write("recipients")
            w.writeArrayHeader(count: d.recipients.count)
            for r in d.recipients {
                w.writeArrayHeader(count: 3)
                w.write(r.user)
                w.write(r.seq)
                w.write(r.floor)
            }
        case .pushTo(let users, let pushID, let body, let acceptedAt, let request):
            w.write("pushTo")
            w.writeMapHeader(count: 5)
            w.write("users")
            w.writeArrayHeader(count: users.count)
            for user in users { w.write(user) }
            w.write("pushID")
            w.write(pushID)
            w.write("body")
            guard write(body, to: &w) else { return false }
            w.write("acceptedAt")
            w.write(acceptedAt)
            w.write("request")
            write(request, to: &w)
        case .ack(let user, let upTo, let generation):
            w.write("ack")
            w.writeMapHeader(count: 3)
            w.write("user")
            w.write(user)
            w.write("upTo")
            w.write(upTo)
            w.write("generation")
            w.write(generation)
        case .acks(let acks):
            w.write("acks")
            w.writeMapHeader(count: 1)
            w.write("_0")
            w.writeArrayHeader(count: acks.count)
            for ack in acks {
                w.writeArrayHeader(count: 3)
                w.write(ack.user)
                w.write(ack.upTo)
                w.write(ack.generation)
            }
        case .chat(let user, let command, let request):
            w.write("chat")
            w.writeMapHeader(count: request == nil ? 2 : 3)
            w.write("user")
            w.write(user)
            w.write("command")
            write(command, to: &w)
            if let request {
                w.write("request")
                write(request, to: &w)
            }
        case .chatCommands(let commands):
            w.write("chatCommands")
            w.writeMapHeader(count: 1)
            w.write("_0")
            w.writeArrayHeader(count: commands.count)
            for c in commands {
                w.writeArrayHeader(count: 2)
                w.write(c.user)
                write(c.command, to: &w)
            }
        case .batch(let calls):
            w.write("batch")
            w.writeMapHeader(count: 1)
            w.write("_0")
            w.writeArrayHeader(count: calls.count)
            for call in calls {
                // Never nested: a batch inside a batch goes through `Codable`.
                if case .batch = call { return false }
                guard write(call, to: &w) else { return false }
            }
        case .executed(let request, let result):
            w.write("executed")
            w.writeMapHeader(count: 2)
            w.write("request")
            write(request, to: &w)
            w.write("result")
            guard write(result, to: &w) else { return false }
        default:
            return false
        }
        return true
    }

    static func write(_ key: RequestKey, to w: inout MessagePackWriter) {
        w.writeMapHeader(count: 3)
        w.write("origin")
        w.write(key.origin.description)
        w.write("id")
        w.write(key.id)
        w.write("step")
        w.write(UInt64(key.step))
    }

    static func write(_ body: PushBody, to w: inout MessagePackWriter) -> Bool {
        w.writeMapHeader(count: 1)
        switch body {
        case .message(let from, let text):
            w.write("message")
            w.writeMapHeader(count: 2)
            w.write("from")
            w.write(from)
            w.write("text")
            w.write(text)
        case .broadcast(let text):
            w.write("broadcast")
            w.writeMapHeader(count: 1)
            w.write("text")
            w.write(text)
        case .chat(let push):
            w.write("chat")
            w.writeMapHeader(count: 1)
            w.write("_0")
            w.writeMapHeader(count: 1)
            switch push {
            case .system(let text):
                w.write("system")
                w.writeMapHeader(count: 1)
                w.write("_0")
                w.write(text)
            case .line(let member, let text, let messageID):
                w.write("line")
                w.writeMapHeader(count: 3)
                w.write("member")
                w.write(member)
                w.write("text")
                w.write(text)
                w.write("messageID")
                w.write(messageID)
            case .restarted:
                w.write("restarted")
                w.writeMapHeader(count: 0)
            case .rooms:
                return false
            }
        }
        return true
    }

    static func write(_ command: ChatCommand, to w: inout MessagePackWriter) {
        w.writeMapHeader(count: 1)
        switch command {
        case .name(let name):
            w.write("name")
            w.writeMapHeader(count: 1)
            w.write("_0")
            w.write(name)
        case .rooms:
            w.write("rooms")
            w.writeMapHeader(count: 0)
        case .create(let title):
            w.write("create")
            w.writeMapHeader(count: 1)
            w.write("title")
            w.write(title)
        case .join(let roomID):
            w.write("join")
            w.writeMapHeader(count: 1)
            w.write("roomID")
            w.write(Int64(roomID))
        case .leave:
            w.write("leave")
            w.writeMapHeader(count: 0)
        case .say(let text, let messageID):
            w.write("say")
            w.writeMapHeader(count: 2)
            w.write("text")
            w.write(text)
            w.write("messageID")
            w.write(messageID)
        case .restore(let roomID, let title):
            w.write("restore")
            w.writeMapHeader(count: 2)
            w.write("roomID")
            w.write(Int64(roomID))
            w.write("title")
            w.write(title)
        case .connect(let name):
            w.write("connect")
            w.writeMapHeader(count: 1)
            w.write("name")
            w.write(name)
        case .disconnect:
            w.write("disconnect")
            w.writeMapHeader(count: 0)
        }
    }

    static func write(_ result: ClientResult, to w: inout MessagePackWriter) -> Bool {
        switch result {
        case .ok:
            w.writeMapHeader(count: 1)
            w.write("ok")
            w.writeMapHeader(count: 0)
        case .accepted(let pushID):
            w.writeMapHeader(count: 1)
            w.write("accepted")
            w.writeMapHeader(count: 1)
            w.write("pushID")
            w.write(pushID)
        case .joined(let roomID, let title):
            w.writeMapHeader(count: 1)
            w.write("joined")
            w.writeMapHeader(count: 2)
            w.write("roomID")
            w.write(Int64(roomID))
            w.write("title")
            w.write(title)
        case .token, .flag, .refused, .reply:
            return false
        }
        return true
    }

    // MARK: reading

    /// A hot call; a `batch` only when `batches` (its calls are read with `batches` false, so a
    /// nested batch, which no node sends, is left to `Codable` and its depth limit).
    static func readCall(_ c: inout MessagePackCursor, batches: Bool = true) -> BackendCall? {
        guard c.mapHeader() == 1 else { return nil }
        if c.key("deliver") {
            guard c.mapHeader() == 1, c.key("_0"), c.mapHeader() == 5, c.key("pushID"), let pushID = c.uint64(),
                  c.key("body"), let body = readBody(&c), c.key("acceptedAt"), let acceptedAt = c.int64(),
                  c.key("generation"), let generation = c.uint64(), c.key("recipients"), let count = c.arrayHeader()
            else { return nil }
            var recipients: [PushRecipient] = []
            recipients.reserveCapacity(count)
            for _ in 0..<count {
                guard c.arrayHeader() == 3, let user = c.string(), let seq = c.uint64(), let floor = c.uint64() else { return nil }
                recipients.append(PushRecipient(user: user, seq: seq, floor: floor))
            }
            return .deliver(PushDelivery(pushID: pushID, body: body, acceptedAt: acceptedAt, generation: generation,
                                         recipients: recipients))
        }
        if c.key("ack") {
            guard c.mapHeader() == 3, c.key("user"), let user = c.string(), c.key("upTo"), let upTo = c.uint64(),
                  c.key("generation"), let generation = c.uint64() else { return nil }
            return .ack(user: user, upTo: upTo, generation: generation)
        }
        if c.key("acks") {
            guard c.mapHeader() == 1, c.key("_0"), let count = c.arrayHeader() else { return nil }
            var acks: [PushAck] = []
            acks.reserveCapacity(count)
            for _ in 0..<count {
                guard c.arrayHeader() == 3, let user = c.string(), let upTo = c.uint64(), let generation = c.uint64() else { return nil }
                acks.append(PushAck(user: user, upTo: upTo, generation: generation))
            }
            return .acks(acks)
        }
        if c.key("pushTo") {
            guard c.mapHeader() == 5, c.key("users"), let count = c.arrayHeader() else { return nil }
            var users: [String] = []
            users.reserveCapacity(count)
            for _ in 0..<count {
                guard let user = c.string() else { return nil }
                users.append(user)
            }
            guard c.key("pushID"), let pushID = c.uint64(), c.key("body"), let body = readBody(&c),
                  c.key("acceptedAt"), let acceptedAt = c.int64(), c.key("request"), let request = readKey(&c)
            else { return nil }
            return .pushTo(users: users, pushID: pushID, body: body, acceptedAt: acceptedAt, request: request)
        }
        if c.key("chat") {
            guard let fields = c.mapHeader(), fields == 2 || fields == 3, c.key("user"), let user = c.string(),
                  c.key("command"), let command = readCommand(&c) else { return nil }
            var request: RequestKey?
            if fields == 3 {
                guard c.key("request"), let key = readKey(&c) else { return nil }
                request = key
            }
            return .chat(user: user, command: command, request: request)
        }
        if c.key("chatCommands") {
            guard c.mapHeader() == 1, c.key("_0"), let count = c.arrayHeader() else { return nil }
            var commands: [DoorCommand] = []
            commands.reserveCapacity(count)
            for _ in 0..<count {
                guard c.arrayHeader() == 2, let user = c.string(), let command = readCommand(&c) else { return nil }
                commands.append(DoorCommand(user: user, command: command))
            }
            return .chatCommands(commands)
        }
        if batches, c.key("batch") {
            guard c.mapHeader() == 1, c.key("_0"), let count = c.arrayHeader() else { return nil }
            var calls: [BackendCall] = []
            calls.reserveCapacity(count)
            for _ in 0..<count {
                guard let call = readCall(&c, batches: false) else { return nil }
                calls.append(call)
            }
            return .batch(calls)
        }
        if c.key("executed") {
            guard c.mapHeader() == 2, c.key("request"), let request = readKey(&c), c.key("result"),
                  let result = readResult(&c) else { return nil }
            return .executed(request: request, result: result)
        }
        return nil
    }

    static func readKey(_ c: inout MessagePackCursor) -> RequestKey? {
        guard c.mapHeader() == 3, c.key("origin"), let text = c.string(), let origin = NodeName(parsing: text),
              c.key("id"), let id = c.uint64(), c.key("step"), let step = c.uint64().flatMap(UInt16.init(exactly:))
        else { return nil }
        return RequestKey(origin: origin, id: id, step: step)
    }

    static func readBody(_ c: inout MessagePackCursor) -> PushBody? {
        guard c.mapHeader() == 1 else { return nil }
        if c.key("chat") {
            guard c.mapHeader() == 1, c.key("_0"), c.mapHeader() == 1 else { return nil }
            if c.key("line") {
                guard c.mapHeader() == 3, c.key("member"), let member = c.string(), c.key("text"), let text = c.string(),
                      c.key("messageID"), let messageID = c.uint64() else { return nil }
                return .chat(.line(member: member, text: text, messageID: messageID))
            }
            if c.key("system") {
                guard c.mapHeader() == 1, c.key("_0"), let text = c.string() else { return nil }
                return .chat(.system(text))
            }
            if c.key("restarted") { return c.emptyMap() ? .chat(.restarted) : nil }
            return nil
        }
        if c.key("message") {
            guard c.mapHeader() == 2, c.key("from"), let from = c.string(), c.key("text"), let text = c.string() else { return nil }
            return .message(from: from, text: text)
        }
        if c.key("broadcast") {
            guard c.mapHeader() == 1, c.key("text"), let text = c.string() else { return nil }
            return .broadcast(text: text)
        }
        return nil
    }

    static func readCommand(_ c: inout MessagePackCursor) -> ChatCommand? {
        guard c.mapHeader() == 1 else { return nil }
        if c.key("say") {
            guard c.mapHeader() == 2, c.key("text"), let text = c.string(), c.key("messageID"), let id = c.uint64() else { return nil }
            return .say(text: text, messageID: id)
        }
        if c.key("name") {
            guard c.mapHeader() == 1, c.key("_0"), let name = c.string() else { return nil }
            return .name(name)
        }
        if c.key("rooms") { return c.emptyMap() ? .rooms : nil }
        if c.key("create") {
            guard c.mapHeader() == 1, c.key("title"), let title = c.string() else { return nil }
            return .create(title: title)
        }
        if c.key("join") {
            guard c.mapHeader() == 1, c.key("roomID"), let roomID = c.int64().flatMap(Int.init(exactly:)) else { return nil }
            return .join(roomID: roomID)
        }
        if c.key("leave") { return c.emptyMap() ? .leave : nil }
        if c.key("restore") {
            guard c.mapHeader() == 2, c.key("roomID"), let roomID = c.int64().flatMap(Int.init(exactly:)), c.key("title"),
                  let title = c.string() else { return nil }
            return .restore(roomID: roomID, title: title)
        }
        if c.key("connect") {
            guard c.mapHeader() == 1, c.key("name"), let name = c.string() else { return nil }
            return .connect(name: name)
        }
        if c.key("disconnect") { return c.emptyMap() ? .disconnect : nil }
        return nil
    }

    static func readResult(_ c: inout MessagePackCursor) -> ClientResult? {
        guard c.mapHeader() == 1 else { return nil }
        if c.key("accepted") {
            guard c.mapHeader() == 1, c.key("pushID"), let pushID = c.uint64() else { return nil }
            return .accepted(pushID: pushID)
        }
        if c.key("ok") { return c.emptyMap() ? .ok : nil }
        if c.key("joined") {
            guard c.mapHeader() == 2, c.key("roomID"), let roomID = c.int64().flatMap(Int.init(exactly:)), c.key("title"),
                  let title = c.string() else { return nil }
            return .joined(roomID: roomID, title: title)
        }
        return nil
    }
}
