import AWSCore
import FoundationEssentials

/// One version of an object (or a delete marker), as ListObjectVersions lists it.
/// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
package struct S3ObjectVersion: Sendable, Equatable {
    package var key: String
    package var versionId: String
    package var isLatest: Bool
    package var isDeleteMarker: Bool
    package var lastModified: Date?
    package var size: Int

    package init(
        key: String, versionId: String, isLatest: Bool = true, isDeleteMarker: Bool = false, lastModified: Date? = nil,
        size: Int = 0
    ) {
        self.key = key
        self.versionId = versionId
        self.isLatest = isLatest
        self.isDeleteMarker = isDeleteMarker
        self.lastModified = lastModified
        self.size = size
    }
}

/// A bucket lifecycle rule, as far as it can remove object versions: its prefix (from
/// `Filter.Prefix`, `Filter.And.Prefix` or the older top-level `Prefix`; "" for the whole
/// bucket) and whether it expires current or noncurrent versions.
/// https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html
package struct S3LifecycleRule: Sendable, Equatable {
    package var id: String
    package var enabled: Bool
    package var prefix: String
    /// `Expiration` (Days or Date): current versions get a delete marker, becoming noncurrent.
    package var expiresCurrent: Bool
    /// `NoncurrentVersionExpiration.NoncurrentDays`: noncurrent versions are deleted for good.
    package var noncurrentDays: Int?

    package init(id: String, enabled: Bool, prefix: String, expiresCurrent: Bool, noncurrentDays: Int?) {
        self.id = id
        self.enabled = enabled
        self.prefix = prefix
        self.expiresCurrent = expiresCurrent
        self.noncurrentDays = noncurrentDays
    }

    /// Whether the rule can delete a version of `key` for good (Lambda then cannot read it).
    package func deletesVersions(of key: String) -> Bool {
        enabled && key.hasPrefix(prefix) && noncurrentDays != nil
    }
}

/// Bucket-level S3 calls: what a bucket keeps (versioning, lifecycle), who may read it (its
/// policy), where it is, and the object versions under a prefix.
extension S3Client {
    /// `Enabled`, `Suspended`, or nil for a bucket that never had versioning.
    /// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html
    package func bucketVersioning(_ bucket: String) async throws -> String? {
        let response = try await send(
            "GetBucketVersioning", "GET", bucket: bucket, key: "", query: [("versioning", "")])
        return try XMLNode.parse(response.body).text(at: "Status").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The bucket's region: an empty LocationConstraint is us-east-1, `EU` is eu-west-1.
    /// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
    package func bucketRegion(_ bucket: String) async throws -> String {
        let response = try await send("GetBucketLocation", "GET", bucket: bucket, key: "", query: [("location", "")])
        let constraint = String(try XMLNode.parse(response.body).text.filter { !$0.isWhitespace })
        switch constraint {
        case "": return "us-east-1"
        case "EU": return "eu-west-1"
        default: return constraint
        }
    }

    /// The bucket policy's JSON, or nil when the bucket has none (`NoSuchBucketPolicy`).
    /// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html
    package func bucketPolicy(_ bucket: String) async throws -> String? {
        do {
            let response = try await send("GetBucketPolicy", "GET", bucket: bucket, key: "", query: [("policy", "")])
            return String(decoding: response.body, as: UTF8.self)
        } catch let error as AWSServiceError where error.code == "NoSuchBucketPolicy" {
            return nil
        }
    }

    /// The bucket's lifecycle rules ([] when it has none: `NoSuchLifecycleConfiguration`).
    /// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html
    package func bucketLifecycleRules(_ bucket: String) async throws -> [S3LifecycleRule] {
        let response: HTTPResponse
        do {
            response = try await send(
                "GetBucketLifecycleConfiguration", "GET", bucket: bucket, key: "", query: [("lifecycle", "")])
        } catch let error as AWSServiceError where error.code == "NoSuchLifecycleConfiguration" {
            return []
        }
        return try XMLNode.parse(response.body).children("Rule").map { rule in
            let filter = rule.child("Filter")
            let prefix =
                filter?.text(at: "Prefix") ?? filter?.child("And")?.text(at: "Prefix") ?? rule.text(at: "Prefix") ?? ""
            let expiration = rule.child("Expiration")
            return S3LifecycleRule(
                id: rule.text(at: "ID") ?? "", enabled: rule.text(at: "Status") == "Enabled", prefix: prefix,
                expiresCurrent: expiration?.child("Days") != nil || expiration?.child("Date") != nil,
                noncurrentDays: rule.child("NoncurrentVersionExpiration")?.text(at: "NoncurrentDays").flatMap {
                    Int($0)
                })
        }
    }

    /// Every version and delete marker under `prefix`, paging with the key and version markers.
    package func listObjectVersions(_ bucket: String, prefix: String) async throws -> [S3ObjectVersion] {
        var all: [S3ObjectVersion] = []
        var markers: (key: String, version: String)?
        repeat {
            var query = [("versions", ""), ("prefix", prefix)]
            if let markers { query += [("key-marker", markers.key), ("version-id-marker", markers.version)] }
            let root = try XMLNode.parse(
                try await send("ListObjectVersions", "GET", bucket: bucket, key: "", query: query).body)
            for node in root.children where node.name == "Version" || node.name == "DeleteMarker" {
                all.append(
                    S3ObjectVersion(
                        key: node.text(at: "Key") ?? "", versionId: node.text(at: "VersionId") ?? "null",
                        isLatest: node.text(at: "IsLatest") == "true", isDeleteMarker: node.name == "DeleteMarker",
                        lastModified: node.text(at: "LastModified").flatMap(AWSTimestamp.parse),
                        size: node.text(at: "Size").flatMap { Int($0) } ?? 0))
            }
            markers =
                root.text(at: "IsTruncated") == "true"
                ? (root.text(at: "NextKeyMarker") ?? "", root.text(at: "NextVersionIdMarker") ?? "") : nil
        } while markers != nil
        return all
    }

    /// Deletes one object version for good (or, without a version, adds a delete marker).
    /// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
    package func deleteObject(bucket: String, key: String, versionId: String?) async throws {
        _ = try await send(
            "DeleteObject", "DELETE", bucket: bucket, key: key, query: versionId.map { [("versionId", $0)] } ?? [])
    }
}
