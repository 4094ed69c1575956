/// A map from node names to values, stored as one array per role indexed by the node number:
/// lookups cost two array reads instead of a hash, and iteration is in name order.
public struct EndpointTable<Value> {
    @usableFromInline var byRole: [[Value?]] = Array(repeating: [], count: NodeRole.allCases.count)

    /// An empty table.
    @inlinable public init() {}

    /// The value stored for `name`, or nil; setting nil removes it.
    @inlinable
    public subscript(name: NodeName) -> Value? {
        get {
            let row = byRole[name.role.order]
            let i = name.index - 1
            return i < row.count ? row[i] : nil
        }
        set {
            let r = name.role.order
            let i = name.index - 1
            if i >= byRole[r].count {
                guard newValue != nil else { return }
                byRole[r].append(contentsOf: repeatElement(nil, count: i + 1 - byRole[r].count))
            }
            byRole[r][i] = newValue
        }
    }

    /// Every stored value, in name order.
    public var values: [Value] { byRole.flatMap { $0.compactMap { $0 } } }
}

extension EndpointTable: Sendable where Value: Sendable {}
