import Glibc
import NetModel
import Nodes

/// The load generator of `simctl bench chat`: R rooms × M members, each a TCP client, all
/// driven by one epoll loop. Member 0 of each room is its sender. It speaks the chat protocol to
/// `simctl chat-server`, or RESP2 pub/sub to `redis-server` (``ChatBenchWire``): the same load
/// and the same measurement for both.
final class ChatBenchLoad {
    struct Settings {
        var rooms = 10
        var members = 10
        var messages = 100_000
        var window = 8
        var size = 64
        var wire = ChatBenchWire.chat(.json)
        var stallSeconds = 10.0
    }

    struct Client {
        let socket: Socket
        let room: Int
        let member: Int
        /// Set-up only, for the chat protocol.
        var decoder: ChatFrameDecoder
        var scanner: ChatBenchFrameScanner
        /// Bytes of the sender's next messages that the socket did not take yet.
        var pending: [UInt8] = []
    }

    let settings: Settings
    let port: Int
    var clients: [Client] = []
    var tally: ChatBenchTally
    let perRoom: Int

    init(settings: Settings, port: Int) {
        self.settings = settings
        self.port = port
        perRoom = max(settings.messages / settings.rooms, 1)
        tally = ChatBenchTally(rooms: settings.rooms, members: settings.members, messagesPerRoom: perRoom)
    }

    deinit {
        for client in clients { client.socket.close() }
    }

    /// The monotonic clock in nanoseconds.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: - Set-up (blocking, one request at a time)

    /// Connects every client, names it `rRmM`, makes the rooms and puts every member in its room.
    /// - Throws: `BenchChatError` when the server does not answer as the protocol says.
    func setUp() throws {
        let format: ChatWireFormat
        if case .chat(let f) = settings.wire { format = f } else { format = .json }
        for room in 0..<settings.rooms {
            for member in 0..<settings.members {
                let socket = try Socket.connect(host: "127.0.0.1", port: port)
                socket.setNoDelay()
                clients.append(Client(socket: socket, room: room, member: member,
                                      decoder: ChatFrameDecoder(format: format),
                                      scanner: ChatBenchFrameScanner(wire: settings.wire)))
            }
        }
        if settings.wire == .redis { return try subscribe() }
        for index in clients.indices {
            let c = clients[index]
            try send(.name("r\(c.room)m\(c.member)"), to: index)
            _ = try awaitMessage(index) { if case .system(let t) = $0 { return ChatText.isRenamed(t) } else { return false } }
        }
        for room in 0..<settings.rooms {
            try send(.createRoom(title: "bench-\(room)"), to: room * settings.members)
            _ = try awaitMessage(room * settings.members) { if case .system(let t) = $0 { return ChatText.isRoomEntry(t) } else { return false } }
        }
        try send(.rooms, to: 0)
        let list = try awaitMessage(0) { if case .roomsResult = $0 { return true } else { return false } }
        guard case .roomsResult(let infos) = list else { throw BenchChatError("no room list") }
        var roomNumber = [String: Int]()
        for info in infos { roomNumber[info.title] = info.roomID }
        for index in clients.indices where clients[index].member > 0 {
            guard let number = roomNumber["bench-\(clients[index].room)"] else {
                throw BenchChatError("room bench-\(clients[index].room) is missing from /rooms")
            }
            try send(.joinRoom(Int32(number)), to: index)
            _ = try awaitMessage(index) { if case .system(let t) = $0 { return ChatText.isRoomEntry(t) } else { return false } }
        }
    }

