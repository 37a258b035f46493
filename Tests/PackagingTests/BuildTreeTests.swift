import Foundation
@testable import Packaging
import TestSupport
import Testing

@Suite("Build tree: exclusions and symlinks")
struct BuildTreeTests {
    func names(_ tree: TreeFixture, excludes: [String] = []) throws -> [String] {
        try BuildTree(root: tree.source, excludes: excludes).files().map {
            String(decoding: $0.entryName, as: UTF8.self)
        }
    }

    @Test("glob rules as in .gitignore")
    func globs() {
        let rules = IgnoreRules(patterns: [
            "*.pyc", "/build/", "docs/**/*.md", "!keep.pyc", "tests/", "a?c", "[0-9]*.log",
        ])
        func ex(_ path: String, dir: Bool = false) -> Bool { rules.excludes(Array(path.utf8), isDirectory: dir) }
        #expect(ex("x.pyc") && ex("deep/er/x.pyc") && !ex("keep.pyc") && !ex("deep/keep.pyc"))
        #expect(ex("build", dir: true) && !ex("src/build", dir: true) && !ex("build"))
        #expect(ex("docs/a/b/c.md") && ex("docs/c.md") && !ex("docs/c.txt"))
        #expect(ex("tests", dir: true) && ex("pkg/tests", dir: true) && !ex("tests"))
        #expect(ex("abc") && !ex("abbc") && !ex("a/c"))
        #expect(ex("1.log") && !ex("x1.log"))
    }

    @Test(".lambdaignore and --exclude leave files out; the ignore file itself is never packaged")
    func exclusions() throws {
        let tree = try TreeFixture()
        try tree.file(".lambdaignore", "# tests and caches\ntests/\n*.pyc\n!important.pyc\n")
        try tree.file("app.py", "x")
        try tree.file("app.pyc", "x")
        try tree.file("important.pyc", "x")
        try tree.file("tests/test_app.py", "x")
        try tree.file("node_modules/.cache/big", "x")
        try tree.file("README.md", "x")
        #expect(try names(tree, excludes: ["node_modules/.cache/", "*.md"]) == ["app.py", "important.pyc"])
    }

    @Test("version-control folders are left out at any depth unless asked for; secret-looking files are named")
    func hiddenAndSecrets() throws {
        let tree = try TreeFixture()
        for path in [
            "app.py", ".git/config", ".git/objects/ab/cd", "vendor/lib/.hg/store", ".svn/entries", ".gitignore",
            ".env", ".env.production", "certs/server.pem", "keys/id_rsa", ".npmrc", "sub/.pypirc", "environment.py",
        ] {
            try tree.file(path, "x")
        }
        let packaged = try names(tree)
        #expect(!packaged.contains { $0.hasPrefix(".git/") || $0.contains("/.hg/") || $0.hasPrefix(".svn/") })
        #expect(packaged.contains(".gitignore") && packaged.contains("app.py") && packaged.contains("environment.py"))
        let files = try BuildTree(root: tree.source).files()
        #expect(
            BuildTree.secretLooking(files) == [
                ".env", ".env.production", ".npmrc", "certs/server.pem", "keys/id_rsa", "sub/.pypirc",
            ])
        let everything = try BuildTree(root: tree.source, includeHidden: true).files().map {
            String(decoding: $0.entryName, as: UTF8.self)
        }
        #expect(everything.contains(".git/config") && everything.contains("vendor/lib/.hg/store"))
        // .lambdaignore can re-include what the default leaves out, as any later rule can.
        try tree.file(".lambdaignore", "!.svn/\n")
        #expect(try names(tree).contains(".svn/entries"))
    }

    @Test("entries are sorted bytewise, not by locale")
    func sorting() throws {
        let tree = try TreeFixture()
        for name in ["b", "B", "a/z", "a-b", "ä", "a.b", "_x"] { try tree.file(name, "x") }
        #expect(try names(tree) == ["B", "_x", "a-b", "a.b", "a/z", "b", "ä"])
    }

    @Test("a symlink inside the tree is followed; one leaving it, a broken one or a loop is refused")
    func symlinks() throws {
        let tree = try TreeFixture()
        try tree.file("real/lib.py", "code")
        try tree.symlink("alias.py", to: "real/lib.py")
        try tree.symlink("linked", to: "real")
        let files = try BuildTree(root: tree.source).files()
        #expect(
            files.map { String(decoding: $0.entryName, as: UTF8.self) } == ["alias.py", "linked/lib.py", "real/lib.py"])

        let outside = try TreeFixture()
        try outside.file("secret", "s", base: ".")
        try tree.symlink("escape", to: outside.path + "/secret")
        #expect {
            try BuildTree(root: tree.source).files()
        } throws: {
            ($0 as? PackagingError)?.message.contains("The symlink escape points outside the build directory") == true
        }
        try FileManager.default.removeItem(atPath: tree.source + "/escape")

        try tree.symlink("dangling", to: "nowhere")
        #expect { try BuildTree(root: tree.source).files() } throws: {
            ($0 as? PackagingError)?.message.contains("points nowhere") == true
        }
        try FileManager.default.removeItem(atPath: tree.source + "/dangling")

        try tree.symlink("real/loop", to: "..")
        #expect { try BuildTree(root: tree.source).files() } throws: {
            ($0 as? PackagingError)?.message.contains("makes a loop") == true
        }
    }

    @Test("a missing or empty build directory says what to do")
    func missingOrEmpty() throws {
        let tree = try TreeFixture()
        #expect { try BuildTree(root: tree.source).files() } throws: {
            ($0 as? PackagingError)?.message.contains("does not exist or is not a directory: build first") == true
        }
        try FileManager.default.createDirectory(atPath: tree.source, withIntermediateDirectories: true)
        #expect { try BuildTree(root: tree.source).files() } throws: {
            ($0 as? PackagingError)?.message.contains("has no files to package") == true
        }
    }

    @Test("an unreadable file is refused by name", .enabled(if: getuid() != 0))
    func unreadable() throws {
        let tree = try TreeFixture()
        try tree.file("secret.txt", "x", mode: 0o000)
        #expect { try BuildTree(root: tree.source).files() } throws: {
            ($0 as? PackagingError)?.message.contains("Cannot read secret.txt") == true
        }
    }
}

