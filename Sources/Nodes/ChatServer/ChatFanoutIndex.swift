/// The chat-line fast path of the in-process backend: for each member, by a small integer
/// "route" the server chose (its connection's slot in the event loop), its room and display
/// name, and for each room the routes of its members in join order.
///
/// It mirrors `ChatRooms` and is refreshed after every operation that can change it (connect,
/// `/name`, `/create`, `/join`, `/leave`, disconnect); `ChatRooms` stays the authority for
/// everything else. A chat line then costs two lookups by integer per line and none per
/// recipient, and hands the recipients as routes, so the server reaches their connections by
/// array index: no per-delivery `ChatEffect`, member-id string or dictionary lookup.
/// Its result equals `ChatRooms.chat` (tests compare them).
struct ChatFanoutIndex {
    private struct Slot {
        var member: ChatMemberID
        /// The room the member is in (0: none).
        var room: Int
        var name: String
    }

    private var slots: [Slot?] = []
    private var routeOf: [ChatMemberID: Int] = [:]
    private var roomRoutes: [Int: [Int]] = [:]

    /// Whether `member` was connected with a route.
    func hasRoute(_ member: ChatMemberID) -> Bool { routeOf[member] != nil }

    /// `member` connected on `route` (after `ChatRooms.connect`).
    mutating func connect(_ member: ChatMemberID, route: Int, rooms: ChatRooms) {
        guard route >= 0 else { return }
        if route >= slots.count { slots.append(contentsOf: repeatElement(nil, count: route + 1 - slots.count)) }
        slots[route] = Slot(member: member, room: 0, name: rooms.name(of: member) ?? member.rawValue)
        routeOf[member] = route
        refresh(member, rooms: rooms)
    }

    /// Brings `member`'s entry and the rooms it left or entered up to date (after any operation
    /// of `member` on `rooms`, including its disconnect, which forgets it).
    mutating func refresh(_ member: ChatMemberID, rooms: ChatRooms) {
        guard let route = routeOf[member], let slot = slots[route] else { return }
        let newRoom = rooms.room(of: member) ?? 0
        if let name = rooms.name(of: member) {
            slots[route]!.name = name
            slots[route]!.room = newRoom
        } else {  // disconnected
            slots[route] = nil
            routeOf[member] = nil
        }
        if slot.room != newRoom {
            if slot.room != 0 { rebuild(slot.room, rooms: rooms) }
            if newRoom != 0 { rebuild(newRoom, rooms: rooms) }
        }
    }

    /// The sender's display name and the routes of its room's members (the sender's included:
    /// skip `route`), for a chat line from `route`.
    /// - Returns: nil when the route has no member or the member is in no room (use
    ///   `ChatRooms.chat`, which answers with the right notice).
    @inline(__always)
    func fanout(from route: Int) -> (name: String, routes: [Int])? {
        guard route >= 0, route < slots.count, let slot = slots[route], slot.room != 0,
              let routes = roomRoutes[slot.room] else { return nil }
        return (slot.name, routes)
    }

    private mutating func rebuild(_ room: Int, rooms: ChatRooms) {
        guard let members = rooms.members(ofRoom: room) else {
            roomRoutes[room] = nil
            return
        }
        roomRoutes[room] = members.compactMap { routeOf[$0] }
    }
}
