import Foundation
import Testing
@testable import NetModel

/// "cb 3f f8 00" → [0xcb, 0x3f, 0xf8, 0x00].
func mpHex(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}

/// Header bytes followed by `count` copies of `fill`.
func mpBytes(_ header: String, _ count: Int, _ fill: UInt8) -> [UInt8] {
    mpHex(header) + [UInt8](repeating: fill, count: count)
}

struct MPIntCase: Sendable, CustomTestStringConvertible {
    let value: Int64
    let encoded: [UInt8]
    init(_ value: Int64, _ encoded: String) {
        self.value = value
        self.encoded = mpHex(encoded)
    }
    var testDescription: String { "\(value)" }
}

@Suite("MessagePack spec: byte-exact scalars")
struct MessagePackSpecTests {
    let encoder = MessagePackEncoder()
    let decoder = MessagePackDecoder()

    @Test func nilAndBooleans() throws {
        #expect(MessagePackValue.nil.encoded() == [0xc0])
        #expect(MessagePackValue.bool(false).encoded() == [0xc2])
        #expect(MessagePackValue.bool(true).encoded() == [0xc3])
        #expect(try encoder.encode(false) == [0xc2])
        #expect(try encoder.encode(true) == [0xc3])
        #expect(try encoder.encode(Int?.none) == [0xc0])
        #expect(try decoder.decode(Bool.self, from: [0xc3]) == true)
        #expect(try decoder.decode(Int?.self, from: [0xc0]) == nil)
        #expect(try MessagePackValue.decode([0xc0]) == .nil)
    }

    static let signedBoundaries: [MPIntCase] = [
        MPIntCase(0, "00"), MPIntCase(1, "01"), MPIntCase(127, "7f"),
        MPIntCase(128, "cc 80"), MPIntCase(255, "cc ff"),
        MPIntCase(256, "cd 01 00"), MPIntCase(65535, "cd ff ff"),
        MPIntCase(65536, "ce 00 01 00 00"), MPIntCase(4_294_967_295, "ce ff ff ff ff"),
        MPIntCase(4_294_967_296, "cf 00 00 00 01 00 00 00 00"),
        MPIntCase(Int64.max, "cf 7f ff ff ff ff ff ff ff"),
        MPIntCase(-1, "ff"), MPIntCase(-32, "e0"),
        MPIntCase(-33, "d0 df"), MPIntCase(-128, "d0 80"),
        MPIntCase(-129, "d1 ff 7f"), MPIntCase(-32768, "d1 80 00"),
        MPIntCase(-32769, "d2 ff ff 7f ff"), MPIntCase(-2_147_483_648, "d2 80 00 00 00"),
        MPIntCase(-2_147_483_649, "d3 ff ff ff ff 7f ff ff ff"),
        MPIntCase(Int64.min, "d3 80 00 00 00 00 00 00 00"),
    ]

    @Test(arguments: signedBoundaries)
    func integerBoundaries(_ c: MPIntCase) throws {
        #expect(try encoder.encode(c.value) == c.encoded)
        #expect(try encoder.encode(Int(c.value)) == c.encoded)
        #expect(MessagePackValue.int(c.value).encoded() == c.encoded)
        #expect(try decoder.decode(Int64.self, from: c.encoded) == c.value)
        #expect(try decoder.decode(Int.self, from: c.encoded) == Int(c.value))
        #expect(try MessagePackValue.decode(c.encoded) == .int(c.value))
        if c.value >= 0 {
            #expect(try encoder.encode(UInt64(c.value)) == c.encoded)
            #expect(try decoder.decode(UInt64.self, from: c.encoded) == UInt64(c.value))
        }
    }

    @Test func extremeIntegers() throws {
        #expect(try encoder.encode(Int.min) == mpHex("d3 80 00 00 00 00 00 00 00"))
        #expect(try encoder.encode(Int.max) == mpHex("cf 7f ff ff ff ff ff ff ff"))
        #expect(try encoder.encode(UInt64.max) == mpHex("cf ff ff ff ff ff ff ff ff"))
        #expect(try decoder.decode(UInt64.self, from: mpHex("cf ff ff ff ff ff ff ff ff")) == .max)
        #expect(try decoder.decode(UInt.self, from: mpHex("cf ff ff ff ff ff ff ff ff")) == .max)
        #expect(try MessagePackValue.decode(mpHex("cf ff ff ff ff ff ff ff ff")) == .uint(.max))
    }

