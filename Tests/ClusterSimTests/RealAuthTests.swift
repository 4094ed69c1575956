import ClusterSim
import Foundation
import Glibc
import NetModel
import Nodes
import Synchronization
import Testing

/// What a test client on a plain (unauthenticated) TCP network received.
private final class Replies: Sendable {
    private let items = Mutex<[ClientReply]>([])
    private let arrived = NSCondition()

    var handler: @Sendable (Inbound<ClusterMessage>) -> Void {
        { [self] inbound in
            guard case .message(let e) = inbound, case .reply(let r) = e.payload else { return }
            items.withLock { $0.append(r) }
            arrived.lock()
            arrived.broadcast()
            arrived.unlock()
        }
    }

    /// Waits up to `seconds` for the reply to request `id`.
    func reply(to id: UInt64, within seconds: Double = 5) -> ClientReply? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        arrived.lock()
        defer { arrived.unlock() }
        while true {
            if let r = items.withLock({ $0.first { $0.requestID == id } }) { return r }
            guard arrived.wait(until: deadline) else { return items.withLock { $0.first { $0.requestID == id } } }
        }
    }
}

/// Lines logged by a network.
private final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    var sink: @Sendable (String) -> Void { { [self] l in lines.withLock { $0.append(l) } } }
    var all: [String] { lines.withLock { $0 } }
}

/// Management, session and a frontend in this process with their own secret, and a client on a
/// plain TCP network of its own (it holds no secret), as an outside client would be.
private final class SecuredFrontend {
    let process: RealNodeProcess
    let client: TCPNetwork<ClusterMessage>
    let transport: TCPTransport<ClusterMessage>
    let replies = Replies()
    let secret = ClusterSecret.generate()
    /// The node events of the cluster's nodes (the frontend's registration).
    let events = NodeEventLog()
    private var nextID: UInt64 = 0

    init() throws {
        let events = self.events
        process = try RealNodeProcess(host: "127.0.0.1", management: nil, seed: 5,
                                      settings: ClusterSettings(pingInterval: .milliseconds(200)), secret: secret,
                                      tap: { events.add($0) })
        let any = SocketAddress(host: "127.0.0.1", port: 0)
        _ = try process.startServer(.management, listen: any)
        _ = try process.startServer(.session, listen: any)
        let frontend = try process.startServer(NodeName(.frontend, 1), listen: any)
        client = try TCPNetwork<ClusterMessage>()
        client.directory.set(frontend, for: NodeName(.frontend, 1))
        transport = try client.attach(local: NodeName(.client, 1), listen: nil, handler: replies.handler)
    }

    /// Sends a request and waits for its reply.
    func ask(_ service: ClientService, token: String = "") -> ClientReply? {
        nextID += 1
        transport.send(.request(ClientRequest(requestID: nextID, token: token, call: service.call)), to: NodeName(.frontend, 1))
        return replies.reply(to: nextID)
    }

    /// Waits (up to 30 s, woken by each node event) until the manager accepted the frontend's
    /// registration, then asks once: the frontend serves from then on.
    func waitUntilServing() -> Bool {
        guard events.first(within: 30, where: { $0.label == NodeLog.registered && $0.node == NodeName(.frontend, 1) }) != nil,
              let r = ask(.state) else { return false }
        return r.result.refusal != .notServing
    }

    func stop() {
        client.shutdown()
        process.stop()
    }
}

@Suite("The real cluster's own secrets: tokens, bounded logins, the payload gate")
struct RealAuthTests {
    @Test("a token signed with the built-in secret is refused by a cluster with its own; its own tokens pass")
    func defaultSecretToken() throws {
        let cluster = try SecuredFrontend()
        defer { cluster.stop() }
        try #require(cluster.waitUntilServing(), "the frontend never served")
        let now = Int64(Date().timeIntervalSince1970)
        let forged = TokenSigner(secret: Array("k2svc-secret".utf8)).sign(TokenClaims(sub: "user-1", iat: now, exp: now + 60))
        let refused = try #require(cluster.ask(.isOnline(user: "user-2"), token: forged))
        #expect(refused.result.refusal == .badToken("bad token signature"), "\(refused)")

        // Login gives a token on the wall clock, which the frontend then accepts.
        let login = try #require(cluster.ask(.login(user: "user-1", password: "pw-user-1")))
        guard case .token(let token) = login.result else {
            Issue.record("login: \(login)")
            return
        }
        let claims = try #require(try? TokenSigner(secret: cluster.secret.tokenSecret).verify(token, now: now + 1).get())
        #expect(abs(claims.iat - now) <= 5 && claims.exp == claims.iat + 600, "iat/exp are Unix seconds: \(claims)")
        let accepted = try #require(cluster.ask(.state, token: token))
        #expect(accepted.result.isSuccess)
        // A token from the cluster's own secret but with an absurd expiry is refused.
        let forever = TokenSigner(secret: cluster.secret.tokenSecret).sign(TokenClaims(sub: "user-1", iat: now, exp: Int64.max / 2))
        let far = try #require(cluster.ask(.isOnline(user: "user-2"), token: forever))
        #expect(far.result.refusal?.label.hasPrefix("bad-token:token expires too far") == true, "\(far)")
    }

