import Testing
@testable import Nodes

/// Hex helpers shared by the auth test files.
enum AuthTestHex {
    /// Returns the lowercase hex spelling of `bytes`.
    static func string(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Returns the bytes spelled by an even-length hex string.
    static func bytes(_ hex: String) -> [UInt8] {
        let chars = Array(hex.utf8)
        precondition(chars.count % 2 == 0)
        return stride(from: 0, to: chars.count, by: 2).map {
            UInt8(String(decoding: chars[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}

@Suite("SHA-256 (FIPS 180-4)")
struct SHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let message: [UInt8]
        let digest: String
        var testDescription: String { name }
    }

    static let nistVectors: [Vector] = [
        Vector(name: "abc", message: Array("abc".utf8),
               digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        Vector(name: "empty", message: [],
               digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        Vector(name: "448 bits",
               message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
               digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        Vector(name: "896 bits",
               message: Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                   + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8),
               digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        Vector(name: "one million a", message: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
               digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test("NIST example vectors", arguments: nistVectors)
    func nistVector(_ vector: Vector) {
        #expect(AuthTestHex.string(SHA256.hash(vector.message)) == vector.digest)
    }

    @Test("NIST vectors through the generic, non-contiguous Sequence path", arguments: nistVectors.prefix(4))
    func genericSequencePath(_ vector: Vector) {
        var hasher = SHA256()
        hasher.update(vector.message.lazy.map { $0 })  // LazyMapSequence: no contiguous storage
        #expect(AuthTestHex.string(hasher.finalize()) == vector.digest)
    }

    /// Digests of "a" repeated n times around the padding boundaries (cross-checked
    /// with an independent implementation, Python's hashlib).
    static let boundaryDigests: [(Int, String)] = [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
        (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
    ]

    @Test("padding boundaries: one-shot digest", arguments: boundaryDigests)
    func boundaryOneShot(length: Int, digest: String) {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: length)
        #expect(AuthTestHex.string(SHA256.hash(message)) == digest)
    }

    @Test("padding boundaries: arbitrary chunking equals one-shot",
          arguments: [55, 56, 63, 64, 65, 119, 120, 128, 200],
          [1, 3, 7, 31, 55, 63, 64, 65, 100])
    func chunkedEqualsOneShot(length: Int, chunk: Int) {
        let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let expected = SHA256.hash(message)

        var arrays = SHA256()
        var slices = SHA256()
        var raw = SHA256()
        var start = 0
        while start < message.count {
            let end = min(start + chunk, message.count)
            arrays.update(Array(message[start..<end]))
            slices.update(message[start..<end])
            message[start..<end].withUnsafeBytes { raw.update($0) }
            start = end
        }
        #expect(arrays.finalize() == expected)
        #expect(slices.finalize() == expected)
        #expect(raw.finalize() == expected)
    }

    @Test("uneven chunk sequence, mixing fast and byte-wise paths")
    func mixedChunks() {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 131) }
        let sizes = [0, 1, 63, 2, 64, 128, 5, 0, 200, 17, 300]
        var hasher = SHA256()
        var start = 0
        for (i, size) in sizes.enumerated() {
            let end = min(start + size, message.count)
            if i.isMultiple(of: 2) {
                hasher.update(message[start..<end])
            } else {
                hasher.update(message[start..<end].lazy.map { $0 })
            }
            start = end
        }
        hasher.update(message[start...])
        #expect(hasher.finalize() == SHA256.hash(message))
    }

    @Test("finalize resets the hasher; empty updates are no-ops")
    func finalizeResets() {
        var hasher = SHA256()
        hasher.update(Array("abc".utf8))
        _ = hasher.finalize()
        hasher.update([UInt8]())
        hasher.update("abc".utf8)
        #expect(AuthTestHex.string(hasher.finalize())
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash("abc".utf8).count == SHA256.digestSize)
    }
}
