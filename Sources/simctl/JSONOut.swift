import ClusterSim

/// A JSON value printed by `simctl --json` (keys in the order given; numbers as `jsonNumber`).
indirect enum JSONOut {
    case string(String)
    case int(Int)
    case uint(UInt64)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONOut])
    case object([(String, JSONOut)])

    /// The compact JSON text.
    var text: String {
        switch self {
        case .string(let s): return jsonString(s)
        case .int(let n): return String(n)
        case .uint(let n): return String(n)
        case .number(let x):
            guard x.isFinite else { return "null" }
            if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
            return "\((x * 1000).rounded() / 1000)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.map { jsonString($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }
}
