// HMAC (RFC 2104) instantiated with SHA-256, as used by JWS "HS256".

/// HMAC-SHA256 message authentication (RFC 2104 / RFC 4231).
package enum HMAC {
    /// Computes HMAC-SHA256 of `message` under `key`; returns the 32-byte tag.
    ///
    /// Keys longer than the 64-byte block size are first replaced by their
    /// SHA-256 digest, as RFC 2104 requires; shorter keys are zero-padded.
    package static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        SHA256Key(key).authenticationCode(for: message)
    }

    /// Compares two byte arrays in time that depends only on their lengths,
    /// not on where they differ; returns `true` when they are identical.
    ///
    /// Use this to compare MACs so an attacker cannot learn a correct tag byte by
    /// byte from response timing. Lengths are not secret: arrays of different
    /// length return `false` immediately.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for i in lhs.indices {
            difference |= lhs[i] ^ rhs[i]
        }
        return difference == 0
    }

    /// An HMAC-SHA256 key with the inner and outer pad blocks already absorbed,
    /// so computing many tags under one key costs two compressions less each.
    package struct SHA256Key: Sendable {
        /// Hasher state after absorbing `K' XOR ipad`.
        private let inner: SHA256
        /// Hasher state after absorbing `K' XOR opad`.
        private let outer: SHA256

        /// Prepares `key` for HMAC-SHA256 (hashing it first if it is longer than
        /// 64 bytes); returns the prepared key.
        package init(_ key: [UInt8]) {
            var block = key.count > SHA256.blockSize ? SHA256.hash(key) : key
            block.append(contentsOf: repeatElement(0, count: SHA256.blockSize - block.count))
            var inner = SHA256()
            inner.update(block.map { $0 ^ 0x36 })
            var outer = SHA256()
            outer.update(block.map { $0 ^ 0x5c })
            self.inner = inner
            self.outer = outer
        }

        /// Computes the HMAC-SHA256 of `message` under this key; returns the
        /// 32-byte tag.
        package func authenticationCode(for message: [UInt8]) -> [UInt8] {
            message.withUnsafeBytes { authenticationCode(for: $0) }
        }

        /// Computes the HMAC-SHA256 of the bytes in `message` under this key;
        /// returns the 32-byte tag.
        package func authenticationCode(for message: UnsafeRawBufferPointer) -> [UInt8] {
            var innerHasher = inner
            innerHasher.update(message)
            let innerDigest = innerHasher.finalizeDigest()
            var outerHasher = outer
            withUnsafeBytes(of: innerDigest.bytes) { outerHasher.update($0) }
            return outerHasher.finalize()
        }

        /// Computes the HMAC-SHA256 of the concatenation of `parts` under this key (no copy
        /// of the parts is made); returns the 32-byte tag.
        package func authenticationCode(forParts parts: [UnsafeRawBufferPointer]) -> [UInt8] {
            var innerHasher = inner
            for part in parts { innerHasher.update(part) }
            let innerDigest = innerHasher.finalizeDigest()
            var outerHasher = outer
            withUnsafeBytes(of: innerDigest.bytes) { outerHasher.update($0) }
            return outerHasher.finalize()
        }
    }
}
