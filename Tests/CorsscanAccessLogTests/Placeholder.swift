import XCTest

final class PlaceholderAccessLogTests: XCTestCase {}
