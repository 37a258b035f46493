import Fakes
import Foundation
import Hashing
import AWSServices
import Ports
import Synchronization
@testable import Pipeline
import Testing

/// A package uploaded while it is written (Pipeline/OverlappedUpload.swift), in-process: when
/// it starts, what it is told, and that every way out leaves nothing behind.
@Suite("Upload while packaging in-process")
struct OverlappedUploadTests {
    typealias World = DeployPipelineTests.World

    /// A world whose store streams every package, with 2.4 MB of incompressible files so the
    /// package file is flushed (and reported final) several times before it is complete.
    func world() throws -> World {
        let world = try World()
        world.lambda.seedAlias()
        world.store.streamingThreshold.withLock { $0 = 0 }
        var random = SystemRandomNumberGenerator()
        for index in 0..<4 {
            let bytes = Data((0..<600_000).map { _ in UInt8.random(in: 0...255, using: &random) })
            try bytes.write(to: URL(fileURLWithPath: world.source + "/blob\(index).bin"))
        }
        return world
    }

    @Test("a new key: the package goes up while it is written; the object is the package, every prefix as told")
    func overlaps() async throws {
        let world = try world()
        let result = await world.run(try world.plan { $0["strategy"] = "AllAtOnce" })
        #expect(result.outcome.word == "deployed", "\(result)")
        let uploads = world.store.streamed.withLock { $0 }
        try #require(uploads.count == 1)
        #expect(uploads[0].end.withLock { $0 } == .finished)
        let key = try #require(result.outputs["s3-key"])
        let object = try #require(world.store.objects.withLock { $0["artifacts/" + key] })
        #expect(ByteEncoding.hex(SHA256Hasher.hash(object)) == result.outputs["sha256"])
        // Told, in order, up to the whole file (and `finish` checked each prefix it was told was
        // final against the file as completed; whether parts go before the file is complete
        // depends on whether packaging outlasts the preflight: the relay test below proves it).
        let told = uploads[0].committed.withLock { $0.map(\.bytes) }
        #expect(told.last == UInt64(object.count), "\(told) of \(object.count)")
        #expect(told == told.sorted())
        #expect(world.store.uploads.withLock { $0 } == 1)
        #expect(world.events.lines.contains { $0.hasSuffix(", in parts sent while it was being packaged") })
    }

    @Test("a re-run of the same key is packaged first and skipped: no upload begins")
    func rerun() async throws {
        let world = try world()
        #expect(await world.run(try world.plan { $0["strategy"] = "AllAtOnce" }).outcome.word == "deployed")
        let again = await world.run(try world.plan { $0["strategy"] = "AllAtOnce" })
        #expect(again.outcome.word == "skipped", "\(again)")
        #expect(world.store.streamed.withLock { $0.count } == 1)
    }

    @Test("a new key for the code the alias already serves: the upload begun is aborted, and the report says so")
    func abortedOnSkip() async throws {
        let world = try world()
        #expect(await world.run(try world.plan { $0["strategy"] = "AllAtOnce" }).outcome.word == "deployed")
        let again = await world.run(
            try world.plan {
                $0["strategy"] = "AllAtOnce"
                $0["key"] = "elsewhere/{function}/package.zip"
            })
        #expect(again.outcome.word == "skipped", "\(again)")
        let uploads = world.store.streamed.withLock { $0 }
        try #require(uploads.count == 2)
        #expect(uploads[1].end.withLock { $0 } == .aborted)
        #expect(world.store.objects.withLock { $0["artifacts/elsewhere/svc/package.zip"] } == nil)
        #expect(world.events.lines.contains { $0.contains("upload begun while packaging was aborted") })
    }

    @Test("an upload that fails stops the packaging: exit 1, the upload aborted, nothing deployed")
    func uploadFails() async throws {
        let world = try world()
        world.store.streamingFails.withLock { $0 = true }
        let before = world.lambda.mutations.count
        let result = await world.run(try world.plan { $0["strategy"] = "AllAtOnce" })
        #expect(result.exitCode == 1, "\(result.reason ?? "")")
        #expect(result.reason?.contains("Access Denied") == true, "\(result)")
        #expect(world.store.streamed.withLock { $0.map { $0.end.withLock { $0 } } } == [.aborted])
        #expect(world.lambda.mutations.count == before)
    }

    @Test("no upload begins before the preflight has passed, nor below the store's threshold")
    func notStarted() async throws {
        let world = try world()
        let refused = await world.run(try world.plan { $0["bucket"] = "missing-bucket" })
        #expect(refused.exitCode == 2, "\(refused)")
        #expect(world.store.streamed.withLock { $0.isEmpty })

        world.store.streamingThreshold.withLock { $0 = 1 << 30 }
        let whole = await world.run(try world.plan { $0["strategy"] = "AllAtOnce" })
        #expect(whole.outcome.word == "deployed", "\(whole)")
        #expect(world.store.streamed.withLock { $0.isEmpty } && world.store.uploads.withLock { $0 } == 1)
        #expect(!world.events.lines.contains { $0.contains("while it was being packaged") })
    }

    @Test(
        "packaging refused before it starts (a bad SOURCE_DATE_EPOCH) ends the wait for its plan: exit 2, no upload",
        .timeLimit(.minutes(1)))
    func refusedBeforePackaging() async throws {
        let world = try world()
        let result = await world.run(
            try world.plan { $0["strategy"] = "AllAtOnce" }, environment: ["SOURCE_DATE_EPOCH": "2024-01-01"])
        #expect(result.exitCode == 2, "\(result.reason ?? "")")
        #expect(result.reason?.contains("SOURCE_DATE_EPOCH") == true)
        #expect(world.store.streamed.withLock { $0.isEmpty })
    }

    /// Records what an upload is told, for the relay test.
    final class Told: PackageUpload {
        let bytes = Mutex<[UInt64]>([])
        func committed(_ value: UInt64) throws { bytes.withLock { $0.append(value) } }
        func finish(size: UInt64, sha256: [UInt8]) async throws -> UploadedObject {
            UploadedObject(bucket: "b", key: "k", versionId: nil, multipart: true)
        }
        func abort() async {}
    }

    @Test("the relay: progress before the upload is attached is handed over at once, later progress as it comes")
    func relay() async throws {
        let relay = PackageRelay()
        async let planned = relay.plannedBytes()
        relay.planned(5_000_000)
        #expect(await planned == 5_000_000)
        try relay.committed(1 << 20)
        try relay.committed(2 << 20)
        let upload = Told()
        try relay.attach(upload)
        #expect(upload.bytes.withLock { $0 } == [2 << 20])
        try relay.committed(3 << 20)
        #expect(upload.bytes.withLock { $0 } == [2 << 20, 3 << 20])

        let unplanned = PackageRelay()
        async let none = unplanned.plannedBytes()
        unplanned.ended()
        #expect(await none == nil)

        // A cancelled wait ends with no plan (a signal while the tree is still being read).
        let waiting = PackageRelay()
        let task = Task { await waiting.plannedBytes() }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        #expect(await task.value == nil)
    }
}
