import NetModel

extension Experiment {
    /// What a run over real sockets leaves out of this experiment: the `network` section describes
    /// the simulated network (latency draws, loss, duplication, reordering, per-link conditions), which real
    /// loopback TCP does not imitate — its own latency applies and it loses nothing. One line per
    /// field that differs from the default, naming its JSON path; empty when there is none.
    /// Every fault is honoured over TCP (crash, restart, partition, pause, clock offset).
    package var realNetworkNotes: [String] {
        var notes: [String] = []
        let d = LinkConditions()
        if network.defaults.latency != d.latency {
            notes.append("network.latency: ignored over tcp (the loopback network's own latency applies)")
        }
        if network.defaults.drop != d.drop {
            notes.append("network.drop: ignored over tcp (\(network.defaults.drop); TCP loses nothing)")
        }
        if network.defaults.duplicate != d.duplicate {
            notes.append("network.duplicate: ignored over tcp (\(network.defaults.duplicate); TCP never duplicates)")
        }
        if network.defaults.reorder != d.reorder {
            notes.append("network.reorder: ignored over tcp (\(network.defaults.reorder); the real fabric does not hold messages back, "
                         + "so one-shot messages are reordered only as the sockets and schedulers happen to)")
        }
        for (i, _) in network.links.enumerated() {
            notes.append("network.links[\(i)]: ignored over tcp (per-link conditions are simulated only)")
        }
        return notes
    }
}
