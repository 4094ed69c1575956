/// What one line typed into the interactive chat client means.
package enum ChatClientInput: Equatable, Sendable {
    /// Send this message to the server.
    case send(ChatClientMessage)
    /// Print the command list.
    case help
    /// Leave the client.
    case quit
    /// Nothing to do (an empty line).
    case nothing
    /// A mistake in the line; the text says what was wrong and how to write it.
    case invalid(String)

    /// The commands the client understands, one per line, for `/help`.
    package static let helpText = """
        /name NAME       change your name
        /rooms           list the rooms (number, title, members)
        /create TITLE    open a room and enter it
        /join N          enter room number N
        /leave           leave the room you are in
        /shutdown        stop the server (from its own host only, unless it refuses it)
        /help            show this list
        /quit            leave the client (also end of input, Ctrl-D)
        anything else    a chat line to the others in your room
        """

    /// Reads one typed line (without its newline).
    /// - Returns: the message to send for a command or a chat line, `.help`, `.quit`,
    ///   `.nothing` for a blank line, or `.invalid` naming the mistake (unknown command, missing
    ///   or bad argument).
    package static func parse(_ line: String) -> ChatClientInput {
        let trimmed = line.trimmingTrailingNewline()
        if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) { return .nothing }
        guard trimmed.hasPrefix("/") else { return .send(.chat(trimmed)) }
        let command: Substring
        let argument: String
        if let space = trimmed.firstIndex(of: " ") {
            command = trimmed[..<space]
            argument = String(trimmed[trimmed.index(after: space)...])
        } else {
            command = trimmed[...]
            argument = ""
        }
        switch command {
        case "/name":
            guard !argument.isEmpty else { return .invalid("usage: /name NAME") }
            return .send(.name(argument))
        case "/rooms": return .send(.rooms)
        case "/create":
            guard !argument.isEmpty else { return .invalid("usage: /create TITLE") }
            return .send(.createRoom(title: argument))
        case "/join":
            guard let number = Int32(argument.filter { $0 != " " }) else {
                return .invalid("usage: /join N, where N is a room number from /rooms")
            }
            return .send(.joinRoom(number))
        case "/leave": return .send(.leaveRoom)
        case "/shutdown": return .send(.shutdown)
        case "/help": return .help
        case "/quit": return .quit
        default: return .invalid("unknown command \(command); type /help for the list")
        }
    }

    /// How the client prints a message from the server.
    /// - Returns: `[시스템 메시지] TEXT` for a system message, `[MEMBER] TEXT` for a chat line,
    ///   and for a room list one line per room (`  #N TITLE — members: A, B`) under a header, or
    ///   a line saying there is none.
    package static func display(_ message: ChatServerMessage) -> String {
        switch message {
        case .system(let text):
            return "[시스템 메시지] \(text)"
        case .chat(let member, let text):
            return "[\(member)] \(text)"
        case .roomsResult(let rooms):
            guard !rooms.isEmpty else { return "rooms: none open (create one with /create TITLE)" }
            var lines = ["rooms: \(rooms.count)"]
            for room in rooms {
                let members = room.members.isEmpty ? "nobody" : room.members.joined(separator: ", ")
                lines.append("  #\(room.roomID) \(room.title) — members: \(members)")
            }
            return lines.joined(separator: "\n")
        }
    }
}

extension String {
    /// The string without a trailing `\n` or `\r\n`.
    fileprivate func trimmingTrailingNewline() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" || last == "\r\n" { s = s.dropLast() }
        return String(s)
    }
}
