// swift-tools-version:6.0
import PackageDescription

// Layers as targets (see README "Architecture"):
//   CZlib            system zlib through a module map
//   CSIMD            C for what Swift cannot say: CRC-32 by carry-less multiplication, SSE2 byte masks
//   CorsscanCore     shared value types: records, incidents, accounting, time parsing
//   CorsscanInput    files → decompressed byte chunks → lines / JSON objects
//   CorsscanAccessLog  access-log lines → AccessRecord (presets, templates, wrappers)
//   CorsscanBrowser  browser evidence (console, WebDriver, CDP, HAR, execution logs)
//   CorsscanAnalysis merge, correlation, classification, browser join
//   CorsscanReport   HTML / CSV / JSON / Prometheus / text writers
//   CorsscanCommand  options and the one pipeline that wires the stages together
// Input, AccessLog, Browser, Analysis and Report import only Core (Input also CZlib, CSIMD;
// AccessLog and Core also CSIMD).
// The per-record stages (core values, input, parsing, analysis, the pipeline) skip Swift's
// dynamic exclusivity checks in release builds: on class-held state touched once or more per
// record they cost ~14% of all instructions (callgrind on the benchmark's REST JSON input;
// README "Performance"). Debug builds and tests keep the checks.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "corsscan",
    products: [
        .executable(name: "corsscan", targets: ["corsscan"]),
        .executable(name: "corsscan-gen", targets: ["corsscan-gen"]),
        .executable(name: "corsscan-fuzz", targets: ["corsscan-fuzz"]),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // DWARF 4 debug info: valgrind 3.19 (callgrind, README "Performance") gives up on this
        // target's DWARF 5.
        .target(name: "CSIMD", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        .target(name: "CorsscanCore", dependencies: ["CSIMD"], swiftSettings: hotPath),
        .target(name: "CorsscanInput", dependencies: ["CorsscanCore", "CZlib", "CSIMD"], swiftSettings: hotPath),
        .target(name: "CorsscanAccessLog", dependencies: ["CorsscanCore", "CSIMD"], swiftSettings: hotPath),
        .target(name: "CorsscanBrowser", dependencies: ["CorsscanCore"]),
        .target(name: "CorsscanAnalysis", dependencies: ["CorsscanCore"], swiftSettings: hotPath),
        .target(name: "CorsscanReport", dependencies: ["CorsscanCore"]),
        .target(
            name: "CorsscanCommand",
            dependencies: [
                "CorsscanCore", "CorsscanInput", "CorsscanAccessLog", "CorsscanBrowser",
                "CorsscanAnalysis", "CorsscanReport",
            ],
            swiftSettings: hotPath
        ),
        .executableTarget(name: "corsscan", dependencies: ["CorsscanCommand"]),
        // Deterministic realistic traffic with injected CORS failures and ground truth
        // (SampleLogs/, benchmarks, end-to-end tests).
        .target(name: "CorsscanGenerator", dependencies: ["CorsscanCore", "CorsscanInput"]),
        .executableTarget(name: "corsscan-gen", dependencies: ["CorsscanGenerator"]),
        // Fuzz targets (Fuzz/run.sh builds it with libFuzzer; a plain build replays files).
        .executableTarget(
            name: "corsscan-fuzz",
            dependencies: ["CorsscanCore", "CorsscanInput", "CorsscanAccessLog", "CorsscanBrowser", "CorsscanReport", "CZlib"]
        ),

        .testTarget(name: "CorsscanCoreTests", dependencies: ["CorsscanCore"]),
        .testTarget(name: "CorsscanInputTests", dependencies: ["CorsscanInput", "CorsscanCore", "CZlib"]),
        .testTarget(name: "CorsscanAccessLogTests", dependencies: ["CorsscanAccessLog", "CorsscanCore"]),
        .testTarget(name: "CorsscanBrowserTests", dependencies: ["CorsscanBrowser", "CorsscanCore"]),
        .testTarget(name: "CorsscanAnalysisTests", dependencies: ["CorsscanAnalysis", "CorsscanCore"]),
        .testTarget(name: "CorsscanReportTests", dependencies: ["CorsscanReport", "CorsscanCore"],
                    exclude: ["Golden"]),
        .testTarget(name: "CorsscanGeneratorTests", dependencies: ["CorsscanGenerator", "CorsscanCore"],
                    exclude: ["SampleLogsGroundTruth"]),
        // Runs the built binaries (dependencies so `swift test` builds them; corsscan-fuzz
        // replays Fuzz/crashers/); fixtures are read
        // relative to the test files.
        .testTarget(
            name: "CorsscanCommandTests",
            dependencies: ["corsscan", "corsscan-fuzz", "CorsscanCommand", "CorsscanCore", "CorsscanInput",
                           "CorsscanAccessLog", "CorsscanAnalysis"],
            exclude: ["Fixtures"]
        ),
    ]
)
