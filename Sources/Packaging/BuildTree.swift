import LambdaShiftCore
import FoundationEssentials
import Glibc

/// One regular file to package.
package struct TreeFile: Sendable, Equatable {
    /// The path inside the zip: relative, `/`-separated, as raw bytes (names need not be UTF-8).
    package var entryName: [UInt8]
    /// Where to read it from (through a symlink when the tree holds one).
    package var sourcePath: [UInt8]
    package var size: UInt64
    package var executable: Bool
}

/// Walks a build directory into the sorted list of files to package.
///
/// Symlinks are followed, the way `zip -r` does by default: a link to a file inside the
/// tree is stored as a copy of that file under the link's name, a link to a directory inside
/// the tree is walked. A link whose target leaves the tree, a broken link, a link loop, an
/// unreadable file and anything that is not a file or directory (fifo, socket, device) is
/// an error. Entries are sorted bytewise by name.
package struct BuildTree: Sendable {
    package var root: String
    package var rules: IgnoreRules
    package static let ignoreFileName = ".lambdaignore"

    /// Version-control folders, left out at any depth unless `includeHidden`: a repository's
    /// whole history has no place in a function (`.lambdaignore` can still re-include one).
    package static let versionControlFolders = [".git", ".hg", ".svn"]

    /// Names of files that usually hold secrets: packaged when not excluded, with a warning.
    package static let secretLookingNames = [".env*", "*.pem", "id_rsa*", ".npmrc", ".pypirc"]

    package init(root: String, excludes: [String] = [], includeHidden: Bool = false) throws {
        self.root = root
        var rules = IgnoreRules(patterns: includeHidden ? [] : Self.versionControlFolders.map { $0 + "/" })
        let ignoreFile = root.hasSuffix("/") ? root + Self.ignoreFileName : root + "/" + Self.ignoreFileName
        if let text = try? String(contentsOfFile: ignoreFile, encoding: .utf8) { rules.add(fileText: text) }
        for pattern in excludes { rules.add(pattern) }
        rules.add("/" + Self.ignoreFileName)
        self.rules = rules
    }

    /// The files among `files` whose names usually hold secrets (`.env`, a private key), as
    /// paths in the zip.
    /// Matched without regard to ASCII case (`cert.PEM`, `.ENV` hold secrets as well).
    package static func secretLooking(_ files: [TreeFile]) -> [String] {
        let rules = IgnoreRules(patterns: secretLookingNames)
        func lowered(_ name: [UInt8]) -> [UInt8] { name.map { (0x41...0x5a).contains($0) ? $0 + 0x20 : $0 } }
        return files.filter { rules.excludes(lowered($0.entryName), isDirectory: false) }.map {
            String(decoding: $0.entryName, as: UTF8.self)
        }
    }

    package func files() throws -> [TreeFile] {
        var info = stat()
        guard stat(root, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw PackagingError(
                "The build directory \(root) does not exist or is not a directory: build first, or point --source at the build output."
            )
        }
        guard let resolvedRoot = realpath(root, nil) else {
            throw PackagingError("Cannot resolve the build directory \(root): check its permissions.")
        }
        let rootReal = Array(String(cString: resolvedRoot).utf8)
        free(resolvedRoot)
        var out: [TreeFile] = []
        var visited: Set<[UInt64]> = [[UInt64(info.st_dev), UInt64(info.st_ino)]]
        try walk(directory: Array(root.utf8), relative: [], rootReal: rootReal, visited: &visited, into: &out)
        out.sort { $0.entryName.lexicographicallyPrecedes($1.entryName) }
        if out.isEmpty {
            throw PackagingError(
                "The build directory \(root) has no files to package (after exclusions): check --source and .lambdaignore."
            )
        }
        return out
    }

    private func display(_ bytes: [UInt8]) -> String {
        // Names that are not UTF-8 are shown with replacement characters; newlines escaped.
        String(decoding: bytes, as: UTF8.self).replacingAll("\n", with: "\\n")
    }

    private func walk(
        directory: [UInt8], relative: [UInt8], rootReal: [UInt8], visited: inout Set<[UInt64]>,
        into out: inout [TreeFile]
    ) throws {
        guard let dir = opendir(cPath(directory)) else {
            throw PackagingError("Cannot read the directory \(display(directory)): check its permissions.")
        }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
        for name in names {
            let path = directory + [0x2f] + name
            let entryName = relative.isEmpty ? name : relative + [0x2f] + name
            if let problem = Self.unpackableName(name), !rules.excludes(entryName, isDirectory: false),
                !rules.excludes(entryName, isDirectory: true)
            {
                throw PackagingError(
                    "\(display(entryName)) in the build directory has a name with \(problem), which a zip cannot carry faithfully to Lambda: rename it or exclude it."
                )
            }
            var link = stat()
            guard lstat(cPath(path), &link) == 0 else {
                throw PackagingError("Cannot read \(display(path)): check its permissions.")
            }
            var target = link
            let isLink = (link.st_mode & S_IFMT) == S_IFLNK
            if isLink {
                guard let resolved = realpath(cPath(path), nil) else {
                    throw PackagingError("The symlink \(display(entryName)) points nowhere: fix or remove it.")
                }
                let real = Array(String(cString: resolved).utf8)
                free(resolved)
                guard real == rootReal || real.starts(with: rootReal + [0x2f]) else {
                    throw PackagingError(
                        "The symlink \(display(entryName)) points outside the build directory (to \(display(real))): copy the target into the tree instead."
                    )
                }
                guard stat(cPath(path), &target) == 0 else {
                    throw PackagingError("The symlink \(display(entryName)) points nowhere: fix or remove it.")
                }
            }
            switch target.st_mode & S_IFMT {
            case S_IFDIR:
                if rules.excludes(entryName, isDirectory: true) { continue }
                let key = [UInt64(target.st_dev), UInt64(target.st_ino)]
                if visited.contains(key) {
                    throw PackagingError(
                        "The symlink \(display(entryName)) makes a loop in the build directory: remove it.")
                }
                visited.insert(key)
                try walk(directory: path, relative: entryName, rootReal: rootReal, visited: &visited, into: &out)
                visited.remove(key)
            case S_IFREG:
                if rules.excludes(entryName, isDirectory: false) { continue }
                guard access(cPath(path), R_OK) == 0 else {
                    throw PackagingError(
                        "Cannot read \(display(entryName)) in the build directory: fix its permissions or exclude it.")
                }
                out.append(
                    TreeFile(
                        entryName: entryName, sourcePath: path, size: UInt64(target.st_size),
                        executable: target.st_mode & 0o111 != 0))
            default:
                if rules.excludes(entryName, isDirectory: false) { continue }
                throw PackagingError(
                    "\(display(entryName)) in the build directory is not a regular file or directory: remove or exclude it."
                )
            }
        }
    }
}

