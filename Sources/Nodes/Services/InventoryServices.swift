import NetModel

// The sample service of docs/services.md: a game inventory. Three frontend services (add an
// item, list the inventory, give an item to another online player, who gets a push) over one
// backend service that keeps every user's items on the session node.

/// The items the sample game has.
public let inventoryCatalog = ["sword", "shield", "potion", "gem"]

/// A user's items, sorted by name.
public struct Inventory: ServiceMessage {
    /// Item → how many.
    public var items: [ItemCount]
    /// An inventory.
    public init(items: [ItemCount]) { self.items = items }
    /// How many of `item` (0 when none).
    public func count(of item: String) -> Int { items.first { $0.item == item }?.count ?? 0 }
}

/// One line of an inventory.
public struct ItemCount: ServiceMessage {
    /// The item.
    public var item: String
    /// How many.
    public var count: Int
    /// A line.
    public init(item: String, count: Int) {
        self.item = item
        self.count = count
    }
}

/// What the inventory store executes.
public enum InventoryCommand: ServiceMessage {
    /// Adds `count` of `item` to the caller.
    case add(item: String, count: Int)
    /// The caller's inventory.
    case list
    /// Moves `count` of `item` from the caller to `to`.
    case give(to: String, item: String, count: Int)
}

/// The backend service that keeps every user's items (on the session node, executed once per
/// request). Refuses unknown items, counts outside 1…100, and gifts of items the giver lacks.
public struct InventoryStore: BackendService {
    public static let name = "Inventory.Store"
    private var items: [String: [String: Int]] = [:]

    public init() {}

    public mutating func execute(_ request: InventoryCommand, user: String) throws(Refusal) -> Inventory {
        switch request {
        case .add(let item, let count):
            try Self.check(item, count)
            items[user, default: [:]][item, default: 0] += count
        case .list:
            break
        case .give(let to, let item, let count):
            try Self.check(item, count)
            guard to != user else { throw .rejected("gift-to-self") }
            guard items[user]?[item] ?? 0 >= count else { throw .rejected("not-enough-" + item) }
            items[user]?[item]? -= count
            items[to, default: [:]][item, default: 0] += count
        }
        return inventory(of: user)
    }

    /// `user`'s items, sorted by name (items with none left are not listed).
    public func inventory(of user: String) -> Inventory {
        Inventory(items: (items[user] ?? [:]).filter { $0.value > 0 }.sorted { $0.key < $1.key }
            .map { ItemCount(item: $0.key, count: $0.value) })
    }

    private static func check(_ item: String, _ count: Int) throws(Refusal) {
        guard inventoryCatalog.contains(item) else { throw .rejected("unknown-item") }
        guard (1...100).contains(count) else { throw .rejected("bad-count") }
    }
}

/// The request of `Inventory.Add`.
public struct AddItem: ServiceMessage {
    /// The item.
    public var item: String
    /// How many.
    public var count: Int
    /// A request.
    public init(item: String, count: Int) {
        self.item = item
        self.count = count
    }
}

/// Adds items to the caller's inventory (a reward, a purchase).
public struct InventoryAddService: SimulatedService {
    public static let name = "Inventory.Add"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: AddItem, context: ServiceContext) async throws(Refusal) -> Inventory {
        try await context.call(InventoryStore.self, .add(item: request.item, count: request.count))
    }
    public static func workloadRequest(_ draw: inout WorkloadDraw) -> AddItem {
        AddItem(item: inventoryCatalog[draw.random(below: inventoryCatalog.count)], count: 1 + draw.random(below: 3))
    }
}

/// The request of `Inventory.List` (no fields).
public struct ListItems: ServiceMessage {
    /// A request.
    public init() {}
}

/// The caller's inventory.
public struct InventoryListService: SimulatedService {
    public static let name = "Inventory.List"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: ListItems, context: ServiceContext) async throws(Refusal) -> Inventory {
        try await context.call(InventoryStore.self, .list)
    }
    public static func workloadRequest(_ draw: inout WorkloadDraw) -> ListItems { ListItems() }
}

/// The request of `Inventory.Gift`.
public struct GiftItem: ServiceMessage {
    /// Who gets it.
    public var to: String
    /// The item.
    public var item: String
    /// How many.
    public var count: Int
    /// A request.
    public init(to: String, item: String, count: Int) {
        self.to = to
        self.item = item
        self.count = count
    }
}

/// Gives items to another player. Both must be online (seed 000's `GetOnlineUserInfoOrThrow`
/// for the giver); the receiver gets a push saying what came from whom.
public struct InventoryGiftService: SimulatedService {
    public static let name = "Inventory.Gift"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: GiftItem, context: ServiceContext) async throws(Refusal) -> Inventory {
        let giver = try await context.onlineUserInfo()
        guard try await context.isOnline(request.to) else { throw .notOnline(request.to) }
        let left = try await context.call(InventoryStore.self,
                                          .give(to: request.to, item: request.item, count: request.count))
        try await context.push("\(giver.user) gave you \(request.count) \(request.item)", to: [request.to])
        return left
    }
    public static func workloadRequest(_ draw: inout WorkloadDraw) -> GiftItem {
        GiftItem(to: draw.otherUser(), item: inventoryCatalog[draw.random(below: inventoryCatalog.count)], count: 1)
    }
}
