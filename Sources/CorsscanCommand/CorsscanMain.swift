import CorsscanCore

/// Entry point used by the `corsscan` executable.
public enum CorsscanMain {
    public static func run(arguments: [String]) -> Int32 { 0 }
}
