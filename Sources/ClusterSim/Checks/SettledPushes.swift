import NetModel

/// One user's settled pushes, for `push-delivery`: the pushes accepted and then received exactly
/// once (nearly all of them), which the scan keeps for the whole run only so that a later copy is
/// recognised. 12 bytes each, sorted by push code: the push as its 32-bit code in the scan's
/// ``PushCodes`` (one table for every user), the trace position of its acceptance, and, in one
/// word, how many trace positions later it was received (24 bits) and by which of the user's
/// receiving clients (8 bits, a number in ``devices``). A push that does not fit (no code, a
/// client past the 255th, a reception more than 16.7 M events after its acceptance or before it,
/// a position past 2³²) is not settled: the scan keeps its full fate.
struct SettledPushes: Sendable {
    /// One settled push.
    struct Entry: Sendable {
        /// The push id's code (``PushCodes``).
        let push: UInt32
        /// The trace position of its acceptance.
        let acceptedSeq: UInt32
        /// The reception's distance from the acceptance (high 24 bits) and the receiving device's
        /// number (low 8 bits).
        let receipt: UInt32

        /// The trace position of its reception.
        var receiptSeq: Int { Int(acceptedSeq) + Int(receipt >> 8) }
        /// The receiving device's number in ``SettledPushes/devices``.
        var device: Int { Int(receipt & 0xFF) }
    }

    /// The settled pushes, by push code.
    private(set) var entries: [Entry] = []
    /// The user's clients that received a settled push, in order of first such reception.
    private(set) var devices: [NodeName] = []

    /// No settled push.
    init() {}

    /// How many pushes are settled.
    var count: Int { entries.count }

    /// Where the push of code `push` is, or where it would go.
    private func position(of push: UInt32) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].push < push { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The settled entry of `push`, if it is settled (`codes`: the scan's table).
    func find(_ push: UInt64, codes: PushCodes) -> Entry? {
        guard let push = codes.code(of: push) else { return nil }
        let i = position(of: push)
        return i < entries.count && entries[i].push == push ? entries[i] : nil
    }

    /// Settles `push`, accepted at trace position `acceptedSeq` and received once, by `client`, at
    /// `receiptSeq` (`codes`: the scan's table, which numbers the push's prefix if it is new).
    /// - Returns: false (nothing kept) when it does not fit an entry.
    mutating func settle(_ push: UInt64, acceptedSeq: Int, receiptSeq: Int, by client: NodeName, codes: inout PushCodes) -> Bool {
        let distance = receiptSeq - acceptedSeq
        guard acceptedSeq >= 0, acceptedSeq <= Int(UInt32.max), distance >= 0, distance < 1 << 24,
              let push = codes.assign(push) else { return false }
        let device: Int
        if let known = devices.firstIndex(of: client) { device = known } else {
            guard devices.count < 256 else { return false }
            device = devices.count
            devices.append(client)
        }
        let i = position(of: push)
        precondition(i == entries.count || entries[i].push != push, "push \(push) settled twice")
        // Grown by a quarter, not doubled: kept per user for the whole run, so the spare room of
        // doubling (a third on average) was memory per client.
        entries.reserveGently()
        entries.insert(Entry(push: push, acceptedSeq: UInt32(acceptedSeq), receipt: UInt32(distance) << 8 | UInt32(device)), at: i)
        return true
    }

    /// Takes `push` out (a further copy of it arrived; `codes`: the scan's table).
    /// - Returns: its entry and receiving client, or nil when it is not settled.
    mutating func unsettle(_ push: UInt64, codes: PushCodes) -> (entry: Entry, client: NodeName)? {
        guard let push = codes.code(of: push) else { return nil }
        let i = position(of: push)
        guard i < entries.count, entries[i].push == push else { return nil }
        let entry = entries.remove(at: i)
        return (entry, devices[entry.device])
    }
}