    /// Redis: every member but the sender subscribes to its room's channel and waits for the
    /// confirmation.
    private func subscribe() throws {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for index in clients.indices where clients[index].member > 0 {
            try clients[index].socket.writeAll(RESP.command(["SUBSCRIBE", RESP.channel(clients[index].room)]))
            let deadline = Self.now() + 10_000_000_000
            var confirmed = false
            while !confirmed {
                guard Self.now() < deadline else { throw BenchChatError("no SUBSCRIBE confirmation for client \(index) within 10 s") }
                let socket = clients[index].socket
                switch try buffer.withUnsafeMutableBytes({ try socket.read(into: $0, waitingUpTo: 1000) }) {
                case .bytes(let count): buffer.withUnsafeBytes { clients[index].scanner.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                case .wouldBlock: continue
                case .closed: throw BenchChatError("redis-server closed client \(index) during set-up")
                }
                while let item = clients[index].scanner.next() {
                    switch item {
                    case .other: confirmed = true
                    case .malformed: throw BenchChatError("redis-server refused SUBSCRIBE for client \(index)")
                    case .chat: throw BenchChatError("a message reached client \(index) before the load began")
                    }
                }
            }
        }
    }

    /// The bytes that say `text` in room `room`: a chat line, or a PUBLISH to its channel.
    private func encodeLine(_ text: String, room: Int) throws -> [UInt8] {
        switch settings.wire {
        case .chat(let format): try ChatWire.encode(.chat(text), format: format)
        case .redis: RESP.command(["PUBLISH", RESP.channel(room), text])
        }
    }

    func send(_ message: ChatClientMessage, to index: Int) throws {
        guard case .chat(let format) = settings.wire else { throw BenchChatError("redis-server speaks no chat protocol") }
        try clients[index].socket.writeAll(ChatWire.encode(message, format: format))
    }

    /// Reads (blocking, with a 10 s limit) until a message satisfying `match` arrives.
    func awaitMessage(_ index: Int, _ match: (ChatServerMessage) -> Bool) throws -> ChatServerMessage {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Self.now() + 10_000_000_000
        while Self.now() < deadline {
            while let message = try clients[index].decoder.nextServerMessage() {
                if match(message) { return message }
            }
            let socket = clients[index].socket
            switch try buffer.withUnsafeMutableBytes({ try socket.read(into: $0, waitingUpTo: 1000) }) {
            case .bytes(let count): clients[index].decoder.append(buffer[..<count])
            case .wouldBlock: continue
            case .closed: throw BenchChatError("the server closed client \(index) during set-up")
            }
        }
        throw BenchChatError("no answer to client \(index) within 10 s during set-up")
    }

    // MARK: - Measured phase

    /// Sends every room's messages with at most `window` unacknowledged, until all are
    /// acknowledged or nothing moves for `stallSeconds`.
    /// - Returns: the elapsed nanoseconds.
    func run() throws -> UInt64 {
        let epoll = try EPoll(maxEvents: 1024)
        defer { epoll.close() }
        for (index, client) in clients.enumerated() {
            try epoll.register(fd: client.socket.fd, events: .readable, token: UInt64(index))
        }
        var events: [EPollEvent] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        let start = Self.now()
        var lastProgress = start
        var lastDeliveries = 0
        while !finished {
            try topUp()
            try epoll.wait(timeoutMilliseconds: 100, into: &events)
            let now = Self.now()
            for event in events {
                try drain(Int(event.token), buffer: buffer, now: now)
            }
            if tally.deliveries != lastDeliveries {
                lastDeliveries = tally.deliveries
                lastProgress = now
            } else if Double(now - lastProgress) / 1e9 > settings.stallSeconds {
                break
            }
        }
        return Self.now() - start
    }

    private var finished: Bool {
        (0..<settings.rooms).allSatisfy { tally.acknowledged[$0] >= perRoom }
    }

    /// Lets each sender send until its window is full (one write per sender).
    private func topUp() throws {
        for room in 0..<settings.rooms {
            let index = room * settings.members
            let now = Self.now()
            while tally.inFlight(room: room) < settings.window, tally.sentCount(room: room) < perRoom {
                let text = ChatBenchTally.text(room: room, seq: tally.sentCount(room: room), size: settings.size)
                clients[index].pending += try encodeLine(text, room: room)
                tally.recordSend(room: room, now: now)
            }
            guard !clients[index].pending.isEmpty else { continue }
            let socket = clients[index].socket
            let written = try clients[index].pending.withUnsafeBytes { try socket.write($0) } ?? 0
            clients[index].pending.removeFirst(written)
        }
    }

    private func drain(_ index: Int, buffer: UnsafeMutableRawBufferPointer, now: UInt64) throws {
        let socket = clients[index].socket
        while true {
            let count: Int
            switch try socket.read(into: buffer) {
            case .bytes(let n): count = n
            case .wouldBlock: return
            case .closed: throw BenchChatError("the server closed client \(index)")
            }
            clients[index].scanner.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            let (room, member) = (clients[index].room, clients[index].member)
            while let item = clients[index].scanner.next() {
                switch item {
                case .chat(let sourceRoom, let seq):
                    tally.recordReceipt(room: room, member: member, sourceRoom: sourceRoom, seq: seq, now: now)
                case .other: break
                case .malformed: tally.recordMalformed()
                }
            }
            if count < buffer.count { return }
        }
    }
}