    @Test func everyWidthRoundTripsSmallest() throws {
        #expect(try encoder.encode(Int8(-33)) == mpHex("d0 df"))
        #expect(try encoder.encode(Int8.min) == mpHex("d0 80"))
        #expect(try encoder.encode(Int16(-129)) == mpHex("d1 ff 7f"))
        #expect(try encoder.encode(Int32.min) == mpHex("d2 80 00 00 00"))
        #expect(try encoder.encode(UInt8(5)) == mpHex("05"))
        #expect(try encoder.encode(UInt16(300)) == mpHex("cd 01 2c"))
        #expect(try encoder.encode(UInt32(70000)) == mpHex("ce 00 01 11 70"))
        #expect(try encoder.encode(Int32(100)) == mpHex("64"))  // non-negative signed → positive fixint
        #expect(try decoder.decode(Int8.self, from: mpHex("d0 80")) == .min)
        #expect(try decoder.decode(Int16.self, from: mpHex("d1 80 00")) == .min)
        #expect(try decoder.decode(Int32.self, from: mpHex("d2 80 00 00 00")) == .min)
        #expect(try decoder.decode(UInt16.self, from: mpHex("cd ff ff")) == .max)
        #expect(try decoder.decode(UInt32.self, from: mpHex("ce ff ff ff ff")) == .max)
    }

    @Test func integersAcceptAnyFittingFamily() throws {
        #expect(try decoder.decode(UInt8.self, from: mpHex("cd 00 05")) == 5)
        #expect(try decoder.decode(UInt8.self, from: mpHex("d3 00 00 00 00 00 00 00 05")) == 5)
        #expect(try decoder.decode(Int8.self, from: mpHex("cf 00 00 00 00 00 00 00 7f")) == 127)
        #expect(try decoder.decode(Int.self, from: mpHex("d0 05")) == 5)
        #expect(try decoder.decode(Double.self, from: mpHex("cc 80")) == 128)
    }

