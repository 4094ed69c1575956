// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// A package of your own that adds a service to the ClusterSim cluster and tests it with
/// deterministic failover runs, using only ClusterSim's public API (docs/services.md).
///
/// It depends on ClusterSim by path: the repository two folders up, or the folder named by the
/// environment variable CLUSTERSIM_PATH (the repository's own test copies this package elsewhere
/// and sets it).
let clusterSim = ProcessInfo.processInfo.environment["CLUSTERSIM_PATH"]
    ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
let clusterSimPackage = URL(fileURLWithPath: clusterSim).lastPathComponent

let package = Package(
    name: "FriendsService",
    dependencies: [.package(path: clusterSim)],
    targets: [
        .target(name: "FriendsService", dependencies: [.product(name: "Nodes", package: clusterSimPackage)],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "FriendsServiceTests",
                    dependencies: ["FriendsService", .product(name: "ClusterSim", package: clusterSimPackage),
                                   .product(name: "Nodes", package: clusterSimPackage)],
                    swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)
