import ClusterSim
import Foundation
import NetModel
import Nodes

/// `simctl cluster up`: a local cluster of separate processes on this machine.
enum ClusterCommand: Command {
    static let name = "cluster"
    static let summary = "Start a local multi-process cluster over TCP (cluster up)"
    static let help = """
    USAGE: simctl cluster up --frontends N [--clients K] [options]

    Starts a real cluster as separate 'simctl node' processes on this machine — management,
    session, N frontends, chat and gateway — each listening on HOST (127.0.0.1) and a free port
    (or BASE, BASE+1, ... with --base-port), and with --clients K one more process of K simulated
    clients that log in through the gateway. Prints each node's address and pid, then the nodes'
    output prefixed by their names, and stops them all cleanly (SIGTERM, then SIGKILL after 3 s)
    on Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal closed) or when its standard output
    closes (SIGPIPE is blocked: a 'tee' that died does not kill it before its cleanup). A node
    that exits on its own is reported ('cluster: NAME (pid P) exited with status S'); every
    node dies with this process (PR_SET_PDEATHSIG), even when it is killed with SIGKILL.

    The cluster's secret (which signs login tokens and authenticates the nodes to each other) is
    --secret-file's, else CLUSTERSIM_SECRET's, else a fresh one generated for this cluster; the
    nodes get it in their environment, never on a command line. The client process gets none.

    OPTIONS:
      --frontends N        Frontends (default 2).
      --clients K          Simulated clients in a client process (default 0: none).
      --host HOST          Where the servers listen (default 127.0.0.1).
      --base-port P        First port (default: a free port for each node).
      --ping-interval D    Ping period of every node (default 1s).
      --ping-timeout D     Silence after which the manager removes a node (default 3s).
      --events LABELS      Node events every node prints (see 'simctl node --help'); default
                           registered,node-joined,node-removed,fenced,client-connected,client-disconnected.
      --no-chat            Leave the chat node out.
      --chat-doors N       Also start N cluster-backed chat servers ('simctl chat-server --port 0
                           --management ... --name chat-door-I', JSON) sharing the chat node's rooms;
                           their client ports are listed (default 0).
      --secret-file PATH   The cluster secret (a file of mode 0600, at least 16 bytes).
      --insecure           Accept the built-in default secret when it is the one given.
      -h, --help           Show this help.

    """
    static let spec = ArgumentSpec(valued: ["--frontends", "--clients", "--host", "--base-port", "--ping-interval",
                                            "--ping-timeout", "--events", "--chat-doors", "--secret-file"],
                                   flags: ["--no-chat", "--insecure"], positionals: 1...1, positionalNames: ["up"])

