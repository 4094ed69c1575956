import NetModel
import Nodes

extension ClusterRun {
    /// The cluster's final state, read from the live node actors after the run.
    public func snapshot() -> ClusterSnapshot {
        ClusterSnapshot.capture(nodes: nodes, plans: plans, inspector: SimulatorInspector(simulator: simulator))
    }

    /// The record checkers and metrics read.
    public func record() -> RunRecord {
        let (events, index) = simulator.trace.indexedEvents
        return ClusterBlueprint.record(experiment, events: events, index: index, snapshot: snapshot(),
                                       endOfLoad: endOfLoad, end: end)
    }
}