    @Test(arguments: [
        ("cd 01 2c", "UInt8"),  // 300
        ("ff", "UInt"),  // -1
        ("cc 80", "Int8"),  // 128
        ("d1 ff 7f", "Int8"),  // -129
        ("cf ff ff ff ff ff ff ff ff", "Int64"),
    ])
    func integerOverflowThrows(_ input: String, _ typeName: String) throws {
        let bytes = mpHex(input)
        let error = try #require(throws: MessagePackError.self) {
            switch typeName {
            case "UInt8": _ = try decoder.decode(UInt8.self, from: bytes)
            case "UInt": _ = try decoder.decode(UInt.self, from: bytes)
            case "Int8": _ = try decoder.decode(Int8.self, from: bytes)
            default: _ = try decoder.decode(Int64.self, from: bytes)
            }
        }
        #expect(error.kind == .numberOutOfRange)
        #expect(error.offset == 0)
        #expect(error.description.contains(typeName))
    }

    @Test func overflowReportsCodingPathAndOffset() throws {
        struct Small: Codable { let tag: String; let small: UInt8 }
        // {"tag": "a", "small": 300}
        let input = mpHex("82 a3 74 61 67 a1 61 a5 73 6d 61 6c 6c cd 01 2c")
        let error = try #require(throws: MessagePackError.self) {
            try decoder.decode(Small.self, from: input)
        }
        #expect(error.kind == .numberOutOfRange)
        #expect(error.offset == 13)
        #expect(error.codingPath == ["small"])
        #expect(error.description.contains("300"))
    }

    @Test func floats() throws {
        #expect(try encoder.encode(1.5) == mpHex("cb 3f f8 00 00 00 00 00 00"))
        #expect(try encoder.encode(Float(1.5)) == mpHex("ca 3f c0 00 00"))
        #expect(MessagePackValue.double(1.5).encoded() == mpHex("cb 3f f8 00 00 00 00 00 00"))
        #expect(MessagePackValue.float(1.5).encoded() == mpHex("ca 3f c0 00 00"))
        for value in [0.0, -0.0, .pi, -1e300, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude] {
            let back = try decoder.decode(Double.self, from: try encoder.encode(value))
            #expect(back.bitPattern == value.bitPattern)
        }
        for value: Float in [0, -0.0, .pi, 3.4e38, .infinity, .leastNonzeroMagnitude] {
            let back = try decoder.decode(Float.self, from: try encoder.encode(value))
            #expect(back.bitPattern == value.bitPattern)
        }
        #expect(try decoder.decode(Double.self, from: try encoder.encode(Double.nan)).isNaN)
        #expect(try decoder.decode(Double.self, from: mpHex("ca 3f c0 00 00")) == 1.5)  // float 32 widened
        #expect(try decoder.decode(Float.self, from: mpHex("cb 3f f8 00 00 00 00 00 00")) == 1.5)
        let tooBig = try #require(throws: MessagePackError.self) {
            try decoder.decode(Float.self, from: try encoder.encode(1e300))
        }
        #expect(tooBig.kind == .numberOutOfRange)
        #expect(throws: MessagePackError.self) { try decoder.decode(Int.self, from: mpHex("cb 3f f8 00 00 00 00 00 00")) }
    }

    @Test(arguments: [
        (0, "a0"), (1, "a1"), (31, "bf"), (32, "d9 20"), (255, "d9 ff"),
        (256, "da 01 00"), (65535, "da ff ff"), (65536, "db 00 01 00 00"),
    ])
    func stringFamilies(_ length: Int, _ header: String) throws {
        let text = String(repeating: "a", count: length)
        let expected = mpBytes(header, length, 0x61)
        #expect(try encoder.encode(text) == expected)
        #expect(MessagePackValue.string(text).encoded() == expected)
        #expect(try decoder.decode(String.self, from: expected) == text)
        #expect(try MessagePackValue.decode(expected) == .string(text))
    }

    @Test func unicodeStrings() throws {
        let korean = "안녕하세요, 클러스터 노드! 🚀"
        let encoded = try encoder.encode(korean)
        let utf8 = Array(korean.utf8)
        #expect(encoded == [0xd9, UInt8(utf8.count)] + utf8)  // 44 bytes → str 8
        #expect(try decoder.decode(String.self, from: encoded) == korean)
        #expect(try encoder.encode("한") == mpHex("a3 ed 95 9c"))
    }

    @Test(arguments: [(0, "c4 00"), (1, "c4 01"), (255, "c4 ff"), (256, "c5 01 00"), (65535, "c5 ff ff"), (65536, "c6 00 01 00 00")])
    func binaryFamilies(_ length: Int, _ header: String) throws {
        let data = Data(repeating: 0xab, count: length)
        let expected = mpBytes(header, length, 0xab)
        #expect(try encoder.encode(data) == expected)
        #expect(MessagePackValue.binary(Array(data)).encoded() == expected)
        #expect(try decoder.decode(Data.self, from: expected) == data)
        #expect(try MessagePackValue.decode(expected) == .binary(Array(data)))
    }

    @Test func byteArraysAreArraysNotBinary() throws {
        #expect(try encoder.encode([UInt8]([1, 200])) == mpHex("92 01 cc c8"))
        #expect(try decoder.decode([UInt8].self, from: mpHex("92 01 cc c8")) == [1, 200])
        #expect(throws: MessagePackError.self) { try decoder.decode(Data.self, from: mpHex("92 01 02")) }
    }

    @Test(arguments: [(0, "90"), (15, "9f"), (16, "dc 00 10"), (65535, "dc ff ff"), (65536, "dd 00 01 00 00")])
    func arrayFamilies(_ count: Int, _ header: String) throws {
        let array = [Int](repeating: 1, count: count)
        let expected = mpBytes(header, count, 0x01)
        #expect(try encoder.encode(array) == expected)
        #expect(try decoder.decode([Int].self, from: expected) == array)
        #expect(MessagePackValue.array(array.map { .int(Int64($0)) }).encoded() == expected)
    }

    @Test func mapFamilies() throws {
        #expect(try encoder.encode(["a": 1]) == mpHex("81 a1 61 01"))
        #expect(try encoder.encode([String: Int]()) == mpHex("80"))
        let sixteen = Dictionary(uniqueKeysWithValues: (0..<16).map { ("k\($0)", $0) })
        let encoded = try encoder.encode(sixteen)
        #expect(Array(encoded.prefix(3)) == mpHex("de 00 10"))
        #expect(try decoder.decode([String: Int].self, from: encoded) == sixteen)
        let big = Dictionary(uniqueKeysWithValues: (0..<70000).map { ("\($0)", $0) })
        let bigEncoded = try encoder.encode(big)
        #expect(Array(bigEncoded.prefix(5)) == mpHex("df 00 01 11 70"))
        #expect(try decoder.decode([String: Int].self, from: bigEncoded) == big)
        let value: MessagePackValue = [1: "one", "two": [2, 2.5], nil: true]
        let spec = mpHex("83 01 a3 6f 6e 65 a3 74 77 6f 92 02 cb 40 04 00 00 00 00 00 00 c0 c3")
        #expect(value.encoded() == spec)
        #expect(try MessagePackValue.decode(spec) == value)
    }

    @Test(arguments: [
        ("d4 05 aa", 1), ("d5 05 aa aa", 2), ("d6 05 aa aa aa aa", 4),
        ("d7 05 aa aa aa aa aa aa aa aa", 8), ("d8 05", 16),
        ("c7 00 05", 0), ("c7 03 05 aa aa aa", 3),
    ])
    func extFamilies(_ prefix: String, _ length: Int) throws {
        let value = MessagePackValue.ext(type: 5, data: [UInt8](repeating: 0xaa, count: length))
        let header = mpHex(prefix)
        let expected = length == 16 ? header + [UInt8](repeating: 0xaa, count: 16) : header
        #expect(value.encoded() == expected)
        #expect(try MessagePackValue.decode(expected) == value)
    }

    @Test func largeExtFamilies() throws {
        let ext16 = MessagePackValue.ext(type: -5, data: [UInt8](repeating: 1, count: 256))
        #expect(ext16.encoded() == mpBytes("c8 01 00 fb", 256, 1))
        #expect(try MessagePackValue.decode(ext16.encoded()) == ext16)
        let ext32 = MessagePackValue.ext(type: 127, data: [UInt8](repeating: 2, count: 65536))
        #expect(ext32.encoded() == mpBytes("c9 00 01 00 00 7f", 65536, 2))
        #expect(try MessagePackValue.decode(ext32.encoded()) == ext32)
    }

    @Test func timestamps() throws {
        #expect(try encoder.encode(Date(timeIntervalSince1970: 0)) == mpHex("d6 ff 00 00 00 00"))
        #expect(try encoder.encode(Date(timeIntervalSince1970: 1_700_000_000)) == mpHex("d6 ff 65 53 f1 00"))
        // 1.5 s → timestamp 64: nanoseconds 500_000_000 << 34 | 1
        #expect(try encoder.encode(Date(timeIntervalSince1970: 1.5)) == mpHex("d7 ff 77 35 94 00 00 00 00 01"))
        // before 1970 → timestamp 96 (ext 8, length 12)
        #expect(try encoder.encode(Date(timeIntervalSince1970: -1)) == mpHex("c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff"))
        for interval in [0, 1.5, -1, -86_400.25, 1_700_000_000.125, 17_179_869_184, 4e12] {
            let date = Date(timeIntervalSince1970: interval)
            #expect(try decoder.decode(Date.self, from: try encoder.encode(date)) == date)
        }
        let now = Date()
        let back = try decoder.decode(Date.self, from: try encoder.encode(now))
        #expect(abs(back.timeIntervalSince(now)) < 1e-6)
        let bad = try #require(throws: MessagePackError.self) {
            try decoder.decode(Date.self, from: mpHex("d7 ff ff ff ff ff 00 00 00 00"))  // nanoseconds ≥ 1e9
        }
        #expect(bad.kind == .invalidTimestamp)
        #expect(throws: MessagePackError.self) { try encoder.encode(Date(timeIntervalSince1970: .infinity)) }
    }

    @Test func valueEqualityRules() {
        #expect(MessagePackValue.int(5) == .uint(5))
        #expect(MessagePackValue.int(-1) != .uint(UInt64.max))
        #expect(MessagePackValue.double(.nan) == .double(.nan))
        #expect(MessagePackValue.double(0.0) != .double(-0.0))
        #expect(MessagePackValue.map([(key: "a", value: 1)]) != .map([(key: "a", value: 2)]))
    }
}
