import Hashing
import AWSCore
import Foundation
@testable import Packaging
import TestSupport
import Testing

@Suite("Deterministic zip")
struct ZipWriterTests {
    func package(_ source: String, _ out: String, writer: ZipWriter = ZipWriter(), excludes: [String] = []) async throws
        -> PackageResult
    {
        try await Packager(writer: writer).package(source: source, excludes: excludes, out: out)
    }

    @Test("the same files give the same bytes, whatever their mtimes, the concurrency or the chunk timing")
    func deterministic() async throws {
        let tree = try TreeFixture()
        try tree.populateTypical()
        let copy = try tree.copyWithOtherTimes(to: "copy")
        let a = try await package(tree.source, tree.path + "/a.zip", writer: ZipWriter(concurrency: 1))
        let b = try await package(copy, tree.path + "/b.zip", writer: ZipWriter(concurrency: 8))
        #expect(a.sha256 == b.sha256)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a.path)) == Data(contentsOf: URL(fileURLWithPath: b.path)))
        // The digest computed while writing is the digest of the file.
        #expect(a.sha256Hex == (try sha256Hex(ofFile: a.path)))
        #expect(a.codeSha256 == ByteEncoding.base64(try SHA256Hasher.hash(fileAt: a.path)))
        #expect(a.entryCount == 6)
    }

