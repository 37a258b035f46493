import Hashing
import Synchronization

/// Caches derived SigV4 signing keys. A key depends only on the secret, the day, the region
/// and the service, so it is derived once per day/region/service rather than per request.
package final class SigningKeyCache: Sendable {
    private struct Key: Hashable {
        var secretDigest: [UInt8]
        var date: String
        var region: String
        var service: String
    }

    private let storage = Mutex<[Key: [UInt8]]>([:])
    private let derivations = Atomic<Int>(0)

    package init() {}

    /// How many keys were derived (not found in the cache): for tests.
    package var derivationCount: Int { derivations.load(ordering: .relaxed) }

    package func key(secret: String, date: String, region: String, service: String) -> [UInt8] {
        // The cache holds a digest of the secret, never the secret itself.
        let cacheKey = Key(
            secretDigest: SHA256Hasher.hash(Array(secret.utf8)), date: date, region: region, service: service)
        if let cached = storage.withLock({ $0[cacheKey] }) { return cached }
        let kDate = HMACSHA256.authenticate(date, key: Array(("AWS4" + secret).utf8))
        let kRegion = HMACSHA256.authenticate(region, key: kDate)
        let kService = HMACSHA256.authenticate(service, key: kRegion)
        let kSigning = HMACSHA256.authenticate("aws4_request", key: kService)
        derivations.add(1, ordering: .relaxed)
        storage.withLock { cache in
            if cache.count > 64 { cache.removeAll() }
            cache[cacheKey] = kSigning
        }
        return kSigning
    }
}
