import Foundation
import Testing
@testable import NetModel

extension MessagePackCodableTests {
    /// The enum-with-associated-values example from the task (nested to keep the module namespace clean).
    enum Msg: Codable, Equatable {
        case ping(seq: Int)
        case login(user: String, password: String)
        case empty
    }
}

struct MPMember: Codable, Equatable {
    var name: String
    var level: UInt8
    var nickname: String?
}

struct MPTeam: Codable, Equatable {
    var id: UInt64
    var name: String
    var members: [MPMember?]
    var scores: [String: [Int]]
    var matrix: [[Double]]
    var avatar: Data?
    var created: Date
    var lastMessage: MessagePackCodableTests.Msg
}

/// Every family in one value.
struct MPEverything: Codable, Equatable {
    var b = true
    var i8 = Int8.min, i16 = Int16.min, i32 = Int32.min, i64 = Int64.min, i = Int.max
    var u8 = UInt8.max, u16 = UInt16.max, u32 = UInt32.max, u64 = UInt64.max, u = UInt(7)
    var f = Float(0.25), d = -2.5
    var s = "héllo", data = Data([0, 1, 2, 255])
    var nested = [[1, 2], [], [3]]
    var optionalSome: Int? = 42
    var optionalNone: String?
    var dict = ["x": [true], "y": []]
    var set: Set<Int16> = [-300]
}

class MPBase: Codable {
    var id: Int
    init(id: Int) { self.id = id }
}

final class MPDerived: MPBase {
    var title: String
    enum CodingKeys: String, CodingKey { case title }

    init(id: Int, title: String) {
        self.title = title
        super.init(id: id)
    }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decode(String.self, forKey: .title)
        try super.init(from: try container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(title, forKey: .title)
        try super.encode(to: container.superEncoder())
    }
}

/// Writes an explicit nil (encodeNil) rather than omitting the key.
struct MPExplicitNil: Codable, Equatable {
    var value: Int?
    enum CodingKeys: String, CodingKey { case value }

    init(value: Int?) { self.value = value }

    init(from decoder: any Decoder) throws {
        value = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .value)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let value { try container.encode(value, forKey: .value) } else { try container.encodeNil(forKey: .value) }
    }
}

/// Uses nested unkeyed/keyed containers and an unkeyed superEncoder by hand.
struct MPHandmade: Codable, Equatable {
    var pairs: [(Int, String)]
    var flag: Bool

