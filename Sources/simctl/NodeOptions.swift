import ClusterSim
import Foundation
import NetModel
import Nodes

/// The parsed options of `simctl node`.
struct NodeOptions {
    var role: NodeRole
    var name: NodeName
    var listen: SocketAddress
    var management: SocketAddress?
    var peers: [NodeName: SocketAddress] = [:]
    var clients = 1
    var requestRate = 1.0
    var pushRate = 1.0
    var seed: UInt64 = 1
    var settings = ClusterSettings()
    var events: Set<String>?
    /// The cluster secret (servers only: clients hold none).
    var secret: ClusterSecret = .insecureDefault

    init(_ args: ParsedArguments) throws(UsageError) {
        guard let roleText = args.value("--role") else { throw UsageError("missing --role (one of \(Self.roles))") }
        guard let role = NodeRole(rawValue: roleText), role != .chatDoor else {
            let hint = roleText == NodeRole.chatDoor.rawValue ? " (a chat door runs inside 'simctl chat-server --management')" : ""
            throw UsageError("option '--role' expects one of \(Self.roles), got '\(roleText)'\(hint)")
        }
        self.role = role
        if let text = args.value("--name") {
            guard let n = NodeName(parsing: text), n.role == role else {
                throw UsageError("option '--name' expects \(role.rawValue)-N (N from 1), got '\(text)'")
            }
            name = n
        } else {
            name = NodeName(role, 1)
        }
        listen = try Self.address(args.value("--listen") ?? "127.0.0.1:0", option: "--listen")
        if let text = args.value("--management") {
            management = try Self.address(text, option: "--management")
        } else if role != .management {
            throw UsageError("missing --management HOST:PORT (where the management node listens)")
        }
        if let text = args.value("--peers") {
            for item in text.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let peer = NodeName(parsing: parts[0]) else {
                    throw UsageError("option '--peers' expects NAME=HOST:PORT items separated by commas, got '\(item)'")
                }
                peers[peer] = try Self.address(parts[1], option: "--peers")
            }
        }
        clients = try args.integer("--clients", default: 1, in: 1...5000)
        requestRate = try Self.rate(args, "--request-rate", default: 1)
        pushRate = try Self.rate(args, "--push-rate", default: 1)
        if let text = args.value("--seed") {
            guard let s = UInt64(text) else { throw UsageError("option '--seed' expects a non-negative integer, got '\(text)'") }
            seed = s
        }
        settings.pingInterval = try Self.duration(args, "--ping-interval", default: settings.pingInterval)
        settings.pingTimeout = try Self.duration(args, "--ping-timeout", default: settings.pingTimeout)
        if let text = args.value("--events") { events = Set(text.split(separator: ",").map(String.init)) }
        if role != .client {
            do {
                secret = try ClusterSecret.resolve(file: args.value("--secret-file"),
                                                   environment: ProcessInfo.processInfo.environment,
                                                   insecure: args.has("--insecure"))
            } catch { throw UsageError("\(error)") }
        } else if args.value("--secret-file") != nil {
            throw UsageError("clients hold no cluster secret: drop --secret-file for --role client")
        }
        if role == .client, !peers.keys.contains(where: { $0.role == .frontend || $0.role == .gateway }) {
            throw UsageError("clients need a frontend's or the gateway's address: --peers frontend-1=HOST:PORT,...")
        }
    }

    static let roles = NodeRole.allCases.filter { $0 != .chatDoor }.map(\.rawValue).joined(separator: ", ")

    /// The plans of a client process: users user-1...user-K, the frontends and gateway of `peers`.
    var clientPlans: [(NodeName, ClientPlan)] {
        let users = (1...clients).map { "user-\($0)" }
        let frontends = peers.keys.filter { $0.role == .frontend }.sorted()
        let gateway = peers.keys.first { $0.role == .gateway }
        return (1...clients).map { i in
            (NodeName(.client, i), ClientPlan(user: users[i - 1], users: users, frontends: frontends, gateway: gateway,
                                              requestRate: requestRate, pushRate: pushRate, chatRoom: nil,
                                              createsRoom: false, chatRate: 0, duplicateLoginAfter: nil))
        }
    }

    /// Prints the chosen node events.
    var eventTap: (@Sendable (TraceEvent) -> Void)? {
        guard let events else { return nil }
        let all = events.contains("all")
        return { e in
            guard all || (e.kind == .node && events.contains(e.label)) else { return }
            let ms = String(format: "%.1f", Double(e.at.nanoseconds) / 1e6)
            let kind = e.kind == .node ? "" : "\(e.kind) "
            let peer = e.peer.map { " peer=\($0)" } ?? ""
            say("event \(ms) \(e.node.map(\.description) ?? "-") \(kind)\(e.label) \(e.detail)\(peer)")
        }
    }

    static func address(_ text: String, option: String) throws(UsageError) -> SocketAddress {
        do { return try SocketAddress(parsing: text) } catch {
            throw UsageError("option '\(option)' expects HOST:PORT (IPv4), got '\(text)'")
        }
    }

    static func duration(_ args: ParsedArguments, _ option: String, default value: Duration) throws(UsageError) -> Duration {
        guard let text = args.value(option) else { return value }
        guard let d = DurationText.parse(text), d > .zero else {
            throw UsageError("option '\(option)' expects a duration like \"250ms\" or \"2s\", got '\(text)'")
        }
        return d
    }

    private static func rate(_ args: ParsedArguments, _ option: String, default value: Double) throws(UsageError) -> Double {
        guard let text = args.value(option) else { return value }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let n = Double(parts[0]), n >= 0, parts[1] == "s" || parts[1] == "m" else {
            throw UsageError("option '\(option)' expects a rate like \"2/s\" or \"30/m\", got '\(text)'")
        }
        return parts[1] == "s" ? n : n / 60
    }
}
