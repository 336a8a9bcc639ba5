import XCTest
@testable import CorsscanAccessLog
import CorsscanCore
