/// Makes a `/rooms` answer fit the protocol's frames: a room list longer than one frame
/// (65,535 bytes of body) is sent as several `SCRoomsResult` frames, each listing some of the
/// rooms in order; a single room whose member list alone does not fit is listed with as many
/// members as fit, followed by a system message saying how many were left out.
enum ChatRoomsPaging {
    /// The framed bytes of `.roomsResult(rooms)`, split or truncated as needed.
    /// - Returns: the bytes to write (one frame, or one per page, plus notices).
    static func frames(for rooms: [ChatRoomInfo], format: ChatWireFormat) -> [UInt8] {
        var out: [UInt8] = []
        append(rooms[...], format: format, to: &out)
        return out
    }

    /// The messages `frames(for:format:)` sends, in order (for tests and the cluster path).
    static func messages(for rooms: [ChatRoomInfo], format: ChatWireFormat) -> [ChatServerMessage] {
        var decoder = ChatFrameDecoder(format: format)
        decoder.append(frames(for: rooms, format: format))
        var messages: [ChatServerMessage] = []
        while let message = try? decoder.nextServerMessage() { messages.append(message) }
        return messages
    }

    private static func append(_ rooms: ArraySlice<ChatRoomInfo>, format: ChatWireFormat, to out: inout [UInt8]) {
        if let bytes = try? ChatWire.encode(.roomsResult(Array(rooms)), format: format) {
            out.append(contentsOf: bytes)
            return
        }
        if rooms.count > 1 {
            let middle = rooms.startIndex + rooms.count / 2
            append(rooms[..<middle], format: format, to: &out)
            append(rooms[middle...], format: format, to: &out)
            return
        }
        guard let room = rooms.first else { return }
        // One room too large for a frame: as many members as fit, then a notice.
        var low = 0
        var high = room.members.count
        while low < high {
            let mid = (low + high + 1) / 2
            let trial = ChatRoomInfo(roomID: room.roomID, title: room.title, members: Array(room.members.prefix(mid)))
            if (try? ChatWire.encode(.roomsResult([trial]), format: format)) != nil { low = mid } else { high = mid - 1 }
        }
        let kept = ChatRoomInfo(roomID: room.roomID, title: String(room.title.utf8.prefix(1024)) ?? "", members: Array(room.members.prefix(low)))
        if let bytes = try? ChatWire.encode(.roomsResult([kept]), format: format) { out.append(contentsOf: bytes) }
        let notice = "방 #\(room.roomID) 의 멤버 목록이 잘렸습니다: \(room.members.count) 명 중 \(low) 명 (room #\(room.roomID): member list truncated, \(low) of \(room.members.count) shown)"
        if let bytes = try? ChatWire.encode(.system(notice), format: format) { out.append(contentsOf: bytes) }
    }
}
