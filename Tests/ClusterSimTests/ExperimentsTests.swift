import Foundation
import Testing
import NetModel
@testable import ClusterSim

/// Every file of Experiments/.
let experimentFiles: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: experimentsDirectory.path)) ?? [])
    .filter { $0.hasSuffix(".json") }.sorted()

/// The experiments too large for a debug test run (100,000 clients: minutes on the release build;
/// the heavy 1,000-client mix: `.ci/run` runs it on the release build).
let largeExperimentFiles: Set<String> = ["15-mixed-100k.json", "16-heavy-1000.json"]

@Suite("Experiments/")
struct ExperimentsTests {
    @Test("there is an experiment for each flow the cluster issue names")
    func coverage() {
        #expect(experimentFiles.count >= 11)
    }

    @Test("each experiment passes all its checks", arguments: experimentFiles.filter { !largeExperimentFiles.contains($0) })
    func passes(file: String) throws {
        let experiment = try Experiment.load(path: experimentsDirectory.appendingPathComponent(file).path)
        #expect(!experiment.description.isEmpty, "\(file) needs a description that teaches")
        let (_, result) = RunResult.simulate(experiment)
        #expect(result.passed, "\(file):\n\(result.failures)")
    }

    /// Ten minutes on a two-core machine's debug build, so not part of `swift test`: `.ci/run` runs
    /// the same 50 seeds on the release build (`simctl sweep Experiments/11-mixed-1000.json
    /// --seeds 1-50 --jobs 2`), and `CLUSTERSIM_LONG_TESTS=1 swift test --filter mixedSweep` runs
    /// this test (on the release simctl when it is fresh, else the debug one).
    @Test("the mixed experiment passes on 50 seeds (separate simctl processes, both cores)",
          .enabled(if: longTestsEnabled, "a long test: set CLUSTERSIM_LONG_TESTS=1 (.ci/run sweeps these seeds on the release build)"))
    func mixedSweep() async throws {
        let simctl = try #require(fastestSimctl())
        let file = experimentsDirectory.appendingPathComponent("11-mixed-1000.json").path
        let failed = Box<[String]>([])
        let lock = NSLock()
        let seeds = Array(1...50)
        // Two worker threads of our own (not the cooperative pool, which other tests need).
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            Thread {
                DispatchQueue.concurrentPerform(iterations: 2) { worker in
                    for seed in seeds where seed % 2 == worker {
                        let out = (try? runProcess(simctl, ["run", file, "--seed", "\(seed)"]))
                        let last = out?.stdout.split(separator: "\n").last.map(String.init) ?? "no output"
                        if out?.status != 0 || !last.hasPrefix("result=PASS") {
                            let failing = out?.stdout.split(separator: "\n").filter { $0.contains("✗") }
                                .joined(separator: "; ") ?? ""
                            lock.lock(); failed.value.append("seed \(seed): \(last) \(failing)"); lock.unlock()
                        }
                    }
                }
                finished.resume()
            }.start()
        }
        #expect(failed.value.isEmpty, "failing seeds:\n\(failed.value.sorted().joined(separator: "\n"))")
    }
}

/// Whether the long tests run: `CLUSTERSIM_LONG_TESTS=1` (`.ci/run` runs their equivalents on the
/// release build instead).
let longTestsEnabled = ProcessInfo.processInfo.environment["CLUSTERSIM_LONG_TESTS"] == "1"

/// The release simctl when it was built after the last change to Sources/ (CI builds it first),
/// else the debug one.
func fastestSimctl() -> URL? {
    guard let debug = builtSimctl() else { return nil }
    let release = debug.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("release/simctl")
    let fm = FileManager.default
    func modified(_ path: String) -> Date? { (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date }
    let sources = experimentsDirectory.deletingLastPathComponent().appendingPathComponent("Sources")
    var newestSource = Date.distantPast
    if let walker = fm.enumerator(atPath: sources.path) {
        for case let file as String in walker where file.hasSuffix(".swift") {
            if let d = modified(sources.appendingPathComponent(file).path), d > newestSource { newestSource = d }
        }
    }
    guard fm.isExecutableFile(atPath: release.path), let built = modified(release.path), built >= newestSource else {
        return debug
    }
    return release
}
