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
            // Read in place (a copy of the row would retain and release its buffer on every lookup).
            let r = name.role.order
            let i = name.index &- 1
            return byRole.withUnsafeBufferPointer { rows in
                rows[r].withUnsafeBufferPointer { row in i < row.count ? row[i] : nil }
            }
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

    /// What `body` reads from the value stored for `name` (nil if none), without copying the value
    /// out (for a class, no retain and release around the read).
    @inlinable
    package func read<T>(_ name: NodeName, _ body: (Value?) -> T) -> T {
        let r = name.role.order
        let i = name.index &- 1
        return byRole.withUnsafeBufferPointer { rows in
            rows[r].withUnsafeBufferPointer { row in body(i < row.count ? row[i] : nil) }
        }
    }

    /// The object stored for `name`, not retained and not loaded (only its place in the table is
    /// read): for objects kept alive elsewhere.
    @inlinable
    package func unretained(_ name: NodeName) -> Unmanaged<Value>? where Value: AnyObject {
        read(name) { $0.map { Unmanaged.passUnretained($0) } }
    }

    /// Every stored value, in name order.
    public var values: [Value] { byRole.flatMap { $0.compactMap { $0 } } }
}

extension EndpointTable: Sendable where Value: Sendable {}

/// A map from stream ids to values, for ids handed out in order from 1: an array indexed by
/// the id, so a lookup is one array read instead of a hash.
@usableFromInline
struct StreamTable<Value> {
    @usableFromInline var slots: [Value?] = []

    @usableFromInline init() {}

    @inlinable
    subscript(id: StreamID) -> Value? {
        get {
            let i = Int(truncatingIfNeeded: id.rawValue) &- 1
            return i >= 0 && i < slots.count ? slots[i] : nil
        }
        set {
            let i = Int(truncatingIfNeeded: id.rawValue) - 1
            precondition(i >= 0, "stream ids start at 1")
            if i >= slots.count {
                guard newValue != nil else { return }
                slots.append(contentsOf: repeatElement(nil, count: i + 1 - slots.count))
            }
            slots[i] = newValue
        }
    }

    /// The ids that hold a value, in increasing order.
    var ids: [StreamID] {
        slots.indices.compactMap { slots[$0] == nil ? nil : StreamID(UInt64($0 + 1)) }
    }
}
