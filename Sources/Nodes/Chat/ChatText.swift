/// Every system message of the chat service, in one place: the Korean texts of seed 004's
/// reference server, byte for byte (`docs/chat-protocol.md`; the wire carries them unchanged), and
/// the notices the cluster adds (a busy, unreachable or fenced chat door; a restarted chat node).
///
/// Code that must know what happened uses the typed outcome (`ClientResult.joined`), never these
/// texts; they are only what a person reads.
package enum ChatText {
    /// `/name` outside a room, to the member: `이름이 NEW 으로 변경되었습니다.`
    /// - Returns: the text.
    package static func renamed(to newName: String) -> String { "이름이 \(newName) 으로 변경되었습니다." }

    /// Whether `text` tells a member its own name changed (`renamed(to:)`).
    package static func isRenamed(_ text: String) -> Bool { text.hasPrefix("이름이 ") && text.hasSuffix(" 으로 변경되었습니다.") }

    /// `/name` inside a room, to every member: `OLD 의 이름이 NEW 으로 변경되었습니다.`
    /// - Returns: the text.
    package static func renamed(_ oldName: String, to newName: String) -> String {
        "\(oldName) 의 이름이 \(newName) 으로 변경되었습니다."
    }

    /// `/create` by a member already in a room.
    package static let cannotCreateInRoom = "대화 방에 있을 때는 방을 개설 할 수 없습니다."

    /// `/join` by a member already in a room.
    package static let cannotJoinInRoom = "대화 방에 있을 때는 다른 방에 들어갈 수 없습니다."

    /// `/join` of a room that does not exist.
    package static let noSuchRoom = "대화방이 존재하지 않습니다."

    /// `/leave` or a chat line by a member in no room.
    package static let notInRoom = "현재 대화방에 들어가 있지 않습니다."

    /// To a member that created or joined room `title`: `방제[TITLE] 방에 입장했습니다.`
    /// - Returns: the text.
    package static func entered(room title: String) -> String { "방제[\(title)] 방에 입장했습니다." }

    /// To a member that left room `title`: `방제[TITLE] 대화 방에서 퇴장했습니다.`
    /// - Returns: the text.
    package static func left(room title: String) -> String { "방제[\(title)] 대화 방에서 퇴장했습니다." }

    /// To the earlier members of a room `name` joined: `[NAME] 님이 입장했습니다.`
    /// - Returns: the text.
    package static func memberJoined(_ name: String) -> String { "[\(name)] 님이 입장했습니다." }

    /// To the remaining members of a room `name` left (or disconnected from): `[NAME] 님이 퇴장했습니다.`
    /// - Returns: the text.
    package static func memberLeft(_ name: String) -> String { "[\(name)] 님이 퇴장했습니다." }

    /// Whether `text` tells a member it entered a room (`entered(room:)`): for a client of the
    /// wire protocol, which has no typed outcome.
    /// - Returns: true for `방제[…] 방에 입장했습니다.`
    package static func isRoomEntry(_ text: String) -> Bool {
        text.hasPrefix("방제[") && text.hasSuffix("] 방에 입장했습니다.")
    }

    // MARK: the cluster's own notices

    /// A chat door's member, when the door already has too many of its clients' commands waiting
    /// (`ClusterChatBackend.backlogLimit`): the command was dropped.
    package static let busy = "채팅 서버가 바쁩니다. 명령을 처리하지 못했습니다. (chat cluster busy: command dropped)"

    /// A chat door's member, when its command cannot reach the cluster.
    package static let unreachable = "채팅 클러스터에 연결할 수 없습니다. 잠시 후 다시 시도하세요. (chat cluster unreachable)"

    /// Every member of a chat door the manager fenced.
    package static let fenced = "채팅 클러스터에서 제외되었습니다. 서버를 다시 시작해야 합니다. (chat door fenced)"

    /// A chat door's member, when the chat node restarted (its rooms are gone; a person at the
    /// course client joins again by hand).
    package static let restarted = "채팅 서버가 다시 시작되었습니다. 방에 다시 들어가세요. (chat node restarted: join your room again)"
}
