import NetModel

/// One member's command in a chat door's `BackendCall.chatCommands`: what
/// `chat(user:command:request: nil)` carries alone.
///
/// On the wire a two-element array `[user, command]`.
package struct DoorCommand: Codable, Equatable, Sendable {
    /// The member's cluster user name.
    package var user: String
    /// The command.
    package var command: ChatCommand

    /// A member's command.
    package init(user: String, command: ChatCommand) {
        self.user = user
        self.command = command
    }

    /// Decodes `[user, command]`.
    package init(from decoder: any Decoder) throws {
        var fields = try decoder.unkeyedContainer()
        user = try fields.decode(String.self)
        command = try fields.decode(ChatCommand.self)
    }

    /// Encodes `[user, command]`.
    package func encode(to encoder: any Encoder) throws {
        var fields = encoder.unkeyedContainer()
        try fields.encode(user)
        try fields.encode(command)
    }
}
