/// The actions a value core collects while it handles one event, with the storage of a
/// carried-out list handed back for the next event (`recycle`): a steady stream of events then
/// allocates no array per event. An event handled while another's actions are still being carried
/// out gets a fresh list.
struct ActionList<Action> {
    private var actions: [Action] = []
    /// An emptied list whose storage the next event reuses.
    private var spare: [Action] = []

    /// Starts an event: no actions yet, in the recycled storage if there is one.
    mutating func begin() { swap(&actions, &spare) }

    /// Appends an action of the event being handled.
    mutating func append(_ action: Action) { actions.append(action) }

    /// Ends an event.
    /// - Returns: its actions, in order.
    mutating func end() -> [Action] {
        defer { actions = [] }
        return actions
    }

    /// Takes back an event's list once the shell carried it out.
    mutating func recycle(_ used: consuming [Action]) {
        var emptied = consume used
        // Emptied from the end, one action at a time: each is destroyed by its type's own code.
        // `removeAll(keepingCapacity:)` went through the runtime's generic array destroyer and
        // range replacement, about 150 instructions a list on 11-mixed-1000.
        while emptied.popLast() != nil {}
        spare = emptied
    }
}
