import Hashing
import FoundationEssentials

/// Makes the deployment package: a deterministic zip of a build directory, or a prebuilt zip
/// taken as it is; either way hashed, and checked against Lambda's size limits before
/// anything is uploaded.
/// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
package struct Packager: Sendable {
    /// Lambda's limit on a function's unzipped code: 250 MB.
    package static let maxUnzippedBytes: UInt64 = 262_144_000

    package var writer: ZipWriter

    package init(writer: ZipWriter = ZipWriter()) { self.writer = writer }

    /// Zips `source` into `out`, leaving out version-control folders unless `includeHidden`,
    /// and warning about packaged files that usually hold secrets unless `includeHidden`.
    /// `progress` hears the unzipped size once the directory is read, then how much of `out`
    /// is final as it is written.
    /// `workingDirectory`: where a `.lambdaignore` outside the source (the repository's root) is
    /// looked for, to be named, since it is not read.
    package func package(
        source: String, excludes: [String] = [], includeHidden: Bool = false, out: String,
        progress: (any PackageProgress)? = nil, workingDirectory: String = FileManager.default.currentDirectoryPath
    ) async throws -> PackageResult {
        defer { progress?.ended() }
        let files = try BuildTree(root: source, excludes: excludes, includeHidden: includeHidden).files()
        let total = files.reduce(UInt64(0)) { $0 + $1.size }
        try Self.checkUnzipped(total, what: "The build directory \(source)")
        progress?.planned(total)
        var result = try await writer.write(files, to: out, progress: progress)
        if let stray = BuildTree.strayIgnoreFile(source: source, workingDirectory: workingDirectory) {
            result.warnings.append(
                "\(stray) is not read: only the .lambdaignore inside --source (\(source)) is; move its rules there, or pass them as --exclude."
            )
        }
        let secrets = includeHidden ? [] : BuildTree.secretLooking(files)
        if !secrets.isEmpty {
            let shown =
                secrets.prefix(5).joined(separator: ", ") + (secrets.count > 5 ? " and \(secrets.count - 5) more" : "")
            result.warnings.append(
                "The package holds \(shown), which usually hold\(secrets.count == 1 ? "s" : "") secrets and go\(secrets.count == 1 ? "es" : "") to S3 and Lambda with the code: leave \(secrets.count == 1 ? "it" : "them") out with --exclude or .lambdaignore, or pass --include-hidden if \(secrets.count == 1 ? "it belongs" : "they belong") there."
            )
        }
        return result
    }

    /// Takes a prebuilt zip: hashes it and checks its unzipped size.
    package func prebuilt(zip: String) throws -> PackageResult {
        let directory = try ZipDirectory.read(path: zip)
        try Self.checkUnzipped(directory.uncompressedSize, what: zip)
        let digest = try SHA256Hasher.hash(fileAt: zip)
        let size = (try? FileManager.default.attributesOfItem(atPath: zip)[.size] as? UInt64) ?? 0
        return PackageResult(
            path: zip, sha256: digest, size: size, entryCount: directory.entries.count,
            uncompressedSize: directory.uncompressedSize)
    }

    static func checkUnzipped(_ bytes: UInt64, what: String) throws {
        guard bytes <= maxUnzippedBytes else {
            throw PackagingError(
                "\(what) holds \(grouped(bytes)) bytes unzipped, over Lambda's limit of \(grouped(maxUnzippedBytes)) bytes (250 MB): exclude what the function does not need (.lambdaignore, --exclude) or move dependencies to a layer or a container image."
            )
        }
    }

    /// `262,144,001`: exact bytes, grouped by thousands, the same on every machine (no locale).
    package static func grouped(_ bytes: UInt64) -> String {
        let digits = Array(String(bytes))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

extension PackageResult {
    /// `1 file` or `12 files`.
    package var filesDescription: String { entryCount == 1 ? "1 file" : "\(entryCount) files" }
}