    @Test(
        "unzip -t, Python's zipfile and Java read it back byte for byte; modes, times and order as promised",
        .tags(.python))
    func roundTripPython() async throws {
        let tree = try TreeFixture()
        try tree.populateTypical()
        // Small chunks: the multi-chunk paths (joined deflate streams, rewind to stored) are exercised.
        let result = try await package(
            tree.source, tree.path + "/a.zip", writer: ZipWriter(chunkSize: 64 * 1024, wholeLimit: 64 * 1024))
        let unzip = try runTool(["unzip", "-t", result.path])
        #expect(unzip.status == 0, "\(unzip.output)")
        let script = """
            import sys, zipfile, os
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            for info in z.infolist():
                data = z.read(info)
                with open(os.path.join(sys.argv[2], info.filename), 'rb') as f:
                    assert f.read() == data, info.filename
                print(info.filename, oct(info.external_attr >> 16), info.compress_type, info.date_time)
            """
        let python = try runTool(["python3", "-c", script, result.path, tree.source])
        #expect(python.status == 0, "\(python.output)")
        #expect(
            python.output == """
                bootstrap 0o100755 0 (1980, 1, 1, 0, 0, 0)
                empty.txt 0o100644 0 (1980, 1, 1, 0, 0, 0)
                index.py 0o100644 8 (1980, 1, 1, 0, 0, 0)
                lib/blob.bin 0o100644 0 (1980, 1, 1, 0, 0, 0)
                lib/data.json 0o100644 8 (1980, 1, 1, 0, 0, 0)
                lib/küche/ü.py 0o100644 0 (1980, 1, 1, 0, 0, 0)

                """)
        let directory = try ZipDirectory.read(path: result.path)
        // The incompressible multi-chunk file was rewound and stored; the JSON was deflated in chunks.
        #expect(directory.entries.first { $0.name == Array("lib/blob.bin".utf8) }?.method == 0)
        #expect(directory.entries.first { $0.name == Array("lib/data.json".utf8) }?.method == 8)
        #expect(directory.entries.first { $0.name == Array("lib/küche/ü.py".utf8) }?.flags == 1 << 11)
    }

    @Test(
        "Java's ZipFile reads every entry", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/java")))
    func java() async throws {
        let tree = try TreeFixture()
        try tree.populateTypical()
        let result = try await package(
            tree.source, tree.path + "/a.zip", writer: ZipWriter(chunkSize: 64 * 1024, wholeLimit: 64 * 1024))
        let program = try tree.file(
            "Check.java",
            """
            import java.util.zip.*; import java.io.*;
            public class Check { public static void main(String[] a) throws Exception {
              try (ZipFile z = new ZipFile(a[0])) { long n = 0; for (var e : java.util.Collections.list(z.entries())) {
                try (InputStream in = z.getInputStream(e)) { long c = in.transferTo(OutputStream.nullOutputStream()); if (c != e.getSize()) throw new Exception(e.getName()); n++; } }
                System.out.println("entries " + n); } } }
            """, base: "java")
        let run = try runTool(["java", program, result.path])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("entries 6"))
    }

    @Test("whole entries go through libdeflate: within 1% of zlib at level 6 or smaller, and read back by unzip")
    func libdeflateSizes() async throws {
        let tree = try TreeFixture()
        try tree.populateTypical()
        // Real code (this repository's Swift sources), and the text scripts/bench generates.
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Sources")
        var texts: [[UInt8]] = []
        let enumerator = FileManager.default.enumerator(atPath: sources.path)
        while let item = enumerator?.nextObject() as? String {
            guard item.hasSuffix(".swift") else { continue }
            texts.append(Array(try Data(contentsOf: sources.appendingPathComponent(item))))
        }
        #expect(texts.count > 50)
        let words = [
            "def", "return", "self", "import", "lambda", "value", "event", "context", "client", "region", "for", "in",
            "if", "else", "None", "True", "response", "request", "bucket", "key", "alias",
        ]
        // As scripts/bench generates it: files of about 50 kB.
        var generator = SystemRandomNumberGenerator()
        var generated: [[UInt8]] = []
        for _ in 0..<40 {
            var text = ""
            while text.utf8.count < 50_000 {
                text += String(repeating: "    ", count: Int.random(in: 0...3, using: &generator))
                text +=
                    (0..<Int.random(in: 3...12, using: &generator)).map { _ in
                        words.randomElement(using: &generator)!
                    }.joined(separator: " ") + "\n"
            }
            generated.append(Array(text.utf8))
        }
        for (name, inputs) in [("Swift sources", texts), ("generated text", generated)] {
            var ours = 0, theirs = 0
            let whole = try WholeDeflater(level: ZipWriter.libdeflateLevel(matching: 6))
            let zlib = try Deflater(level: 6)
            for bytes in inputs {
                ours += bytes.withUnsafeBytes { whole.compress($0)?.count ?? bytes.count }
                theirs += try bytes.withUnsafeBytes {
                    try zlib.compress($0, dictionary: UnsafeRawBufferPointer(start: nil, count: 0), finish: true).count
                }
            }
            #expect(Double(ours) <= Double(theirs) * 1.01, "\(name): libdeflate \(ours) bytes, zlib \(theirs)")
        }
        // Over a chunk and under wholeLimit: one whole entry.
        var big: [UInt8] = []
        while big.count < 3_000_000 { big += texts.joined() }
        try tree.file("gen/sources.swift", Data(big))
        let result = try await package(tree.source, tree.path + "/a.zip")
        let unzip = try runTool(["unzip", "-t", result.path])
        #expect(unzip.status == 0, "\(unzip.output)")
        let directory = try ZipDirectory.read(path: result.path)
        #expect(directory.entries.first { $0.name == Array("gen/sources.swift".utf8) }?.method == 8)
    }

    @Test("SOURCE_DATE_EPOCH sets every entry's time")
    func sourceDateEpoch() async throws {
        let tree = try TreeFixture()
        try tree.file("a.txt", "a")
        // 2024-02-29T13:45:30Z
        let result = try await package(tree.source, tree.path + "/a.zip", writer: ZipWriter(timestamp: 1_709_214_330))
        let entry = try #require(ZipDirectory.read(path: result.path).entries.first)
        #expect(entry.modDate == UInt16((2024 - 1980) << 9 | 2 << 5 | 29))
        #expect(entry.modTime == UInt16(13 << 11 | 45 << 5 | 15))
    }

    @Test("100,000 files: zip64 end records that unzip and Python read", .tags(.python))
    func zip64ManyEntriesPython() async throws {
        let tree = try TreeFixture()
        let source = tree.source
        for dir in 0..<100 {
            let directory = source + "/d\(dir)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for file in 0..<1000 {
                let fd = open(directory + "/f\(file)", O_WRONLY | O_CREAT, 0o644)
                _ = "\(dir)-\(file)".withCString { write(fd, $0, strlen($0)) }
                close(fd)
            }
        }
        let result = try await package(source, tree.path + "/many.zip")
        #expect(result.entryCount == 100_000)
        #expect(try ZipDirectory.read(path: result.path).entries.count == 100_000)
        let python = try runTool([
            "python3", "-c",
            "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(len(z.namelist()), z.read('d99/f999').decode())",
            result.path,
        ])
        #expect(python.output == "100000 99-999\n")
        let unzip = try runTool(["unzip", "-tq", result.path])
        #expect(unzip.status == 0, "\(unzip.output)")
    }

    @Test("a build over Lambda's 250 MB unzipped limit is refused before anything is written")
    func sizeLimit() async throws {
        let tree = try TreeFixture()
        let big = try tree.file("big.bin", "")
        truncate(big, 300 * 1024 * 1024)  // sparse: costs no disk
        let out = tree.path + "/big.zip"
        await #expect(throws: PackagingError.self) { try await package(tree.source, out) }
        #expect(!FileManager.default.fileExists(atPath: out))
        do {
            _ = try await package(tree.source, out)
        } catch let error as PackagingError {
            #expect(
                error.message.contains(
                    "holds 314,572,800 bytes unzipped, over Lambda's limit of 262,144,000 bytes (250 MB)"))
        }
        // One byte over the limit is reported exactly, not rounded to "250.0 MB".
        truncate(big, 262_144_001)
        do {
            _ = try await package(tree.source, out)
            Issue.record("one byte over the limit was accepted")
        } catch let error as PackagingError {
            #expect(error.message.contains("holds 262,144,001 bytes unzipped"))
        }
        #expect(Packager.grouped(0) == "0" && Packager.grouped(999) == "999" && Packager.grouped(1_000) == "1,000")
    }

    @Test("a prebuilt zip is hashed as it is and its unzipped size checked")
    func prebuilt() async throws {
        let tree = try TreeFixture()
        try tree.populateTypical()
        let made = try await package(tree.source, tree.path + "/a.zip")
        let taken = try Packager().prebuilt(zip: made.path)
        #expect(taken.sha256 == made.sha256)
        #expect(taken.uncompressedSize == made.uncompressedSize)
        let notZip = try tree.file("not.zip", "hello", base: ".")
        #expect(throws: PackagingError.self) { try Packager().prebuilt(zip: notZip) }
    }
}

