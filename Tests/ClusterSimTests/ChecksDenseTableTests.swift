import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// The scans' tables per client and per user (issue 13, sixth round): values at the key's number
/// in an array, other keys in a dictionary, the same answers as a dictionary's.
@Suite("dense tables")
struct ChecksDenseTableTests {
    @Test("dense keys: client-N and user-N have their number; other names, zeros and stray text have none")
    func denseKeys() {
        #expect(NodeName(.client, 17).denseIndex == 17 && NodeName(.frontend, 2).denseIndex == nil)
        #expect("user-1".denseIndex == 1 && "user-12345".denseIndex == 12_345 && "user-999999999".denseIndex == 999_999_999)
        for text in ["user-", "user-0", "user-01", "user-1x", "usr-12", "User-1", "user-1234567890", "door-a-1", ""] {
            #expect(text.denseIndex == nil, "\(text)")
        }
        #expect(String(denseIndex: 42) == "user-42" && NodeName(denseIndex: 3) == NodeName(.client, 3))
    }

    @Test("a dense table answers as a dictionary through sets, removals, in-place updates and stray keys")
    func sameAsDictionary() {
        var table = DenseTable<String, Int>()
        var reference: [String: Int] = [:]
        var rng = SeededRandom(seed: 7)
        let names = (1...300).map { "user-\($0)" } + ["door-1", "user-0", "user-007", "user-99999999", "x"]
        for step in 0..<5_000 {
            let name = names[Int(rng.next() % UInt64(names.count))]
            switch rng.next() % 4 {
            case 0:
                table[name] = step
                reference[name] = step
            case 1:
                #expect(table.removeValue(forKey: name) == reference.removeValue(forKey: name))
            case 2:
                table[name, default: 0] += 1
                reference[name, default: 0] += 1
            default:
                table[name] = nil
                reference[name] = nil
            }
            #expect(table[name] == reference[name] && table.count == reference.count)
        }
        for name in names { #expect(table[name] == reference[name], "\(name)") }
        #expect(table.unorderedKeys.sorted() == reference.keys.sorted())
    }

    @Test("a client's value sits in the array (a few bytes a client); a number far past its end goes to the dictionary and is found there")
    func farNumbers() {
        var table = DenseTable<NodeName, UInt32>()
        for n in 1...10_000 { table[NodeName(.client, n)] = UInt32(n) }
        table[NodeName(.client, 5_000_000)] = 1
        table[NodeName(.session, 1)] = 2
        #expect(table.count == 10_002 && table[NodeName(.client, 5_000_000)] == 1 && table[NodeName(.session, 1)] == 2)
        #expect(table.denseRoom <= 10_000 + 10_000 / 4 + 1_024, "room \(table.denseRoom) for 10,000 clients")
        for n in stride(from: 1, through: 10_000, by: 97) { #expect(table[NodeName(.client, n)] == UInt32(n)) }
        #expect(table[NodeName(.client, 10_001)] == nil && table[NodeName(.client, 4_999_999)] == nil)
    }

    @Test("push-delivery's last seq per stream: a client's streams by one word (its number, its generation's number), others by their key, none mixed up")
    func lastSeqs() {
        var last = LastSeqs()
        func key(_ name: NodeName, _ generation: UInt64?) -> PushDeliveryChecker.StreamKey {
            PushDeliveryChecker.StreamKey(client: name, generation: generation)
        }
        let big: UInt64 = 0xC01_2345_6789_ABCD
        let keys = [key(NodeName(.client, 1), big), key(NodeName(.client, 1), 2), key(NodeName(.client, 2), big),
                    key(NodeName(.client, 1), nil), key(NodeName(.client, 2), .max),
                    key(NodeName(.chatDoor, 1), big), key(NodeName(.client, 1 << 20), 0)]
        for (i, k) in keys.enumerated() {
            #expect(last[k] == nil)
            last[k] = LastSeqs.Last(seq: UInt64(i + 1), event: i * 10, at: VirtualInstant(nanoseconds: Int64(i)))
        }
        #expect(last.generationCount == 4, "the chat door's and the nil generation are not numbered")
        // Past the table's room, generations keep their full key.
        for g in 0..<UInt64(LastSeqs.maxGenerations + 10) {
            last[key(NodeName(.client, 3), 1_000 + g)] = LastSeqs.Last(seq: g, event: 0, at: .zero)
        }
        #expect(last.generationCount == LastSeqs.maxGenerations)
        for g in 0..<UInt64(LastSeqs.maxGenerations + 10) { #expect(last[key(NodeName(.client, 3), 1_000 + g)]?.seq == g) }
        for (i, k) in keys.enumerated() {
            #expect(last[k]?.seq == UInt64(i + 1) && last[k]?.event == i * 10 && last[k]?.at.nanoseconds == Int64(i))
        }
    }

    @Test("chat-delivery's receptions in 12 bytes: client, line and trace position come back whole, past 2^32 events too")
    func receptions() {
        typealias Reception = ChatDeliveryChecker.Scan.Reception
        var receptions = ChatDeliveryChecker.Scan.Receptions()
        let seqs = [0, 1, 7, (1 << 32) - 1, 1 << 32, (1 << 32) + 5, 3 << 33, (3 << 33) + 1, Int.max]
        for (i, seq) in seqs.enumerated() { receptions.append(Reception(client: i * 1_000, ref: i % 2 == 0 ? i : -1 - i, seq: seq)) }
        #expect(receptions.count == seqs.count)
        for (i, r) in receptions.enumerated() {
            #expect(r.seq == seqs[i] && r.client == i * 1_000 && r.line == (i % 2 == 0 ? i : nil), "reception \(i)")
        }
    }

    @Test("single-session's stream words: equal keys, equal words; distinct keys (leading zeros, text, large ids, other roles), distinct words")
    func streamWords() {
        typealias Key = SingleSessionChecker.Scan.StreamKey
        var words = SingleSessionChecker.Scan.StreamWords()
        let f1 = NodeName(.frontend, 1), f2 = NodeName(.frontend, 2)
        let keys = [Key(frontend: f1, connection: "7"), Key(frontend: f1, connection: "07"), Key(frontend: f2, connection: "7"),
                    Key(frontend: f1, connection: "0"), Key(frontend: f1, connection: "00"), Key(frontend: f1, connection: "x7"),
                    Key(frontend: f1, connection: ""), Key(frontend: f1, connection: "1099511627776"),
                    Key(frontend: f1, connection: "1099511627775"), Key(frontend: NodeName(.chatDoor, 1), connection: "7"),
                    Key(frontend: NodeName(.frontend, 70_000), connection: "7"), Key(frontend: f1, connection: "99999999999999999999")]
        #expect(words.known(keys[5]) == nil, "a key that does not pack has no word until it is given one")
        let given = keys.map { words.word(of: $0) }
        #expect(Set(given).count == keys.count)
        #expect(keys.map { words.word(of: $0) } == given && keys.map { words.known($0) } == given)
    }
}
