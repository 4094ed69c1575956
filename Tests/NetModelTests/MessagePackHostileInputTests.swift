import Foundation
import Testing
@testable import NetModel

struct MPHostileCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let kind: MessagePackError.Kind
    let offset: Int
    var testDescription: String { name }
}

/// A recursive type for depth tests: `[[[…]]]`.
indirect enum MPNest: Codable, Equatable {
    case leaf
    case node([MPNest])

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var children: [MPNest] = []
        while !container.isAtEnd { children.append(try container.decode(MPNest.self)) }
        self = children.isEmpty ? .leaf : .node(children)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        if case .node(let children) = self { for child in children { try container.encode(child) } }
    }
}

@Suite("MessagePack hostile input")
struct MessagePackHostileInputTests {
    let decoder = MessagePackDecoder()

    static let cases: [MPHostileCase] = [
        MPHostileCase(name: "empty input", input: [], kind: .truncated, offset: 0),
        MPHostileCase(name: "never-used byte c1", input: mpHex("c1"), kind: .invalidFormatByte, offset: 0),
        MPHostileCase(name: "uint16 missing a byte", input: mpHex("cd 01"), kind: .truncated, offset: 1),
        MPHostileCase(name: "float64 truncated", input: mpHex("cb 3f f8"), kind: .truncated, offset: 1),
        MPHostileCase(name: "str32 claiming 4 GB", input: mpHex("db ff ff ff ff 61 62"), kind: .lengthExceedsInput, offset: 0),
        MPHostileCase(name: "bin32 claiming 4 GB", input: mpHex("c6 ff ff ff ff 00"), kind: .lengthExceedsInput, offset: 0),
        MPHostileCase(name: "ext32 claiming 4 GB", input: mpHex("c9 ff ff ff ff 01 00"), kind: .lengthExceedsInput, offset: 0),
        MPHostileCase(name: "array32 claiming 2^31 elements", input: mpHex("dd 80 00 00 00 c0"), kind: .lengthExceedsInput, offset: 0),
        MPHostileCase(name: "map32 claiming 2^32-1 entries", input: mpHex("df ff ff ff ff c0 c0"), kind: .lengthExceedsInput, offset: 0),
        MPHostileCase(name: "fixarray of 3 with 2 bytes", input: mpHex("93 01 02"), kind: .lengthExceedsInput, offset: 0),
        MPHostileCase(name: "uint16 cut inside an array", input: mpHex("92 01 cd 00"), kind: .truncated, offset: 3),
        MPHostileCase(name: "nested array32 lie", input: mpHex("92 01 dd 00 01 00 00 01"), kind: .lengthExceedsInput, offset: 2),
        MPHostileCase(name: "fixstr longer than input", input: mpHex("a5 61 62"), kind: .lengthExceedsInput, offset: 0),
        MPHostileCase(name: "invalid UTF-8 continuation", input: mpHex("a2 c3 28"), kind: .invalidUTF8, offset: 1),
        MPHostileCase(name: "overlong UTF-8 NUL", input: mpHex("a3 61 c0 80"), kind: .invalidUTF8, offset: 2),
        MPHostileCase(name: "UTF-16 surrogate in UTF-8", input: mpHex("a3 ed a0 80"), kind: .invalidUTF8, offset: 1),
        MPHostileCase(name: "code point above U+10FFFF", input: mpHex("a4 f4 90 80 80"), kind: .invalidUTF8, offset: 1),
        MPHostileCase(name: "truncated UTF-8 sequence", input: mpHex("92 a2 e2 82 c0"), kind: .invalidUTF8, offset: 2),
        MPHostileCase(name: "invalid UTF-8 in a map key", input: mpHex("81 a1 ff 01"), kind: .invalidUTF8, offset: 2),
        MPHostileCase(name: "trailing garbage", input: mpHex("81 a1 61 01 ff ff"), kind: .trailingBytes, offset: 4),
        MPHostileCase(name: "two top-level values", input: mpHex("c0 c0"), kind: .trailingBytes, offset: 1),
        MPHostileCase(
            name: "100000 nested fixarrays", input: [UInt8](repeating: 0x91, count: 100_000) + [0xc0],
            kind: .depthLimitExceeded, offset: 512),
        MPHostileCase(
            name: "100000 nested fixmaps", input: [UInt8](repeating: 0x81, count: 100_000), kind: .depthLimitExceeded,
            offset: 512),
    ]

