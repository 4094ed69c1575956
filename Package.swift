// swift-tools-version: 6.0
import PackageDescription

/// ClusterSim: the k2svc game-server cluster as Swift actors over a deterministic
/// simulated network or real TCP. No package dependencies: the toolchain only.
///
/// Linux only: the real-network runtime (sockets, epoll, threads) and the tools import Glibc
/// directly, without a Darwin alternative, so the package declares no Apple platform.
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "ClusterSim",
    products: [
        .library(name: "NetModel", targets: ["NetModel"]),
        .library(name: "Nodes", targets: ["Nodes"]),
        .library(name: "ClusterSim", targets: ["ClusterSim"]),
        .executable(name: "simctl", targets: ["simctl"]),
    ],
    targets: [
        .target(name: "NetModel", swiftSettings: swift6),
        .target(name: "Nodes", dependencies: ["NetModel"], swiftSettings: swift6),
        .target(name: "ClusterSim", dependencies: ["NetModel", "Nodes"], swiftSettings: swift6),
        .executableTarget(name: "simctl", dependencies: ["ClusterSim", "Nodes", "NetModel"], swiftSettings: swift6),
        .testTarget(name: "NetModelTests", dependencies: ["NetModel"], swiftSettings: swift6),
        .testTarget(name: "NodesTests", dependencies: ["Nodes", "NetModel"], swiftSettings: swift6),
        .testTarget(
            name: "ClusterSimTests",
            dependencies: ["ClusterSim", "Nodes", "NetModel", "simctl"],
            resources: [.copy("Fixtures")],
            swiftSettings: swift6
        ),
    ]
)
