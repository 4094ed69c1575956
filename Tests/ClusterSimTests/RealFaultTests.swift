import Foundation
import NetModel
import Nodes
import Testing
@testable import ClusterSim

@Suite("Real runtime: partition, pause and clock offset honoured in real time")
struct RealFaultTests {
    enum FabricKind: String, CaseIterable { case local, tcp }

    @Test("faults-short passes its checks; the manager's traffic is held while paused; the partition cuts frontend-1 from session-1",
          arguments: FabricKind.allCases)
    func faults(_ kind: FabricKind) throws {
        let experiment = try realFixture("faults-short")
        let fabric: any RealFabric = kind == .local ? LocalFabric() : try TCPFabric(host: "127.0.0.1")
        defer { fabric.shutdown() }
        let run = RealClusterRun(experiment: experiment, fabric: fabric, executorCount: 2)
        let record = run.run()
        let result = run.evaluate(record)
        for c in result.checks where !c.passed { Issue.record("\(c.name): \(c.detail)") }
        let events = record.events
        // The faults' planned instants. Event times are real time since the run's start on the
        // monotonic clock, and a fault's end is planned from the fault's own instant (as in the
        // simulator), not from the moment a loaded machine got round to applying it: so each
        // fault is checked against its planned instants, which timers never run ahead of.
        var partitionPlan: (at: Duration, heal: Duration)?
        var pausePlan: (at: Duration, resumeAfter: Duration)?
        for fault in experiment.faults {
            switch fault.action {
            case .partition(_, _, let heal?): partitionPlan = (fault.at, heal)
            case .pause(.management, let resumeAfter): pausePlan = (fault.at, resumeAfter)
            default: break
            }
        }
        let partition = try #require(partitionPlan), paused = try #require(pausePlan)
        // Partition: recorded, then healed no sooner than `for` after its instant; nothing from
        // frontend-1 reached session-1 in between.
        let cut = try #require(events.first { $0.kind == .partition })
        let heal = try #require(events.first { $0.kind == .heal && $0.messageID == cut.messageID })
        #expect(cut.at >= VirtualInstant.zero.advanced(by: partition.at), "partition at \(cut.at)")
        #expect(heal.at >= VirtualInstant.zero.advanced(by: partition.at + partition.heal), "heal at \(heal.at)")
        #expect(cut.seq < heal.seq)
        let crossed = events.filter {
            $0.kind == .deliver && $0.node == .session && $0.peer == NodeName(.frontend, 1)
                && $0.at > cut.at && $0.at < heal.at
        }
        #expect(crossed.isEmpty, "\(crossed.count) deliveries crossed the partition")
        // Pause: the manager handles nothing while paused, resumes no sooner than planned, then wakes
        // and forgives its silence.
        let pause = try #require(events.first { $0.kind == .pause && $0.node == .management })
        let resume = try #require(events.first { $0.kind == .resume && $0.node == .management })
        #expect(pause.at >= VirtualInstant.zero.advanced(by: paused.at), "pause at \(pause.at)")
        #expect(resume.at >= VirtualInstant.zero.advanced(by: paused.at + paused.resumeAfter), "resume at \(resume.at)")
        #expect(pause.seq < resume.seq)
        let handled = events.filter {
            ($0.kind == .deliver || $0.kind == .timer) && $0.node == .management && $0.at > pause.at && $0.at < resume.at
        }
        #expect(handled.isEmpty, "the paused manager handled \(handled.count) items")
        #expect(events.contains { $0.kind == .node && $0.node == .management && $0.label == NodeLog.managerWoke && $0.at >= resume.at })
        // Clock offset: recorded for frontend-2.
        #expect(events.contains { $0.kind == .clockOffset && $0.node == NodeName(.frontend, 2) })
        #expect(result.passed)
    }
}
