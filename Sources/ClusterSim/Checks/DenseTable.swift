import NetModel

/// A key that is usually one of a dense run of small numbers: a simulated client (`client-N`),
/// a workload user (`user-N`).
protocol DenseKey: Hashable {
    /// The key's small number (from 1), or nil when it has none (kept in a dictionary instead).
    var denseIndex: Int? { get }
    /// The key whose `denseIndex` is `denseIndex` (for listing a table's keys).
    init(denseIndex: Int)
}

extension NodeName: DenseKey {
    /// A client's number (`client-17`: 17); nil for the cluster's nodes.
    var denseIndex: Int? { role == .client ? index : nil }
    /// `client-N`.
    init(denseIndex: Int) { self.init(.client, denseIndex) }
}

extension String: DenseKey {
    /// The number of a workload user's name (`user-17`: 17, as `ClusterBlueprint` names them);
    /// nil for any other text (a door's users, a user with leading zeros).
    var denseIndex: Int? {
        let utf8 = self.utf8
        // "user-" then 1 to 9 digits, the first not 0.
        guard utf8.count > 5, utf8.count <= 14 else { return nil }
        var n = 0
        var i = 0
        for byte in utf8 {
            switch i {
            case 0: if byte != UInt8(ascii: "u") { return nil }
            case 1: if byte != UInt8(ascii: "s") { return nil }
            case 2: if byte != UInt8(ascii: "e") { return nil }
            case 3: if byte != UInt8(ascii: "r") { return nil }
            case 4: if byte != UInt8(ascii: "-") { return nil }
            default:
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), i > 5 || byte != UInt8(ascii: "0") else { return nil }
                n = n * 10 + Int(byte - UInt8(ascii: "0"))
            }
            i += 1
        }
        return n
    }
    /// `user-N`.
    init(denseIndex: Int) { self = "user-\(denseIndex)" }
}

/// Values by key for the tables a scan keeps per client or per user for the whole run: a key
/// with a small number (`DenseKey`) has its value in an array at that number, any other key in a
/// dictionary.
///
/// A dictionary keeps at most 3/4 of its power-of-two room in use: one entry per client cost
/// 1.6 times its entry at 10k clients and 2.6 times at 100k (a 16-byte name and an 8-byte number
/// made 38 and 62 bytes a client); here a client costs its optional value (8 bytes for a
/// `UInt32`), the array grown by a quarter. Lookups give the same answers as a dictionary's; the
/// table has no order (`keys` are sorted).
struct DenseTable<Key: DenseKey, Value> {
    /// By the key's number minus one: the value, nil when none (or when the key is in `others`).
    private var dense: [Value?] = []
    /// Keys without a small number, and those whose number was too far past `dense`'s end.
    private var others: [Key: Value] = [:]
    /// How many keys have a value.
    private(set) var count = 0

    /// An empty table.
    init() {}

    /// How far past `dense`'s end a key's number may be and still be kept there: the slots in
    /// between are filled with nil (a stray large number goes to `others`).
    private var reach: Int { Swift.max(1024, dense.count / 2) }

    /// The room the array keeps (slots for key numbers).
    var denseRoom: Int { dense.capacity }

    /// Whether no key has a value.
    var isEmpty: Bool { count == 0 }

    /// The value of `key`; setting nil removes it.
    subscript(key: Key) -> Value? {
        get {
            if let n = key.denseIndex, n >= 1, n <= dense.count, let value = dense[n - 1] { return value }
            return others.isEmpty ? nil : others[key]
        }
        set {
            if let newValue { store(newValue, for: key) } else { removeValue(forKey: key) }
        }
    }

    /// The value of `key`, `defaultValue` when it has none; a mutation stores it, in place.
    subscript(key: Key, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        _modify {
            if let i = denseSlot(of: key) {
                if dense[i] == nil { store(defaultValue(), for: key) }
                yield &dense[i]!
            } else if let n = key.denseIndex, n >= 1, others.isEmpty || others[key] == nil, n - dense.count <= reach {
                store(defaultValue(), for: key)
                yield &dense[n - 1]!
            } else {
                if others[key] == nil { count += 1 }
                yield &others[key, default: defaultValue()]
            }
        }
    }

    /// Where `key`'s value is or goes in `dense`, when `dense` reaches its number already and
    /// `others` does not hold it.
    private func denseSlot(of key: Key) -> Int? {
        guard let n = key.denseIndex, n >= 1, n <= dense.count else { return nil }
        if dense[n - 1] == nil, !others.isEmpty, others[key] != nil { return nil }
        return n - 1
    }

    private mutating func store(_ value: Value, for key: Key) {
        if let n = key.denseIndex, n >= 1, others.isEmpty || others[key] == nil {
            if n <= dense.count {
                if dense[n - 1] == nil { count += 1 }
                dense[n - 1] = value
                return
            }
            if n - dense.count <= reach {
                if dense.capacity < n { dense.reserveCapacity(Swift.max(n, dense.count + dense.count / 4)) }
                dense.append(contentsOf: repeatElement(nil, count: n - 1 - dense.count))
                dense.append(value)
                count += 1
                return
            }
        }
        if others.updateValue(value, forKey: key) == nil { count += 1 }
    }

    /// Removes the value of `key`.
    /// - Returns: the value it had, or nil.
    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        if let n = key.denseIndex, n >= 1, n <= dense.count, let value = dense[n - 1] {
            dense[n - 1] = nil
            count -= 1
            return value
        }
        guard !others.isEmpty, let value = others.removeValue(forKey: key) else { return nil }
        count -= 1
        return value
    }

    /// Every key with a value, in no particular order (sort them before relying on an order).
    var unorderedKeys: [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(count)
        for (key, _) in others { keys.append(key) }
        for i in dense.indices where dense[i] != nil { keys.append(Key(denseIndex: i + 1)) }
        return keys
    }
}

extension DenseTable: Sendable where Key: Sendable, Value: Sendable {}
