import ClusterSim
import Foundation
import NetModel
import Nodes

/// `simctl node`: one cluster node (or a group of simulated clients) as its own process, on TCP.
enum NodeCommand: Command {
    static let name = "node"
    static let summary = "Run one cluster node as its own process over TCP"
    static let help = """
    USAGE: simctl node --role ROLE --name NAME --listen HOST:PORT --management HOST:PORT [options]
           simctl node --role client --clients K --management HOST:PORT --peers NAME=HOST:PORT,... [options]

    Runs one node of a real cluster until SIGINT or SIGTERM, then stops it cleanly (a server
    unregisters at once). Servers listen on --listen (port 0: a free port) and register with the
    management node at --management under that address; the other nodes' addresses are learnt
    from the manager's configuration. The first line of output is
    'NAME listening on HOST:PORT pid PID' (clients: 'clients K started pid PID').

    ROLES: management, session, frontend, chat, gateway, client.

    OPTIONS:
      --role ROLE           The node's role.
      --name NAME           The node's name, ROLE-N (default ROLE-1; clients are client-1...client-K).
      --listen HOST:PORT    Where a server listens (default 127.0.0.1:0).
      --management HOST:PORT
                            Where the management node listens (required but for the manager).
      --peers LIST          Known addresses, NAME=HOST:PORT separated by commas (clients need the
                            gateway's and the frontends').
      --clients K           Client role: how many simulated clients (default 1).
      --request-rate R      Client requests per second each, e.g. 1/s (default 1/s).
      --push-rate R         Client pushes per second each (default 1/s).
      --ping-interval D     Ping period (default 1s); give every node of a cluster the same timing.
      --ping-timeout D      Silence after which the manager removes a node (default 3s).
      --seed N              Seed of the node's random stream (default 1).
      --events LABELS       Print these node events as they happen (comma-separated labels, or
                            'all': every trace event), one line each: 'event MS NODE LABEL DETAIL'.
      --secret-file PATH    The cluster secret (a file of mode 0600, at least 16 bytes). Without
                            it, the secret comes from the CLUSTERSIM_SECRET environment variable.
                            Servers need one (clients hold none): it signs login tokens and
                            authenticates the nodes to each other (docs/security.md).
      --insecure            Accept the built-in default secret (anyone can sign tokens and join
                            the cluster with it) when no secret is given.
      -h, --help            Show this help.

    """
    static let spec = ArgumentSpec(valued: ["--role", "--name", "--listen", "--management", "--peers", "--clients",
                                            "--request-rate", "--push-rate", "--ping-interval", "--ping-timeout",
                                            "--seed", "--events", "--secret-file"],
                                   flags: ["--insecure"])

    static func run(_ args: ParsedArguments) -> Int32 {
        let options: NodeOptions
        do { options = try NodeOptions(args) } catch { fail("node: \(error)", hint: "Try 'simctl node --help'.") }
        // Signals are taken synchronously by this thread (blocked everywhere else).
        StopSignals.block()
        let process: RealNodeProcess
        do {
            process = try RealNodeProcess(host: options.listen.host, management: options.management,
                                          peers: options.peers, seed: options.seed, settings: options.settings,
                                          secret: options.secret, tap: options.eventTap, log: { printError($0) })
        } catch {
            fail("node: cannot start the TCP network: \(error)")
        }
        do {
            if options.role == .client {
                try process.startClients(options.clientPlans)
                say("clients \(options.clients) started pid \(getpid())")
            } else {
                let bound = try process.startServer(options.name, listen: options.listen)
                say("\(options.name) listening on \(bound) pid \(getpid())")
            }
        } catch {
            process.stop()
            fail("node: cannot start \(options.name): \(error)")
        }
        let received = StopSignals.wait()
        let who = options.role == .client ? "clients" : options.name.description
        say("\(who) stopping on \(StopSignals.describe(received))")
        process.stop()
        say("\(who) stopped")
        return 0
    }
}

/// Prints a line and flushes it at once (a parent process reads it through a pipe). When standard
/// output is closed (a pipe's reader died; SIGPIPE is ignored by server commands), the line is lost
/// and a server command is asked to stop (`StopSignals.requestStop`).
func say(_ line: String) {
    do {
        try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
    } catch {
        StopSignals.requestStop()
    }
}
