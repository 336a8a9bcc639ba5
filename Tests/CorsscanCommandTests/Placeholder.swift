import XCTest

final class PlaceholderCommandTests: XCTestCase {}
