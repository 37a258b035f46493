import AWSCore
import AWSServices
import FoundationEssentials
import Hashing
import Ports

/// `cleanup --artifacts`: the uploaded packages (and their sidecars) under the function's key
/// prefix that nothing needs any more. A package object version is kept when
/// - a remaining version of the function references it (`S3ObjectStorageMode` REFERENCE: Lambda
///   reads that object version at every cold start, so deleting it breaks the version);
/// - a remaining version runs its code (by CodeSha256: an alias serves it, a preview, or a
///   promotion with `--artifact` can still deploy it from here);
/// - it is younger than `--older-than` (default an hour: a deploy under way may not have
///   published it yet).
/// Objects lambda-shift did not write (no `.sha256` and `.base64sha256` sidecar beside them) are
/// never touched, only counted. Deleting an object version is for good: S3 keeps no copy.
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html
package struct ArtifactCleanup: Sendable {
    package var functions: any FunctionAPI
    package var buckets: any BucketAPI
    package var store: any ArtifactStore
    package var clock: any AWSClock

    package static let sidecarSuffixes = [".sha256", ".base64sha256"]
    /// Without `--older-than`, packages younger than this are kept.
    package static let defaultAge = 3600

    package struct Object: Sendable, Equatable {
        package var key: String
        package var versionId: String
    }

    package struct Result: Sendable, Equatable {
        /// Package and sidecar versions deleted (or, in a dry run, that would be).
        package var deleted: [Object] = []
        /// Package versions kept, with why.
        package var kept: [(object: Object, why: String)] = []
        /// Object versions under the prefix that lambda-shift did not write, left alone.
        package var foreign = 0

        package static func == (a: Result, b: Result) -> Bool {
            a.deleted == b.deleted && a.foreign == b.foreign && a.kept.map(\.object) == b.kept.map(\.object)
                && a.kept.map(\.why) == b.kept.map(\.why)
        }
    }

    package init(functions: any FunctionAPI, buckets: any BucketAPI, store: any ArtifactStore, clock: any AWSClock) {
        self.functions = functions
        self.buckets = buckets
        self.store = store
        self.clock = clock
    }

    package func run(function: String, bucket: String, prefix: String, olderThan: Int?, dryRun: Bool) async throws
        -> Result
    {
        // What every remaining version (and $LATEST) needs: the object it references, or its code.
        var referencedBy: [ReferencedObject: [String]] = [:]
        var runningCode: [String: [String]] = [:]
        for version in try await functions.listVersionsByFunction(function) {
            let code = try await functions.getFunction(function, qualifier: version.version)
            if let object = code.referencedObject {
                referencedBy[object, default: []].append(version.version)
            } else {
                runningCode[version.codeSha256, default: []].append(version.version)
            }
        }
        let listed = try await buckets.listObjectVersions(bucket, prefix: prefix).filter { !$0.isDeleteMarker }
        let keys = Set(listed.map(\.key))
        func isSidecar(_ key: String) -> Bool {
            Self.sidecarSuffixes.contains { key.hasSuffix($0) && keys.contains(String(key.dropLast($0.count))) }
        }
        // A package lambda-shift uploaded has both sidecars beside it.
        let packages = keys.filter { key in Self.sidecarSuffixes.allSatisfy { keys.contains(key + $0) } }
        var result = Result()
        result.foreign = listed.filter { !packages.contains($0.key) && !isSidecar($0.key) }.count
        let cutoff = clock.now().addingTimeInterval(-Double(olderThan ?? Self.defaultAge))
        var emptied: [String] = []
        for key in packages.sorted() {
            var keptAny = false
            for entry in listed.filter({ $0.key == key }) {
                let object = Object(key: key, versionId: entry.versionId)
                let location = ReferencedObject(bucket: bucket, key: key, versionId: entry.versionId)
                var running: [String]?
                if referencedBy[location] == nil, !runningCode.isEmpty {
                    let code = try await digest(bucket, entry)
                    running = runningCode[code]
                }
                if let versions = referencedBy[location] {
                    result.kept.append((object, "referenced by version \(versions.joined(separator: ", "))"))
                    keptAny = true
                } else if let versions = running {
                    result.kept.append((object, "the code of version \(versions.joined(separator: ", "))"))
                    keptAny = true
                } else if let modified = entry.lastModified, modified > cutoff {
                    result.kept.append(
                        (
                            object,
                            olderThan == nil
                                ? "uploaded within the last hour (a deploy may be under way)"
                                : "younger than --older-than"
                        ))
                    keptAny = true
                } else {
                    result.deleted.append(object)
                }
            }
            if !keptAny { emptied.append(key) }
        }
        // The sidecars describe the key's package: they go once no version of it is left.
        for key in emptied {
            for suffix in Self.sidecarSuffixes {
                result.deleted += listed.filter { $0.key == key + suffix }.map {
                    Object(key: $0.key, versionId: $0.versionId)
                }
            }
        }
        if !dryRun {
            for object in result.deleted {
                try await buckets.deleteObject(bucket: bucket, key: object.key, versionId: object.versionId)
            }
        }
        return result
    }

    /// The object version's CodeSha256 (base64 SHA-256): S3's full-object checksum when the
    /// upload gave one, else the bytes hashed (a multipart upload's checksum is of its parts).
    func digest(_ bucket: String, _ entry: S3ObjectVersion) async throws -> String {
        if let checksum = try await store.describeObject(bucket: bucket, key: entry.key, versionId: entry.versionId)?
            .checksumSHA256, !checksum.contains("-")
        {
            return checksum
        }
        return ByteEncoding.base64(
            try await store.sha256OfObject(bucket: bucket, key: entry.key, versionId: entry.versionId))
    }
}
