import Foundation
import Testing

/// The public test API, proved from outside: `Examples/FriendsService` is a package of its own
/// that depends on this one by path, adds a service (a friends list) with only public API, and
/// runs deterministic failover tests on it with Swift Testing. This test copies it to a temporary
/// folder and runs its `swift test` there (a whole build of the package: minutes, so it is a long
/// test; `.ci/run` runs it).
@Suite("A package of one's own: a service and its failover tests through the public API")
struct OutsidePackageTests {
    @Test("Examples/FriendsService builds against this package and its own tests pass",
          .enabled(if: longTestsEnabled, "a long test: set CLUSTERSIM_LONG_TESTS=1 (.ci/run runs it)"),
          .timeLimit(.minutes(30)))
    func friendsServicePackage() throws {
        let root = experimentsDirectory.deletingLastPathComponent()
        let example = root.appendingPathComponent("Examples/FriendsService")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("friends-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: example, to: folder)
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(".build"))
        let out = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                 ["CLUSTERSIM_PATH=\(root.path)", "swift", "test", "--package-path", folder.path])
        #expect(out.status == 0, "swift test in the outside package failed:\n\(out.stdout.suffix(3000))\n\(out.stderr.suffix(3000))")
        #expect(out.stdout.contains("Friends service on a simulated cluster"), "its suite did not run:\n\(out.stdout.suffix(2000))")
    }
}
