import NetModel

/// How push ids (and chat line ids) are made unique in a cluster: 12 bits naming the node that
/// made the id, 20 bits of its incarnation's tag (`NodeEnvironment.incarnationID`, so a restarted
/// node never reuses an id), and a 32-bit counter.
///
/// Node codes: a frontend its number (below 0xC00); the chat node 0xC00 + its number; a chat door
/// 0xD00 + its number.
public enum PushIDLayout {
    /// The high 32 bits of every id `node`'s incarnation makes; add a counter from 1.
    public static func prefix(node: NodeName, incarnation: UInt64) -> UInt64 {
        let code: UInt64
        switch node.role {
        case .chat: code = 0xC00 | UInt64(node.index & 0xFF)
        case .chatDoor: code = 0xD00 | UInt64(node.index & 0xFF)
        default: code = UInt64(node.index & 0xBFF)
        }
        return code << 52 | (incarnation & 0xF_FFFF) << 32
    }
}
