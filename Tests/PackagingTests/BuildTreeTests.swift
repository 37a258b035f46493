import Foundation
@testable import Packaging
import Testing

@Suite("Build tree: exclusions and symlinks")
struct BuildTreeTests {
    func names(_ tree: TreeFixture, excludes: [String] = []) throws -> [String] {
        try BuildTree(root: tree.source, excludes: excludes).files().map { String(decoding: $0.entryName, as: UTF8.self) }
    }

    @Test("glob rules as in .gitignore")
    func globs() {
        let rules = IgnoreRules(patterns: ["*.pyc", "/build/", "docs/**/*.md", "!keep.pyc", "tests/", "a?c", "[0-9]*.log"])
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
        #expect(files.map { String(decoding: $0.entryName, as: UTF8.self) } == ["alias.py", "linked/lib.py", "real/lib.py"])

        let outside = try TreeFixture()
        try outside.file("secret", "s", base: ".")
        try tree.symlink("escape", to: outside.path + "/secret")
        #expect {
            try BuildTree(root: tree.source).files()
        } throws: { ($0 as? PackagingError)?.message.contains("The symlink escape points outside the build directory") == true }
        try FileManager.default.removeItem(atPath: tree.source + "/escape")

        try tree.symlink("dangling", to: "nowhere")
        #expect { try BuildTree(root: tree.source).files() } throws: { ($0 as? PackagingError)?.message.contains("points nowhere") == true }
        try FileManager.default.removeItem(atPath: tree.source + "/dangling")

        try tree.symlink("real/loop", to: "..")
        #expect { try BuildTree(root: tree.source).files() } throws: { ($0 as? PackagingError)?.message.contains("makes a loop") == true }
    }

    @Test("a missing or empty build directory says what to do")
    func missingOrEmpty() throws {
        let tree = try TreeFixture()
        #expect { try BuildTree(root: tree.source).files() } throws: { ($0 as? PackagingError)?.message.contains("does not exist or is not a directory: build first") == true }
        try FileManager.default.createDirectory(atPath: tree.source, withIntermediateDirectories: true)
        #expect { try BuildTree(root: tree.source).files() } throws: { ($0 as? PackagingError)?.message.contains("has no files to package") == true }
    }

    @Test("an unreadable file is refused by name", .enabled(if: getuid() != 0))
    func unreadable() throws {
        let tree = try TreeFixture()
        try tree.file("secret.txt", "x", mode: 0o000)
        #expect { try BuildTree(root: tree.source).files() } throws: { ($0 as? PackagingError)?.message.contains("Cannot read secret.txt") == true }
    }
}