    static func run(_ args: ParsedArguments) -> Int32 {
        guard args.positionals[0] == "up" else {
            fail("cluster: unknown subcommand '\(args.positionals[0])' (expected 'up')", hint: "Try 'simctl cluster --help'.")
        }
        let frontends: Int, clients: Int, basePort: Int, doors: Int
        do {
            frontends = try args.integer("--frontends", default: 2, in: 1...64)
            clients = try args.integer("--clients", default: 0, in: 0...5000)
            basePort = try args.integer("--base-port", default: 0, in: 0...65000)
            doors = try args.integer("--chat-doors", default: 0, in: 0...64)
            if doors > 0, args.has("--no-chat") { throw UsageError("--chat-doors needs the chat node (drop --no-chat)") }
        } catch { fail("cluster: \(error)", hint: "Try 'simctl cluster --help'.") }
        let host = args.value("--host") ?? "127.0.0.1"
        let secret: ClusterSecret
        do {
            let environment = ProcessInfo.processInfo.environment
            secret = args.value("--secret-file") == nil && environment[ClusterSecret.environmentVariable] == nil
                ? .generate()
                : try ClusterSecret.resolve(file: args.value("--secret-file"), environment: environment,
                                            insecure: args.has("--insecure"))
        } catch { fail("cluster: \(error)", hint: "Try 'simctl cluster --help'.") }
        let nodeEnvironment = [ClusterSecret.environmentVariable: secret.text]
        let events = args.value("--events")
            ?? "registered,node-joined,node-removed,fenced,client-connected,client-disconnected"
        var timing: [String] = ["--events", events]
        for option in ["--ping-interval", "--ping-timeout"] {
            if let v = args.value(option) { timing += [option, v] }
        }
        StopSignals.block()

        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var names = [NodeName.management, .session] + (1...frontends).map { NodeName(.frontend, $0) }
        if !args.has("--no-chat") { names.append(NodeName(.chat, 1)) }
        names.append(NodeName(.gateway, 1))
        var children: [NodeProcess] = []
        var addresses: [(NodeName, String)] = []
        func stopAll() {
            for child in children.reversed() { child.stop() }
        }
        /// Starts `name` as a child and waits for its 'listening on' line.
        /// - Returns: the address it listens on (the process exits on failure, after stopping the others).
        func start(_ name: NodeName, _ arguments: [String], within seconds: Int) -> String {
            do {
                let child = try NodeProcess(name: name.description, executable: executable, arguments: arguments,
                                            environment: nodeEnvironment, echo: true)
                children.append(child)
                guard let line = child.waitForLine(containing: "listening on", timeout: .seconds(seconds)),
                      let address = line.split(separator: " ").dropFirst(3).first else {
                    stopAll()
                    fail("cluster: \(name) did not start (no 'listening on' line within \(seconds) s)")
                }
                addresses.append((name, String(address)))
                return String(address)
            } catch {
                stopAll()
                fail("cluster: cannot start \(name): \(error)")
            }
        }
        var management = ""
        for (i, name) in names.enumerated() {
            let port = basePort == 0 ? 0 : basePort + i
            var arguments = ["node", "--role", name.role.rawValue, "--name", name.description,
                             "--listen", "\(host):\(port)"] + timing
            if name != .management { arguments += ["--management", management] }
            if secret.isBuiltInDefault { arguments.append("--insecure") }
            let address = start(name, arguments, within: 10)
            if name == .management { management = address }
        }
        let pingTiming = Array(timing.dropFirst(2))   // the chat server takes the timing, not --events
        for i in 0..<doors {
            let name = NodeName(.chatDoor, i + 1)
            let port = basePort == 0 ? 0 : basePort + names.count + i
            _ = start(name, ["chat-server", "--port", String(port), "--host", host, "--management", management,
                             "--name", name.description] + pingTiming, within: 15)
        }
        if clients > 0 {
            let peers = addresses.filter { $0.0.role == .frontend || $0.0.role == .gateway }
                .map { "\($0.0)=\($0.1)" }.joined(separator: ",")
            let arguments = ["node", "--role", "client", "--clients", String(clients), "--management", management,
                             "--peers", peers] + timing
            do {
                // Clients hold no cluster secret.
                let child = try NodeProcess(name: "clients", executable: executable, arguments: arguments,
                                            environment: [ClusterSecret.environmentVariable: ""], echo: true)
                children.append(child)
            } catch {
                stopAll()
                fail("cluster: cannot start the client process: \(error)")
            }
        }
        say("cluster up: \(addresses.count - doors) nodes\(doors > 0 ? ", \(doors) chat server\(doors == 1 ? "" : "s") (chat clients connect to the chat-door ports)" : "")\(clients > 0 ? " and \(clients) clients" : ""); Ctrl-C stops it")
        for (child, (name, address)) in zip(children, addresses) {
            say("  \(name.description.padding(toLength: 12, withPad: " ", startingAt: 0)) \(address)  pid \(child.pid)")
        }
        if clients > 0, let c = children.last { say("  clients      \(clients) clients  pid \(c.pid)") }
        let received = StopSignals.wait()
        say("cluster: stopping on \(StopSignals.describe(received))")
        stopAll()
        say("cluster: every process stopped")
        return 0
    }
}