    @Test(arguments: cases)
    func malformedInputThrowsWithOffset(_ c: MPHostileCase) throws {
        for attempt in 0..<3 {
            let error = try #require(throws: MessagePackError.self) {
                switch attempt {
                case 0: _ = try MessagePackValue.decode(c.input)
                case 1: _ = try decoder.decode(MPNest.self, from: c.input)
                default: _ = try decoder.decode([String: Int].self, from: c.input)
                }
            }
            #expect(error.kind == c.kind, "\(error)")
            #expect(error.offset == c.offset, "\(error)")
            #expect(error.description.contains("byte offset \(c.offset)"))
        }
    }

    @Test func depthLimitBoundary() throws {
        func nested(_ depth: Int) -> [UInt8] { [UInt8](repeating: 0x91, count: depth - 1) + [0x90] }
        #expect(try MessagePackValue.decode(nested(512)) != .nil)
        var deep = MPNest.leaf
        for _ in 1..<512 { deep = .node([deep]) }
        #expect(try decoder.decode(MPNest.self, from: nested(512)) == deep)
        #expect(try MessagePackEncoder().encode(deep) == nested(512))
        let error = try #require(throws: MessagePackError.self) { try MessagePackValue.decode(nested(513)) }
        #expect(error.kind == .depthLimitExceeded && error.offset == 512)
        var shallow = MessagePackDecoder()
        shallow.maxDepth = 3
        #expect(throws: MessagePackError.self) { try shallow.decode(MPNest.self, from: nested(4)) }
        #expect(try shallow.decode(MPNest.self, from: nested(3)) == .node([.node([.leaf])]))
    }

    @Test func everyTruncationOfAValidMessageThrows() throws {
        let team = MPTeam(
            id: 77, name: "팀", members: [MPMember(name: "m", level: 9, nickname: "n"), nil],
            scores: ["s": [1, 1000, -100_000, Int.min]], matrix: [[0.5], []], avatar: Data([1, 2, 3]),
            created: Date(timeIntervalSince1970: -5.25), lastMessage: .ping(seq: 70000))
        let encoded = try MessagePackEncoder().encode(team)
        #expect(try decoder.decode(MPTeam.self, from: encoded) == team)
        for length in 0..<encoded.count {
            let prefix = Array(encoded[..<length])
            let typed = try #require(throws: MessagePackError.self) { try decoder.decode(MPTeam.self, from: prefix) }
            let generic = try #require(throws: MessagePackError.self) { try MessagePackValue.decode(prefix) }
            #expect(typed.offset != nil && typed.offset! <= length)
            #expect(generic.offset != nil && generic.offset! <= length)
        }
    }

    @Test func wrongTypesThrowWithOffsetAndPath() throws {
        let stringAsInt = try #require(throws: MessagePackError.self) { try decoder.decode(Int.self, from: mpHex("a1 35")) }
        #expect(stringAsInt.kind == .typeMismatch && stringAsInt.offset == 0)
        #expect(stringAsInt.description.contains("fixstr"))

        // {"name": "a", "level": "high"} → level is a string
        let member = mpHex("82 a4 6e 61 6d 65 a1 61 a5 6c 65 76 65 6c a4 68 69 67 68")
        let wrongField = try #require(throws: MessagePackError.self) { try decoder.decode(MPMember.self, from: member) }
        #expect(wrongField.kind == .typeMismatch && wrongField.offset == 14 && wrongField.codingPath == ["level"])

        let nilAsInt = try #require(throws: MessagePackError.self) { try decoder.decode([Int].self, from: mpHex("92 01 c0")) }
        #expect(nilAsInt.kind == .valueNotFound && nilAsInt.offset == 2 && nilAsInt.codingPath == ["1"])

        let missing = try #require(throws: MessagePackError.self) { try decoder.decode(MPMember.self, from: mpHex("81 a4 6e 61 6d 65 a1 61")) }
        #expect(missing.kind == .keyNotFound && missing.offset == 0 && missing.codingPath == ["level"])

        let duplicate = try #require(throws: MessagePackError.self) {
            try decoder.decode([String: Int].self, from: mpHex("82 a1 61 01 a1 61 02"))
        }
        #expect(duplicate.kind == .duplicateKey && duplicate.offset == 4)

        let arrayAsStruct = try #require(throws: MessagePackError.self) { try decoder.decode(MPMember.self, from: mpHex("90")) }
        #expect(arrayAsStruct.kind == .typeMismatch && arrayAsStruct.offset == 0)

        let mapAsArray = try #require(throws: MessagePackError.self) { try decoder.decode([Int].self, from: mpHex("80")) }
        #expect(mapAsArray.kind == .typeMismatch)

        let badKey = try #require(throws: MessagePackError.self) { try decoder.decode(MPMember.self, from: mpHex("81 c3 01")) }
        #expect(badKey.kind == .invalidKey && badKey.offset == 1)

        let exhausted = try #require(throws: MessagePackError.self) {
            try decoder.decode(MPPair.self, from: mpHex("91 01"))
        }
        #expect(exhausted.kind == .valueNotFound && exhausted.offset == 2)
        #expect(try decoder.decode([UInt8].self, from: mpHex("92 01 02")) == [1, 2])
    }

    /// Random and mutated inputs: every outcome is a value or a MessagePackError.
    @Test func fuzzNeverCrashesOrThrowsForeignErrors() throws {
        var rng = MPSplitMix(seed: 0x5eed)
        let valid = try MessagePackEncoder().encode(MPEverything())
        for round in 0..<20_000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int(rng.next() % 24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                input = valid
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    input[Int(rng.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            for target in 0..<3 {
                do {
                    switch target {
                    case 0: _ = try MessagePackValue.decode(input)
                    case 1: _ = try decoder.decode(MPEverything.self, from: input)
                    default: _ = try decoder.decode([String: [Int?]].self, from: input)
                    }
                } catch let error as MessagePackError {
                    #expect(error.offset != nil)
                }  // any other error type propagates and fails the test
            }
        }
    }
}

/// Decodes two integers from an unkeyed container, to exercise the "at end" error.
struct MPPair: Decodable {
    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        _ = try container.decode(Int.self)
        _ = try container.decode(Int.self)
    }
}

/// Deterministic test randomness.
struct MPSplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