    @Test("an oversized login is refused with tooLarge and answered at once")
    func oversizedLogin() throws {
        let cluster = try SecuredFrontend()
        defer { cluster.stop() }
        try #require(cluster.waitUntilServing(), "the frontend never served")
        // A 450 KB login is over the payload bound: refused before it is even decoded.
        let huge = String(repeating: "n", count: 450_000)
        let reply = try #require(cluster.ask(.login(user: huge, password: "pw-" + huge)))
        #expect(reply.result.refusal == .tooLarge("payload"))
        // Within the payload bound, each field has its own.
        let long = String(repeating: "n", count: 1_000)
        let user = try #require(cluster.ask(.login(user: long, password: "pw")))
        #expect(user.result.refusal == .tooLarge("user"))
        let password = try #require(cluster.ask(.login(user: "user-1", password: long)))
        #expect(password.result.refusal == .tooLarge("password"))
        let token = try #require(cluster.ask(.state, token: huge))
        #expect(token.result.refusal == .tooLarge("token"))
    }

    @Test("a client's backend, management or stop message is refused and logged; its requests go through")
    func clientSendsBackend() throws {
        let lines = Lines()
        var options = TCPOptions()
        options.log = lines.sink
        let fabric = try TCPFabric(host: "127.0.0.1", options: options)
        defer { fabric.shutdown() }
        let got = Mutex<[ClusterMessage]>([])
        let arrived = NSCondition()
        let frontend = try fabric.attach(NodeName(.frontend, 1), listens: true) { inbound in
            guard case .message(let e) = inbound else { return }
            got.withLock { $0.append(e.payload) }
            arrived.lock(); arrived.broadcast(); arrived.unlock()
        }
        let address = try #require(frontend.address.flatMap { try? SocketAddress(parsing: $0) })
        // The attacker: a client on a network of its own, without the secret.
        let outside = try TCPNetwork<ClusterMessage>()
        defer { outside.shutdown() }
        outside.directory.set(address, for: NodeName(.frontend, 1))
        let attacker = try outside.attach(local: NodeName(.client, 7), listen: nil) { _ in }
        attacker.send(.backend(group: "k2svc", .resyncRequest), to: NodeName(.frontend, 1))
        attacker.send(.stop(epoch: 1), to: NodeName(.frontend, 1))
        attacker.send(.request(ClientRequest(requestID: 1, token: "", call: ClientService.state.call)), to: NodeName(.frontend, 1))
        arrived.lock()
        let deadline = Date(timeIntervalSinceNow: 5)
        while got.withLock({ $0.isEmpty }), arrived.wait(until: deadline) {}
        arrived.unlock()
        #expect(fabric.network.waitForStats(timeout: .seconds(5)) { $0.drops["refused"] == 2 })
        #expect(got.withLock { $0 } == [.request(ClientRequest(requestID: 1, token: "", call: ClientService.state.call))])
        #expect(lines.all.contains { $0.contains("client-7") && $0.contains("a client may not send") }, "\(lines.all)")
    }

    @Test("backend calls leave without the group id and arrive with the local one")
    func groupIDOffTheWire() throws {
        let gate = ClusterMessageGate.gate(groupID: "k2svc")
        let wire = gate.outbound(.backend(group: "k2svc", .resyncRequest))
        let bytes = try MessagePackEncoder().encode(wire)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("k2svc"))
        #expect(try gate.inbound(wire, .node).get() == .backend(group: "k2svc", .resyncRequest))
        #expect((try? gate.inbound(wire, .client).get()) == nil)
        #expect(try gate.inbound(.pushAck(upTo: 3, generation: 1), .client).get() == .pushAck(upTo: 3, generation: 1))
    }

    @Test("cluster secrets: the built-in defaults and short secrets are refused unless insecure; files must be private")
    func secrets() throws {
        #expect(throws: ClusterSecretError.builtInDefault) { try ClusterSecret(text: "k2svc-secret\n") }
        #expect(throws: ClusterSecretError.builtInDefault) { try ClusterSecret(text: "k2svc") }
        #expect(try ClusterSecret(text: "k2svc-secret", insecure: true).isBuiltInDefault)
        #expect(throws: ClusterSecretError.tooShort(5)) { try ClusterSecret(text: "short") }
        #expect(throws: ClusterSecretError.missing) { try ClusterSecret.resolve(file: nil, environment: [:], insecure: false) }
        #expect(try ClusterSecret.resolve(file: nil, environment: [:], insecure: true).isBuiltInDefault)
        let fromEnvironment = try ClusterSecret.resolve(file: nil, environment: ["CLUSTERSIM_SECRET": "0123456789abcdef0123"],
                                                        insecure: false)
        #expect(fromEnvironment.text == "0123456789abcdef0123")
        #expect(fromEnvironment.tokenSecret != fromEnvironment.nodeKey, "the two keys are derived separately")
        #expect(ClusterSecret.generate() != ClusterSecret.generate())

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("clustersim-secret-\(getpid())").path
        defer { unlink(path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data("a-secret-of-enough-bytes\n".utf8))
        chmod(path, 0o644)
        #expect(throws: ClusterSecretError.tooOpen(path, 0o644)) { try ClusterSecret.load(file: path) }
        chmod(path, 0o600)
        #expect(try ClusterSecret.load(file: path).text == "a-secret-of-enough-bytes")
    }

    @Test("simctl node refuses to start without a secret (unless --insecure) and with the built-in one")
    func nodeRefusesDefaultSecret() throws {
        let simctl = try #require(builtSimctl())
        let none = try runProcess(simctl, ["node", "--role", "management", "--listen", "127.0.0.1:0"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("no cluster secret"), "\(none.stderr)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("clustersim-default-\(getpid())").path
        defer { unlink(path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data("k2svc-secret".utf8), attributes: [.posixPermissions: 0o600])
        let builtIn = try runProcess(simctl, ["node", "--role", "management", "--listen", "127.0.0.1:0", "--secret-file", path])
        #expect(builtIn.status == 2)
        #expect(builtIn.stderr.contains("built-in default secret is refused"), "\(builtIn.stderr)")
    }
}