    static func == (a: MPHandmade, b: MPHandmade) -> Bool {
        a.flag == b.flag && a.pairs.elementsEqual(b.pairs) { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    init(pairs: [(Int, String)], flag: Bool) {
        self.pairs = pairs
        self.flag = flag
    }

    enum Keys: String, CodingKey { case n, s }

    func encode(to encoder: any Encoder) throws {
        var outer = encoder.unkeyedContainer()
        for (n, s) in pairs {
            var inner = outer.nestedContainer(keyedBy: Keys.self)
            try inner.encode(n, forKey: .n)
            var strings = inner.nestedUnkeyedContainer(forKey: .s)
            try strings.encode(s)
        }
        var single = outer.superEncoder().singleValueContainer()
        try single.encode(flag)
    }

    init(from decoder: any Decoder) throws {
        var outer = try decoder.unkeyedContainer()
        var pairs: [(Int, String)] = []
        while let count = outer.count, outer.currentIndex < count - 1 {
            let inner = try outer.nestedContainer(keyedBy: Keys.self)
            var strings = try inner.nestedUnkeyedContainer(forKey: .s)
            pairs.append((try inner.decode(Int.self, forKey: .n), try strings.decode(String.self)))
        }
        flag = try outer.superDecoder().singleValueContainer().decode(Bool.self)
        #expect(outer.isAtEnd)
        self.pairs = pairs
    }
}

@Suite("MessagePack Codable round trips")
struct MessagePackCodableTests {
    let encoder = MessagePackEncoder()
    let decoder = MessagePackDecoder()

    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> [UInt8] {
        let encoded = try encoder.encode(value)
        #expect(try decoder.decode(T.self, from: encoded) == value)
        #expect(try encoder.encode(value) == encoded, "deterministic")
        _ = try MessagePackValue.decode(encoded)  // well-formed for the generic parser too
        return encoded
    }

    @Test func keyedContainersKeepWriteOrder() throws {
        struct Point: Codable, Equatable { var x: Int; var y: Int; var label: String }
        #expect(try roundTrip(Point(x: 1, y: -1, label: "p")) == mpHex("83 a1 78 01 a1 79 ff a5 6c 61 62 65 6c a1 70"))
    }

    @Test func enumsWithAssociatedValues() throws {
        #expect(try roundTrip(Msg.ping(seq: 1)) == mpHex("81 a4 70 69 6e 67 81 a3 73 65 71 01"))
        #expect(try roundTrip(Msg.empty) == mpHex("81 a5 65 6d 70 74 79 80"))
        _ = try roundTrip(Msg.login(user: "kim", password: "비밀번호"))
        _ = try roundTrip([Msg.ping(seq: 300), .empty, .login(user: "", password: "x")])
        let twoCases = try #require(throws: DecodingError.self) {
            try decoder.decode(Msg.self, from: mpHex("82 a4 70 69 6e 67 81 a3 73 65 71 01 a5 65 6d 70 74 79 80"))
        }
        _ = twoCases  // Swift's synthesized init rejects more than one case key.
    }

    @Test func optionalsOmitOrWriteNil() throws {
        #expect(try roundTrip(MPMember(name: "a", level: 1, nickname: nil)) == mpHex("82 a4 6e 61 6d 65 a1 61 a5 6c 65 76 65 6c 01"))
        _ = try roundTrip(MPMember(name: "a", level: 1, nickname: "b"))
        #expect(try roundTrip(MPExplicitNil(value: nil)) == mpHex("81 a5 76 61 6c 75 65 c0"))
        #expect(try roundTrip(MPExplicitNil(value: 3)) == mpHex("81 a5 76 61 6c 75 65 03"))
        // Both an absent key and an explicit nil decode to nil through decodeIfPresent.
        #expect(try decoder.decode(MPExplicitNil.self, from: mpHex("80")) == MPExplicitNil(value: nil))
        #expect(try decoder.decode(MPMember.self, from: mpHex("83 a4 6e 61 6d 65 a1 61 a5 6c 65 76 65 6c 01 a8 6e 69 63 6b 6e 61 6d 65 c0")).nickname == nil)
        #expect(try roundTrip([1, nil, 3] as [Int?]) == mpHex("93 01 c0 03"))
        // Like JSON, nested optionals collapse: .some(nil) is written as c0 and reads back as nil.
        #expect(try encoder.encode(Int??.some(nil)) == mpHex("c0"))
        #expect(try decoder.decode(Int??.self, from: mpHex("c0")) == .none)
    }

    @Test func nestedContainers() throws {
        let team = MPTeam(
            id: 1 << 40, name: "Raid 클러스터",
            members: [MPMember(name: "a", level: 200, nickname: "α"), nil, MPMember(name: "b", level: 0, nickname: nil)],
            scores: ["round1": [1, -2, 300], "round2": [], "round3": [Int](0..<20)],
            matrix: [[1.5, -0.0], [], [.infinity]],
            avatar: Data(repeating: 7, count: 300),
            created: Date(timeIntervalSince1970: 1_700_000_000.5),
            lastMessage: .login(user: "u", password: "p"))
        _ = try roundTrip(team)
        var noAvatar = team
        noAvatar.avatar = nil
        _ = try roundTrip(noAvatar)
        _ = try roundTrip(["x": [team, noAvatar], "y": []] as [String: [MPTeam]])
    }

    @Test func everyFamily() throws {
        _ = try roundTrip(MPEverything())
        _ = try roundTrip([MPEverything(), MPEverything()])
    }

    @Test func classInheritanceThroughSuperEncoder() throws {
        let value = MPDerived(id: 9, title: "t")
        let encoded = try encoder.encode(value)
        #expect(encoded == mpHex("82 a5 74 69 74 6c 65 a1 74 a5 73 75 70 65 72 81 a2 69 64 09"))
        let back = try decoder.decode(MPDerived.self, from: encoded)
        #expect(back.id == 9 && back.title == "t")
    }

    @Test func handwrittenNestedAndSuperContainers() throws {
        let encoded = try roundTrip(MPHandmade(pairs: [(1, "one"), (2, "two")], flag: true))
        #expect(encoded.first == 0x93)
        _ = try roundTrip(MPHandmade(pairs: [], flag: false))
    }

    @Test func wideIntegers() throws {
        #expect(try roundTrip(Int128(Int64.min)) == mpHex("d3 80 00 00 00 00 00 00 00"))
        #expect(try roundTrip(UInt128(UInt64.max)) == mpHex("cf ff ff ff ff ff ff ff ff"))
        _ = try roundTrip([Int128(-5), Int128(5)])
        let error = try #require(throws: MessagePackError.self) { try encoder.encode([UInt128(UInt64.max) + 1]) }
        #expect(error.kind == .numberOutOfRange)
        #expect(error.codingPath == ["0"])
    }

    @Test func integerMapKeysAndDictionaries() throws {
        _ = try roundTrip([1: "a", -7: "b"] as [Int: String])
        struct Keyed: Codable, Equatable { var a: Int }
        // A map with an integer key 5 and a string key "a" (other encoders may use int keys).
        #expect(try decoder.decode([Int: Int].self, from: mpHex("81 05 06")) == [5: 6])
        #expect(try decoder.decode(Keyed.self, from: mpHex("82 05 06 a1 61 07")) == Keyed(a: 7))
    }

    @Test func alternativeInputCollections() throws {
        let encoded = try encoder.encode(MPMember(name: "n", level: 3, nickname: nil))
        let framed = [0xff] + encoded + [0xff]
        #expect(try decoder.decode(MPMember.self, from: framed[1..<(framed.count - 1)]).level == 3)
        #expect(try decoder.decode(MPMember.self, from: Data(encoded)).name == "n")
        #expect(try MessagePackValue.decode(framed.dropFirst().dropLast()) == MessagePackValue.decode(encoded))
    }

    @Test func topLevelWithoutValueThrows() throws {
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        let error = try #require(throws: MessagePackError.self) { try encoder.encode(Nothing()) }
        #expect(error.kind == .noValueEncoded)
        #expect(try encoder.encode([Nothing()]) == mpHex("91 80"))  // nested: empty map, like JSONEncoder
    }

    @Test func userInfoReachesCodableImplementations() throws {
        struct Probe: Codable {
            static let key = CodingUserInfoKey(rawValue: "probe")!
            var seen: String
            init(seen: String) { self.seen = seen }
            init(from decoder: any Decoder) throws { seen = decoder.userInfo[Self.key] as? String ?? "none" }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.singleValueContainer()
                try c.encode(encoder.userInfo[Self.key] as? String ?? "none")
            }
        }
        var enc = MessagePackEncoder()
        enc.userInfo[Probe.key] = "E"
        var dec = MessagePackDecoder()
        dec.userInfo[Probe.key] = "D"
        let bytes = try enc.encode(Probe(seen: ""))
        #expect(bytes == mpHex("a1 45"))
        #expect(try dec.decode(Probe.self, from: bytes).seen == "D")
    }
}
