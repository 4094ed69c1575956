import NetModel

/// Exactly-once execution at the node that executes requests, as a value type: for each origin,
/// the answers of its last `capacity` requests.
///
/// `begin` a request before executing it; a second `begin` of the same key answers `.repeated`
/// with the first answer (or `.inProgress` while the first is still being executed), and the
/// shell answers the copy without executing it. Requests of one origin have increasing ids, so
/// only the most recent ones need remembering: when a window is full the oldest entry is
/// forgotten, and a key at or below the highest forgotten id is `.stale` (refused, never run).
///
/// An origin that restarts numbers its requests in a new series (`RequestKey.epoch`, from its
/// incarnation): the first request of a new series retires the old one, whose late copies are then
/// `.stale` (the last four retired series of each origin are remembered).
///
/// Bounded: at most `capacity` entries per origin; one window per origin that ever called (the
/// cluster's clients, doors and chat node).
package struct RequestWindow<Answer: Sendable>: Sendable {
    /// What `begin` found.
    package enum Lookup {
        /// First time: execute it, then `finish` it with its answer.
        case execute
        /// Executed before: answer this, do not execute.
        case repeated(Answer)
        /// Being executed (its answer is not known yet): do nothing, the answer will come.
        case inProgress
        /// Too old to be remembered: refuse it (`Refusal.staleRequest`).
        case stale
    }

    /// Which request (and which call of its handler) an entry is: trivially copyable, so a
    /// lookup compares plain words and never copies an answer.
    private struct EntryKey: Equatable, Sendable {
        var id: UInt64
        var step: UInt16
        init(_ key: RequestKey) {
            id = key.id
            step = key.step
        }
    }

    /// One remembered request: its key and its answer (nil: still being executed), side by side
    /// in one array so that an origin costs one allocation.
    private struct Entry: Sendable {
        var key: EntryKey
        var answer: Answer?
    }

    private struct OriginWindow: Sendable {
        var epoch: UInt64
        /// The remembered requests, oldest first. Never longer than the capacity, and grown by
        /// doubling only up to it (`remember(_:capacity:)`): a window is kept per origin for the
        /// whole run, so its spare room is memory per client.
        var entries: [Entry] = []
        /// The highest id forgotten so far (0: none).
        var forgottenUpTo: UInt64 = 0
        /// Earlier series of this origin (it restarted), newest last.
        var retired: [UInt64] = []

        init(epoch: UInt64) { self.epoch = epoch }

        /// Where `key` is, looking from the oldest entry (by index: the keys are compared in place,
        /// no answer is copied).
        func index(of key: EntryKey) -> Int? {
            for i in entries.indices where entries[i].key == key { return i }
            return nil
        }

        mutating func begin(_ key: RequestKey, capacity: Int) -> Lookup {
            if key.epoch != epoch {
                if retired.contains(key.epoch) { return .stale }
                // A new series: the origin restarted.
                let older = Array((retired + [epoch]).suffix(4))
                self = OriginWindow(epoch: key.epoch)
                retired = older
            }
            let entry = EntryKey(key)
            if let i = index(of: entry) {
                return entries[i].answer.map { .repeated($0) } ?? .inProgress
            }
            if key.id <= forgottenUpTo { return .stale }
            remember(entry, capacity: capacity)
            return .execute
        }

        /// Appends `entry` as being executed; a full window forgets its oldest entry first.
        private mutating func remember(_ entry: EntryKey, capacity: Int) {
            if entries.count == capacity {
                let gone = entries.removeFirst()
                forgottenUpTo = max(forgottenUpTo, gone.key.id)
            } else if entries.count == entries.capacity {
                entries.reserveCapacity(min(capacity, max(2, 2 * entries.count)))
            }
            entries.append(Entry(key: entry, answer: nil))
        }

        mutating func finish(_ key: RequestKey, answer: Answer) {
            // The newest entries are at the end: look from there.
            let entry = EntryKey(key)
            for i in entries.indices.reversed() where entries[i].key == entry {
                entries[i].answer = answer
                return
            }
        }

        mutating func abandon(_ key: RequestKey) {
            guard let i = index(of: EntryKey(key)), entries[i].answer == nil else { return }
            entries.remove(at: i)
        }

        func answer(for key: RequestKey) -> Answer? {
            index(of: EntryKey(key)).flatMap { entries[$0].answer }
        }
    }

    private var windows: [NodeName: OriginWindow] = [:]
    /// How many requests of each origin are remembered.
    package let capacity: Int

    /// An empty window remembering `capacity` requests per origin.
    package init(capacity: Int = 64) {
        precondition(capacity > 0, "a request window remembers at least one request")
        self.capacity = capacity
    }

    /// How many origins have a window.
    package var originCount: Int { windows.count }

    /// Looks `key` up and, when it is new, records it as being executed.
    /// - Returns: what to do with this copy of the request.
    package mutating func begin(_ key: RequestKey) -> Lookup {
        // Mutated in place: one lookup, no copy of the origin's entries.
        windows[key.origin, default: OriginWindow(epoch: key.epoch)].begin(key, capacity: capacity)
    }

    /// Records the answer of a request that `begin` let execute.
    package mutating func finish(_ key: RequestKey, answer: Answer) {
        windows[key.origin]?.finish(key, answer: answer)
    }

    /// Forgets a request whose execution was abandoned (it may be executed again).
    package mutating func abandon(_ key: RequestKey) {
        windows[key.origin]?.abandon(key)
    }

    /// The answer recorded for `key`, if any.
    package func answer(for key: RequestKey) -> Answer? {
        windows[key.origin]?.answer(for: key)
    }
}
