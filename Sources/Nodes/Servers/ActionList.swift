/// The actions a value core collects while it handles one event, with the storage of a
/// carried-out list handed back for the next event (`recycle`): a steady stream of events then
/// allocates no array per event. An event handled while another's actions are still being carried
/// out gets a fresh list.
///
/// The recycled storage lives in an `ActionSpare`, which cores that take turns on one thread may
/// share (the simulated clients: one spare for all of them instead of one list of ~150-byte
/// actions per client); by default each list has its own.
struct ActionList<Action> {
    private var actions: [Action] = []
    /// Where an emptied list waits for the next event.
    private let spare: ActionSpare<Action>

    /// A list recycling its storage through `spare` (its own when not given).
    init(spare: ActionSpare<Action> = ActionSpare()) { self.spare = spare }

    /// Starts an event: no actions yet, in the recycled storage if there is one.
    mutating func begin() { swap(&actions, &spare.storage) }

    /// Appends an action of the event being handled.
    mutating func append(_ action: Action) { actions.append(action) }

    /// Ends an event.
    /// - Returns: its actions, in order.
    mutating func end() -> [Action] {
        defer { actions = [] }
        return actions
    }

    /// The most actions a recycled list keeps room for: a larger list (a burst: a frontend's
    /// retry tick resending thousands of calls held by a partition) is let go, not kept for the
    /// rest of the run.
    static var keptRoom: Int { 64 }

    /// Takes back an event's list once the shell carried it out.
    mutating func recycle(_ used: consuming [Action]) {
        var emptied = consume used
        guard emptied.capacity <= Self.keptRoom else { return }
        // Emptied from the end, one action at a time: each is destroyed by its type's own code.
        // `removeAll(keepingCapacity:)` went through the runtime's generic array destroyer and
        // range replacement, about 150 instructions a list on 11-mixed-1000.
        while emptied.popLast() != nil {}
        spare.storage = emptied
    }
}

/// The emptied storage of carried-out action lists, waiting for the next event (`ActionList`).
///
/// Shared only by cores whose events run one at a time on one thread — the node actors of a
/// simulated run, which all run on the simulator's single executor — so that one list serves
/// them all (`SharedActionSpares`); an event that starts while another's list is out (a nested
/// event) simply finds the spare empty and gets a fresh list. Each core of a real run has its own.
final class ActionSpare<Action>: @unchecked Sendable {
    /// The emptied list (no actions; its capacity is what is recycled). One thread at a time
    /// (see above): no dynamic exclusivity checks.
    @exclusivity(unchecked) var storage: [Action] = []

    /// An empty spare.
    init() {}
}

/// The action spares that the node actors of one simulated run share (they all run on the
/// simulator's single executor, one event at a time): one recycled list for all the clients.
/// Never give one to nodes that may run on different threads (a real run's).
package final class SharedActionSpares: @unchecked Sendable {
    /// The clients' recycled action list.
    let client = ActionSpare<ClientCore.Action>()

    /// Empty spares.
    package init() {}
}
