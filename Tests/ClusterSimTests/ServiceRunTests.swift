import Foundation
import NetModel
import Nodes
import Testing
import ClusterSim

/// Services on a simulated cluster, through the public test API.
@Suite("Services on the simulator: the sample inventory, a service of one's own, bad workload names")
struct ServiceRunTests {
    @Test("14-inventory-service: every check passes, duplicated store calls are answered from the window, and replay is exact")
    func inventoryExperiment() throws {
        let text = try String(contentsOf: experimentsDirectory.appendingPathComponent("14-inventory-service.json"), encoding: .utf8)
        let run = try SimulatedRun(json: text)
        #expect(run.passed, "\(run.failures)")
        let stored = run.events(labelled: NodeLog.requestExecuted).filter { $0.fields.text("service") == InventoryStore.name }
        let repeats = run.events(labelled: NodeLog.requestRepeat).filter { $0.fields.text("service") == InventoryStore.name }
        #expect(stored.count > 1_000)
        #expect(!repeats.isEmpty, "no store call was repeated: the duplicates were never exercised")
        // Gifts are later steps of their request (online checks come first).
        #expect(stored.contains { $0.fields.number("step") == 2 })
        #expect(try SimulatedRun(json: text).traceHash == run.traceHash)
    }

    /// A service of this test's own, registered beside the standard ones.
    struct Echo: SimulatedService {
        static let name = "Test.Echo"
        struct Said: ServiceMessage { var text: String }
        func handle(_ request: Said, context: ServiceContext) async throws(Refusal) -> Said {
            guard request.text != "refuse" else { throw .rejected("asked-to") }
            await context.log("echoed", ["user": .text(context.user), "text": .text(request.text)])
            return Said(text: context.user + ": " + request.text)
        }
        static func workloadRequest(_ draw: inout WorkloadDraw) -> Said { Said(text: draw.random(below: 4) == 0 ? "refuse" : "hi") }
    }

    @Test("a service of one's own is served with the caller's identity, its refusals reach the client, and it is logged")
    func ownService() throws {
        var services = ServiceRegistry.standard
        services.register(Echo())
        let json = #"{"name": "echo", "duration": "6s", "settle": "3s", "cluster": {"frontends": 2, "gateway": true}, "#
            + #""workload": {"clients": 8, "rampUp": "1s", "services": [{"service": "Test.Echo", "rate": "2/s"}]}}"#
        let run = try SimulatedRun(json: json, services: services)
        #expect(run.passed, "\(run.failures)")
        let echoed = run.events(labelled: "echoed")
        #expect(echoed.count > 20)
        #expect(echoed.allSatisfy { ($0.fields.text("user") ?? "").hasPrefix("user-") })
        let replies = run.events(labelled: NodeLog.clientReply).filter { $0.fields.text("service") == "Test.Echo" }
        #expect(replies.contains { $0.fields.text("reason") == "rejected:asked-to" })
        #expect(replies.contains { $0.fields.text("result") == "ok" })
    }

    @Test("an unknown service in workload.services is an error at its path with a suggestion; one listed twice too")
    func badWorkloadNames() {
        let base = #"{"name": "x", "duration": "5s", "cluster": {"frontends": 1}, "workload": {"clients": 2, "services": SERVICES}}"#
        do {
            _ = try Experiment.parse(base.replacingOccurrences(of: "SERVICES", with: #"[{"service": "Inventory.Gfit"}]"#))
            Issue.record("accepted an unknown service")
        } catch {
            #expect(error.issues.first?.path == "workload.services[0].service")
            #expect(error.description.contains(#"did you mean "Inventory.Gift""#), "\(error)")
        }
        do {
            _ = try Experiment.parse(base.replacingOccurrences(
                of: "SERVICES", with: #"[{"service": "Inventory.Add"}, {"service": "Inventory.Add", "rate": "2/s"}]"#))
            Issue.record("accepted a service listed twice")
        } catch {
            #expect(error.issues.first?.path == "workload.services[1].service")
        }
        #expect(throws: ExperimentError.self) {
            _ = try Experiment.parse(base.replacingOccurrences(of: "SERVICES", with: #"[{"service": "MessageUser"}]"#))
        }
    }
}
