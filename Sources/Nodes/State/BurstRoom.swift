/// Giving back the room a burst left behind.
///
/// A dictionary of things in flight (a frontend's forwarded calls, running handlers and waiting
/// handlers, the gateway's requests in flight) grows during a burst — a partition or a crash
/// holds thousands of requests at once at 10,000 clients — and a Swift dictionary never shrinks:
/// its room stayed for the rest of the run, a few hundred bytes per client over the nodes.
extension Dictionary {
    /// Once at most an eighth of a large dictionary's room is in use (more than
    /// `minimumRoom` slots), moves its entries into one with room for about twice their count.
    /// Called after removals; the entries and every lookup stay the same (the cores never rely
    /// on a dictionary's order: they sort its keys).
    mutating func giveBackBurstRoom(minimumRoom: Int = 256) {
        guard capacity > minimumRoom, count * 8 <= capacity else { return }
        var smaller = Self(minimumCapacity: count * 2)
        for (key, value) in self { smaller[key] = value }
        self = smaller
    }
}
