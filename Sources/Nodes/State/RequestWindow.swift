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
/// cluster's clients, doors and chat node). Since every executor keeps a window per client for
/// the whole run, an entry is 16 bytes (the id's counter without its incarnation bits, the step,
/// the answer): an answer that fits one word and a kind byte (`WindowAnswer.packed`: `.ok`, a
/// flag, a push id) is kept in the entry, any other in a small side list of the origin's window.
package struct RequestWindow<Answer: WindowAnswer>: Sendable {
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

    /// Which request (and which call of its handler) an entry is, and its answer: packed in the
    /// entry (`kind` ≥ `Entry.firstPacked`, the answer's own kind plus that), kept whole in the
    /// window's side list (`kind` `Entry.whole`, `word` its slot there), or not known yet
    /// (`kind` `Entry.executing`). 16 bytes: the id's incarnation part is the window's epoch
    /// (every entry of a window is of its series), so only the id's 40-bit counter is kept, as
    /// 32 + 8 bits. Trivially copyable: a lookup compares plain words.
    private struct Entry: Sendable {
        static var executing: UInt8 { 0 }
        static var whole: UInt8 { 1 }
        static var firstPacked: UInt8 { 2 }

        var word: UInt64 = 0
        /// The low 32 bits of the id's counter.
        var counterLow: UInt32
        var step: UInt16
        /// Bits 32–39 of the id's counter.
        var counterHigh: UInt8
        var kind = Entry.executing

        init(_ key: RequestKey) {
            let counter = Self.counter(of: key.id)
            counterLow = UInt32(truncatingIfNeeded: counter)
            counterHigh = UInt8(truncatingIfNeeded: counter >> 32)
            step = key.step
        }

        /// The counter part of a request id (below its incarnation's bits).
        static func counter(of id: UInt64) -> UInt64 { id & (1 << UInt64(RequestKey.counterBits) - 1) }

        /// This entry's id, in the series `epoch`.
        func id(epoch: UInt64) -> UInt64 {
            epoch << UInt64(RequestKey.counterBits) | UInt64(counterHigh) << 32 | UInt64(counterLow)
        }

        /// Whether this entry (of the window's series) is `key`, whose series is the window's.
        func `is`(counter: UInt64, step: UInt16) -> Bool {
            counterLow == UInt32(truncatingIfNeeded: counter) && counterHigh == UInt8(truncatingIfNeeded: counter >> 32)
                && self.step == step
        }
    }

    private struct OriginWindow: Sendable {
        var epoch: UInt64
        /// The remembered requests, oldest first from `oldest` round to just before it (a ring
        /// once full; in order until then). Never longer than the capacity, and grown by
        /// half its length only up to it (`remember(_:capacity:)`): a window is kept per origin
        /// for the whole run, so its spare room is memory per client (doubling left a third of
        /// it spare on average).
        var entries: [Entry] = []
        /// The answers that do not pack, by slot (nil: a free slot).
        var wholeAnswers: [Answer?] = []
        /// The highest id forgotten so far (0: none).
        var forgottenUpTo: UInt64 = 0
        /// Earlier series of this origin (it restarted), newest last.
        var retired: [UInt64] = []
        /// The highest counter remembered in this series (an upper bound: an abandoned entry
        /// leaves it) in the high 40 bits, and where the oldest entry is in the low 24 (`oldest`).
        /// One word: a window is kept per origin for the whole run.
        private var highestAndOldest: UInt64 = 0

        init(epoch: UInt64) { self.epoch = epoch }

        /// How many low bits of `highestAndOldest` hold `oldest`.
        static var oldestBits: UInt64 { 24 }

        /// Where the oldest entry is in `entries`: 0 until the window is full, then the ring's
        /// start (a full window overwrites its oldest entry, without moving the others).
        private var oldest: Int {
            get { Int(truncatingIfNeeded: highestAndOldest & (1 << Self.oldestBits - 1)) }
            set { highestAndOldest = (highestAndOldest >> Self.oldestBits) << Self.oldestBits | UInt64(newValue) }
        }

        /// The highest counter remembered in this series: a request of a higher one is new,
        /// without a scan (an origin's ids increase; only retries and reordered copies are below).
        private var highestCounter: UInt64 {
            get { highestAndOldest >> Self.oldestBits }
            set { highestAndOldest = newValue << Self.oldestBits | highestAndOldest & (1 << Self.oldestBits - 1) }
        }

        /// Where the entry `age` places after the oldest is in `entries`.
        private func slot(_ age: Int) -> Int {
            let i = oldest + age
            return i < entries.count ? i : i - entries.count
        }

        /// Where `key` is, looking from the oldest entry (nowhere when it is of another series, or
        /// above the highest counter remembered).
        func index(of key: RequestKey) -> Int? {
            guard key.epoch == epoch else { return nil }
            let counter = Entry.counter(of: key.id)
            guard counter <= highestCounter else { return nil }
            for age in entries.indices where entries[slot(age)].is(counter: counter, step: key.step) { return slot(age) }
            return nil
        }

        /// The answer of entry `i`, if it is known.
        func answer(at i: Int) -> Answer? {
            let entry = entries[i]
            switch entry.kind {
            case Entry.executing: return nil
            case Entry.whole: return wholeAnswers[Int(entry.word)]
            default: return Answer(kind: entry.kind - Entry.firstPacked, word: entry.word)
            }
        }

        mutating func begin(_ key: RequestKey, capacity: Int) -> Lookup {
            if key.epoch != epoch {
                if retired.contains(key.epoch) { return .stale }
                // A new series: the origin restarted.
                let older = Array((retired + [epoch]).suffix(4))
                self = OriginWindow(epoch: key.epoch)
                retired = older
            }
            if let i = index(of: key) {
                return answer(at: i).map { .repeated($0) } ?? .inProgress
            }
            if key.id <= forgottenUpTo { return .stale }
            remember(key, capacity: capacity)
            return .execute
        }

        /// Adds `key` as being executed, as the newest entry; a full window forgets its oldest
        /// entry, whose place the new one takes (the ring moves on by one).
        private mutating func remember(_ key: RequestKey, capacity: Int) {
            highestCounter = max(highestCounter, Entry.counter(of: key.id))
            if entries.count == capacity {
                let gone = entries[oldest]
                release(gone)
                forgottenUpTo = max(forgottenUpTo, gone.id(epoch: epoch))
                entries[oldest] = Entry(key)
                oldest = oldest + 1 == entries.count ? 0 : oldest + 1
                return
            }
            if entries.count == entries.capacity {
                entries.reserveCapacity(min(capacity, entries.count + max(2, entries.count / 2)))
            }
            entries.append(Entry(key))   // not full: the oldest is at 0
        }

        /// Frees the side slot of `entry`'s answer, if it has one.
        private mutating func release(_ entry: Entry) {
            if entry.kind == Entry.whole { wholeAnswers[Int(entry.word)] = nil }
        }

        mutating func finish(_ key: RequestKey, answer: Answer) {
            guard key.epoch == epoch else { return }
            let counter = Entry.counter(of: key.id)
            guard counter <= highestCounter else { return }
            // Look from the newest entry (just before the oldest in the ring).
            for age in entries.indices.reversed() where entries[slot(age)].is(counter: counter, step: key.step) {
                let i = slot(age)
                release(entries[i])
                if let (kind, word) = answer.packed {
                    entries[i].kind = Entry.firstPacked + kind
                    entries[i].word = word
                } else {
                    let slot = wholeAnswers.firstIndex { $0 == nil } ?? wholeAnswers.count
                    if slot == wholeAnswers.count { wholeAnswers.append(answer) } else { wholeAnswers[slot] = answer }
                    entries[i].kind = Entry.whole
                    entries[i].word = UInt64(slot)
                }
                return
            }
        }

        /// Removes `key`'s entry if it is still being executed (rare: the ring is put back in
        /// order, oldest first, before the entry is taken out).
        mutating func abandon(_ key: RequestKey) {
            guard let i = index(of: key), entries[i].kind == Entry.executing else { return }
            if oldest == 0 {
                entries.remove(at: i)
                return
            }
            var ordered: [Entry] = []
            ordered.reserveCapacity(entries.capacity)
            for age in entries.indices where slot(age) != i { ordered.append(entries[slot(age)]) }
            entries = ordered
            oldest = 0
        }

        func answer(for key: RequestKey) -> Answer? {
            index(of: key).flatMap { answer(at: $0) }
        }
    }

    /// Each origin's window, in the order the origins first called.
    private var windows: [OriginWindow] = []
    /// Where each origin's window is in `windows`. The windows sit in an array, not in the
    /// dictionary: mutating a window in place through a dictionary's subscript ran a coroutine
    /// whose frame was allocated and freed on every request (~750 instructions a lookup on
    /// 11-mixed-1000), an array element is mutated where it is. A client's position is kept
    /// in `clientPositions` instead when its number is not far past that array's end.
    private var positions: [NodeName: Int] = [:]
    /// By client number, the client's position in `windows` plus one (0: none, or kept in
    /// `positions`): 4 bytes a client, where a dictionary slot takes 24 and its spare room more.
    private var clientPositions: [UInt32] = []
    /// How many requests of each origin are remembered.
    package let capacity: Int

    /// An empty window remembering `capacity` requests per origin.
    package init(capacity: Int = 64) {
        precondition(capacity > 0 && capacity < 1 << 24, "a request window remembers from 1 to 2²⁴ - 1 requests")
        self.capacity = capacity
    }

    /// How many origins have a window.
    package var originCount: Int { windows.count }
    /// How many origins' windows there is room for now.
    var originRoom: Int { windows.capacity }

    /// Looks `key` up and, when it is new, records it as being executed.
    /// - Returns: what to do with this copy of the request.
    package mutating func begin(_ key: RequestKey) -> Lookup {
        if let position = position(of: key.origin) { return windows[position].begin(key, capacity: capacity) }
        let origin = key.origin
        if origin.role == .client, origin.index - clientPositions.count < 4096, windows.count < Int(UInt32.max) {
            if origin.index >= clientPositions.count {
                clientPositions.append(contentsOf: repeatElement(0, count: origin.index + 1 - clientPositions.count))
            }
            clientPositions[origin.index] = UInt32(windows.count + 1)
        } else {
            positions[origin] = windows.count
        }
        // Grown by a quarter, not doubled: an executor keeps a window per client for the whole
        // run, and doubling left up to half of them spare.
        if windows.count == windows.capacity { windows.reserveCapacity(windows.count + max(4, windows.count / 4)) }
        windows.append(OriginWindow(epoch: key.epoch))
        return windows[windows.count - 1].begin(key, capacity: capacity)
    }

    /// Records the answer of a request that `begin` let execute.
    package mutating func finish(_ key: RequestKey, answer: Answer) {
        guard let position = position(of: key.origin) else { return }
        windows[position].finish(key, answer: answer)
    }

    /// Forgets a request whose execution was abandoned (it may be executed again).
    package mutating func abandon(_ key: RequestKey) {
        guard let position = position(of: key.origin) else { return }
        windows[position].abandon(key)
    }

    /// The answer recorded for `key`, if any.
    package func answer(for key: RequestKey) -> Answer? {
        position(of: key.origin).flatMap { windows[$0].answer(for: key) }
    }

    /// Where `origin`'s window is in `windows`, if it has one.
    private func position(of origin: NodeName) -> Int? {
        if origin.role == .client, origin.index < clientPositions.count, clientPositions[origin.index] != 0 {
            return Int(clientPositions[origin.index]) - 1
        }
        return positions.isEmpty ? nil : positions[origin]
    }
}
