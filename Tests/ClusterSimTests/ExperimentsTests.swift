import Foundation
import Testing
import NetModel
@testable import ClusterSim

/// Every file of Experiments/.
let experimentFiles: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: experimentsDirectory.path)) ?? [])
    .filter { $0.hasSuffix(".json") }.sorted()

@Suite("Experiments/")
struct ExperimentsTests {
    @Test("there is an experiment for each flow the cluster issue names")
    func coverage() {
        #expect(experimentFiles.count >= 11)
    }

    @Test("each experiment passes all its checks", arguments: experimentFiles)
    func passes(file: String) throws {
        let experiment = try Experiment.load(path: experimentsDirectory.appendingPathComponent(file).path)
        #expect(!experiment.description.isEmpty, "\(file) needs a description that teaches")
        let (_, result) = RunResult.simulate(experiment)
        #expect(result.passed, "\(file):\n\(result.failures)")
    }

    @Test("the mixed experiment passes on 50 seeds (separate simctl processes, both cores)")
    func mixedSweep() throws {
        let simctl = try #require(fastestSimctl())
        let file = experimentsDirectory.appendingPathComponent("11-mixed-1000.json").path
        let failed = Box<[String]>([])
        let lock = NSLock()
        let seeds = Array(1...50)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for seed in seeds where seed % 2 == worker {
                let out = (try? runProcess(simctl, ["run", file, "--seed", "\(seed)"]))
                let last = out?.stdout.split(separator: "\n").last.map(String.init) ?? "no output"
                if out?.status != 0 || !last.hasPrefix("result=PASS") {
                    let failing = out?.stdout.split(separator: "\n").filter { $0.contains("✗") }.joined(separator: "; ") ?? ""
                    lock.lock(); failed.value.append("seed \(seed): \(last) \(failing)"); lock.unlock()
                }
            }
        }
        #expect(failed.value.isEmpty, "failing seeds:\n\(failed.value.sorted().joined(separator: "\n"))")
    }
}

/// The release simctl when it is at least as new as the debug one (CI builds it first), else the
/// debug one.
func fastestSimctl() -> URL? {
    guard let debug = builtSimctl() else { return nil }
    let release = debug.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("release/simctl")
    let fm = FileManager.default
    guard fm.isExecutableFile(atPath: release.path),
          let r = (try? fm.attributesOfItem(atPath: release.path))?[.modificationDate] as? Date,
          let d = (try? fm.attributesOfItem(atPath: debug.path))?[.modificationDate] as? Date, r >= d else { return debug }
    return release
}