/// What a package's progress reports, with the file's prefix as it was at each report.
final class RecordedProgress: PackageProgress, @unchecked Sendable {
    let path: String
    var planned: [UInt64] = []
    var reports: [(bytes: UInt64, prefix: Data)] = []
    var endedCount = 0

    init(path: String) { self.path = path }

    func planned(_ bytes: UInt64) { planned.append(bytes) }
    func committed(_ bytes: UInt64) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        reports.append((bytes, data.prefix(Int(bytes))))
    }
    func ended() { endedCount += 1 }
}

@Suite("Package progress (what an upload may send while packaging)")
struct PackageProgressTests {
    @Test(
        "bytes reported final never change afterwards, through an entry rewritten as stored; the last report is the whole file"
    )
    func finalMeansFinal() async throws {
        let tree = try TreeFixture()
        var random = SystemRandomNumberGenerator()
        // Incompressible entries larger than `wholeLimit`: deflated in chunks, then rewritten as
        // stored (the rewind) after more than a flush's worth of bytes went to disk.
        for index in 0..<3 {
            try tree.file(
                "blob\(index).bin", Data((0..<1_500_000).map { _ in UInt8.random(in: 0...255, using: &random) }))
        }
        try tree.file("text.txt", String(repeating: "lambda alias version weight\n", count: 80_000))
        let out = tree.path + "/a.zip"
        let progress = RecordedProgress(path: out)
        let writer = ZipWriter(chunkSize: 64 * 1024, concurrency: 2, wholeLimit: 64 * 1024)
        let result = try await Packager(writer: writer).package(source: tree.source, out: out, progress: progress)
        let final = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(progress.planned == [4_500_000 + 28 * 80_000])
        #expect(progress.endedCount == 1)
        #expect(progress.reports.count >= 3, "\(progress.reports.map(\.bytes))")
        #expect(progress.reports.map(\.bytes) == progress.reports.map(\.bytes).sorted())
        for report in progress.reports {
            #expect(report.prefix == final.prefix(Int(report.bytes)), "the first \(report.bytes) bytes changed")
        }
        #expect(progress.reports.last?.bytes == result.size)
        // The rewinds happened: the blobs are stored, not deflated.
        let unzip = try runTool(["unzip", "-v", out])
        #expect(unzip.output.split(separator: "\n").filter { $0.contains("blob") && $0.contains("Stored") }.count == 3)
    }

    @Test("a progress that throws stops the packaging with its error; ended is still heard")
    func stops() async throws {
        struct Refused: Error {}
        final class Refusing: PackageProgress, @unchecked Sendable {
            var endings = 0
            func planned(_ bytes: UInt64) {}
            func committed(_ bytes: UInt64) throws { throw Refused() }
            func ended() { endings += 1 }
        }
        let tree = try TreeFixture()
        try tree.file("text.txt", String(repeating: "lambda alias version weight\n", count: 200_000))
        let refusing = Refusing()
        await #expect(throws: Refused.self) {
            _ = try await Packager().package(source: tree.source, out: tree.path + "/a.zip", progress: refusing)
        }
        #expect(refusing.endings == 1)
    }
}
