/// The room list of one chat node (seed 004), as a pure value type.
///
/// Each operation takes the acting member and returns the messages to send, in the order they
/// must be sent; nothing here does I/O or reads a clock. Behaviour and the Korean texts (`ChatText`)
/// follow the course's reference server byte for byte (see `docs/chat-protocol.md`):
///
/// - rooms are numbered from 1 upward and a number is never reused in one value's life;
/// - a room whose last member leaves (or disconnects) is deleted;
/// - room lists are in number order, members in join order, and every fan-out follows join order.
///
/// An operation by a member that is not connected (never `connect`ed, or `disconnect`ed) is
/// ignored and returns no effects: the shell connects a member before feeding its messages.
package struct ChatRooms: Sendable {
    struct Member: Sendable {
        /// The name given at `connect` (the peer address in the standalone server).
        var defaultName: String
        /// The name chosen by `/name`; an empty choice falls back to `defaultName`, as in the
        /// reference server.
        var chosenName: String?
        /// The room the member is in.
        var roomID: Int?

        var name: String {
            if let chosenName, !chosenName.isEmpty { return chosenName }
            return defaultName
        }
    }

    struct Room: Sendable {
        var title: String
        /// Member ids in join order.
        var members: [ChatMemberID]
    }

    private var memberTable: [ChatMemberID: Member] = [:]
    private var roomTable: [Int: Room] = [:]
    /// Every room as `/rooms` reports it, in number order, each with its members' display names in
    /// join order: kept up to date by each operation (one room's entry at a time), so that a
    /// `/rooms` neither sorts nor rebuilds the rooms.
    package private(set) var roomList: [ChatRoomInfo] = []
    /// The number the next `/create` gets.
    package private(set) var nextRoomID = 1

    /// An empty node: no members, no rooms, next room number 1.
    package init() {}

    // MARK: - Accessors

    /// How many rooms exist.
    package var roomCount: Int { roomTable.count }

    /// How many members are connected.
    package var memberCount: Int { memberTable.count }

    /// Whether `member` is connected.
    /// - Returns: `true` between `connect` and `disconnect`.
    package func isConnected(_ member: ChatMemberID) -> Bool { memberTable[member] != nil }

    /// The display name of `member`.
    /// - Returns: the current name, or `nil` when the member is not connected.
    package func name(of member: ChatMemberID) -> String? { memberTable[member]?.name }

    /// The room `member` is in.
    /// - Returns: the room number, or `nil` when the member is in no room or not connected.
    package func room(of member: ChatMemberID) -> Int? { memberTable[member]?.roomID }

    /// The members of room `roomID`.
    /// - Returns: their ids in join order, or `nil` when no such room exists.
    package func members(ofRoom roomID: Int) -> [ChatMemberID]? { roomTable[roomID]?.members }

    // MARK: - Operations

    /// A member connects with a default name (the standalone server uses the peer address, written
    /// as `('127.0.0.1', 34412)`).
    /// - Returns: no effects (the reference server sends nothing on connect). Connecting an
    ///   already-connected member changes nothing.
    @discardableResult
    package mutating func connect(_ member: ChatMemberID, name: String) -> [ChatEffect] {
        if memberTable[member] == nil {
            memberTable[member] = Member(defaultName: name, chosenName: nil, roomID: nil)
        }
        return []
    }

    /// `/name`: changes the member's display name.
    ///
    /// As in the reference server, an empty name makes the display name fall back to the default
    /// given at `connect` (the notice still quotes the empty name).
    /// - Returns: outside a room, `이름이 NEW 으로 변경되었습니다.` to the member only; inside a room,
    ///   `OLD 의 이름이 NEW 으로 변경되었습니다.` to every member of the room (sender included) in
    ///   join order.
    package mutating func rename(_ member: ChatMemberID, to newName: String) -> [ChatEffect] {
        guard var state = memberTable[member] else { return [] }
        let oldName = state.name
        state.chosenName = newName
        memberTable[member] = state
        guard let roomID = state.roomID, let room = roomTable[roomID] else {
            return [.system(to: member, text: ChatText.renamed(to: newName))]
        }
        if let i = listPosition(of: roomID), let p = room.members.firstIndex(of: member) {
            roomList[i].members[p] = state.name
        }
        let text = ChatText.renamed(oldName, to: newName)
        return room.members.map { .system(to: $0, text: text) }
    }

    /// `/rooms`: the room list.
    /// - Returns: one `.rooms` effect to the member with every room (an empty list when none).
    package func listRooms(_ member: ChatMemberID) -> [ChatEffect] {
        guard memberTable[member] != nil else { return [] }
        return [.rooms(to: member, roomList)]
    }

    /// `/create TITLE`: opens a room with the next number and puts the member in it.
    /// - Returns: inside a room, `대화 방에 있을 때는 방을 개설 할 수 없습니다.` (no room is made);
    ///   otherwise `방제[TITLE] 방에 입장했습니다.` to the member.
    package mutating func create(_ member: ChatMemberID, title: String) -> [ChatEffect] {
        guard var state = memberTable[member] else { return [] }
        if state.roomID != nil {
            return [.system(to: member, text: ChatText.cannotCreateInRoom)]
        }
        let roomID = nextRoomID
        nextRoomID += 1
        roomTable[roomID] = Room(title: title, members: [member])
        roomList.append(ChatRoomInfo(roomID: roomID, title: title, members: [state.name]))
        state.roomID = roomID
        memberTable[member] = state
        return [.system(to: member, text: ChatText.entered(room: title))]
    }

    /// `/join N`: enters an existing room.
    /// - Returns: inside a room, `대화 방에 있을 때는 다른 방에 들어갈 수 없습니다.`; no such room,
    ///   `대화방이 존재하지 않습니다.`; otherwise `방제[TITLE] 방에 입장했습니다.` to the joiner first,
    ///   then `[NAME] 님이 입장했습니다.` to every earlier member in join order.
    package mutating func join(_ member: ChatMemberID, roomID: Int) -> [ChatEffect] {
        guard var state = memberTable[member] else { return [] }
        if state.roomID != nil {
            return [.system(to: member, text: ChatText.cannotJoinInRoom)]
        }
        guard var room = roomTable[roomID] else {
            return [.system(to: member, text: ChatText.noSuchRoom)]
        }
        let earlier = room.members
        room.members.append(member)
        roomTable[roomID] = room
        if let i = listPosition(of: roomID) { roomList[i].members.append(state.name) }
        state.roomID = roomID
        memberTable[member] = state
        let notice = ChatText.memberJoined(state.name)
        return [.system(to: member, text: ChatText.entered(room: room.title))]
            + earlier.map { .system(to: $0, text: notice) }
    }

    /// Puts `member` back in the room it was in before this chat node restarted (the member
    /// remembers it; the node's memory was lost): the room titled `title` if one exists, else a new
    /// room with that title, numbered `roomID` when that number is free (else the next number).
    /// Effects as for a join. A member already in a room stays there and gets nothing.
    /// - Returns: the effects, and the room the member is in afterwards.
    package mutating func restore(_ member: ChatMemberID, roomID: Int, title: String) -> (effects: [ChatEffect], roomID: Int?) {
        guard let state = memberTable[member] else { return ([], nil) }
        if let current = state.roomID { return ([], current) }
        if let existing = roomList.first(where: { $0.title == title })?.roomID {
            return (join(member, roomID: existing), existing)
        }
        let number = roomID > 0 && roomTable[roomID] == nil ? roomID : nextRoomID
        roomTable[number] = Room(title: title, members: [])
        roomList.insert(ChatRoomInfo(roomID: number, title: title, members: []), at: insertionPosition(of: number))
        nextRoomID = max(nextRoomID, number + 1)
        return (join(member, roomID: number), number)
    }

    /// The title of room `roomID`, if it exists.
    package func title(ofRoom roomID: Int) -> String? { roomTable[roomID]?.title }


    /// `/leave`: leaves the current room; a room left empty is deleted.
    /// - Returns: not in a room, `현재 대화방에 들어가 있지 않습니다.`; otherwise
    ///   `[NAME] 님이 퇴장했습니다.` to every remaining member in join order, then
    ///   `방제[TITLE] 대화 방에서 퇴장했습니다.` to the leaver.
    package mutating func leave(_ member: ChatMemberID) -> [ChatEffect] {
        guard let state = memberTable[member] else { return [] }
        guard let removed = removeFromRoom(member) else {
            return [.system(to: member, text: ChatText.notInRoom)]
        }
        let notice = ChatText.memberLeft(state.name)
        return removed.remaining.map { .system(to: $0, text: notice) }
            + [.system(to: member, text: ChatText.left(room: removed.title))]
    }

    /// A plain chat line.
    /// - Returns: not in a room, `현재 대화방에 들어가 있지 않습니다.` to the sender; otherwise a
    ///   `.chat` carrying the sender's name to every OTHER member in join order (none when alone).
    package func chat(_ member: ChatMemberID, text: String) -> [ChatEffect] {
        guard let state = memberTable[member] else { return [] }
        guard let roomID = state.roomID, let room = roomTable[roomID] else {
            return [.system(to: member, text: ChatText.notInRoom)]
        }
        return room.members.filter { $0 != member }.map { .chat(to: $0, from: state.name, text: text) }
    }

    /// The member's connection is gone: it leaves its room (a room left empty is deleted) and
    /// is forgotten.
    /// - Returns: `[NAME] 님이 퇴장했습니다.` to every remaining member of its room in join order;
    ///   nothing when it was in no room or not connected.
    package mutating func disconnect(_ member: ChatMemberID) -> [ChatEffect] {
        guard let state = memberTable[member] else { return [] }
        let removed = removeFromRoom(member)
        memberTable[member] = nil
        guard let removed else { return [] }
        let notice = ChatText.memberLeft(state.name)
        return removed.remaining.map { .system(to: $0, text: notice) }
    }

    /// Dispatches one decoded client message to the matching operation.
    /// - Returns: that operation's effects; `.shutdown` is not room logic and returns none (the
    ///   shell stops the server).
    package mutating func handle(_ message: ChatClientMessage, from member: ChatMemberID) -> [ChatEffect] {
        switch message {
        case .name(let name): return rename(member, to: name)
        case .rooms: return listRooms(member)
        case .createRoom(let title): return create(member, title: title)
        case .joinRoom(let roomID): return join(member, roomID: Int(roomID))
        case .leaveRoom: return leave(member)
        case .chat(let text): return chat(member, text: text)
        case .shutdown: return []
        }
    }

    // MARK: - Helpers

    /// Takes `member` out of its room, deleting the room when it is left empty.
    /// - Returns: the room's title and remaining members, or `nil` when it was in no room.
    private mutating func removeFromRoom(_ member: ChatMemberID) -> (title: String, remaining: [ChatMemberID])? {
        guard var state = memberTable[member], let roomID = state.roomID else { return nil }
        state.roomID = nil
        memberTable[member] = state
        guard var room = roomTable[roomID] else { return nil }
        if let i = listPosition(of: roomID) {
            for p in room.members.indices.reversed() where room.members[p] == member { roomList[i].members.remove(at: p) }
            if roomList[i].members.isEmpty { roomList.remove(at: i) }
        }
        room.members.removeAll { $0 == member }
        roomTable[roomID] = room.members.isEmpty ? nil : room
        return (room.title, room.members)
    }

    /// Where room `roomID` is in `roomList`, or where it would go (binary search: the list is in number order).
    private func insertionPosition(of roomID: Int) -> Int {
        var low = 0, high = roomList.count
        while low < high {
            let mid = (low + high) / 2
            if roomList[mid].roomID < roomID { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Where room `roomID` is in `roomList`, if it is there.
    private func listPosition(of roomID: Int) -> Int? {
        let i = insertionPosition(of: roomID)
        return i < roomList.count && roomList[i].roomID == roomID ? i : nil
    }
}