extension BuildTree {
    /// A `.lambdaignore` in `workingDirectory` (the repository's root, where a user may expect it
    /// to apply) that is not the one inside `source`, which alone is read; nil when there is none.
    static func strayIgnoreFile(source: String, workingDirectory: String) -> String? {
        let stray = workingDirectory + "/" + ignoreFileName
        guard FileManager.default.fileExists(atPath: stray) else { return nil }
        func real(_ path: String) -> String? {
            guard let resolved = realpath(path, nil) else { return nil }
            defer { free(resolved) }
            return String(cString: resolved)
        }
        guard let strayReal = real(stray), strayReal != real(source + "/" + ignoreFileName) else { return nil }
        return stray
    }

    /// Why a file name cannot go into the zip as it is: a newline (it would break every log line
    /// naming it), a backslash (zip readers take it for a path separator), or bytes that are not
    /// UTF-8 (the zip marks its names UTF-8); nil when it can.
    static func unpackableName(_ name: [UInt8]) -> String? {
        if name.contains(0x0a) || name.contains(0x0d) { return "a newline" }
        if name.contains(0x5c) { return "a backslash" }
        if String(validating: name, as: UTF8.self) == nil { return "bytes that are not UTF-8" }
        return nil
    }
}

/// A NUL-terminated copy of a byte path for C calls.
func cPath(_ bytes: [UInt8]) -> [CChar] {
    bytes.map { CChar(bitPattern: $0) } + [0]
}
