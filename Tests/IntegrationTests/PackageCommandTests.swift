import Hashing
import AWSCore
import Foundation
import Testing

/// `lambda-shift package` as a user runs it: no AWS, a digest printed, bad trees refused.
@Suite("lambda-shift package")
struct PackageCommandTests {
    func tree() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ls-cmd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/src/lib", withIntermediateDirectories: true)
        try Data("print('hi')\n".utf8).write(to: URL(fileURLWithPath: root + "/src/app.py"))
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: root + "/src/bootstrap"))
        chmod(root + "/src/bootstrap", 0o755)
        return root
    }

    @Test("prints the digest as hex and as Lambda's base64, in text and JSON, matching the file")
    func digest() throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try Shell.lambdaShift(
            ["package", "--source", root + "/src", "--out", root + "/out.zip", "--output", "json"],
            environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.all)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let digest = try SHA256Hasher.hash(fileAt: root + "/out.zip")
        #expect(object["sha256"] as? String == ByteEncoding.hex(digest))
        #expect(object["code-sha256"] as? String == ByteEncoding.base64(digest))
        #expect(object["entries"] as? Int == 2)
        let text = try Shell.lambdaShift(
            ["package", "--source", root + "/src", "--out", root + "/again.zip"], environment: [:])
        #expect(text.stdout.contains("sha256       \(ByteEncoding.hex(digest))"))
    }

    @Test(
        "a repository's .git is left out and a .env is packaged with a warning naming it; --include-hidden says both are meant"
    )
    func hidden() throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/src/.git", withIntermediateDirectories: true)
        try Data("[core]\n".utf8).write(to: URL(fileURLWithPath: root + "/src/.git/config"))
        try Data("SECRET=1\n".utf8).write(to: URL(fileURLWithPath: root + "/src/.env"))
        let result = try Shell.lambdaShift(
            ["package", "--source", root + "/src", "--out", root + "/out.zip", "--output", "json"], environment: [:])
        #expect(result.status == 0, "\(result.all)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["entries"] as? Int == 3)  // app.py, bootstrap, .env
        #expect(
            result.stderr.contains(
                "The package holds .env, which usually holds secrets and goes to S3 and Lambda with the code: leave it out with --exclude or .lambdaignore, or pass --include-hidden if it belongs there."
            ), "\(result.stderr)")
        let listing = try Shell.run(["unzip", "-Z1", root + "/out.zip"])
        #expect(listing.stdout.split(separator: "\n").sorted() == [".env", "app.py", "bootstrap"])
        let excluded = try Shell.lambdaShift(
            ["package", "--source", root + "/src", "--out", root + "/ex.zip", "--exclude", ".env"], environment: [:])
        #expect(excluded.status == 0 && !excluded.stderr.contains("secrets"), "\(excluded.all)")
        let meant = try Shell.lambdaShift(
            ["package", "--source", root + "/src", "--out", root + "/all.zip", "--include-hidden"], environment: [:])
        #expect(meant.status == 0 && !meant.stderr.contains("secrets"), "\(meant.all)")
        let all = try Shell.run(["unzip", "-Z1", root + "/all.zip"])
        #expect(all.stdout.split(separator: "\n").sorted() == [".env", ".git/config", "app.py", "bootstrap"])
    }

    @Test("a symlink leaving the tree, a missing directory, or both --source and --zip: exit 2 with one sentence")
    func badInput() throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/src/lib/passwd", withDestinationPath: "/etc/passwd")
        let escape = try Shell.lambdaShift(
            ["package", "--source", root + "/src", "--out", root + "/out.zip"], environment: [:])
        #expect(escape.status == 2)
        #expect(
            escape.stderr
                == "error: The symlink lib/passwd points outside the build directory (to /etc/passwd): copy the target into the tree instead.\n"
        )
        #expect(!FileManager.default.fileExists(atPath: root + "/out.zip"))
        let missing = try Shell.lambdaShift(["package", "--source", root + "/nope"], environment: [:])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does not exist or is not a directory"))
        let both = try Shell.lambdaShift(["package", "--source", root + "/src", "--zip", "x.zip"], environment: [:])
        #expect(both.status == 2)
        #expect(both.stderr.contains("Give --source or --zip, not both."))
        let epoch = try Shell.lambdaShift(
            ["package", "--source", root + "/src", "--out", root + "/e.zip"],
            environment: ["SOURCE_DATE_EPOCH": "yesterday"])
        #expect(epoch.status == 2)
        #expect(epoch.stderr.contains("SOURCE_DATE_EPOCH is \"yesterday\""))
    }

    @Test("--out with --zip is refused (the package is that file as it is), not silently ignored")
    func outWithZip() throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let made = try Shell.lambdaShift(
            ["package", "--source", root + "/src", "--out", root + "/p.zip"], environment: [:])
        #expect(made.status == 0, "\(made.all)")
        let result = try Shell.lambdaShift(
            ["package", "--zip", root + "/p.zip", "--out", root + "/q.zip"], environment: [:])
        #expect(result.status == 2 && result.stderr.contains("--out is for --source only"), "\(result.all)")
        #expect(!FileManager.default.fileExists(atPath: root + "/q.zip"))
    }
}
