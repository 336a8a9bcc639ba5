#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CorsscanCommand

// All work, and the one mapping from outcome to exit status, lives in CorsscanCommand.
exit(CorsscanMain.run(arguments: Array(CommandLine.arguments.dropFirst())))