@Suite("Hostile build trees")
struct HostileTreeTests {
    @Test("deep nesting and a non-ASCII UTF-8 name are packaged byte for byte", .tags(.python))
    func oddNamesPython() async throws {
        let tree = try TreeFixture()
        var deep = "d"
        for level in 1..<120 { deep += "/d\(level)" }
        try tree.file(deep + "/leaf.txt", "deep")
        try tree.file("café.txt", "utf8")
        let result = try await Packager().package(source: tree.source, out: tree.path + "/odd.zip")
        #expect(result.entryCount == 2)
        let names = try ZipDirectory.read(path: result.path).entries.map(\.name)
        #expect(names.contains(Array("café.txt".utf8)))
        #expect(names.contains(Array((deep + "/leaf.txt").utf8)))
        // Python reads every entry back.
        let check = try runTool([
            "python3", "-c",
            "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(sorted(z.read(i) for i in z.infolist()))",
            result.path,
        ])
        #expect(check.output == "[b'deep', b'utf8']\n")
    }

    @Test("a name with a newline, a backslash or bytes that are not UTF-8 is refused by name, unless excluded")
    func unpackableNames() throws {
        // A Latin-1 name: bytes that are not UTF-8.
        let invalid: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".txt".utf8)
        for (name, problem) in [
            (Array("line\nbreak.txt".utf8), "a newline"), (Array("dir\\file.txt".utf8), "a backslash"),
            (invalid, "bytes that are not UTF-8"),
        ] {
            let tree = try TreeFixture()
            try tree.file("ok.txt", "fine")
            let fd = open(cPath(Array(tree.source.utf8) + [0x2F] + name), O_WRONLY | O_CREAT, 0o644)
            close(fd)
            #expect {
                _ = try BuildTree(root: tree.source).files()
            } throws: { error in
                "\(error)".contains("has a name with \(problem)") && "\(error)".contains("rename it or exclude it")
            }
            let shown = String(decoding: name, as: UTF8.self).replacingOccurrences(of: "\n", with: "?")
                .replacingOccurrences(of: "\u{FFFD}", with: "?")
            let pattern = shown.replacingOccurrences(of: "\\", with: "?")
            #expect(try BuildTree(root: tree.source, excludes: [pattern]).files().count == 1, "\(pattern)")
        }
    }

    @Test("secret-looking names are matched without regard to case")
    func secretsAnyCase() throws {
        let tree = try TreeFixture()
        try tree.file("cert.PEM", "k")
        try tree.file(".ENV", "k")
        try tree.file("main.py", "code")
        let files = try BuildTree(root: tree.source, excludes: []).files()
        #expect(BuildTree.secretLooking(files).sorted() == [".ENV", "cert.PEM"])
    }

    @Test("a fifo in the tree is refused by name, before anything is written")
    func specialFile() throws {
        let tree = try TreeFixture()
        try tree.file("app.py", "x")
        mkfifo(tree.source + "/pipe", 0o644)
        #expect { try BuildTree(root: tree.source).files() } throws: {
            ($0 as? PackagingError)?.message
                == "pipe in the build directory is not a regular file or directory: remove or exclude it."
        }
        #expect(try BuildTree(root: tree.source, excludes: ["pipe"]).files().count == 1)
    }
}

@Suite("A .lambdaignore outside the source")
struct StrayIgnoreFileTests {
    @Test("a .lambdaignore at the repository root is named, since only the one inside --source is read")
    func strayNamed() async throws {
        let tree = try TreeFixture()
        try tree.file("main.py", "code")
        try tree.file(".lambdaignore", "*.md\n", base: "")
        let result = try await Packager().package(
            source: tree.source, out: tree.path + "/p.zip", workingDirectory: tree.path)
        #expect(result.warnings.contains { $0.contains(".lambdaignore is not read") }, "\(result.warnings)")
        // The source's own file is read, and not named.
        let inside = try await Packager().package(
            source: tree.source, out: tree.path + "/q.zip", workingDirectory: tree.source)
        #expect(!inside.warnings.contains { $0.contains("is not read") })
    }
}
