import NetModel
import Nodes

extension ClusterRun {
    /// The cluster's final state, read from the live node actors after the run.
    package func snapshot() -> ClusterSnapshot {
        ClusterSnapshot.capture(names: nodes.unorderedKeys.sorted(), node: { nodes[$0]! }, plan: { plans[$0] },
                                inspector: SimulatorInspector(simulator: simulator))
    }

    /// The record checkers and metrics read: with every event when the run retained
    /// ``TraceRetention/everything``, else with the events the checks read after the run (none
    /// with ``TraceRetention/hashOnly``: such a run is checked from its snapshot alone).
    package func record() -> RunRecord {
        let (events, index) = simulator.trace.indexedEvents
        return ClusterBlueprint.record(experiment, events: events, index: index, snapshot: snapshot(),
                                       endOfLoad: endOfLoad, end: end,
                                       retention: simulator.trace.retention)
    }
}
