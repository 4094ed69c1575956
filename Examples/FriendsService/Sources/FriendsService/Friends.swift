import Nodes

// A friends list, added to the cluster in seed 000's five steps:
// 1. its messages (typed, Codable): AddFriend, ListFriends, NotifyFriends, FriendList;
// 2. its services (authorized by default, like `[Authorize]`): Friends.Add, Friends.List, Friends.Notify;
// 3. registered in one place: `FriendsServices.register(in:)`;
// 4. shared resources through the initializer: the greeting `Friends.Notify` prefixes;
// 5. the caller from the context: `context.userInfo()` / `context.onlineUserInfo()`.

/// Step 1: the messages.
public struct AddFriend: ServiceMessage {
    public var friend: String
    public init(friend: String) { self.friend = friend }
}

public struct ListFriends: ServiceMessage {
    public init() {}
}

public struct NotifyFriends: ServiceMessage {
    public var text: String
    public init(text: String) { self.text = text }
}

public struct FriendList: ServiceMessage {
    public var friends: [String]
    public init(friends: [String]) { self.friends = friends }
}

/// What the friends store executes.
public enum FriendsCommand: ServiceMessage {
    case add(String)
    case list
}

/// The state: each user's friends, kept by the session node and executed once per request.
public struct FriendsStore: BackendService {
    public static let name = "Friends.Store"
    private var friends: [String: Set<String>] = [:]
    public init() {}

    public mutating func execute(_ request: FriendsCommand, user: String) throws(Refusal) -> FriendList {
        switch request {
        case .add(let friend):
            guard friend != user else { throw .rejected("self") }
            guard friends[user, default: []].count < 50 else { throw .rejected("too-many-friends") }
            friends[user, default: []].insert(friend)
        case .list:
            break
        }
        return FriendList(friends: friends[user, default: []].sorted())
    }
}

/// Step 2: Friends.Add.
public struct AddFriendService: SimulatedService {
    public static let name = "Friends.Add"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: AddFriend, context: ServiceContext) async throws(Refusal) -> FriendList {
        try await context.call(FriendsStore.self, .add(request.friend))
    }
    public static func workloadRequest(_ draw: inout WorkloadDraw) -> AddFriend { AddFriend(friend: draw.otherUser()) }
}

/// Step 2: Friends.List.
public struct ListFriendsService: SimulatedService {
    public static let name = "Friends.List"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: ListFriends, context: ServiceContext) async throws(Refusal) -> FriendList {
        try await context.call(FriendsStore.self, .list)
    }
    public static func workloadRequest(_ draw: inout WorkloadDraw) -> ListFriends { ListFriends() }
}

/// Step 2 and 4: Friends.Notify pushes a text to every friend; its greeting is a shared resource
/// given through the initializer.
public struct NotifyFriendsService: SimulatedService {
    public static let name = "Friends.Notify"
    let greeting: String
    public init(greeting: String) { self.greeting = greeting }
    nonisolated(nonsending) public func handle(_ request: NotifyFriends, context: ServiceContext) async throws(Refusal) -> FriendList {
        // Step 5: the caller must be online (seed 000's GetOnlineUserInfoOrThrow).
        let me = try await context.onlineUserInfo()
        let list = try await context.call(FriendsStore.self, .list)
        if !list.friends.isEmpty {
            try await context.push("\(greeting) \(me.user): \(request.text)", to: list.friends)
        }
        return list
    }
    public static func workloadRequest(_ draw: inout WorkloadDraw) -> NotifyFriends { NotifyFriends(text: "gg") }
}

/// Step 3: registered in one place.
public enum FriendsServices {
    public static func register(in registry: inout ServiceRegistry, greeting: String = "from") {
        registry.register(FriendsStore.self)
        registry.register(AddFriendService())
        registry.register(ListFriendsService())
        registry.register(NotifyFriendsService(greeting: greeting))
    }
}
