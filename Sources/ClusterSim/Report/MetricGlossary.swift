/// What each metric of a run means and its unit, as the report's metrics table shows them.
package enum MetricGlossary {
    /// One metric's unit and meaning.
    package struct Entry: Sendable, Equatable {
        /// `messages`, `ms`, `events` …
        package var unit: String
        /// One sentence.
        package var meaning: String
    }

    /// The entry of the metric `name` (a ``RunMetrics/asDictionary()`` key, or a wall-clock figure
    /// of `simctl run`); an unknown name gets an empty unit and says so.
    package static func entry(_ name: String) -> Entry {
        if let e = entries[name] { return e }
        return Entry(unit: "", meaning: "(no description)")
    }

    static let entries: [String: Entry] = [
        "events": Entry(unit: "events", meaning: "Trace events recorded: sends, deliveries, drops, timers, node events, faults."),
        "messages_sent": Entry(unit: "messages", meaning: "Messages put on the network: one-shot sends and stream frames, plus stream openings."),
        "messages_delivered": Entry(unit: "messages", meaning: "Messages handed to their receiver, stream openings included; a duplicated message counts each copy."),
        "messages_dropped": Entry(unit: "messages", meaning: "Messages the network dropped: loss, partition, crashed or paused receiver, closed stream."),
        "messages_duplicated": Entry(unit: "messages", meaning: "Extra copies the network made (each is delivered or dropped as well)."),
        "requests_served": Entry(unit: "requests", meaning: "Client requests a frontend answered successfully (request-served)."),
        "requests_rejected": Entry(unit: "requests", meaning: "Client requests a frontend refused (request-rejected: bad token, unknown user …)."),
        "pushes_accepted": Entry(unit: "pushes", meaning: "Distinct pushes to a user the session node accepted (one per push and user, as push-delivery counts them)."),
        "pushes_delivered": Entry(unit: "pushes", meaning: "push-received events at clients: first receptions (a duplicate would count again)."),
        "pushes_expired": Entry(unit: "pushes", meaning: "Pushes the session node gave up after their retention time."),
        "chat_lines": Entry(unit: "lines", meaning: "Chat lines the chat node said (chat-line events)."),
        "unexpected_messages": Entry(unit: "messages", meaning: "Messages a node could not decode or did not expect in its state."),
        "frontend_crashes": Entry(unit: "crashes", meaning: "Crashes of frontend nodes."),
        "push_latency_p50_ms": Entry(unit: "ms", meaning: "Median push latency: from the session node accepting a push to the client receiving it (virtual time)."),
        "push_latency_p99_ms": Entry(unit: "ms", meaning: "99th percentile (nearest rank) of push latency."),
        "push_latency_max_ms": Entry(unit: "ms", meaning: "Largest push latency."),
        "detection_ms": Entry(unit: "ms", meaning: "Slowest detection: from a frontend crash to the manager removing it from the registry."),
        "detection_mean_ms": Entry(unit: "ms", meaning: "Mean detection time over the frontend crashes detected."),
        "failover_ms": Entry(unit: "ms", meaning: "Slowest failover: from a frontend crash to its last affected client connected to another frontend."),
        "failover_mean_ms": Entry(unit: "ms", meaning: "Mean failover time over complete failovers."),
        "failover_stragglers": Entry(unit: "clients", meaning: "Clients whose frontend crashed and that never connected to another one."),
        "wall_ms": Entry(unit: "ms (wall)", meaning: "Real time of the run and its checks (not in reports: it varies)."),
        "simulation_wall_ms": Entry(unit: "ms (wall)", meaning: "Real time of the simulation alone."),
        "checks_wall_ms": Entry(unit: "ms (wall)", meaning: "Real time of the checks."),
        "speedup": Entry(unit: "×", meaning: "Virtual time divided by real time."),
        "simulation_speedup": Entry(unit: "×", meaning: "Virtual time divided by the simulation's real time."),
    ]
}
