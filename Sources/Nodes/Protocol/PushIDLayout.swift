import NetModel

/// How push ids (and chat line ids) are made unique in a cluster: 12 bits naming the node that
/// made the id, 20 bits of its incarnation's tag (`NodeEnvironment.incarnationID`, so a restarted
/// node never reuses an id), and a 32-bit counter.
///
/// Node codes: a frontend its number (below 0xC00); the chat node 0xC00 + its number; a chat door
/// 0xD00 + its number.
///
/// A simulated client numbers its own chat lines with its index in the high 32 bits and a counter
/// in the low 32 (`clientLineID(client:counter:)`): no node code reaches those values for the few
/// thousand clients of a run. Every id is packed and unpacked here, nowhere else.
package enum PushIDLayout {
    /// How many low bits hold the counter.
    package static let counterBits = 32

    /// The `counter`th id (from 1) under `prefix` (from `prefix(node:incarnation:)`).
    /// - Returns: `prefix` with the counter in the low 32 bits.
    package static func id(prefix: UInt64, counter: UInt64) -> UInt64 {
        prefix | (counter & (1 << UInt64(counterBits) - 1))
    }

    /// The node code and incarnation tag of `prefix`, as one number: what the node's own request
    /// keys use as their incarnation (`RequestKey.id(incarnation:counter:)`).
    /// - Returns: the high 32 bits of `prefix`, shifted down.
    package static func incarnation(ofPrefix prefix: UInt64) -> UInt64 { prefix >> UInt64(counterBits) }

    /// The id of the `counter`th chat line (from 1) said by the simulated client `client`.
    /// - Returns: the client's index in the high 32 bits, the counter in the low 32.
    package static func clientLineID(client: NodeName, counter: UInt64) -> UInt64 {
        UInt64(client.index) << UInt64(counterBits) | (counter & (1 << UInt64(counterBits) - 1))
    }

    /// The high 32 bits of every id `node`'s incarnation makes; add a counter from 1.
    package static func prefix(node: NodeName, incarnation: UInt64) -> UInt64 {
        let code: UInt64
        switch node.role {
        case .chat: code = 0xC00 | UInt64(node.index & 0xFF)
        case .chatDoor: code = 0xD00 | UInt64(node.index & 0xFF)
        default: code = UInt64(node.index & 0xBFF)
        }
        return code << 52 | (incarnation & 0xF_FFFF) << UInt64(counterBits)
    }
}
